#!/bin/sh
# generate --chat passes --var / --tools into the chat template, as chat-template does: the prompt the
# engine encodes carries the variable's value. Usage: generate_chat_vars.sh CLI DEMO_MODEL_DIR
set -eu
CLI=$1
SRC=$2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp -r "$SRC"/. "$W/m"
printf '%s' '{{ greeting }}{% for m in messages %} {{ m.content }}{% endfor %}{% if tools %} tools: {{ tools | map(attribute="name") | join(",") }}{% endif %}' > "$W/m/chat_template.jinja"
printf '%s' '[{"name": "get_weather"}]' > "$W/tools.json"
ids() { "$CLI" generate --model "$W/m" --chat "a cat" --max-new 1 --json "$@" | tr -d ' \n' | sed 's/.*"prompt_ids":\[\([^]]*\)\].*/\1/'; }
with=$(ids --var 'greeting="Once upon a time"')
plain=$(ids)
want=$("$CLI" tokenize --model "$W/m" --text "Once upon a time a cat" --no-special --json | tr -d ' \n' | sed 's/.*"ids":\[\([^]]*\)\].*/\1/')
[ "$with" = "$want" ] || { echo "with --var: prompt ids $with, want $want"; exit 1; }
[ "$with" != "$plain" ] || { echo "--var changed nothing"; exit 1; }
tools=$(ids --var 'greeting="Once upon a time"' --tools "$W/tools.json")
want=$("$CLI" tokenize --model "$W/m" --text "Once upon a time a cat tools: get_weather" --no-special --json | tr -d ' \n' | sed 's/.*"ids":\[\([^]]*\)\].*/\1/')
[ "$tools" = "$want" ] || { echo "with --tools: prompt ids $tools, want $want"; exit 1; }
echo "generate --chat renders template variables: ok"
