#!/usr/bin/env python3
"""Renders every chat template under this folder (see SOURCES.md) with Python's jinja2 configured
as transformers configures it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols, HF's tojson, raise_exception and strftime_now, here at a fixed moment) for five conversations: system + user, multi-turn,
no system, tool calls (with tools) and unicode. test_chat_template renders the same with the C++
interpreter and compares byte for byte (or, where jinja2 raises, expects an error with jinja2's
message). Run from this folder: python3 make_real_template_cases.py > real_template_cases.json"""
import datetime
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hf_jinja import hf_environment  # noqa: E402

env = hf_environment()
# transformers' strftime_now, at a fixed moment so that the expected outputs don't change daily
FIXED_NOW = datetime.datetime(2024, 7, 26, 9, 30, 0)
env.globals["strftime_now"] = lambda format: FIXED_NOW.strftime(format)

# What every render gets besides the conversation: the special tokens a tokenizer_config.json
# typically sets.
CONTEXT = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}

TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Get the weather forecast for a city",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "The city name"},
            "days": {"type": "integer", "description": "Days ahead", "enum": [1, 2, 3]}},
            "required": ["city"]}}},
    {"type": "function", "function": {
        "name": "convert_currency", "description": "Convert an amount between currencies",
        "parameters": {"type": "object", "properties": {
            "amount": {"type": "number"}, "from": {"type": "string"}, "to": {"type": "string"}},
            "required": ["amount", "from", "to"]}}},
]

CONVERSATIONS = {
    "system-user": {"add_generation_prompt": True, "messages": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"}]},
    "multi-turn": {"add_generation_prompt": True, "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Hi there!"},
        {"role": "assistant", "content": "Hello! How can I help you today?"},
        {"role": "user", "content": "Write a haiku about the sea."},
        {"role": "assistant", "content": "Waves fold into foam,\nsalt wind carries gull voices,\nthe tide keeps its time."},
        {"role": "user", "content": "Now one about mountains."}]},
    "no-system": {"add_generation_prompt": True, "messages": [
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "Why did the scarecrow win an award? He was outstanding in his field."},
        {"role": "user", "content": "Another one, please."}]},
    "tool-call": {"add_generation_prompt": True, "tools": TOOLS, "messages": [
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "What's the weather in Paris for 2 days?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
        {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "{\"forecast\": [\"sunny\", \"cloudy\"], \"high_c\": 24.5}"},
        {"role": "assistant", "content": "Sunny today and cloudy tomorrow, up to 24.5 °C."},
        {"role": "user", "content": "And 100 EUR in USD?"}]},
    "unicode": {"add_generation_prompt": False, "messages": [
        {"role": "system", "content": "Réponds en français. 🇫🇷"},
        {"role": "user", "content": "Ünïcödé — 日本語のテキスト 👍\n\ttab, \"quotes\" and 'apostrophes' \\ backslash"},
        {"role": "assistant", "content": "  D'accord : « très bien » ✓  "}]},
}


def render(source, conversation):
    variables = dict(CONTEXT)
    variables.update(messages=conversation["messages"], tools=conversation.get("tools"), documents=None,
                     add_generation_prompt=conversation["add_generation_prompt"])
    return env.from_string(source).render(**variables)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    cases = []
    for path in sorted(glob.glob(os.path.join(here, "*", "*.jinja"))):
        source = open(path, encoding="utf-8").read()
        name = os.path.relpath(path, here)
        for conversation_name, conversation in CONVERSATIONS.items():
            case = {"template": name, "conversation": conversation_name}
            try:
                case["expected"] = render(source, conversation)
            except Exception as e:  # the template refuses the conversation (raise_exception) or fails
                case["error"] = str(e)
            cases.append(case)
    print(json.dumps({"context": CONTEXT, "now": FIXED_NOW.isoformat(), "conversations": CONVERSATIONS, "cases": cases},
                     ensure_ascii=False, indent=1))


main()
