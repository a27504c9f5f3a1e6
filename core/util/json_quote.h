#pragma once
// A JSON string literal for UTF-8 text: quotes, backslashes and control characters escaped, other
// bytes kept (tokens, template output and GGUF strings print readably on one line).
#include <string>
#include <string_view>

namespace awq {

void appendJsonQuoted(std::string_view text, std::string& out);
std::string jsonQuoted(std::string_view text);

}  // namespace awq
