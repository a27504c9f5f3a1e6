#!/usr/bin/env python3
"""Regenerates jinja_cases.json: templates + variables rendered by the reference Jinja2 with the
environment transformers uses for chat templates (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loopcontrols, HF's tojson / raise_exception). test_jinja compares the C++
interpreter against these outputs. Run: python3 make_jinja_cases.py > jinja_cases.json"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tokenizer", "data"))
from hf_jinja import hf_environment  # noqa: E402

env = hf_environment()

QWEN3 = open(__file__.replace("make_jinja_cases.py", "qwen3_template.jinja")).read()

QWEN25 = """{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

LLAMA3 = """{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions." }}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- set tool_call = message.tool_calls[0].function %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
        {{- '{"name": "' + tool_call.name + '", ' }}
        {{- '"parameters": ' }}
        {{- tool_call.arguments | tojson }}
        {{- "}" }}
        {{- "<|eot_id|>" }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""

MISTRAL = """{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system_message is defined %}
            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- ' [INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] + eos_token}}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
"""

GEMMA = """{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"""

PHI3 = """{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"""

# the ChatML template of the fixtures (tinystories-qwen3-7m/chat_template.jinja)
CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

SIMPLE = [{"role": "system", "content": "You are a storyteller."},
          {"role": "user", "content": "Tell me a story about a cat."}]
MULTI = [{"role": "user", "content": "Hi there!"},
         {"role": "assistant", "content": "Hello! How can I help?"},
         {"role": "user", "content": "  Write a poem about the sea, ünïcødé 🙂  "}]
THINK = [{"role": "system", "content": "Be brief."},
         {"role": "user", "content": "What is 2+2?"},
         {"role": "assistant", "content": "<think>\nsimple arithmetic\n</think>\n\nIt is 4."},
         {"role": "user", "content": "And 3+3?"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                         "required": ["city"]}}}]
TOOL_CHAT = [{"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "content": "", "tool_calls": [
                 {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
             {"role": "tool", "content": "{\"temp\": 21.5, \"sky\": \"clear\"}"},
             {"role": "tool", "content": "second result"},
             {"role": "assistant", "content": "It is 21.5 degrees and clear."}]

SPECIAL = {"bos_token": "<s>", "eos_token": "</s>"}

cases = []


def add(case_name, template, **variables):
    ctx = dict(variables)
    try:
        out = env.from_string(template).render(**ctx)
        cases.append({"name": case_name, "template": template, "variables": ctx, "expected": out})
    except Exception as e:  # TemplateError, and the TypeError / ValueError Python raises inside a render
        cases.append({"name": case_name, "template": template, "variables": ctx, "error": str(e)})


for msgs_name, msgs in [("simple", SIMPLE), ("multi", MULTI), ("think", THINK)]:
    for gen in (True, False):
        suffix = f"{msgs_name}-{'gen' if gen else 'nogen'}"
        add("chatml-" + suffix, CHATML, messages=msgs, add_generation_prompt=gen, tools=None, **SPECIAL)
        add("qwen2.5-" + suffix, QWEN25, messages=msgs, add_generation_prompt=gen, tools=None, **SPECIAL)
        add("qwen3-" + suffix, QWEN3, messages=msgs, add_generation_prompt=gen, tools=None, **SPECIAL)
        add("llama3-" + suffix, LLAMA3, messages=msgs, add_generation_prompt=gen, tools=None, bos_token="<|begin_of_text|>")
        add("mistral-" + suffix, MISTRAL, messages=msgs, add_generation_prompt=gen, tools=None, **SPECIAL)
        add("gemma-" + suffix, GEMMA, messages=msgs, add_generation_prompt=gen, tools=None, bos_token="<bos>")
        add("phi3-" + suffix, PHI3, messages=msgs, add_generation_prompt=gen, tools=None, eos_token="<|endoftext|>")
add("qwen3-tools", QWEN3, messages=TOOL_CHAT, add_generation_prompt=True, tools=TOOLS)
add("qwen3-no-thinking", QWEN3, messages=SIMPLE, add_generation_prompt=True, tools=None, enable_thinking=False)
add("qwen2.5-tools", QWEN25, messages=TOOL_CHAT, add_generation_prompt=True, tools=TOOLS)
add("llama3-tools", LLAMA3, messages=TOOL_CHAT[:3], add_generation_prompt=True, tools=TOOLS, bos_token="<|begin_of_text|>")

# Language features, one by one.
F = [
    ("text-only", "plain text\n", {}),
    ("whitespace-control", "a  {{- ' b ' -}}  c\n  {%- if true %}  d  {% endif -%}\n e", {}),
    ("trim-lstrip-blocks", "line1\n    {% if true %}\n    inside\n    {% endif %}\nline2\n", {}),
    ("plus-modifier", "x\n    {%+ if true %}y{% endif +%}\nz", {}),
    ("comments", "a{# comment #}b\n  {#- trimmed -#}  c", {}),
    ("raw", "{% raw %}{{ not parsed }}{% endraw %}!", {}),
    ("crlf", "a\r\nb{{ 'c\r\nd' }}\r\n", {}),
    ("literals", "{{ 1 }} {{ 1.5 }} {{ 2.0 }} {{ 1e20 }} {{ 0.0001 }} {{ 1e-5 }} {{ true }} {{ none }} {{ 'it\\'s' }} {{ \"q\" }}", {}),
    ("repr", "{{ [1, 'a', none, true, 2.5, {'k': 'v'}] }} {{ {'a': [1, 2]} }} {{ (1, 2) }} {{ [\"it's\"] }}", {}),
    ("arith", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 'ab' * 3 }} {{ 1 + 1.5 }} {{ -3 }}", {}),
    ("concat", "{{ 'a' ~ 1 ~ none ~ true }} {{ 'x' + 'y' }} {{ [1] + [2, 3] }}", {}),
    ("compare", "{{ 1 < 2 }} {{ 'a' < 'b' }} {{ 2 == 2.0 }} {{ 1 != 1 }} {{ [1, 2] == [1, 2] }} {{ 'b' in 'abc' }} {{ 3 not in [1, 2] }} {{ 'k' in {'k': 1} }}", {}),
    ("logic", "{{ 0 or 'fallback' }} {{ 'x' and 'y' }} {{ not none }} {{ none or [] }} {{ 'yes' if 1 > 0 else 'no' }} [{{ 'unused' if false }}]", {}),
    ("undefined", "[{{ missing }}] {{ missing is defined }} {{ missing is undefined }} {{ missing | default('dflt') }} {{ '' | default('empty', true) }} {% for x in missing %}never{% endfor %}{{ missing | length }}", {}),
    ("string-methods", "{{ '  pad  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\\n\\nhi'.lstrip('\\n') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a-b-c'.split('-', 1) }}|{{ 'a-b-c'.rsplit('-', 1) }}|{{ 'Hello'.upper() }}|{{ 'HeLLo'.lower() }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('x', 'lo')) }}|{{ 'hello'.find('l') }}|{{ 'hello'.count('l') }}|{{ '-'.join(['a', 'b']) }}", {}),
    ("string-index", "{{ 'hello'[1] }} {{ 'hello'[-1] }} {{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ 'ünï'[1] }} {{ 'ünïcode'[:3] }} {{ 'ünï' | length }}", {}),
    ("list-ops", "{{ [1, 2, 3][0] }} {{ [1, 2, 3][-1] }} {{ [1, 2, 3, 4][1:] }} {{ [1, 2, 3, 4][:-1] }} {{ [1, 2, 3, 4][::2] }} {{ [1, 2, 3][::-1] }} {{ [1, 2, 3][5] }}", {}),
    ("dict-ops", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('zz', 'none') }} {{ d['b'] }} {{ d.b }} {{ d.zz is defined }}", {"d": {"a": 1, "b": [2, 3]}}),
    ("filters", "{{ '  x  ' | trim }}|{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | sort(reverse=true) }}|{{ ['b', 'A', 'c'] | sort }}|{{ [1, 2] | first }}|{{ [1, 2] | last }}|{{ 'abc' | upper }}|{{ [1, 2, 3] | join(', ') }}|{{ 'a b' | replace(' ', '_') }}|{{ [1, 1, 2] | unique | list }}|{{ [1, 2, 3] | reverse | list }}|{{ 'abc' | reverse }}|{{ -3 | abs }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}|{{ '42' | int }}|{{ 'x' | int }}|{{ '1.5' | float }}|{{ 3 | string }}|{{ [1, 2, 3] | sum }}|{{ [4, 2, 9] | max }}|{{ [4, 2, 9] | min }}|{{ 'one two three' | wordcount }}|{{ 'hello' | capitalize }}|{{ 'a<b>' | e }}", {}),
    ("filters-attr", "{{ users | map(attribute='name') | join(',') }}|{{ users | selectattr('admin') | map(attribute='name') | list }}|{{ users | rejectattr('admin') | map(attribute='name') | list }}|{{ users | selectattr('name', 'equalto', 'bo') | list | length }}|{{ [1, 2, 3, 4] | select('even') | list }}|{{ [1, 2, 3, 4] | reject('odd') | list }}|{{ ['a', 'b'] | map('upper') | list }}|{{ users | sort(attribute='age') | map(attribute='name') | list }}|{{ users | sum(attribute='age') }}", {"users": [{"name": "al", "admin": True, "age": 30}, {"name": "bo", "admin": False, "age": 20}]}),
    ("tojson", "{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ 'ünï \"q\"\\n' | tojson }}|{{ [1.0, 2.5, none, true] | tojson }}|{{ {} | tojson }}|{{ [] | tojson(indent=2) }}", {"d": {"b": 1, "a": [1, {"x": "y"}], "c": None}}),
    ("items-dictsort", "{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %}|{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}", {"d": {"b": 2, "a": 1, "C": 3}}),
    ("indent", "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}", {}),
    ("tests", "{{ 1 is number }} {{ 1 is integer }} {{ 1.0 is float }} {{ 'x' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ none is none }} {{ 4 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ true is true }} {{ 1 is true }} {{ false is false }} {{ 'a' is eq 'a' }} {{ 3 is gt 2 }} {{ 'a' is in 'abc' }} {{ 1 is not string }} {{ 'abc' is lower }} {{ none is sameas none }}", {}),
    ("for-loop", "{% for x in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }}/{{ loop.previtem }}/{{ loop.nextitem }}/{{ loop.cycle('odd', 'even') }} {% endfor %}", {"items": ["a", "b", "c"]}),
    ("for-else-filter", "{% for x in [] %}no{% else %}empty{% endfor %} {% for x in range(10) if x is odd %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}", {}),
    ("for-break-continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("for-unpack", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}{% for c in 'héllo' %}[{{ c }}]{% endfor %}", {}),
    ("for-dict", "{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}", {}),
    ("range", "{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(10, 0, -3) | list }}", {}),
    ("scoping", "{% set x = 1 %}{% for i in range(2) %}{% set x = x + 10 %}{{ x }} {% endfor %}{{ x }} {% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("namespace", "{% set ns = namespace(count=0, found=false) %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.found }}", {}),
    ("set-block", "{% set block %}  hello {{ name }}  {% endset %}[{{ block }}]{% set t | trim | upper %}  x y  {% endset %}[{{ t }}]", {"name": "world"}),
    ("set-multi", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = (3, 4) %}{{ c }}", {}),
    ("macro", "{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }}", {}),
    ("macro-recursive", "{% macro render(v) %}{% if v is mapping %}{{ '{' }}{% for k, x in v.items() %}{{ k }}:{{ render(x) }};{% endfor %}{{ '}' }}{% else %}{{ v }}{% endif %}{% endmacro %}{{ render(d) }}", {"d": {"a": {"b": 1}, "c": 2}}),
    ("filter-block", "{% filter upper %}shout {{ 'this' }}{% endfilter %}", {}),
    ("if-elif", "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %} {% endfor %}", {}),
    ("nested-access", "{{ messages[0]['content'] }} {{ messages[0].content }} {{ messages[-1].role }} {{ messages | length }} {{ (messages | last).content[:4] }}", {"messages": SIMPLE}),
    ("raise", "{{ raise_exception('Roles must alternate') }}", {}),
    ("unicode-text", "{{ 'É' | lower }} {{ s | length }} {{ s[::-1] }}", {"s": "日本語👍"}),
    ("tojson-options", "{{ 'ünï 👍' | tojson(ensure_ascii=true) }} {{ {'k': 'é', 'a': 1} | tojson(sort_keys=true) }} {{ [1, [2]] | tojson(indent=1) }}", {}),
    ("format-filter", "{{ '%s is %d years, %r' | format('Al', 30, 'x') }} {{ '100%%' | format }}", {}),
    ("generation-free-loop-vars", "{% for m in messages %}{% if loop.first %}[{% endif %}{{ m.role }}{% if not loop.last %}, {% else %}]{% endif %}{% endfor %}", {"messages": MULTI}),
    ("numbers", "{{ 10 / 4 }} {{ 1 / 3 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 123456789.0 }} {{ 3.0 * 2 }} {{ 2 ** -1 }} {{ 7.5 // 2 }} {{ -0.5 | abs }}", {}),
]

# Undefined and None as jinja2's default Undefined and Python's None behave: what works
# (Undefined iterates as empty, prints as ""), and what raises (any other use of its value).
N = {"n": None}
F += [
    ("undefined-in", "{{ 'a' in u }} {{ 'a' not in u }} {{ u in [1] }} {{ 1 in u }} {{ u in u }} {{ u == u }} {{ u != 1 }} {{ u ~ 'x' }} {{ not u }} {{ u is iterable }} {{ u is sequence }} {{ u is none }} {{ 'citations' in controls }}", {}),
    ("undefined-filters", "{{ u | length }}|{{ u | list }}|{{ u | join(',') }}|{{ u | first }}|{{ u | last }}|{{ u | upper }}|{{ u | items | list }}|{{ u | string }}|{{ u | trim }}|{{ u | sort }}|{{ u | unique | list }}|{{ u | sum }}|{{ u | min }}|{{ u | max }}|{{ u | count }}|{{ u | wordcount }}|{{ u | replace('a', 'b') }}|{{ u | capitalize }}|{{ u | default('d') }}|{{ '%s' % u }}|{{ u | format }}|{{ [u, 1] | join(',') }}", {}),
    ("none-values", "{{ n.x }}|{{ n['x'] }}|{{ n[0] }}|{{ n ~ 1 }}|{{ n | default('x') }}|{{ n | string }}|{{ n | tojson }}|{{ n | trim }}|{{ n | upper }}|{{ n | int }}|{{ n | float }}|{{ n is none }}|{{ n is iterable }}|{{ n in [1, none] }}|{{ n == none }}", N),
    ("undefined-add", "{{ u + 1 }}", {}),
    ("undefined-radd", "{{ 'x' + u }}", {}),
    ("undefined-compare", "{{ u < 1 }}", {}),
    ("undefined-compare-right", "{{ 1 >= u }}", {}),
    ("undefined-attr", "{{ u.x }}", {}),
    ("undefined-item", "{{ u[0] }}", {}),
    ("undefined-neg", "{{ -u }}", {}),
    ("undefined-int", "{{ u | int }}", {}),
    ("undefined-tojson", "{{ u | tojson }}", {}),
    ("undefined-in-string", "{{ u in 'abc' }}", {}),
    ("undefined-dictsort", "{{ u | dictsort }}", {}),
    ("undefined-indent", "{{ u | indent }}", {}),
    ("undefined-call", "{{ u() }}", {}),
    ("none-in", "{{ 1 in n }}", N),
    ("none-for", "{% for x in n %}{{ x }}{% endfor %}", N),
    ("none-list", "{{ n | list }}", N),
    ("none-length", "{{ n | length }}", N),
    ("none-items", "{{ n | items | list }}", N),
    ("none-add", "{{ n + 1 }}", N),
    ("none-reverse", "{{ n | reverse }}", N),
    ("none-dictsort", "{{ n | dictsort }}", N),
    ("none-indent", "{{ n | indent }}", N),
    ("none-round", "{{ n | round }}", N),
    ("none-join", "{{ n | join }}", N),
    # select / reject / selectattr / rejectattr / map give nothing for any false value (jinja2 tests `if value:`)
    ("select-on-false", "{{ n | select | list }}|{{ n | reject | list }}|{{ n | selectattr('a') | list }}|{{ n | rejectattr('a', 'equalto', 1) | list }}|{{ n | map('upper') | list }}|{{ n | map(attribute='a') | list }}|{{ u | selectattr('type', 'equalto', 'x') | list | length }}|{{ tools | selectattr('type', 'equalto', 'code_interpreter') | list | length }}|{{ 0 | select | list }}|{{ '' | map('upper') | list }}|{{ false | rejectattr('a') | list }}|{{ 'ab' | map('upper') | join }}|{{ [] | map(attribute='x') | list }}", {"n": None, "tools": None}),
    ("select-on-int", "{{ 5 | select | list }}", {}),
    # dict literals keep their keys' types, and equal keys (1, 1.0, True) are one key, as in Python
    ("dict-literal-keys", "{% set d = {0: 'a', 512: 'b', 1.5: 'c', true: 'd', none: 'e', (1, 2): 'f', 'k': 'g'} %}{{ d }}|{{ d[0] }}{{ d[512] }}{{ d[1.5] }}{{ d[1] }}{{ d[none] }}{{ d[(1, 2)] }}{{ d.k }}|{{ d['0'] is defined }}|{{ 0 in d }}|{{ '0' in d }}|{{ (1, 2) in d }}|{{ d.get(512) }}|{{ d.get('512', 'no') }}|{{ d | length }}|{% for k in d %}{{ k is number }},{% endfor %}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{{ d.keys() | list }}|{{ d | items | list }}", {}),
    ("dict-key-collapse", "{{ {1: 'a', true: 'b', 1.0: 'c'} }} {{ {0: 'x'}[0.0] }} {{ {0: 'x'}[false] }} {{ {'1': 'a', 1: 'b'} | length }} {{ {1: 'x'}['1'] is defined }} {{ {1: 2} == {1.0: 2} }} {{ {1: 2} == {'1': 2} }} {{ dict({2: 'a'}, b=1) }}", {}),
    ("dictsort-int-keys", "{% set budget = {0: 0, 512: 128, 1024: 256, 2048: 512} %}{% for k, v in budget | dictsort %}{% if 600 <= k %}{{ k }}:{{ v }} {% endif %}{% endfor %}|{{ {10: 'a', 9: 'b', 100: 'c'} | dictsort }}|{{ {'b': 1, 'A': 2, 'a': 3} | dictsort }}|{{ {'b': 1, 'A': 2} | dictsort(true) }}|{{ {1: 'b', 2: 'a'} | dictsort(by='value') }}|{{ {1: 'b', 2: 'a'} | dictsort(reverse=true) }}", {}),
    ("tuple-vs-list", "{{ (1, 2) == [1, 2] }} {{ (1, 2) == (1, 2) }} {{ [(1, 2)] | first }} {{ (1,) }} {{ () }} {{ (1, 2) in [(1, 2)] }} {{ [1, 2] in [(1, 2)] }} {{ (1, 'a') < (1, 'b') }}", {}),
    ("tojson-dict-keys", "{{ {0: 'a', 1.5: 'b', true: 'c', none: 'd', 'e': 1} | tojson }}|{{ {10: 'x', 9: 'y'} | tojson(sort_keys=true) }}|{{ {2.5: 1, 1: 2} | tojson(sort_keys=true, indent=1) }}", {}),
    ("dict-unhashable-key", "{{ {[1]: 2} }}", {}),
    ("in-dict-unhashable", "{{ [1] in {1: 2} }}", {}),
    ("tojson-tuple-key", "{{ {(1, 2): 3} | tojson }}", {}),
    ("tojson-mixed-keys-sorted", "{{ {1: 3, 'a': 2} | tojson(sort_keys=true) }}", {}),
    ("integer-literals", "{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }} {{ 0X1f }} {{ 0x_ff }} {{ 2_0.5 }}", {}),
    # {% call %} blocks: the body becomes caller() of the macro, with parameters, seeing the call site
    ("call-block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 + 1 }}{% endcall %}", {}),
    ("call-block-args", "{% macro each(items) %}{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}{% endmacro %}{% call(item, n) each(['a', 'b']) %}{{ n }}={{ item }};{% endcall %}", {}),
    ("call-block-closure", "{% set x = 5 %}{% macro m() %}{{ caller() }}{% endmacro %}{% for i in [1, 2] %}{% call m() %}{{ x }}{{ i }}{% endcall %}{% endfor %}{% call m() %}ab{% set q = 1 %}{% endcall %}[{{ q }}]", {}),
    ("call-block-defaults", "{% macro m(x) %}{{ caller(x) }}|{{ caller(x, 2) }}|{{ caller() }}{% endmacro %}{% call(a, b=7) m(1) %}{{ a }}{{ b }}{% endcall %}", {}),
    ("call-block-optional-caller", "{% macro m() %}{% if caller is defined %}{{ caller() }}{% else %}none{% endif %}{% endmacro %}{{ m() }}|{% call m() %}c{% endcall %}|{% call() m() %}d{% endcall %}", {}),
    ("call-block-nested", "{% macro outer() %}[{{ caller() }}]{% endmacro %}{% macro inner(t) %}({{ t }}{{ caller() | upper }}){% endmacro %}{% call outer() %}{% call inner('x') %}y{% endcall %}{% endcall %}", {}),
    ("call-block-filter", "{% macro m() %}{{ caller() | trim | upper }}{% endmacro %}{% call m() %}   padded   {% endcall %}", {}),
    ("call-block-whitespace", "{% macro m() -%}\n  <{{ caller() }}>\n{%- endmacro %}\n{% call m() %}\n  body\n{% endcall %}\nafter\n", {}),
    ("macro-varargs-kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}|{{ m(1) }}|{% macro v() %}{{ varargs | length }}{% endmacro %}{{ v(1, 2) }}", {}),
    ("macro-too-many-args", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}", {}),
    ("macro-unknown-keyword", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, k=2) }}", {}),
    # str % args: Python's printf-style formatting; the format filter is the same operator
    ("percent-format", "{{ '%s=%d (%.2f)' % ('x', 3, 2.5) }}|{{ '%s' % none }}|{{ '%(a)s-%(b)05.1f' % {'a': 'x', 'b': 2.25} }}|{{ '%x %X %o %#x %#o %#X %e %E %g %G' % (255, 255, 8, 255, 8, 255, 1234.5, 0.00001, 1e20, 1e-10) }}|{{ 'a' % () }}|{{ '%s' % [1, 2] }}|{{ '%d%%' % 50 }}|{{ '%-5s|%5s|%.2s' % ('ab', 'cd', 'xyz') }}|{{ '%+05d|% d|%.3d|%5.1f|%-6.2f|%-+4d' % (3, 5, -5, 3.14159, 2.5, 7) }}|{{ '%r %r %r %a' % ('it\\'s', 1.0, [1, 'a'], 'é') }}|{{ '%c%c' % (72, 'i') }}|{{ '%*d|%-*d|%.*f' % (4, 1, 4, 2, 2, 3.14159) }}|{{ '%i %u %d %ld' % (true, 7, 2.9, -3) }}|{{ '%s' % (1,) }}|{{ '%s %s' % ((1, 2), 'x') }}|{{ '%#g %g %.3g' % (1.0, 0.0001, 1234567) }}|{{ '%5s|%-4s|%.2s' % ('é', 'ü', 'ñandú') }}|{{ '%s' % {'a': 1} }}|{{ 7 % 3 }}", {}),
    ("percent-format-filter", "{{ '%05.1f|%x|%s' | format(2.25, 255, none) }} {{ '%(x)s!' | format(x='hi') }} {{ '%s' | format([1]) }}", {}),
    ("percent-too-few", "{{ '%s %s' % ('a',) }}", {}),
    ("percent-too-many", "{{ '%s' % (1, 2) }}", {}),
    ("percent-unused-argument", "{{ 'abc' % 5 }}", {}),
    ("percent-bad-type", "{{ '%d' % 'x' }}", {}),
    ("percent-bad-integer", "{{ '%x' % 2.0 }}", {}),
    ("percent-bad-real", "{{ '%f' % 'x' }}", {}),
    ("percent-unknown", "{{ '%z' % 1 }}", {}),
    ("percent-needs-mapping", "{{ '%(a)s' % (1,) }}", {}),
    ("percent-missing-key", "{{ '%(b)s' % {'a': 1} }}", {}),
    ("percent-incomplete", "{{ 'x%' % () }}", {}),
    # transformers' tojson: json.dumps(x, ensure_ascii, indent, separators, sort_keys)
    ("tojson-separators", "{{ [1, 2] | tojson(separators=(',', ':')) }}|{{ {'a': [1, {'b': 2}]} | tojson(separators=(',', ':')) }}|{{ {'a': 1, 'b': 2} | tojson(indent=2, separators=(',', ': ')) }}|{{ {'a': [1, 2]} | tojson(indent=2, separators=(',', ':')) }}|{{ {'a': 1, 'b': [2]} | tojson(separators=[';', '=']) }}|{{ [1, 2] | tojson(indent='\\t') }}|{{ [1, [2]] | tojson(indent=0) }}|{{ [1] | tojson(indent=-1) }}|{{ {'b': 1, 'a': 2} | tojson(none, none, none, true) }}|{{ 'é' | tojson(true) }}|{{ {'é': 'ü', 'a': 'x'} | tojson(ensure_ascii=true, sort_keys=true, indent=1) }}|{{ (1, 2) | tojson }}|{{ [] | tojson(indent=2, separators=(',', ':')) }}|{{ {'a': none, 'b': true, 'c': 1.0} | tojson(separators=(', ', ': ')) }}", {}),
    ("tojson-namespace", "{{ namespace(a=1) | tojson }}", {}),
    ("tojson-bad-separators", "{{ [1] | tojson(separators=(',',)) }}", {}),
    # what a missing item is, and the error for using it, in jinja2's words
    ("missing-attribute", "{{ d.x + 1 }}", {"d": {"a": 1}}),
    ("missing-element", "{{ [1][5] + 1 }}", {}),
    ("missing-on-none", "{{ n.x + 1 }}", N),
    ("missing-element-on-none", "{{ n[0] + 1 }}", N),
    ("missing-string-element", "{{ 'abc'[7] + 'x' }}", {}),
    ("missing-method", "{{ 'abc'.zz() }}", {}),
    ("empty-first", "{{ ([] | first) + 1 }}", {}),
    ("empty-max", "{{ ([] | max) + 1 }}", {}),
    ("no-previous-item", "{% for x in [1] %}{{ loop.previtem + 1 }}{% endfor %}", {}),
    ("concat-str-int", "{{ 'a' + 1 }}", {}),
    ("concat-list-tuple", "{{ [1] + (2,) }}", {}),
    # map / select / reject / selectattr / rejectattr / unique / items give generators: one pass,
    # always true, no length or index or JSON; reverse gives an iterator
    ("generators", "{% set g = [1, 2, 3] | map('string') %}{{ g | list }}{{ g | list }}|{{ ([] | select) is iterable }}|{% if [] | select %}true-when-empty{% endif %}|{% if [] | select | list %}never{% endif %}|{{ [3, 1] | reverse | list }}|{{ (['a'] | map('upper') | list)[0] }}|{{ {'a': 1} | items | list }}|{{ [1, 1, 2] | unique | list }}|{{ 2 in [1, 2] | map('int') }}|{{ [1, 2] | map('int') | join(',') }}|{{ [0, 1, 2] | select | first }}|{{ [1, 2] | select | reverse }}|{% for x in [1, 2] | select %}{{ loop.length }}{{ loop.last }}{% endfor %}|{{ [1] | select is sequence }}", {}),
    ("generator-length", "{{ [1] | map('string') | length }}", {}),
    ("generator-tojson", "{{ [1] | map('string') | tojson }}", {}),
    ("generator-last", "{{ [1] | select | last }}", {}),
    ("generator-index", "{{ ([1] | select)[0] + 1 }}", {}),
    ("reverse-iterator-length", "{{ [1, 2] | reverse | length }}", {}),
    # the statements jinja2 has built in: with, recursive for loops
    ("with", "{% set a = 5 %}{% with a = 1, b = a %}{{ a }}{{ b }}{% endwith %}{{ a }}|{% with %}{% set x = 2 %}{{ x }}{% endwith %}[{{ x }}]|{% for i in [1, 2] %}{% with j = i * 10 %}{% if j > 10 %}{% break %}{% endif %}{{ j }}{% endwith %}{% endfor %}", {}),
    ("for-recursive", "{% for x in [[1, [2, [3]]], 4] recursive %}{% if x is iterable %}({{ loop(x) }}){% else %}{{ x }}@{{ loop.depth }}/{{ loop.depth0 }}{% endif %}{% endfor %}|{% set n = namespace(c=0) %}{% for x in [1, [2, 3]] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}{% set n.c = n.c + x %}{{ loop.index }}{% endif %}{% endfor %}{{ n.c }}|{% for item in tree recursive %}<{{ item.name }}{% if item.children %}:{{ loop(item.children) }}{% endif %}>{% endfor %}", {"tree": [{"name": "a", "children": [{"name": "b"}, {"name": "c", "children": [{"name": "d"}]}]}, {"name": "e"}]}),
    ("more-str-list-dict-methods", "{{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }} {{ 'abc'.partition('x') }} {{ 'abc'.rpartition('x') }}|{{ 'prefix_x'.removeprefix('prefix_') }} {{ 'x.txt'.removesuffix('.txt') }} {{ 'x'.removesuffix('.txt') }}|{{ 'ab'.center(6, '*') }} {{ 'ab'.center(5, '*') }} {{ 'abc'.center(6) }}|{{ 'abc'.center(4, '-') }}|{{ 'ab'.ljust(4) }}|{{ 'ab'.rjust(4, '0') }} {{ '5'.zfill(3) }} {{ '-5'.zfill(4) }} {{ 'é'.rjust(3, '·') }}|{{ [1, 2, 2].index(2) }} {{ [1, 2, 2].count(2) }} {{ (1, 2).index(2) }}|{{ {'a': 1}.copy() }}", {}),
    ("list-index-missing", "{{ [1, 2].index(5) }}", {}),
    # str.format, as jinja2's sandboxed formatter runs it
    ("str-format", "{{ '{} and {name}'.format(1, name='x') }}|{{ '{0}{0}{1}'.format('a', 'b') }}|{{ '{:>5}|{:<4}|{:^5}|{:.2f}|{:05d}|{:,}'.format('a', 'b', 'c', 3.14159, 42, 1234567) }}|{{ '{!r} {!s} {!a}'.format('x', 1.5, 'é') }}|{{ '{:.3} {:.3} {:.3}'.format(3.0, 3.14159, 1234567.0) }}|{{ '{:>5} {} {:d}'.format(true, true, true) }}|{{ '{:,} {:_} {:+.2e} {:%} {:.1%}'.format(1234567.891, 1234567, 12345.678, 0.25, 0.25) }}|{{ '{:#x} {:#o} {:#b} {:X} {:c}'.format(255, 8, 5, 255, 65) }}|{{ '{:08.3f} {:=+8d} {:*^9} {:.2} {:10} {:<6}|'.format(-3.14159, 42, 'mid', 'abcdef', 3.5, 7) }}|{{ '{:g} {:G} {:e} {}'.format(1e-5, 1e20, 0.0, none) }}|{{ '{0[a]} {0.a} {1[1]} {1.0}'.format({'a': 'A'}, [5, 6]) }}|{{ '{:{}}|{{literal}}'.format('p', 4) }}|{{ '{:·>4}'.format('é') }}", {}),
    ("str-format-mixed-numbering", "{{ '{0} {}'.format('p', 4) }}", {}),
    ("str-format-single-brace", "{{ 'a}'.format() }}", {}),
    ("str-format-missing-index", "{{ '{2}'.format('p') }}", {}),
    ("str-format-missing-name", "{{ '{x}'.format('p') }}", {}),
    ("str-format-bad-code", "{{ '{:d}'.format('p') }}", {}),
    ("str-format-none-spec", "{{ '{:5}'.format(none) }}", {}),
    ("unsafe-append", "{% set l = [1] %}{{ l.append(2) }}", {}),
    ("unsafe-update", "{% set d = {} %}{{ d.update({'a': 1}) }}", {}),
    ("concat-ok", "{{ (1,) + (2,) }} {{ [1] + [2] }} {{ 'a' + 'b' }} {{ d.x is defined }} {{ [1][5] is defined }}", {"d": {}}),
    # whitespace control strips what Python's str.rstrip() and the regex \s strip: Unicode white space
    # (no-break and ideographic spaces, U+001C..U+001F, U+0085, U+2028), not U+200B
    ("unicode-whitespace-control", "a\u00a0\u2003 {{- 1 -}} \u3000\u00a0b|a\x1c {{- 2 -}}\x1f\x85\u2028 c|d\u200b {{- 3 -}} \u200be|{{ 4 }}\u0085{%- if true %}z{% endif -%}\u2028q|x\u00a0{#- c -#}\u00a0y|{% raw -%}\u00a0r\u00a0{%- endraw %}", {}),
    ("unicode-lstrip-blocks", "x\n\u00a0\u3000 {% if true %}y{% endif %}\n\x0c\x0b\t{% if true %}z\n\u2028{% endif %}\n\u200b {% if true %}w{% endif %}", {}),
    ("unicode-space-in-tags", "{{\u00a0 1 \u3000}}|{%\u2003if\u00a0true\u3000%}k{% endif %}|{{ [1,\u00a02] }}", {}),
    ("unicode-names", "{% set café = 1 %}{{ café }}|{% for ñ in [2] %}{{ ñ }}{% endfor %}|{% set _x1 = 3 %}{{ _x1 }}", {}),
    # ~ binds tighter than + and -, looser than * / // %
    ("concat-precedence", "{{ 2 * 3 ~ 4 }}|{{ 'a' ~ 2 * 3 }}|{{ -1 ~ 2 }}|{{ 'a' ~ 'b' in 'xab' }}|{{ 1 ~ 2 ** 2 }}|{{ 7 // 2 ~ 7 % 4 }}|{{ 'x' ~ 1 == 'x1' }}|{{ [1] ~ 2 }}", {}),
    ("concat-binds-tighter-than-plus", "{{ 1 + 2 ~ 3 }}", {}),
    ("concat-binds-tighter-than-plus-right", "{{ 'a' ~ 1 + 2 }}", {}),
    ("concat-binds-tighter-than-minus", "{{ 1 - 2 ~ 3 }}", {}),
    # number literals as jinja2's float_re / integer_re read them
    ("number-literals", "{{ 0 }} {{ 00 }} {{ 0_0 }} {{ 00.5 }} {{ 007.5 }} {{ 01e3 }} {{ 1_000 }} {{ 1e1_0 }} {{ 0x_f_f }} {{ 0B1_1 }} {{ 0o_7 }} {{ 1.5e-3 }} {{ 1E+2 }}", {}),
    ("leading-zeros", "{{ 007 }}", {}),
    ("leading-zero-underscore", "{{ 0_1 }}", {}),
    ("double-underscore", "{{ 1__0 }}", {}),
    ("trailing-underscore", "{{ 1_ }}", {}),
    ("hex-without-digits", "{{ 0x }}", {}),
    ("binary-bad-digit", "{{ 0b2 }}", {}),
    ("name-after-number", "{{ 12abc }}", {}),
    # every str method the sandbox lets a template call, with Python's Unicode semantics
    ("str-case-methods", "{{ 'Hello Wörld ß'.swapcase() }}|{{ 'ΑΣ x'.swapcase() }}|{{ 'Straße ΣΑΣ ﬁ'.casefold() }}|{{ 'ΣΑΣ ΑΣ. Σ ΑΣ\\'Α ΑΣ\\'s'.lower() }}|{{ 'ǆemal ΑΣ they\\'re 2x'.title() }}|{{ 'ǆΣΣ'.capitalize() }}|{{ 'ﬁsh'.capitalize() }}|{{ 'ǆemal ΑΣ' | title }}|{{ 'ǆemal ΑΣ' | capitalize }}|{{ 'ΑΣ' | lower }}|{{ 'ΣΣ' | lower }}|{{ 'ßx' | upper }}|{{ 'hello2world_x'.title() }}|{{ 'ᾳ'.title() }}|{{ 'İ'.lower() | length }}", {}),
    ("str-predicates", "{% for s in ['', 'abc', 'ABC', 'Abc', 'Ab Cd', 'ǅa', 'ǅ', 'AbC', '123', '٣٤', '²', '½', 'Ⅻ', '一', 'é', 'aé1', 'a b', ' \t', '\u00a0\u3000', '\x1c', '\u200b', 'x1', '1x', '_', 'café', 'a-b', 'ʰ', 'ª', 'ⓐ', 'Ⓐ', '\x7f', 'a\u0301', '𝟙'] %}{{ s.isalpha() }}{{ s.isalnum() }}{{ s.isdigit() }}{{ s.isdecimal() }}{{ s.isnumeric() }}{{ s.isspace() }}{{ s.islower() }}{{ s.isupper() }}{{ s.istitle() }}{{ s.isidentifier() }}{{ s.isascii() }}{{ s.isprintable() }}{{ s is lower }}{{ s is upper }};{% endfor %}", {}),
    ("str-search-methods", "{{ 'abcabc'.rindex('b') }} {{ 'abcabc'.rfind('c', 0, 4) }} {{ 'abcabc'.find('a', 1) }} {{ 'abcabc'.find('a', -3) }} {{ 'abc'.find('', 3) }} {{ 'abc'.find('', 4) }} {{ 'abc'.count('', 1) }} {{ 'abc'.count('', 4) }} {{ 'aaa'.count('a', 1, -1) }} {{ 'ééxé'.index('é', 1) }} {{ 'ééxé'.rindex('é', 0, 3) }} {{ 'abc'.startswith('b', 1) }} {{ 'abc'.startswith('', 3) }} {{ 'abc'.startswith('', 4) }} {{ 'abc'.endswith('b', 0, 2) }} {{ 'abc'.endswith(('x', 'c'), -1) }} {{ 'abc'.find('b', none, none) }}", {}),
    ("str-rindex-missing", "{{ 'abc'.rindex('z') }}", {}),
    ("str-other-methods", "[{{ 'a\tbc\td\n\tx'.expandtabs() }}]|[{{ 'a\tbé\tc'.expandtabs(4) }}]|[{{ 'a\tb'.expandtabs(0) }}]|{{ '{x}-{y!r}-{z[0]}'.format_map({'x': 1, 'y': 'q', 'z': [5]}) }}|{{ 'abcé'.translate({97: 'XY', 98: none, 99: 100, 233: 'e'}) }}|{{ 'abc'.maketrans('ab', 'xy', 'c') }}|{{ 'abc'.translate('abc'.maketrans('ab', 'xy', 'c')) }}|{{ ''.maketrans({'a': 'b', 98: none}) }}|{{ 'l1\nl2\r\nl3\rl4\x0bl5\x0cl6\x1cl7\x85l8\u2028l9\u2029'.splitlines() }}|{{ 'a\nb\r\n'.splitlines(true) }}|{{ 'x\n\n'.splitlines() }}|{{ [1, 2].copy() }}|{{ {}.fromkeys(['a', 'b']) }}|{{ {'z': 1}.fromkeys('xy', 0) }}", {}),
    ("str-format-map-two-args", "{{ '{x}'.format_map({'x': 1}, 2) }}", {}),
    ("str-format-map-missing-key", "{{ '{y}'.format_map({'x': 1}) }}", {}),
    ("str-translate-bad-value", "{{ 'a'.translate({97: 1.5}) }}", {}),
    ("str-maketrans-unequal", "{{ ''.maketrans('ab', 'x') }}", {}),
    ("str-maketrans-long-key", "{{ ''.maketrans({'ab': 'x'}) }}", {}),
    ("tuple-has-no-copy", "{{ (1, 2).copy is defined }} {{ (1,).append is defined }}", {}),
    ("tuple-copy-call", "{{ (1, 2).copy() }}", {}),
    # the sandbox's unsafe attributes (what would mutate a list or dict) are undefined, not methods
    ("unsafe-attributes-undefined", "{{ d.pop is defined }} {{ d.clear is defined }} {{ d.update is undefined }} {{ l.append is defined }} {{ l.sort is defined }} {{ l['pop'] is defined }} [{{ d.pop }}] {{ d.pop | default('dflt') }} {{ {'pop': 1}.pop is defined }} {{ {'pop': 1}['pop'] }} {{ d.get is defined }} {{ l.copy is defined }} {{ d.fromkeys is defined }}", {"d": {"a": 1}, "l": [1]}),
    ("unsafe-pop-call", "{{ d.pop('a') }}", {"d": {"a": 1}}),
    ("unsafe-sort-call", "{{ l.sort() }}", {"l": [2, 1]}),
    # jinja2's Macro attributes, of a macro and of a call block's caller
    ("macro-attributes", "{% macro m(a, b=1) %}{{ varargs }}{% endmacro %}{% macro c() %}{{ caller() }}{{ kwargs }}{% endmacro %}{{ m.name }}|{{ m.arguments }}|{{ m.catch_kwargs }}|{{ m.catch_varargs }}|{{ m.caller }}|{{ m['name'] }}|{{ m.defaults is defined }}|{{ m }}|{{ [c] }}|{{ c.caller }}{{ c.catch_kwargs }}{{ c.arguments }}|{% macro outer() %}{{ caller.name }}|{{ caller.arguments }}|{{ caller.catch_varargs }}|{{ caller }}{% endmacro %}{% call(x, y=2) outer() %}{% endcall %}", {}),
    ("raw-whitespace", "a\n  {% raw %}\n x {% endraw %}\nb|{%- raw -%}\u00a0 y \u3000{%- endraw -%}\u00a0|", {}),
]
for name, tpl, variables in F:
    add(name, tpl, **variables)

print(json.dumps(cases, ensure_ascii=False, indent=1))
