#include "core/run/run_created.h"

#include "core/run/run_document.h"
#include "core/util/json_read.h"
#include "core/util/read_file.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <string>

namespace awq {
namespace {

// Collects the top-level "format" and "created" strings; stops the parse once both are known, so
// the answers, speeds and traces after them are not read.
class TopLevelKeys : public nlohmann::json_sax<nlohmann::json> {
public:
    std::optional<std::string> format, created;

    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool binary(binary_t&) override { return value(); }
    bool string(string_t& s) override {
        if (depth_ == 1 && key_ == "format") format = s;
        if (depth_ == 1 && key_ == "created") created = s;
        return value();
    }
    bool start_object(std::size_t) override { return open(); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        if (depth_ == 1) key_ = k;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    bool value() { return !(format && created); }
    bool open() {
        ++depth_;
        return value();
    }
    bool close() {
        --depth_;
        return value();
    }
    int depth_ = 0;
    std::string key_;
};

std::optional<std::chrono::system_clock::time_point> parseUtc(const std::string& iso) {
    std::tm tm{};
    int consumed = 0;
    if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                    &consumed) != 6 ||
        consumed != int(iso.size()))
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const std::time_t t = timegm(&tm);
    if (t == std::time_t(-1)) return std::nullopt;
    return std::chrono::system_clock::from_time_t(t);
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> runDocumentCreated(const std::filesystem::path& file) {
    try {
        const std::string text = readFile(file, "run document", "check the file's permissions", kMaxJsonBytes);
        checkJsonBounds(text, {file, "check the run document"}, kMaxJsonBytes);
        TopLevelKeys keys;
        nlohmann::json::sax_parse(text, &keys);
        if (keys.format != kRunFormat || !keys.created) return std::nullopt;
        return parseUtc(*keys.created);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace awq
