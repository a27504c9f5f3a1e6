#pragma once
// Python's printf-style string formatting, `format % args`, which templates reach through the `%`
// operator on a string and through jinja2's format filter (str(value) % args).
#include "core/tokenizer/jinja/value.h"

#include <string>
#include <string_view>

namespace awq::jinja {

// `args` is a tuple of arguments, a mapping for "%(name)s" conversions, or one value. Supports
// what Python does: flags "-+ #0", width and precision (also "*"), the length modifiers h/l/L
// (ignored) and the conversions s r a d i u o x X e E f F g G c %. Throws TemplateError with
// Python's message where Python raises (too few or too many arguments, a wrong type, an unknown
// conversion).
std::string percentFormat(std::string_view format, const Value& args);

}  // namespace awq::jinja
