#pragma once
// A fixture's golden.json (outputs of Hugging Face transformers), for engine and tokenizer tests.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace awq::test {

inline nlohmann::json readGolden(const std::filesystem::path& modelFolder) {
    std::ifstream in(modelFolder / "golden.json");
    return nlohmann::json::parse(in);
}

}  // namespace awq::test
