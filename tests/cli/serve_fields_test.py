#!/usr/bin/env python3
"""`awqbench-cli serve` on what a fresh user sends it: invalid UTF-8, a model folder whose name is
not UTF-8, and vLLM's request fields that change the answer.

usage: serve_fields_test.py AWQBENCH_CLI MODEL_DIR

Checks, on the demo model: a body with an ill-formed UTF-8 byte (in prompt, model, stop or a chat
message) is a 400 in OpenAI's shape naming the field, never a 500; a folder whose name is not UTF-8
is refused at load, naming the fix (rename it); chat_template_kwargs
reach the template (Qwen3's enable_thinking=false, on a copy of the model with Qwen3's template:
prompt_tokens are those of `chat-template --var enable_thinking=false`), add_generation_prompt false
and continue_final_message render as `chat-template` and transformers do, include_stop_str_in_output
keeps the stop string (streamed and not), truncate_prompt_tokens keeps the prompt's last N tokens,
and the other fields of vLLM's protocol that would change the answer are refused unless neutral.
"""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile

from clitest import Checks, served

cli, model = sys.argv[1:3]
check = Checks("serve_fields_test")
tmp = tempfile.mkdtemp(prefix="serve-fields-")

# Qwen3's own template tail: enable_thinking=false writes an empty think block after the opener.
QWEN3_TAIL = ("{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
              "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
              "{%- endif %}")
qwen3 = os.path.join(tmp, "qwen3-thinking")
shutil.copytree(model, qwen3)
with open(os.path.join(model, "chat_template.jinja")) as f:
    base = f.read()
cut = base.index("{% if add_generation_prompt %}")
with open(os.path.join(qwen3, "chat_template.jinja"), "w") as f:
    f.write(base[:cut] + QWEN3_TAIL)

# A folder whose name is not UTF-8 (bytes on Linux): os.fsencode keeps the byte as it is.
bad_name = os.fsdecode(b"bad\xffname")
bad = os.path.join(tmp, bad_name)
shutil.copytree(model, bad)


def request(port, method, path, body=None, raw=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    try:
        return r.status, json.loads(data.decode("utf-8"))  # strict: the answer must be UTF-8 JSON
    except (UnicodeDecodeError, ValueError):
        return r.status, data


def post(port, path, body):
    status, answer = request(port, "POST", path, body)
    check(status == 200 and isinstance(answer, dict), f"{path} {json.dumps(body)[:160]}: {status} {str(answer)[:300]}")
    return answer if isinstance(answer, dict) else {"choices": [{"text": "", "message": {"content": ""}}], "usage": {}}


def error(port, path, what, body=None, raw=None):
    status, answer = request(port, "POST", path, body, raw)
    err = answer.get("error", {}) if isinstance(answer, dict) else {}
    check(status == 400 and set(err) == {"message", "type", "param", "code"} and err["type"] == "invalid_request_error",
          f"{what}: a 400 in OpenAI's shape, got {status} {str(answer)[:300]}")
    return err


def streamed_text(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", path, body=json.dumps(dict(body, stream=True)), headers={"Content-Type": "application/json"})
    text = conn.getresponse().read().decode()
    conn.close()
    out = ""
    for event in text.split("\n\n"):
        if event.startswith("data: {"):
            choice = (json.loads(event[6:])["choices"] or [{}])[0]
            out += choice.get("text", "") or choice.get("delta", {}).get("content", "")
    return out


def rendered(folder, messages, *args):
    path = os.path.join(tmp, "messages.json")
    with open(path, "w") as f:
        json.dump(messages, f)
    r = subprocess.run([cli, "chat-template", "--model", folder, "--messages", path, *args], capture_output=True, text=True)
    check(r.returncode == 0, f"chat-template {args}: {r.stderr}")
    return r.stdout


def prompt_tokens(port, name, text):
    """How many tokens a text prompt has (the chat template's output has no BOS to add)."""
    return post(port, "/v1/completions", {"model": name, "prompt": text, "max_tokens": 1})["usage"]["prompt_tokens"]


MODEL = os.path.basename(os.path.normpath(model))
USER = [{"role": "user", "content": "Tell me a story."}]
story = {"prompt": "Once upon a time", "max_tokens": 8, "temperature": 0}
with served(cli, "--model", model, "--model", qwen3, name="serve_fields_test") as (port, _):
    # 1. Invalid UTF-8: 400 naming the field (it was a 500 "the HTTP library refused the request").
    for raw, path, field in [(b'{"model":"%s","prompt":"ab\xff\xfecd","max_tokens":3}' % MODEL.encode(), "/v1/completions", "prompt"),
                             (b'{"model":"tiny\xff","prompt":"ab","max_tokens":3}', "/v1/completions", "model"),
                             (b'{"model":"%s","prompt":"ab","stop":["x","\xff"]}' % MODEL.encode(), "/v1/completions", "stop[1]"),
                             (b'{"model":"%s","messages":[{"role":"user","content":"hi \xc3("}]}' % MODEL.encode(), "/v1/chat/completions",
                              "messages[0].content")]:
        err = error(port, path, f"invalid UTF-8 in {field}", raw=raw)
        check(err.get("param") == field and "UTF-8" in err.get("message", ""), f"the 400 names {field} and UTF-8: {err}")
    check(error(port, "/v1/completions", "a lone surrogate", raw=b'{"model":"x","prompt":"\\ud800"}') != {}, "a lone surrogate: 400")
    good = post(port, "/v1/completions", dict(story, model=MODEL))["choices"][0]["text"]

    # 2. chat_template_kwargs reach the template: enable_thinking=false as Qwen3's template writes it.
    name = "qwen3-thinking"
    thinking_off = rendered(qwen3, USER, "--add-generation-prompt", "--var", "enable_thinking=false")
    check(thinking_off.endswith("<think>\n\n</think>\n\n"), f"chat-template renders the empty think block: {thinking_off!r}")
    chat = {"model": name, "messages": USER, "max_tokens": 4, "temperature": 0}
    on = post(port, "/v1/chat/completions", chat)["usage"]["prompt_tokens"]
    off = post(port, "/v1/chat/completions", dict(chat, chat_template_kwargs={"enable_thinking": False}))["usage"]["prompt_tokens"]
    check(off == prompt_tokens(port, name, thinking_off) and off > on,
          f"enable_thinking=false: {off} prompt tokens, {prompt_tokens(port, name, thinking_off)} as chat-template renders it, {on} without")
    check(on == prompt_tokens(port, name, rendered(qwen3, USER, "--add-generation-prompt")), "the default render is chat-template's")

    # add_generation_prompt false: no assistant opener; continue_final_message: the last message left open.
    bare = rendered(model, USER)
    answer = post(port, "/v1/chat/completions", dict(chat, model=MODEL, add_generation_prompt=False))
    check(answer["usage"]["prompt_tokens"] == prompt_tokens(port, MODEL, bare), "add_generation_prompt false renders without the opener")
    prefill = USER + [{"role": "assistant", "content": "Once upon a time, there was"}]
    opened = rendered(model, prefill)
    opened = opened[:opened.rindex("Once upon a time, there was") + len("Once upon a time, there was")]
    cont = post(port, "/v1/chat/completions", dict(chat, model=MODEL, messages=prefill, add_generation_prompt=False,
                                                   continue_final_message=True, max_tokens=8))
    plain = post(port, "/v1/completions", {"model": MODEL, "prompt": opened, "max_tokens": 8, "temperature": 0})
    check(cont["usage"]["prompt_tokens"] == plain["usage"]["prompt_tokens"] and
          cont["choices"][0]["message"]["content"] == plain["choices"][0]["text"],
          f"continue_final_message continues the message: {cont['choices'][0]} vs {plain['choices'][0]}")
    err = error(port, "/v1/chat/completions", "continue_final_message with add_generation_prompt",
                dict(chat, model=MODEL, messages=prefill, continue_final_message=True))
    check(err.get("param") == "continue_final_message", f"both: {err}")

    # include_stop_str_in_output: the stop string stays at the end of the text, streamed and not.
    long = post(port, "/v1/completions", {"model": MODEL, "prompt": "Once upon a time", "max_tokens": 24, "temperature": 0})
    text = long["choices"][0]["text"]
    words = text.split()
    stop = " " + words[min(3, len(words) - 1)]
    body = {"model": MODEL, "prompt": "Once upon a time", "max_tokens": 24, "temperature": 0, "stop": [stop]}
    cut = post(port, "/v1/completions", body)["choices"][0]["text"]
    kept = post(port, "/v1/completions", dict(body, include_stop_str_in_output=True))
    check(kept["choices"][0]["text"] == cut + stop and kept["choices"][0]["finish_reason"] == "stop" and text.startswith(cut + stop),
          f"include_stop_str_in_output keeps {stop!r}: {kept['choices'][0]['text']!r} (without: {cut!r})")
    check(streamed_text(port, "/v1/completions", dict(body, include_stop_str_in_output=True)) == cut + stop,
          "include_stop_str_in_output keeps it when streamed")
    check(streamed_text(port, "/v1/completions", body) == cut, "a stop string is never streamed by default")

    # truncate_prompt_tokens: the prompt's last N tokens, as vLLM keeps them.
    ids = list(range(300, 320))
    short = post(port, "/v1/completions", {"model": MODEL, "prompt": ids, "max_tokens": 6, "temperature": 0, "truncate_prompt_tokens": 5})
    tail = post(port, "/v1/completions", {"model": MODEL, "prompt": ids[-5:], "max_tokens": 6, "temperature": 0})
    check(short["usage"]["prompt_tokens"] == 5 and short["choices"][0]["text"] == tail["choices"][0]["text"],
          f"truncate_prompt_tokens 5: {short['usage']} {short['choices'][0]['text']!r} vs {tail['choices'][0]['text']!r}")
    long_prompt = post(port, "/v1/completions", {"model": MODEL, "prompt": "once upon a time " * 10, "max_tokens": 1,
                                                 "truncate_prompt_tokens": 7})
    check(long_prompt["usage"]["prompt_tokens"] == 7, f"a text prompt truncated to 7 tokens: {long_prompt['usage']}")

    # Fields that would change the answer and are not implemented: refused, never ignored.
    for field, value in [("use_beam_search", True), ("guided_json", {"type": "object"}), ("guided_regex", "a+"),
                         ("guided_choice", ["yes", "no"]), ("guided_grammar", "root ::= 'a'"), ("prompt_logprobs", 1),
                         ("skip_special_tokens", False), ("spaces_between_special_tokens", False), ("stop_token_ids", [5]),
                         ("response_format", {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}),
                         ("bad_words", ["dog"]), ("allowed_token_ids", [1, 2])]:
        err = error(port, "/v1/completions", f"{field} refused", {"model": MODEL, "prompt": "Hi", field: value})
        check(err.get("param") == field, f"the 400 names {field}: {err}")
    for field, value in [("chat_template", "{{ 'x' }}"), ("add_special_tokens", True), ("tool_choice", "required")]:
        err = error(port, "/v1/chat/completions", f"chat {field} refused", dict(chat, model=MODEL, **{field: value}))
        check(err.get("param") == field, f"the 400 names {field}: {err}")
    neutral = {"use_beam_search": False, "skip_special_tokens": True, "spaces_between_special_tokens": True, "stop_token_ids": [],
               "include_stop_str_in_output": False, "guided_json": None, "priority": 0}
    check(post(port, "/v1/completions", dict(story, model=MODEL, **neutral))["choices"][0]["text"] == good,
          "the neutral values are accepted and change nothing")

# A folder whose name is not UTF-8 is refused at load with the fix (describeModel: a path that is not
# UTF-8 could be written into a run document or the pool's manifest but never found again).
r = subprocess.run([cli, "serve", "--model", bad, "--port", "0"], capture_output=True, timeout=120)
said = (r.stdout + r.stderr).decode("utf-8", "replace")
check(r.returncode == 2 and "not valid UTF-8" in said and "rename the folder" in said, f"non-UTF-8 folder: exit {r.returncode}: {said[-400:]}")

shutil.rmtree(tmp, ignore_errors=True)
check.finish()
