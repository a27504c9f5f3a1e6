#!/usr/bin/env python3
"""Regenerates builtins_cases.json and builtins_matrix.json: cases for every filter, test and global
jinja2 has built in (jinja2.filters.FILTERS, jinja2.tests.TESTS, jinja2.defaults.DEFAULT_NAMESPACE)
and for the loop object, rendered by the reference Jinja2 in the environment transformers uses for
chat templates (see hf_jinja.py). builtins_cases.json: each builtin with its argument defaults,
keyword forms and errors; builtins_matrix.json: each filter and test on each kind of value, and
seeded random inputs for striptags, wordwrap, urlize, pprint and loops (one case a line).
test_jinja_builtins compares the C++ interpreter against both; each file records the jinja2 version
that produced it. Run: python3 make_builtins_cases.py"""
import json
import os
import random
import sys

import jinja2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tokenizer", "data"))
from hf_jinja import hf_environment  # noqa: E402

env = hf_environment()
cases = []


def add(name, template, error_part=None, **variables):
    """error_part: where Python's own words name its function (do_first() takes 2 positional
    arguments...), the part of the error the interpreter must match."""
    try:
        out = env.from_string(template).render(**variables)
        assert error_part is None, name
        cases.append({"name": name, "template": template, "variables": variables, "expected": out})
    except Exception as e:  # TemplateError, and the TypeError / ValueError Python raises inside a render
        assert error_part is None or error_part in str(e), (name, str(e))
        cases.append({"name": name, "template": template, "variables": variables, "error": error_part or str(e)})


USERS = [{"name": "al", "city": "Paris", "age": 30, "tags": ["a", "b"]},
         {"name": "Bo", "city": "berlin", "age": 20, "tags": ["c"]},
         {"name": "cy", "city": "paris", "age": 30},
         {"name": "di", "city": "Berlin", "age": 41, "tags": []}]
TEXT = "The quick brown fox jumps over the lazy dog, then naps under a well-earned, sun-warmed tree."

# ---- filters jinja2 has and the interpreter lacked
add("batch", "{{ [1, 2, 3, 4, 5] | batch(2) | list }}|{{ 'abcde' | batch(3, 'x') | list }}|{{ range(4) | batch(linecount=2, fill_with=0) | list }}|{{ [] | batch(2) | list }}|{% for row in [1, 2, 3] | batch(2, '-') %}[{{ row | join }}]{% endfor %}")
add("center", "[{{ 'ab' | center(6) }}]|[{{ 'abc' | center(6) }}]|[{{ 'abc' | center(width=8) }}]|[{{ 'x' | center }}]|[{{ 'long text' | center(3) }}]|[{{ 'é' | center(4) }}]")
add("center-number", "{{ 5 | center(5) }}")
add("filesizeformat", "{{ 0 | filesizeformat }}|{{ 1 | filesizeformat }}|{{ 999 | filesizeformat }}|{{ 1000 | filesizeformat }}|{{ 1500 | filesizeformat }}|{{ 123456789 | filesizeformat }}|{{ 1024 | filesizeformat(true) }}|{{ 1048576 | filesizeformat(binary=true) }}|{{ 1e30 | filesizeformat }}|{{ '2048' | filesizeformat }}|{{ 1.5 | filesizeformat }}|{{ -5 | filesizeformat }}|{{ 1023 | filesizeformat(true) }}|{{ 5e24 | filesizeformat(true) }}")
add("filesizeformat-text", "{{ 'big' | filesizeformat }}")
add("groupby", "{% for city, people in users | groupby('city') %}{{ city }}:{{ people | map(attribute='name') | join(',') }};{% endfor %}|{% for g in users | groupby('city', case_sensitive=true) %}{{ g.grouper }}={{ g.list | length }};{% endfor %}|{% for g in users | groupby('age') %}{{ g.grouper }}:{{ g.list | map(attribute='name') | join }} {% endfor %}|{{ users | groupby('tags.0', default='none') | map(attribute='grouper') | list }}|{{ [[1, 'a'], [0, 'b'], [1, 'c']] | groupby(0) }}|{{ (users | groupby('city') | first)[0] }}|{{ users | groupby(attribute='age') | length }}", users=USERS)
add("groupby-missing", "{{ [{'a': 1}, {'b': 2}] | groupby('a') }}")
add("pprint", "{{ [1, 'a', none, true, 2.5] | pprint }}|{{ {'b': 1, 'a': [2, 3], 'c': {'z': 1, 'y': 2}} | pprint }}|{{ 'it\\'s' | pprint }}|{{ (1,) | pprint }}|{{ none | pprint }}")
add("pprint-wide", "{{ users | pprint }}\n{{ range(40) | list | pprint }}\n{{ {'key': ['a' * 30, 'b' * 30, 'c' * 30], 'other': 1} | pprint }}", users=USERS)
add("slice", "{{ range(10) | slice(3) | list }}|{{ range(10) | slice(3, 'x') | list }}|{{ [1, 2] | slice(4) | list }}|{{ 'abcdefg' | slice(slices=2, fill_with='-') | list }}|{% for col in range(7) | slice(3) %}[{{ col | join(',') }}]{% endfor %}")
add("striptags", "{{ '<p>Hello <b>world</b></p>\\n\\n  next   line' | striptags }}|{{ 'a <!-- <b>comment</b> --> b' | striptags }}|{{ 'x &amp; y &lt;z&gt; &quot;q&quot; &#39;s&#39; &#x41; &nbsp;|' | striptags }}|{{ 'unclosed <tag' | striptags }}|{{ '1 < 2 and 3 > 2' | striptags }}|{{ 42 | striptags }}")
add("truncate", "{{ t | truncate(20) }}|{{ t | truncate(20, true) }}|{{ t | truncate(20, killwords=true, end='!') }}|{{ t | truncate(30, false, '…', 0) }}|{{ 'short' | truncate(3) }}|{{ 'exactly ten' | truncate(11) }}|{{ 'a few more words' | truncate(12) }}|{{ t | truncate(length=25, leeway=0) }}|{{ t | truncate }}|{{ 'abcdefghij' | truncate(5, leeway=2) }}", t=TEXT)
add("truncate-too-short", "{{ 'abcdef' | truncate(2) }}")
add("urlencode", "{{ 'a b&c=d/é?' | urlencode }}|{{ {'q': 'a b', 'n': 1, 'x': 'é/&'} | urlencode }}|{{ [('k', 'v w'), ('a', '/')] | urlencode }}|{{ 42 | urlencode }}|{{ \"~-_.!*'()\" | urlencode }}")
add("urlize", "{{ 'see http://example.com and www.test.org/path?q=1.' | urlize }}|{{ 'mail me@example.com or mailto:x@y.io, (https://a.io/b)' | urlize }}|{{ 'https://verylongdomainname.example.com/path' | urlize(20) }}|{{ 'go http://x.com now' | urlize(nofollow=true, target='_blank') }}|{{ 'go http://x.com' | urlize(rel='noopener') }}|{{ 'a <b> example.com & foo.net' | urlize }}|{{ 'ftp://files.x tel:123' | urlize(extra_schemes=['ftp://', 'tel:']) }}|{{ 'http://10.0.0.1:8080/x' | urlize }}")
add("wordwrap", "{{ t | wordwrap(20) }}\n--\n{{ t | wordwrap(10, wrapstring='|') }}\n--\n{{ 'a verylongwordthatneedsbreaking here' | wordwrap(10) }}\n--\n{{ 'a verylongwordthatneedsbreaking here' | wordwrap(10, false) }}\n--\n{{ 'well-earned sun-warmed tree-lined' | wordwrap(12) }}\n--\n{{ 'well-earned sun-warmed' | wordwrap(12, break_on_hyphens=false) }}\n--\n{{ 'para one is here\\n\\npara two\\nthree' | wordwrap(8) }}\n--\n{{ '  leading   spaces   kept  ' | wordwrap(9) }}\n--\n{{ t | wordwrap }}", t=TEXT)
add("xmlattr", "<a{{ {'href': '/x?a=1&b=2', 'title': '\"quoted\" <b>', 'n': 3, 'skip': none, 'u': undefined_var} | xmlattr }}>|<b{{ {'class': 'c'} | xmlattr(false) }}>|[{{ {} | xmlattr }}]")
add("xmlattr-bad-key", "{{ {'a b': 1} | xmlattr }}")
add("random", "{{ [7] | random }}|{{ 'z' | random }}|{{ [1, 2, 3] | random in [1, 2, 3] }}")
add("random-empty", "{{ ([] | random) + 1 }}")

# ---- the filters the interpreter had, with all their argument forms
add("dictsort-forms", "{{ d | dictsort }}|{{ d | dictsort(true) }}|{{ d | dictsort(false, 'value') }}|{{ d | dictsort(by='value', reverse=true) }}|{{ d | dictsort(case_sensitive=true, reverse=true) }}", d={"b": 2, "A": 3, "a": 1, "C": 0})
add("dictsort-bad-by", "{{ {'a': 1} | dictsort(by='x') }}")
add("sum-forms", "{{ [1, 2, 3] | sum }}|{{ [1, 2, 3] | sum(start=10) }}|{{ users | sum(attribute='age') }}|{{ users | sum('age', 5) }}|{{ [[1], [2]] | sum(start=[]) }}|{{ [0.5, 1] | sum }}|{{ [{'p': {'q': 2}}, {'p': {'q': 3}}] | sum(attribute='p.q') }}", users=USERS)
add("map-forms", "{{ users | map(attribute='name') | list }}|{{ users | map(attribute='tags.0', default='-') | list }}|{{ ['a', 'B'] | map('upper') | list }}|{{ ['a b', 'c'] | map('replace', ' ', '_') | list }}|{{ ['x', 'y'] | map('center', width=3) | list }}|{{ [[1, 2], [3]] | map('join', '+') | list }}|{{ [[1, 2], [3]] | map(attribute=0) | list }}|{{ [{'a': {'b': 1}}] | map(attribute='a.b') | list }}|{{ users | map(attribute='missing') | list | length }}", users=USERS)
add("map-no-filter", "{{ [1] | map | list }}")
add("map-bad-keyword", "{{ [1] | map(attribute='x', other=1) | list }}")
add("select-forms", "{{ range(10) | select('odd') | list }}|{{ range(10) | select('divisibleby', 3) | list }}|{{ range(10) | select('divisibleby', num=4) | list }}|{{ range(10) | reject('lt', 7) | list }}|{{ [0, 1, '', 'a', none] | select | list }}|{{ [0, 1, '', 'a', none] | reject | list }}|{{ ['a', 'B', 'c'] | select('upper') | list }}|{{ [1, 'a', 2.5] | select('number') | list }}|{{ [1, 2, 3] | select('in', [2, 3]) | list }}|{{ [1, 2, 3] | select('==', 2) | list }}|{{ [1, 2, 3] | reject('ge', 2) | list }}|{{ ['x', 1] | select('string') | list }}")
add("selectattr-forms", "{{ users | selectattr('tags') | map(attribute='name') | list }}|{{ users | rejectattr('tags') | map(attribute='name') | list }}|{{ users | selectattr('age', 'gt', 25) | map(attribute='name') | list }}|{{ users | selectattr('age', 'equalto', 30) | map(attribute='name') | list }}|{{ users | rejectattr('city', 'in', ['Paris', 'paris']) | map(attribute='name') | list }}|{{ users | selectattr('tags', 'defined') | list | length }}|{{ users | selectattr('tags', 'defined') | selectattr('tags', 'ne', []) | selectattr('tags.0', 'eq', 'c') | map(attribute='name') | list }}|{{ users | selectattr('name', 'lower') | map(attribute='name') | list }}|{{ users | selectattr('age', 'divisibleby', num=10) | map(attribute='name') | list }}", users=USERS)
add("selectattr-missing-path", "{{ [{'a': {}}] | selectattr('a.b.c') | list }}")
add("selectattr-no-attribute", "{{ [1] | selectattr | list }}")
add("unique-forms", "{{ ['a', 'A', 'b', 'a'] | unique | list }}|{{ ['a', 'A', 'b', 'a'] | unique(true) | list }}|{{ users | unique(attribute='city') | map(attribute='name') | list }}|{{ users | unique(case_sensitive=true, attribute='city') | map(attribute='name') | list }}|{{ users | unique(attribute='age') | map(attribute='name') | list }}|{{ [1, 1.0, true, 2] | unique | list }}", users=USERS)
add("min-max-forms", "{{ ['b', 'A', 'c'] | min }}|{{ ['b', 'A', 'c'] | min(true) }}|{{ ['b', 'A', 'c'] | max }}|{{ ['b', 'A', 'C'] | max(case_sensitive=true) }}|{{ users | min(attribute='age') }}|{{ (users | max(attribute='age')).name }}|{{ (users | max(attribute='city')).name }}|{{ (users | max(attribute='city', case_sensitive=true)).name }}|{{ [3, 1, 2] | max }}|{{ 'hello' | max }}|{{ [1, 2.5] | max }}", users=USERS)
add("sort-forms", "{{ ['b', 'A', 'c'] | sort }}|{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}|{{ ['b', 'A', 'c'] | sort(true) }}|{{ users | sort(attribute='age,name') | map(attribute='name') | list }}|{{ users | sort(attribute='city, age') | map(attribute='name') | list }}|{{ users | sort(reverse=true, attribute='age') | map(attribute='name') | list }}|{{ 'dcba' | sort }}|{{ {'b': 1, 'a': 2} | sort }}|{{ [[2, 'b'], [1, 'z'], [2, 'a']] | sort(attribute='0,1') }}", users=USERS)
add("indent-forms", "{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb\\n' | indent(2, blank=true) }}|{{ 'a\\nb' | indent('--', first=true) }}|{{ 'a\\n  \\nb' | indent(width=1) }}|{{ '' | indent(first=true) }}|{{ 'a\\r\\nb' | indent(2) }}")
add("format-forms", "{{ '%s-%s' | format(1, 2) }}|{{ '%(a)s=%(b)d' | format(a='x', b=3) }}|{{ '%5.1f%%' | format(12.345) }}|{{ '%-4s|' | format('ab') }}|{{ '%x' | format(255) }}|{{ '%s' | format((1, 2)) }}|{{ 5 | format }}")
add("format-mixed-arguments", "{{ '%s' | format(1, a=2) }}")
add("round-forms", "{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.675 | round(2) }}|{{ 2.1 | round(method='ceil') }}|{{ 2.9 | round(0, 'floor') }}|{{ -2.5 | round }}|{{ 1234.5678 | round(-2) }}|{{ 1234 | round(-2) }}|{{ 7 | round }}|{{ 2.123 | round(1, 'ceil') }}|{{ -2.1 | round(method='floor') }}|{{ 12 | round(1) }}|{{ 12 | round(-1, 'ceil') }}")
add("round-bad-method", "{{ 2.5 | round(method='up') }}")
add("int-float-forms", "{{ '42' | int }}|{{ '4.7' | int }}|{{ 'x' | int(-1) }}|{{ 'x' | int(default=7) }}|{{ '0x1f' | int(0, 16) }}|{{ 'ff' | int(base=16) }}|{{ '0b101' | int(base=0) }}|{{ '777' | int(base=8) }}|{{ '12' | int(base=3) }}|{{ 3.99 | int }}|{{ -3.99 | int }}|{{ true | int }}|{{ none | int }}|{{ '  12  ' | int }}|{{ '1_000' | int }}|{{ '1e3' | int }}|{{ [1] | int(5) }}|{{ '1.5' | float }}|{{ 'x' | float }}|{{ 'x' | float(2.5) }}|{{ 'x' | float(default=1) }}|{{ 3 | float }}|{{ '  1e3 ' | float }}|{{ 'inf' | float }}|{{ '-nan' | float }}|{{ '1_0.5' | float }}|{{ none | float }}|{{ true | float }}")
add("join-forms", "{{ [1, 2, 3] | join }}|{{ [1, 2, 3] | join('-') }}|{{ users | join(', ', attribute='name') }}|{{ users | join(d='/', attribute='age') }}|{{ 'abc' | join('.') }}|{{ {'a': 1, 'b': 2} | join(',') }}|{{ [[1, 2], [3, 4]] | join(';', attribute=1) }}|{{ [none, true] | join(',') }}", users=USERS)
add("replace-forms", "{{ 'aaaa' | replace('a', 'b') }}|{{ 'aaaa' | replace('a', 'b', 2) }}|{{ 'aaaa' | replace('a', 'b', count=1) }}|{{ 'abc' | replace('', '-') }}|{{ 'abc' | replace('', '-', 2) }}|{{ 'aaaa' | replace('a', 'b', 0) }}|{{ 'aaaa' | replace('a', 'b', -1) }}|{{ 12321 | replace(2, 'x') }}")
add("title-capitalize", "{{ 'hello world' | title }}|{{ \"they're bill's friends\" | title }}|{{ 'hELLO-wORLD foo_bar (x) [y] {z} <w>' | title }}|{{ 'élan vital' | title }}|{{ 'x1y2 3abc' | title }}|{{ 'hello World' | capitalize }}|{{ 'éCOLE' | capitalize }}|{{ '' | capitalize }}|{{ 'a\\tb\\nc' | title }}")
add("wordcount-forms", "{{ 'one two  three' | wordcount }}|{{ 'hello, world! it\\'s' | wordcount }}|{{ 'a-b c_d' | wordcount }}|{{ '' | wordcount }}|{{ 'über straße' | wordcount }}|{{ '1.5 x' | wordcount }}|{{ 123 | wordcount }}")
add("reverse-forms", "{{ 'abc' | reverse }}|{{ 'ünï' | reverse }}|{{ [1, 2, 3] | reverse | list }}|{{ (1, 2) | reverse | list }}|{{ {'a': 1, 'b': 2} | reverse | list }}")
add("reverse-of-number", "{{ 12 | reverse }}")
add("list-forms", "{{ 'abc' | list }}|{{ {'a': 1, 'b': 2} | list }}|{{ (1, 2) | list }}|{{ range(3) | list }}|{{ '' | list }}|{{ {'a': 1} | items | list }}")
add("list-of-number", "{{ 5 | list }}")
add("items-forms", "{% for k, v in {'a': 1, 'b': [2]} | items %}{{ k }}={{ v }};{% endfor %}|{{ u | items | list }}")
add("items-of-list", "{{ [1, 2] | items | list }}")
add("attr-forms", "{{ d | attr('role') is defined }}|[{{ d | attr('role') }}]|{{ (d | attr('items'))() | list }}|{{ (d | attr('get'))('role') }}|{{ (d | attr('keys'))() | list }}|{{ 'abc' | attr('upper') is callable }}|{{ ('abc' | attr('upper'))() }}|{{ ns | attr('x') }}|{{ [1, 2, 2] | attr('count') is defined }}|{{ d | attr('zz') is undefined }}|{{ d.role }}|{{ d['items'] }}", d={"role": "user", "items": "field"}, ns=None)
add("attr-namespace", "{% set ns = namespace(x=5) %}{{ ns | attr('x') }}|{{ ns | attr('y') is defined }}")
add("attr-undefined-use", "{{ ({'role': 'user'} | attr('role')) + 'x' }}")
add("attr-unsafe", "{{ ({'a': 1} | attr('update'))({'b': 2}) }}")
add("default-forms", "{{ u | default('x') }}|{{ u | d('y') }}|{{ '' | default('empty') }}|{{ '' | default('empty', true) }}|{{ 0 | default(5, boolean=true) }}|{{ [] | d('none', true) }}|{{ none | default('n') }}|{{ none | default('n', true) }}|{{ false | default(default_value='f', boolean=true) }}|{{ u | default }}|{{ 'v' | default('x', true) }}")
add("first-last-length", "{{ [1, 2] | first }}{{ [1, 2] | last }}|{{ 'xyz' | first }}{{ 'xyz' | last }}|{{ {'a': 1, 'b': 2} | first }}{{ {'a': 1, 'b': 2} | last }}|{{ (3, 4) | first }}{{ (3, 4) | last }}|{{ range(5) | first }}{{ range(5) | last }}|{{ [1, 2] | select | first }}|{{ [] | first is undefined }}|{{ '' | last is undefined }}|{{ 'ünï' | length }}{{ [1, 2] | length }}{{ {'a': 1} | length }}{{ (1,) | length }}{{ '' | count }}{{ range(7) | length }}{{ u | length }}")
add("first-of-number", "{{ 5 | first }}")
add("last-of-number", "{{ 5 | last }}")
add("length-of-number", "{{ 5 | length }}")
add("length-of-none", "{{ none | count }}")
add("abs-forms", "{{ -3 | abs }}|{{ -2.5 | abs }}|{{ true | abs }}|{{ 0 | abs }}")
add("abs-of-string", "{{ 'x' | abs }}")
add("string-escape-safe", "{{ 3 | string }}|{{ none | string }}|{{ [1, 'a'] | string }}|{{ '<a href=\"x\">&\\'</a>' | e }}|{{ '<b>' | escape }}|{{ '<b>' | forceescape }}|{{ '<b>' | safe }}|{{ '<b>' | e | e }}|{{ '<b>' | safe | e }}|{{ '<b>' | e | forceescape }}|{{ 5 | e }}|{{ none | e }}")
add("trim-upper-lower", "[{{ '  x  ' | trim }}]|[{{ 'xxhixx' | trim('x') }}]|[{{ '--a--' | trim(chars='-') }}]|{{ 'ÉcOLE' | lower }}|{{ 'straße' | upper }}|{{ 'éa' | upper }}")
add("tojson-forms", "{{ {'b': [1, 2], 'a': 'é<'} | tojson }}|{{ [1, 2] | tojson(indent=2) }}|{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}|{{ 'é' | tojson(ensure_ascii=true) }}")

# ---- tests
add("tests-types", "{{ u is defined }}{{ u is undefined }}{{ none is none }}{{ 0 is none }}|{{ true is boolean }}{{ 1 is boolean }}|{{ false is false }}{{ 0 is false }}{{ true is true }}{{ 1 is true }}|{{ 1 is integer }}{{ true is integer }}{{ 1.0 is integer }}|{{ 1.0 is float }}{{ 1 is float }}|{{ 1 is number }}{{ 1.5 is number }}{{ true is number }}{{ 'x' is number }}{{ none is number }}|{{ 'x' is string }}{{ 1 is string }}|{{ {} is mapping }}{{ [] is mapping }}|{{ [] is iterable }}{{ 'x' is iterable }}{{ {} is iterable }}{{ 1 is iterable }}{{ range(2) is iterable }}{{ none is iterable }}|{{ [] is sequence }}{{ 'x' is sequence }}{{ {} is sequence }}{{ 1 is sequence }}{{ (1,) is sequence }}|{{ range is callable }}{{ 'x'.upper is callable }}{{ 'x' is callable }}{{ namespace is callable }}{{ {}.items is callable }}")
add("tests-compare", "{{ 1 is eq 1 }}{{ 1 is equalto 2 }}{{ 1 is eq 1.0 }}{{ 1 is ne 2 }}{{ 1 is ne 1 }}|{{ 1 is lt 2 }}{{ 1 is lessthan 1 }}{{ 2 is le 2 }}{{ 3 is le 2 }}|{{ 3 is gt 2 }}{{ 3 is greaterthan 3 }}{{ 2 is ge 2 }}{{ 1 is ge 2 }}|{{ [1, 2, 3] | select('==', 2) | list }}{{ [1, 2, 3] | select('!=', 2) | list }}{{ [1, 2, 3] | select('<', 2) | list }}{{ [1, 2, 3] | select('<=', 2) | list }}{{ [1, 2, 3] | select('>', 2) | list }}{{ [1, 2, 3] | select('>=', 2) | list }}|{{ 'a' is lt 'b' }}{{ [1, 2] is lt [1, 3] }}|{{ 2 is in [1, 2] }}{{ 'b' is in 'abc' }}{{ 'k' is in {'k': 1} }}{{ 5 is in range(3) }}|{{ 'x' is eq('x') }}{{ 2 is gt(1) }}")
add("tests-numbers", "{{ 4 is even }}{{ 3 is even }}{{ 3 is odd }}{{ -3 is odd }}{{ 0 is even }}{{ 4.0 is even }}|{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 9 is divisibleby(num=9) }}{{ 9.0 is divisibleby 3 }}{{ -9 is divisibleby 3 }}")
add("tests-even-string", "{{ 'x' is even }}")
add("tests-divisibleby-zero", "{{ 9 is divisibleby 0 }}")
add("tests-case", "{{ 'abc' is lower }}{{ 'aBc' is lower }}{{ 'ABC' is upper }}{{ 'AbC' is upper }}{{ '123' is lower }}{{ 'a1' is lower }}{{ 'ÉCOLE' is upper }}{{ 'école' is lower }}{{ '' is upper }}")
add("tests-case-number", "{{ 5 is lower }}")
add("tests-sameas", "{{ none is sameas none }}{{ false is sameas false }}{{ 0 is sameas false }}{{ 1 is sameas true }}{{ x is sameas x }}{{ [] is sameas [] }}{% set y = x %}{{ y is sameas x }}", x=[1])
add("tests-escaped", "{{ 'x' is escaped }}{{ ('<x>' | e) is escaped }}{{ ('x' | safe) is escaped }}{{ ('x' | forceescape) is escaped }}{{ 5 is escaped }}{{ ('<x>' | e | upper) is escaped }}{{ ('<x>' | e ~ 'y') is escaped }}")
add("tests-filter-test", "{{ 'upper' is filter }}{{ 'tojson' is filter }}{{ 'nope' is filter }}{{ 'groupby' is filter }}{{ 'd' is filter }}{{ 5 is filter }}|{{ 'even' is test }}{{ 'sameas' is test }}{{ '==' is test }}{{ 'nope' is test }}{{ 'filter' is test }}{{ 'escaped' is test }}{{ none is test }}")
add("tests-not", "{{ 1 is not none }}{{ u is not defined }}{{ 2 is not even }}{{ 'x' is not in 'abc' }}{{ not 3 is odd }}")
add("test-unknown", "{{ 1 is frobnicated }}")
add("filter-unknown", "{{ 1 | frobnicate }}")

# ---- globals
add("range-forms", "{{ range(3) | list }}|{{ range(1, 4) | list }}|{{ range(10, 0, -3) | list }}|{{ range(0) | list }}|{{ range(5, 1) | list }}|{{ range(3) | length }}|{{ 2 in range(3) }}|{{ range(1, 10, 4) | last }}")
add("range-too-big", "{{ range(200000) | length }}")
add("dict-forms", "{{ dict(a=1, b=2) }}|{{ dict({'x': 1}, y=2) }}|{{ dict() }}|{{ dict(a=1).a }}|{{ dict([('k', 'v'), ('l', 'w')]) }}")
add("namespace-forms", "{% set ns = namespace(a=1) %}{% set ns.b = 2 %}{{ ns.a }}{{ ns.b }}|{% set n2 = namespace({'x': 1}, y=2) %}{{ n2.x }}{{ n2.y }}|{{ ns.zz is defined }}")
add("cycler", "{% set c = cycler('odd', 'even') %}{% for i in range(3) %}{{ c.next() }} {% endfor %}|{{ c.current }}|{% for i in range(2) %}{{ c.next() }} {% endfor %}|{{ c.reset() }}{{ c.current }}|{% set c1 = cycler(1) %}{{ c1.next() }}{{ c1.next() }}{{ c1.current }}|{% set r = cycler('a', 'b', 'c') %}{% for x in [1, 2] %}{{ r.next() }}{% endfor %}{% for x in [1, 2] %}{{ r.next() }}{% endfor %}|{{ r.items }}|{{ r.pos }}")
add("cycler-empty", "{{ cycler() }}")
add("joiner", "{% set pipe = joiner(' | ') %}{% for x in ['a', 'b', 'c'] %}{{ pipe() }}{{ x }}{% endfor %}|{% set comma = joiner() %}{% for x in [1, 2] %}{{ comma() }}{{ x }}{% endfor %}|{% set j = joiner(sep='+') %}[{{ j() }}][{{ j() }}][{{ j() }}]")
add("lipsum-structure", "{% set l = lipsum(2, false, 5, 6) %}{{ l.split('\\n\\n') | length }}|{{ l.split('\\n\\n')[0].split() | length }}|{{ l[0] is upper }}|{{ l[-1] }}|{{ lipsum(1).startswith('<p>') }}|{{ lipsum(3).count('<p>') }}|{{ lipsum(html=false).count('\\n\\n') }}|{{ lipsum(n=1, html=false, min=20, max=21).split() | length }}|{{ lipsum(0) }}|{{ lipsum(2, html=true, min=3, max=4).endswith('</p>') }}")

# ---- the loop object
add("loop-vars", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.length }}{{ loop.first }}{{ loop.last }}{{ loop.depth }}{{ loop.depth0 }}[{{ loop.previtem }}][{{ loop.nextitem }}]{{ loop.cycle(1, 2) }};{% endfor %}|{% for x in [1, 2, 3] if x != 2 %}{{ loop.index }}/{{ loop.length }}/{{ loop.last }}/{{ loop.nextitem }};{% endfor %}|{% for x in [1] %}{{ loop.previtem is defined }}{{ loop.nextitem is undefined }}{% endfor %}")
add("loop-changed", "{% for e in entries %}{% if loop.changed(e.day) %}<{{ e.day }}>{% endif %}{{ e.t }} {% endfor %}|{% for x in [1, 1, 2, 1] %}{{ loop.changed(x) }} {% endfor %}|{% for x in [1, 2] %}{{ loop.changed() }}{{ loop.changed() }} {% endfor %}|{% for a, b in [(1, 2), (1, 3), (1, 3)] %}{{ loop.changed(a, b) }}{{ loop.changed(a) }} {% endfor %}",
    entries=[{"day": "mon", "t": "a"}, {"day": "mon", "t": "b"}, {"day": "tue", "t": "c"}, {"day": "mon", "t": "d"}])
add("loop-changed-nested", "{% for row in [[1, 1], [1, 2]] %}{% for x in row %}{{ loop.changed(x) }}{% endfor %}{{ loop.changed(row[0]) }} {% endfor %}")
add("loop-object", "{% for x in [1, 2] %}{{ loop }}{{ loop is mapping }}{{ loop | length }}{{ loop is callable }}{{ loop.items is defined }}{{ loop.zz is defined }};{% endfor %}{% set c = cycler(1) %}{{ c is mapping }}{{ c.items }}")
add("loop-missing-attribute", "{% for x in [1] %}{{ loop.zz + 1 }}{% endfor %}")
add("loop-assign", "{% for x in [1] %}{% set loop.index = 5 %}{% endfor %}")
add("loop-cycle-empty", "{% for x in [1] %}{{ loop.cycle() }}{% endfor %}")
add("loop-recursive-depth", "{% for x in [1, [2, [3]]] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}:{{ loop.depth }}{{ loop.depth0 }}{{ loop.first }}{{ loop.length }};{% endif %}{% endfor %}")


# ---- the harder corners of the text filters
add("urlize-more", "{{ 'www.example.com. (see http://x.com/a_(b)) <http://y.org> foo@bar @a@b.com x@y HTTPS://X.ORG/P' | urlize }}|{{ 'http://[::1]:80/x mailto:a@b.co?cc=c@d.co http://example.com/p?a=1&b=2 https://xn--bcher-kva.example/' | urlize }}|{{ 'www.example.com/long/path' | urlize(10) }}|{{ 'x.org example.c0m http://a.b:123456 http://1.2.3.4567 ab.co.uk' | urlize }}|{{ 'a\\n\\thttp://t.io,' | urlize }}")
add("urlize-bad-scheme", "{{ 'x' | urlize(extra_schemes=['f']) }}")
add("wordwrap-more", "{{ 'a--b c---d e' | wordwrap(3) }}\n--\n{{ ('x' * 25) | wordwrap(10, break_on_hyphens=false) }}\n--\n{{ 'ab-cd-ef-gh-ij' | wordwrap(5) }}\n--\n{{ 'tab\\there  and\\ttabs' | wordwrap(6) }}\n--\n{{ 'one two' | wordwrap(1) }}\n--\n{{ '' | wordwrap(5) }}|{{ 'ünïcödé wörds hère' | wordwrap(8) }}\n--\n{{ 'end.--start x' | wordwrap(7) }}")
add("wordwrap-zero", "{{ 'a' | wordwrap(0) }}")
add("pprint-more", "{{ {'outer': {'inner': ['x' * 20, 'y' * 20, 'z' * 20], 'k': (1, 2, 3)}, 'a': 'short'} | pprint }}\n{{ ('w' * 50, 'v' * 50) | pprint }}\n{{ ('word ' * 30) | pprint }}\n{{ [('line one\\nline two ' * 5)] | pprint }}\n{{ {2: 'b', 1: 'a', 10: 'c'} | pprint }}\n{{ [] | pprint }}{{ {} | pprint }}{{ 1.5 | pprint }}")
add("striptags-entities", "{{ '&amp &ampx &copy2024 &#128; &#x110000; &#0; &unknown; &lt3 &#65 &#X42; a&b &notin; &notit;' | striptags }}|{{ '&check; &NewLine;x &bigstar; &AMP &COPY; &nbsp;&nbspx &ngE; &fjlig; &Tab;|&;&#;&#x;' | striptags }}")
add("filesizeformat-more", "{{ true | filesizeformat }}|{{ 999999 | filesizeformat }}|{{ 1000000 | filesizeformat }}|{{ 1e27 | filesizeformat }}|{{ 1125899906842624 | filesizeformat(true) }}")
add("truncate-more", "{{ 'abc def ghi' | truncate(9, leeway=0) }}|{{ 'abc def ghi' | truncate(9, true, leeway=0) }}|{{ 'abcdefghijkl' | truncate(9, leeway=0) }}|{{ 'ünïcödé wörds' | truncate(9, leeway=0) }}|{{ 'x' | truncate(3, end='') }}")

# ---- Markup: what escape and safe return, and what keeps it
add("markup", "{{ ('<' | e) + '<' }}|{{ '<' + ('<' | e) }}|{{ ('<b>' | e) ~ '<' }}|{{ ('<' | e | lower) is escaped }}{{ ('x' | e | trim) is escaped }}{{ ('x' | e | title) is escaped }}{{ ('x' | e | center(3)) is escaped }}{{ ('x' | e | indent) is escaped }}{{ ('x' | e | replace('x', 'y')) is escaped }}{{ ('x' | e | string) is escaped }}{{ ('x' | safe | capitalize) is escaped }}|{{ {'a': '<b>' | safe, 'c': '<d>'} | xmlattr }}|{{ lipsum(1) is escaped }}{{ lipsum(1, false) is escaped }}|{{ ('<' | safe) == '<' }}")

# ---- jinja2 refuses unknown filters and tests when it compiles, except under an if
add("unknown-filter-not-run", "{% if false %}{{ x | nofilter }}{% endif %}{{ 1 if true else x | nofilter }}{% if false %}{{ 1 is notest }}{% endif %}ok")
add("unknown-filter-in-loop", "{% for a in [] %}{{ a | nofilter }}{% endfor %}ok")
add("unknown-filter-in-macro", "{% macro m() %}{{ 1 | nofilter }}{% endmacro %}ok")
add("unknown-filter-in-if-loop", "{% if false %}{% for a in [] %}{{ a | nofilter }}{% endfor %}{% endif %}ok")
add("unknown-test-in-set", "{% set x = 1 is notest %}ok")
add("unknown-filter-block", "{% filter nofilter %}x{% endfilter %}")
add("unknown-filter-in-map", "{{ [1] | map('nofilter') | list }}")
add("unknown-test-in-select", "{{ [1] | select('notest') | list }}")

# ---- keyword forms, filters through map / select, and corners of the arguments
KW = [{"n": "a", "g": "X", "v": 3, "s": {"t": 1}}, {"n": "B", "g": "x", "v": 1, "s": {"t": 5}}, {"n": "c", "g": "Y", "v": 2, "s": {"t": 3}}]
KEYWORDS = [
    "{{ 'ab' | center(width=5) }}", "{{ [1, 2, 3] | batch(linecount=2) | list }}", "{{ 'a\nb\n\nc' | indent(width='>', first=true, blank=true) }}",
    "{{ [1, 2] | join(d=',') }}", "{{ u | default(default_value='q') }}", "{{ 'hello world foo' | truncate(length=9, killwords=false, end='~', leeway=1) }}",
    "{{ 'aaa bbb ccc' | wordwrap(width=4, break_long_words=false, wrapstring='/', break_on_hyphens=false) }}",
    "{{ 'see http://verylong.example.com/x' | urlize(trim_url_limit=8, nofollow=true, target='t', rel='me you', extra_schemes=['x:']) }}",
    "{{ 2048 | filesizeformat(binary=true) }}", "{{ {'a': 1} | xmlattr(autospace=false) }}", "{{ 2.55 | round(precision=1, method='floor') }}",
    "{{ 'z' | int(default=3, base=10) }}", "{{ 'z' | float(default=3.5) }}", "{{ users | sum(attribute='v', start=100) }}",
    "{{ users | unique(case_sensitive=false, attribute='g') | map(attribute='n') | list }}", "{{ (users | min(case_sensitive=true, attribute='g')).n }}",
    "{{ {'b': 1, 'A': 2} | dictsort(case_sensitive=true, by='key', reverse=true) }}",
    "{{ users | sort(reverse=true, case_sensitive=true, attribute='g') | map(attribute='n') | list }}",
    "{% for k, items in users | groupby(attribute='g', default='-', case_sensitive=true) %}{{ k }}{{ items | length }}{% endfor %}",
    "{{ range(5) | slice(slices=2, fill_with=9) | list }}", "{{ 'aXbX' | replace(old='X', new='-', count=1) }}", "{{ '..a..' | trim(chars='.') }}",
    "{{ 'x' | attr(name='upper') is callable }}", "{{ [1] | tojson(indent=1) }}", "{{ users | map(attribute='s.t', default=0) | list }}",
    "{{ users | map(attribute='zz', default=0) | list }}", "{{ users | sort(attribute='s.t') | map(attribute='n') | join }}",
    "{{ users | groupby('s.t') | map(attribute='grouper') | list }}", "{{ users | selectattr('s.t', 'gt', 2) | map(attribute='n') | join }}",
    "{{ users | rejectattr('v', 'odd') | map(attribute='n') | join }}", "{{ 9 is divisibleby(num=3) }}", "{{ x is sameas(other=x) }}", "{{ 2 is in(seq=[2]) }}",
    "{% for x in [1, 2, 3] %}{% for y in 'ab' %}{{ loop.changed(x) }}{{ loop.cycle('-', '+') }}{% endfor %}{% endfor %}",
    "{% for x in [[1, 1], [2, [3, 3]]] recursive %}{% if x is iterable %}[{{ loop(x) }}]{% else %}{{ loop.changed(x) }}{{ loop.previtem }}{{ loop.length }}{% endif %}{% endfor %}",
    "{% set c = cycler('a', 'b') %}{% macro m() %}{{ c.next() }}{% endmacro %}{{ m() }}{{ m() }}{{ m() }}",
    "{% set j = joiner('|') %}{% for x in [1, 2] %}{% for y in [3] %}{{ j() }}{{ x }}{{ y }}{% endfor %}{% endfor %}",
    "{{ cycler(1, 2).current }}", "{% set c = cycler(1, 2) %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.pos }}",
    "{{ [1, 2, 3] | map('format') | list }}", "{{ ['%s!'] | map('format', 1) | list }}", "{{ ['a', 'b'] | map('replace', old='a', new='z') | list }}",
    "{{ [[1, 2], [3]] | map('sum') | list }}", "{{ [[1, 2], [3]] | map('sum', start=10) | list }}", "{{ [['b', 'a']] | map('sort') | list }}",
    "{{ [['b', 'a']] | map('join', d='-') | list }}", "{{ ['ab', 'cd'] | map('truncate', 3, leeway=0) | list }}",
    "{{ [1, 2, 3, 4, 5, 6] | select('divisibleby', 2) | select('gt', 2) | list }}",
    "{{ {'a': 1, 'b': 2} | dictsort | map('last') | list }}", "{{ {'a': 1, 'b': 2} | items | map('first') | list }}",
    "{{ 'hello' | batch(2) | map('join') | list }}", "{{ 'x y z' | wordcount }}{{ 'x' | batch(3, '.') | first | join }}",
    "{{ users | groupby('g') | first }}", "{{ (users | groupby('g'))[0].list | length }}", "{{ users | groupby('g') | map('first') | list }}",
    "{{ [3, 'a'] | sort }}", "{{ [none, 1] | max }}", "{{ [[1], [0, 5]] | max }}", "{{ [(1, 2), (1, 1)] | min }}",
    "{{ 'Ab' | unique | list }}", "{{ {'a': 1, 'A': 2} | unique | list }}", "{{ [[1], [1]] | unique | list }}",
    "{{ 3 | pprint }}{{ 'x' | pprint }}{{ true | pprint }}", "{{ {'a': none, 'b': u} | pprint }}",
    "{{ (1, 2) | join('-') }}{{ 'abc' | list | join('.') }}{{ range(3) | reverse | join }}",
    "{{ 1000 | filesizeformat(true) }}", "{{ '1e3' | filesizeformat }}",
    "{{ ' 12 ' | float }}{{ '1__0' | int(-1) }}{{ '0x' | int(-1, 16) }}{{ '-0b11' | int(0, 0) }}{{ '09' | int(-1, 0) }}{{ '00' | int(-1, 0) }}{{ 'z' | int(base=36) }}{{ '10' | int(base=1) }}",
    "{{ 12.5 | int }}{{ '12.5' | int }}{{ '-12.9' | int }}{{ 'nan' | int(-2) }}{{ 'inf' | float }}{{ '-Infinity' | float }}{{ '.5' | float }}{{ '5.' | float }}{{ '1e' | float(7) }}",
    "{{ 0.5 | round }}{{ 1.5 | round }}{{ -0.5 | round }}{{ 1.25 | round(1) }}{{ 1.35 | round(1) }}{{ 15 | round(-1) }}{{ 25 | round(-1) }}{{ 2.5 | round(-1) }}{{ 1e300 | round(2) }}{{ 3 | round(1, 'ceil') }}",
    "{{ 'abc' is lower }}{{ 'ß' is lower }}{{ 'ǅ' is upper }}{{ 'ǅ' is lower }}{{ 'İ' | lower | length }}",
    "{{ 'Straße' | upper }}{{ 'ﬁx' | upper }}{{ 'ǆemal' | title }}{{ 'hello wORLD' | title }}{{ 'o\\'neil mc-donald' | title }}",
    "{{ '  Hi\\n' | trim | length }}{{ '\\u3000x\\u3000' | trim | length }}",
]
for i, template in enumerate(KEYWORDS):
    add("forms-%02d" % i, template, users=KW, x=[1])
CORNERS = [
    ("urlize-limit-unused", "{{ 'no links here' | urlize('x') }}|{{ 'a b' | urlize(u) }}"),
    ("urlize-limit-used", "{{ 'http://x.com' | urlize('x') }}"),
    ("urlize-rel-not-text", "{{ 'a' | urlize(rel=7) }}"),
    ("percent-undefined-mapping", "{{ 'abc' % u }}|{{ '%s!' % u }}"),
    ("tuple-subscript", "{{ 'abc'[0, 1] }}|{{ {(1, 2): 'x'}[1, 2] }}|{{ [1, 2][1.5] }}|{{ [1, 2][none] is defined }}"),
    ("sort-undefined-keys", "{{ 'nan' | sort(attribute='zz') }}|{{ [{'a': 1}, {'a': 1}] | sort(attribute='a') }}"),
    ("sort-mixed-items", "{{ [[1, 'a'], [1, 2]] | sort }}"),
    ("sort-undefined-against-number", "{{ [{'a': 1}, {}] | sort(attribute='a') }}"),
    ("trim-list-chars", "{{ 'abc' | trim(['a']) }}"),
    ("sort-reverse-text", "{{ [2, 1] | sort('yes') }}"),
    ("dictsort-reverse-text", "{{ {'a': 1} | dictsort(reverse='yes') }}"),
    ("groupby-undefined-attribute", "{{ ['a', 'b'] | groupby(u, {'d': 1}) }}"),
    ("attr-name-number", "{{ 'abc' | attr(1) }}"),
    ("center-none-width", "{{ 'abc' | center(none) }}"),
    ("markup-repr", "{{ ['<a>' | e, 'b' | safe] }}|{{ ('x' | e) | pprint }}"),
    ("grouptuple-pprint", "{{ users | groupby('city') | first | pprint }}|{{ users | groupby('city') | pprint }}"),
    ("grouptuple-round", "{{ (users | groupby('city') | first) | round }}"),
    ("unique-unhashable-inside", "{{ users | groupby('city') | unique | list }}"),
    ("truncate-list-killwords", "{{ range(20) | list | truncate(3, true, '', 0) }}"),
    ("capitalize-titlecase", "{{ 'ǆemal' | capitalize }}|{{ 'ﬁx IT' | capitalize }}|{{ 'ßa' | capitalize }}|{{ 'ǆemal'.capitalize() }}|{{ 'élan' | capitalize }}"),
    ("truncate-float-length", "{{ 'abc' | truncate(5.5) }}|{{ [1, 2] | truncate(1e308) }}|{{ 'abcdefghijk' | truncate(5.0, leeway=6) }}"),
    ("truncate-float-cut", "{{ 'abcdefghijk' | truncate(5.0, leeway=0) }}"),
    ("unicode-words", "{{ 'a—b c…d e_f ٣٤ x²y ñ̃' | wordcount }}|{{ 'über—straße' | wordwrap(6) }}|{{ 'naïve-café—déjà vu' | wordwrap(7) }}|{{ 'ab—cd' | wordwrap(3) }}"),
    ("none-arguments", "{{ 2.5 | round(none) }}|{{ 3.5 | round(none) }}|{{ '12' | int(base=none) }}|{{ 'aaa' | replace('a', 'b', none) }}|{{ 'abcdefghij' | truncate(5, leeway=none) }}"),
]
for name, template in CORNERS:
    add(name, template, users=USERS)
add("too-many-arguments", "{{ [1, 2] | first(5) }}", error_part="were given")
add("too-many-arguments-center", "{{ 'a' | center(3, 'x') }}", error_part="were given")
add("too-many-arguments-test", "{{ 2 is even(2) }}", error_part="were given")
add("missing-argument", "{% for x in [1] %}{{ x | batch }}{% endfor %}", error_part="missing 1 required positional argument: 'linecount'")
add("missing-argument-replace", "{{ 'a' | replace(new='b') }}", error_part="missing 1 required positional argument: 'old'")
add("generators-run-when-iterated", "{% set g = [1, 2] | map('nofilter') %}{% set h = [1] | select('notest') %}{% set i = 5 | items %}{% set j = [1] | batch(none) %}ok|{{ g is iterable }}{{ ([0, 1] | select('divisibleby', 0)) is defined }}")
add("generator-error-when-iterated", "{% set g = [1, 2] | map('nofilter') %}{{ g | list }}")
add("unexpected-keyword", "{{ 'a' | center(size=3) }}", error_part="got an unexpected keyword argument 'size'")
add("keyword-twice", "{{ 'a' | center(3, width=4) }}", error_part="got multiple values for argument 'width'")

# ---- comparison chains: a < b < c is a < b and b < c (jinja2's Compare node), the middle evaluated once
add("compare-chain", "{{ 3 > 2 > 1 }}|{{ 0 < 15 < 10 }}|{{ 2 == 2 == 2 }}|{{ 1 < 2 > 0 }}|{{ 1 != 2 != 1 }}|{{ 1 <= 1 < 2 <= 2 }}")
add("compare-chain-in", "{{ 'a' in 'abc' in ['abc'] }}|{{ 'a' not in 'xyz' in ['xyz'] }}|{{ 1 < 2 in [true] }}")
add("compare-chain-loop-range", "{% for m in messages %}{% if 0 < loop.index < 3 %}[{{ m.role }}]{% endif %}{% endfor %}",
    messages=[{"role": "system"}, {"role": "user"}, {"role": "assistant"}, {"role": "user"}])
add("compare-chain-once", "{% set c = cycler(1, 2, 3) %}{{ 0 < c.next() < 5 }}{{ c.current }}|{{ 5 < c.next() < 0 }}{{ c.current }}")
add("compare-chain-short-circuit", "{{ 2 < 1 < x.y }}|{{ (1 < 2 < 3) ~ '' }}|{{ not 1 < 2 < 3 }}")
add("compare-chain-value", "{{ (1 < 2 < 3) is sameas true }}|{{ [1 < 2 < 1, 1 < 2] }}")

# ---- every filter and test on every kind of value (builtins_matrix.json)
matrix = []
VALUES = {"u": "u", "none": "none", "zero": "0", "int": "7", "float": "2.5", "neg": "-3", "str": "'aB c'", "empty": "''",
          "list": "[3, 1, 2]", "tuple": "(1, 'x')", "dict": "{'b': 1, 'a': 2}", "true": "true", "nested": "[{'a': 1}, {'a': 2}]",
          "html": "'<a href=\"x\">T &amp; </a>'"}
# each filter with arguments it needs, and `| list` where it gives a generator
FILTER_CALLS = {
    "abs": "", "attr": "('a')", "batch": "(2) | list", "capitalize": "", "center": "(9)", "count": "", "default": "('D')", "dictsort": "",
    "escape": "", "filesizeformat": "", "first": "", "float": "", "forceescape": "", "format": "", "groupby": "('a') | list",
    "indent": "(2, true)", "int": "", "join": "(',')", "last": "", "length": "", "list": "", "lower": "", "items": " | list",
    "map": "('string') | list", "min": "", "max": "", "pprint": "", "reject": " | list", "rejectattr": "('a') | list",
    "replace": "('a', 'X')", "reverse": " | list", "round": "(1)", "safe": "", "select": " | list", "selectattr": "('a') | list",
    "slice": "(2) | list", "sort": "", "string": "", "striptags": "", "sum": "", "title": "", "trim": "", "truncate": "(5, leeway=0)",
    "unique": " | list", "upper": "", "urlencode": "", "urlize": "", "wordcount": "", "wordwrap": "(3)", "xmlattr": "", "tojson": "",
}
MATRIX_TESTS = ["odd", "even", "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "lower", "upper", "string",
                "mapping", "number", "sequence", "iterable", "callable", "escaped", "filter", "test"]
for f, call in FILTER_CALLS.items():
    for vn, v in VALUES.items():
        add(f + "-" + vn, "{{ " + v + " | " + f + call + " }}")
        matrix.append(cases.pop())
for t in MATRIX_TESTS:
    for vn, v in VALUES.items():
        add("is-" + t + "-" + vn, "{{ " + v + " is " + t + " }}")
        matrix.append(cases.pop())
for t, argument in [("divisibleby", "3"), ("sameas", "none"), ("in", "[1, 'x', 3]"), ("eq", "7"), ("lt", "5"), ("ge", "'b'")]:
    for vn, v in VALUES.items():
        add("is-" + t + "-" + vn, "{{ " + v + " is " + t + "(" + argument + ") }}")
        matrix.append(cases.pop())

# ---- random inputs for the filters that parse text (seeded: the same cases on every run)
rng = random.Random(7)
for k in range(150):
    text = "".join(rng.choice("<!->a &;#x9b") for _ in range(rng.randint(0, 24)))
    add("random-striptags-%03d" % k, "{{ s | striptags }}", s=text)
    matrix.append(cases.pop())
for k in range(150):
    words = ["".join(rng.choice("ab-.,'!?\"") for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(0, 12))]
    text = rng.choice([" ", "  ", "\t", " -- "]).join(words)
    template = "{{ s | wordwrap(%d, %s, '|', %s) }}" % (rng.randint(1, 12), rng.choice(["true", "false"]), rng.choice(["true", "false"]))
    add("random-wordwrap-%03d" % k, template, s=text)
    matrix.append(cases.pop())
URL_PARTS = ["http://", "https://", "www.", "a", "b.com", ".org", "@", "x.io", "(", ")", "<", ">", ".", ",", ":80", "/p?q", "mailto:",
             "[::1]", "1.2.3.4", "&", "_", "-", "%"]
for k in range(100):
    text = " ".join("".join(rng.choice(URL_PARTS) for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 4)))
    add("random-urlize-%03d" % k, "{{ s | urlize(%s) }}" % rng.choice(["", "5", "none, true"]), s=text)
    matrix.append(cases.pop())


def random_value(depth):
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice([1, "x" * rng.randint(0, 30), None, True, 2.5, "a b " * rng.randint(0, 20)])
    if r < 0.6:
        return [random_value(depth + 1) for _ in range(rng.randint(0, 6))]
    return {rng.choice("abcdefgh") * rng.randint(1, 12): random_value(depth + 1) for _ in range(rng.randint(0, 5))}


for k in range(25):
    add("random-pprint-%03d" % k, "{{ v | pprint }}", v=random_value(0))
    matrix.append(cases.pop())

# seeded random loops: every loop variable, loop.cycle / changed, cycler and joiner, set blocks and
# filter blocks, in nested and filtered loops
LOOP_SEQS = ["[1, 2, 2, 3]", "'abca'", "range(4)", "{'a': 1, 'b': 2}", "[]", "[[1, 2], [3]]", "range(7) | slice(3)", "[1, 2] | batch(1)"]
LOOP_VARS = ["loop.index", "loop.index0", "loop.revindex", "loop.revindex0", "loop.first", "loop.last", "loop.length", "loop.depth",
             "loop.depth0", "loop.previtem", "loop.nextitem", "loop.cycle('a', 'b', 'c')", "loop.changed(x)",
             "loop.changed(loop.index // 2)", "loop.previtem is defined", "loop.nextitem is undefined"]
LOOP_FILTERS = ["string", "upper", "length", "first", "list", "tojson", "e", "reverse | list", "sort", "sum", "join('-')", "center(6)",
                "pprint", "wordcount", "unique | list", "batch(2) | list", "map('string') | list", "select | list", "max", "indent(1)"]


def loop_body(depth):
    parts = []
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        if r < 0.35:
            parts.append("{{ " + rng.choice(LOOP_VARS) + " }}")
        elif r < 0.5:
            parts.append("{{ x | " + rng.choice(LOOP_FILTERS) + " }}")
        elif r < 0.62 and depth < 2:
            parts.append(random_loop(depth + 1))
        elif r < 0.72:
            parts.append("{% if " + rng.choice(LOOP_VARS) + " %}T{% else %}F{% endif %}")
        elif r < 0.82:
            parts.append("{{ c.next() }}{{ j() }}")
        elif r < 0.91:
            parts.append("{% set t %}{{ x }}{% endset %}{{ t | " + rng.choice(LOOP_FILTERS) + " }}")
        else:
            parts.append("{% filter " + rng.choice(["upper", "trim", "title", "center(9)", "wordwrap(3)", "striptags"]) + " %} {{ x }} <b>{{ loop.index }}</b>{% endfilter %}")
    return "".join(parts)


def random_loop(depth):
    condition = rng.choice(["", "", " if x", " if x is not string"])
    return ("{% for x in " + rng.choice(LOOP_SEQS) + condition + " %}" + loop_body(depth) +
            ("{% else %}E" if rng.random() < 0.3 else "") + "{% endfor %}")


for k in range(80):
    add("random-loop-%03d" % k, "{% set c = cycler(1, 2, 3) %}{% set j = joiner('|') %}" + random_loop(0))
    matrix.append(cases.pop())

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "builtins_cases.json"), "w", encoding="utf-8") as out:
    out.write(json.dumps({"jinja2": jinja2.__version__, "cases": cases}, ensure_ascii=False, indent=1) + "\n")
with open(os.path.join(here, "builtins_matrix.json"), "w", encoding="utf-8") as out:
    out.write('{"jinja2": ' + json.dumps(jinja2.__version__) + ', "cases": [\n')
    out.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in matrix))
    out.write("\n]}\n")
