#pragma once
// The one way JSON text is written (files, standard output, HTTP bodies). nlohmann's dump() throws
// on a string that is not valid UTF-8, and strings that reach a document are not all UTF-8: a Linux
// path is bytes, generated text can end inside a character. A run of an hour must not be lost at
// its last step over one byte, so such bytes are written as U+FFFD. What has to be found again
// through a written path is refused where it is taken in instead (describeModel).
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace awq {

// j.dump(indent) with invalid UTF-8 replaced by U+FFFD; indent -1: one line. Never throws for text.
std::string jsonText(const nlohmann::json& j, int indent = -1);

// The value, or null for a figure that was not measured (this nlohmann has no std::optional support).
template <class T>
nlohmann::json jsonOrNull(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace awq
