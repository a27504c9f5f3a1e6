#include "core/compare/battery.h"

#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/resources.h"
#include "core/util/read_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <unistd.h>

namespace awq {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The keys a test may have, and a battery file's top-level object.
constexpr const char* kTestKeys[] = {"id", "category", "prompt", "reference", "max_new_tokens", "chat"};
constexpr const char* kBatteryKeys[] = {"name", "description", "tests"};

template <std::size_t N>
std::string keyList(const char* const (&keys)[N]) {
    std::string out;
    for (const char* k : keys) out += std::string(out.empty() ? "" : ", ") + k;
    return out;
}

template <std::size_t N>
bool isKnown(const std::string& key, const char* const (&keys)[N]) {
    return std::any_of(std::begin(keys), std::end(keys), [&](const char* k) { return key == k; });
}

// `where` names the test for messages: "line 3" (JSONL) or "test 3" (JSON array).
BatteryTest parseTest(const json& j, const fs::path& origin, const std::string& where) {
    const auto fail = [&](const std::string& what, const std::string& fix) { throw Error(where + ": " + what, origin, fix); };
    if (!j.is_object()) fail("a test must be a JSON object", R"(write {"prompt": "..."} with optional id, category, reference)");
    // A misspelt key ("refrence") would be ignored, and the test run without what it meant to say.
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!isKnown(it.key(), kTestKeys))
            fail("unknown key \"" + it.key() + "\"", "a test's keys are: " + keyList(kTestKeys));
    BatteryTest t;
    const auto prompt = j.find("prompt");
    if (prompt == j.end() || !prompt->is_string()) fail("missing \"prompt\" (a string)", "give every test a \"prompt\"");
    t.prompt = prompt->get<std::string>();
    if (t.prompt.find_first_not_of(" \t\r\n") == std::string::npos) fail("the prompt is empty", "write a prompt");
    const auto optString = [&](const char* key) -> std::optional<std::string> {
        const auto it = j.find(key);
        if (it == j.end() || it->is_null()) return std::nullopt;
        if (!it->is_string()) fail(std::string("\"") + key + "\" must be a string", "quote the value");
        return it->get<std::string>();
    };
    t.id = optString("id").value_or("");
    t.category = optString("category").value_or("general");
    t.reference = optString("reference");
    // An empty reference matches no answer but an empty one: every answer would count as a miss.
    if (t.reference && t.reference->find_first_not_of(" \t\r\n") == std::string::npos)
        fail("the reference is empty", "write the expected answer, or leave \"reference\" out");
    if (const auto it = j.find("max_new_tokens"); it != j.end() && !it->is_null()) {
        if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 1000000)
            fail("\"max_new_tokens\" must be a positive integer", "write e.g. \"max_new_tokens\": 64");
        t.maxNewTokens = it->get<int>();
    }
    if (const auto it = j.find("chat"); it != j.end() && !it->is_null()) {
        if (!it->is_boolean()) fail("\"chat\" must be true or false", "write \"chat\": true");
        t.chat = it->get<bool>();
    }
    return t;
}

// Fills missing ids ("test-3") and rejects duplicates.
void finishIds(Battery& b, const fs::path& origin) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < b.tests.size(); ++i) {
        auto& t = b.tests[i];
        if (t.id.empty()) t.id = "test-" + std::to_string(i + 1);
        if (!seen.insert(t.id).second)
            throw Error("duplicate test id \"" + t.id + "\"", origin, "give every test a unique \"id\"");
    }
}


}  // namespace

std::vector<std::string> Battery::categories() const {
    std::vector<std::string> out;
    for (const auto& t : tests)
        if (std::find(out.begin(), out.end(), t.category) == out.end()) out.push_back(t.category);
    return out;
}

Battery parseBattery(std::string_view text, const fs::path& origin, bool jsonl) {
    Battery b;
    b.name = origin.filename().string();
    b.source = origin.string();
    if (jsonl) {
        std::size_t lineNo = 0, at = 0;
        while (at <= text.size()) {
            const auto end = std::min(text.find('\n', at), text.size());
            const auto line = text.substr(at, end - at);
            ++lineNo;
            at = end + 1;
            if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
            const json j = parseJson(line, {origin, "write one JSON object per line", "line " + std::to_string(lineNo)});
            b.tests.push_back(parseTest(j, origin, "line " + std::to_string(lineNo)));
        }
    } else {
        const json j = parseJson(text, {origin, "fix the JSON, or use .jsonl for one test per line"});
        const json* tests = &j;
        if (j.is_object()) {
            if (const auto n = j.find("name"); n != j.end() && n->is_string()) b.name = n->get<std::string>();
            const auto it = j.find("tests");
            if (it == j.end()) throw Error("missing \"tests\"", origin, R"(write {"name": "...", "tests": [{"prompt": "..."}]})");
            tests = &*it;
            for (auto k = j.begin(); k != j.end(); ++k)
                if (!isKnown(k.key(), kBatteryKeys))
                    throw Error("unknown key \"" + k.key() + "\" in the battery", origin, "a battery's keys are: " + keyList(kBatteryKeys) +
                                                                                       "; a test's keys are: " + keyList(kTestKeys));
        }
        if (!tests->is_array()) throw Error("\"tests\" must be an array of tests", origin, R"(write [{"prompt": "..."}, ...])");
        for (std::size_t i = 0; i < tests->size(); ++i) b.tests.push_back(parseTest((*tests)[i], origin, "test " + std::to_string(i + 1)));
    }
    if (b.tests.empty()) throw Error("the battery has no tests", origin, "add at least one test with a \"prompt\"");
    finishIds(b, origin);
    return b;
}

Battery loadBatteryFile(const fs::path& file) {
    return parseBattery(readFile(file, "battery file", "check the path (or use \"default\" for the built-in battery)"), file,
                        file.extension() == ".jsonl");
}

fs::path defaultBatteryFile() { return findResourceFile("batteries/default.json"); }

Battery loadDefaultBattery() {
    const auto file = defaultBatteryFile();
    if (file.empty())
        throw Error("the built-in battery is missing", "batteries/default.json", "reinstall awqbench, or pass --battery FILE");
    auto b = loadBatteryFile(file);
    b.name = "default";
    b.source = "builtin";
    return b;
}

Battery loadBattery(const std::string& spec) {
    if (spec.empty() || spec == "default") return loadDefaultBattery();
    return loadBatteryFile(spec);
}

}  // namespace awq
