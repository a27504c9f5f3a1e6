#include "core/compare/conversation.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"
#include "core/util/read_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace awq {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
constexpr const char* kFormat = "awqbench-conversation";
constexpr const char* kSlots[2] = {"A", "B"};

std::string safeName(const std::string& name) {
    std::string out;
    for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
    return out.empty() ? "model" : out;
}
}  // namespace

const char* voteName(Vote v) noexcept {
    switch (v) {
        case Vote::ABetter: return "a_better";
        case Vote::BBetter: return "b_better";
        case Vote::Tie: return "tie";
        case Vote::BothBad: return "both_bad";
        case Vote::None: break;
    }
    return "";
}

Vote parseVote(std::string_view name) {
    for (Vote v : {Vote::ABetter, Vote::BBetter, Vote::Tie, Vote::BothBad})
        if (name == voteName(v)) return v;
    if (name.empty()) return Vote::None;
    throw Error("unknown vote '" + std::string(name) + "'", {}, "use a_better, b_better, tie or both_bad");
}

VoteTally Conversation::tally() const {
    VoteTally t;
    for (const auto& turn : turns) {
        t.aBetter += turn.vote == Vote::ABetter;
        t.bBetter += turn.vote == Vote::BBetter;
        t.tie += turn.vote == Vote::Tie;
        t.bothBad += turn.vote == Vote::BothBad;
    }
    return t;
}

std::string Conversation::title() const {
    if (turns.empty()) return {};
    const std::string& first = turns.front().user;
    constexpr std::size_t kMax = 60;
    std::size_t cut = std::min(first.size(), kMax);
    // Do not cut a UTF-8 sequence in half: back up to the byte that starts one.
    while (cut < first.size() && cut > 0 && (static_cast<unsigned char>(first[cut]) & 0xC0) == 0x80) --cut;
    std::string t = first.substr(0, cut);
    std::replace(t.begin(), t.end(), '\n', ' ');
    return cut < first.size() ? t + "…" : t;
}

std::string conversationToJson(const Conversation& c) {
    json models = json::object();
    for (int s = 0; s < 2; ++s) models[kSlots[s]] = {{"name", c.models[s].name}, {"path", c.models[s].path}};
    json turns = json::array();
    for (const auto& t : c.turns) {
        json replies = json::object();
        for (int s = 0; s < 2; ++s) {
            const auto& r = t.replies[s];
            replies[kSlots[s]] = {{"text", r.text},         {"finish", r.finish},
                                  {"ttft_ms", r.ttftMs},    {"tpot_ms", jsonOrNull(r.tpotMs)},
                                  {"tokens_per_s", r.tokensPerSecond}, {"new_tokens", r.newTokens},
                                  {"engine_memory_bytes", r.engineMemoryBytes}};
        }
        turns.push_back({{"system_prompt", t.systemPrompt}, {"user", t.user}, {"replies", replies}, {"vote", t.vote == Vote::None ? json() : json(voteName(t.vote))}});
    }
    const json j = {{"format", kFormat}, {"version", 1},          {"created", c.created}, {"device", c.device},
                    {"system_prompt", c.systemPrompt}, {"models", models}, {"turns", turns}};
    return jsonText(j, 2) + "\n";
}

Conversation conversationFromJson(std::string_view text, const fs::path& origin) {
    const json j = parseOrderedJson(text, {origin, "delete the file, or save the conversation again"});
    if (!j.is_object() || j.value("format", std::string()) != kFormat)
        throw Error("not a saved conversation (\"format\" is not \"awqbench-conversation\")", origin, "open a file the Chat tab saved");
    Conversation c;
    try {
        if (j.at("version").get<int>() != 1) throw Error("conversation version is not supported", origin, "update awqbench");
        c.created = j.at("created").get<std::string>();
        c.device = j.value("device", std::string());
        c.systemPrompt = j.value("system_prompt", std::string());
        for (int s = 0; s < 2; ++s) {
            const auto& m = j.at("models").at(kSlots[s]);
            c.models[s] = {m.at("name").get<std::string>(), m.at("path").get<std::string>()};
        }
        for (const auto& t : j.at("turns")) {
            ConversationTurn turn;
            turn.systemPrompt = t.value("system_prompt", c.systemPrompt);   // older files: the top-level one
            turn.user = t.at("user").get<std::string>();
            for (int s = 0; s < 2; ++s) {
                const auto& r = t.at("replies").at(kSlots[s]);
                auto& out = turn.replies[s];
                out.text = r.at("text").get<std::string>();
                out.finish = r.value("finish", std::string());
                out.ttftMs = r.value("ttft_ms", 0.0);
                if (const auto tpot = r.find("tpot_ms"); tpot != r.end() && tpot->is_number()) out.tpotMs = tpot->get<double>();
                out.tokensPerSecond = r.value("tokens_per_s", 0.0);
                out.newTokens = r.value("new_tokens", 0);
                out.engineMemoryBytes = r.value("engine_memory_bytes", std::uint64_t(0));
            }
            const auto& vote = t.at("vote");
            turn.vote = vote.is_null() ? Vote::None : parseVote(vote.get<std::string>());
            c.turns.push_back(std::move(turn));
        }
    } catch (const Error& e) {
        throw Error(e.problem(), origin, e.fix().empty() ? "save the conversation again" : e.fix());
    } catch (const json::exception& e) {
        throw Error(std::string("a key is missing or of the wrong type: ") + e.what(), origin, "save the conversation again");
    }
    return c;
}

void saveConversation(const Conversation& c, const fs::path& file) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    writeFileAtomically(file, conversationToJson(c));
}

Conversation loadConversation(const fs::path& file) {
    return conversationFromJson(readFile(file, "conversation", "check the path"), file);
}

std::string conversationFileName(const Conversation& c) {
    std::string stamp;
    for (char ch : c.created)
        if (ch != ':' && ch != '-') stamp += ch;
    return safeName(stamp) + "-" + safeName(c.models[0].name) + "-vs-" + safeName(c.models[1].name) + ".json";
}

std::vector<fs::path> listConversations(const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && it->path().extension() == ".json") files.push_back(it->path());
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a.filename() > b.filename(); });
    return files;
}

}  // namespace awq
