#!/usr/bin/env python3
"""Writes expected.txt of each chat-template CLI fixture: Python's jinja2 rendering the folder's
chat_template.jinja as transformers does (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loopcontrols, HF's tojson), with the variables the CLI test passes (see
tests/cli/CMakeLists.txt). Run from this folder: python3 make_expected.py"""
import json
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "core", "tokenizer", "data"))
from hf_jinja import hf_environment  # noqa: E402

env = hf_environment()


def special_tokens(folder):
    config = json.load(open(f"{folder}/tokenizer_config.json"))
    names = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "additional_special_tokens"]
    return {k: config[k] for k in names if config.get(k)}


def write(folder, add_generation_prompt, tools=None, **kwargs):
    messages = json.load(open(f"{folder}/messages.json"))
    template = env.from_string(open(f"{folder}/chat_template.jinja").read())
    out = template.render(messages=messages, tools=tools, documents=None, add_generation_prompt=add_generation_prompt,
                          **{**special_tokens(folder), **kwargs})
    open(f"{folder}/expected.txt", "w").write(out)


# chat-template --tools qwen3-tools/tools.json --var enable_thinking=false --add-generation-prompt
write("qwen3-tools", True, tools=json.load(open("qwen3-tools/tools.json")), enable_thinking=False)
# chat-template --var 'greeting="hi"' --var count=41 --var ratio=1.25 --var 'flags={"b":[1,2],"a":null}'
#   --var nothing=null --var 'tools=[{"name":"x"},{"name":"y"}]' --var 'bos_token="<override>"' --add-generation-prompt
write("custom-vars", True, tools=[{"name": "x"}, {"name": "y"}], greeting="hi", count=41, ratio=1.25,
      flags={"b": [1, 2], "a": None}, nothing=None, bos_token="<override>")
