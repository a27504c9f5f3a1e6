#pragma once
// A saved side-by-side chat (the Compare page's Chat tab): the two models, every exchange with the
// system prompt it was sent under, both replies and their figures, and the user's arena-style vote
// on each exchange.
// One JSON file per conversation, written atomically (temp file + rename), so that a crash never
// leaves half a conversation. Format: {"format": "awqbench-conversation", "version": 1, "created",
// "device", "system_prompt", "models": {"A": {name, path}, "B": ...}, "turns": [{"system_prompt", "user",
// "replies": {"A": {text, finish, ttft_ms, tpot_ms, tokens_per_s, new_tokens, engine_memory_bytes}, "B": ...},
// "vote": "a_better" | "b_better" | "tie" | "both_bad" | null}]}. Each turn's "system_prompt" is the one
// it was sent under; the top-level one is the first turn's (files written before turns had their own
// have only it, and it applies to every turn without one).
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq {

enum class Vote { None, ABetter, BBetter, Tie, BothBad };
const char* voteName(Vote v) noexcept;          // "a_better", ...; "" for None
Vote parseVote(std::string_view name);          // throws awq::Error for an unknown name

struct ConversationReply {
    std::string text;
    std::string finish;                 // finishReasonName(): "length", "stop_token", ...
    double ttftMs = 0;
    std::optional<double> tpotMs;       // null for a one-token reply
    double tokensPerSecond = 0;
    int newTokens = 0;
    std::uint64_t engineMemoryBytes = 0;   // the engine's own weights + KV cache + activations
};

struct ConversationTurn {
    std::string systemPrompt;                   // what this exchange was sent under ("" for none)
    std::string user;
    std::array<ConversationReply, 2> replies;   // [0] = A, [1] = B
    Vote vote = Vote::None;
};

struct ConversationModel {
    std::string name;
    std::string path;
};

struct VoteTally {
    int aBetter = 0, bBetter = 0, tie = 0, bothBad = 0;
    int total() const noexcept { return aBetter + bBetter + tie + bothBad; }
};

struct Conversation {
    std::string created;                          // UTC, ISO 8601
    std::string device;                           // what the replies ran on ("CPU (2 threads)")
    // The top-level "system_prompt": the Chat tab writes the first turn's; each turn keeps its own.
    std::string systemPrompt;
    std::array<ConversationModel, 2> models;      // [0] = A, [1] = B
    std::vector<ConversationTurn> turns;

    VoteTally tally() const;
    std::string title() const;                    // the first user message, shortened; "" without turns
};

std::string conversationToJson(const Conversation& c);
// Throws awq::Error naming `origin` for invalid JSON, another format or a bad vote.
Conversation conversationFromJson(std::string_view json, const std::filesystem::path& origin = "conversation");

// Atomic write (creates the folder); throws awq::Error naming the file.
void saveConversation(const Conversation& c, const std::filesystem::path& file);
Conversation loadConversation(const std::filesystem::path& file);
// "<created as 20261201T130500Z>-<A>-vs-<B>.json", names reduced to [A-Za-z0-9._-].
std::string conversationFileName(const Conversation& c);
// The *.json files of `folder`, newest name first (names start with the UTC time); none when absent.
std::vector<std::filesystem::path> listConversations(const std::filesystem::path& folder);

}  // namespace awq
