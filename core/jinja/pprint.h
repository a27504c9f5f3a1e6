#pragma once
// jinja2's pprint filter: Python's pprint.pformat(value) (width 80, indent 1, dicts sorted by key).
#include "core/jinja/value.h"

#include <string>

namespace awq::jinja {

// TemplateError "string too long" past maxBytes.
std::string prettyFormat(const Value& value, std::size_t maxBytes);

}  // namespace awq::jinja
