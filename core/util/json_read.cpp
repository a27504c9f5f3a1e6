#include "core/util/json_read.h"

#include "core/util/error.h"
#include "core/util/read_file.h"


namespace awq {
namespace fs = std::filesystem;

namespace {

std::string withPart(const JsonSource& source, const std::string& problem) {
    return source.part.empty() ? problem : source.part + ": " + problem;
}

template <typename Json>
Json parseBounded(std::string_view text, const JsonSource& source, std::uint64_t maxBytes) {
    checkJsonBounds(text, source, maxBytes);
    try {
        return Json::parse(text.begin(), text.end());
    } catch (const typename Json::parse_error& e) {
        // nlohmann's message carries the byte or line and column of the problem.
        throw Error(withPart(source, std::string("not valid JSON (") + e.what() + ")"), source.file, source.fix);
    } catch (const typename Json::out_of_range& e) {
        // A number past a double's range (1e400): nlohmann refuses it with out_of_range 406
        // instead of a parse_error (found by the fuzzer, tests/fuzz/regressions/run_document).
        throw Error(withPart(source, std::string("not valid JSON (") + e.what() + ")"), source.file, source.fix);
    }
}

}  // namespace

void checkJsonBounds(std::string_view text, const JsonSource& source, std::uint64_t maxBytes) {
    if (text.size() > maxBytes)
        throw Error(withPart(source, "is " + std::to_string(text.size()) + " bytes of JSON, more than the " + std::to_string(maxBytes) +
                                         " allowed"),
                    source.file, source.fix);
    int depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') ++i;  // the escaped character cannot end the string
            else if (c == '"') inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                throw Error(withPart(source, "nests arrays and objects more than " + std::to_string(kMaxJsonDepth) +
                                                 " levels deep (at byte " + std::to_string(i) + ")"),
                            source.file, source.fix);
        } else if (c == ']' || c == '}') {
            --depth;  // unbalanced brackets are the parser's to report
        }
    }
}

nlohmann::json parseJson(std::string_view text, const JsonSource& source, std::uint64_t maxBytes) {
    return parseBounded<nlohmann::json>(text, source, maxBytes);
}

nlohmann::ordered_json parseOrderedJson(std::string_view text, const JsonSource& source, std::uint64_t maxBytes) {
    return parseBounded<nlohmann::ordered_json>(text, source, maxBytes);
}

nlohmann::json readJsonFile(const JsonSource& source, std::uint64_t maxBytes) {
    return parseJson(readFile(source.file, "file", source.fix, maxBytes), source, maxBytes);
}

}  // namespace awq
