#pragma once
// A word as a POSIX shell reads it back: plain words as they are, anything else in single quotes
// (a ' inside written '\''), for the commands we print for users to copy and the scripts we write.
#include <string>

namespace awq {

std::string shellQuoted(const std::string& word);

}  // namespace awq
