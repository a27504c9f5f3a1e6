#pragma once
// "1,2,3" -> {1, 2, 3}, for command-line options (token ids, batch sizes, concurrency levels).
#include <string>
#include <vector>

namespace awq {

// Throws awq::Error naming `option` for an empty list or an item that is not an integer.
std::vector<int> parseIntList(const std::string& text, const std::string& option);

}  // namespace awq
