#pragma once
// Splits a Jinja template into text and tag tokens, applying whitespace control the way
// transformers configures Jinja: trim_blocks and lstrip_blocks on, "-" and "+" modifiers,
// keep_trailing_newline off, newlines in text normalized to "\n". {% raw %} blocks are text.
#include <string>
#include <string_view>
#include <vector>

namespace awq::jinja {

enum class TokenType { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, End };

struct Token {
    TokenType type;
    std::string value;  // text, name, unescaped string, number spelling or operator
    int line;
};

// Throws TemplateError on unterminated tags, strings or comments.
std::vector<Token> tokenize(std::string_view source);

}  // namespace awq::jinja
