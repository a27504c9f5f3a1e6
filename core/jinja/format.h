#pragma once
// Python's printf-style string formatting, `format % args`, which templates reach through the `%`
// operator on a string and through jinja2's format filter (str(value) % args).
#include "core/jinja/value.h"

#include <functional>
#include <string>
#include <string_view>

namespace awq::jinja {

// `args` is a tuple of arguments, a mapping for "%(name)s" conversions, or one value. Supports
// what Python does: flags "-+ #0", width and precision (also "*"), the length modifiers h/l/L
// (ignored) and the conversions s r a d i u o x X e E f F g G c %. Throws TemplateError with
// Python's message where Python raises (too few or too many arguments, a wrong type, an unknown
// conversion).
std::string percentFormat(std::string_view format, const Value& args);

// `obj.name` (isAttribute) or `obj[key]` inside a str.format field, resolved as the template
// resolves them (jinja2's sandbox formatter uses the environment's getattr / getitem).
using FieldLookup = std::function<Value(const Value& obj, const Value& key, bool isAttribute)>;

// Python's str.format(*args, **kwargs): "{}" / "{0}" / "{name}" fields with .attr and [key]
// parts, the conversions !s !r !a, nested fields in the spec ("{:{}}"), and the format-spec
// mini-language ([[fill]align][sign][#][0][width][,|_][.precision][type]) for text, integers and
// floats. Throws TemplateError with Python's message where Python raises.
std::string braceFormat(std::string_view format, const CallArgs& args, const FieldLookup& lookup);

}  // namespace awq::jinja
