#pragma once
// Hugging Face tokenizers, reproduced exactly: a model folder's tokenizer.json (BPE: byte-level as
// in GPT-2 / Llama 3 / Qwen, or SentencePiece-style with byte fallback and "▁"), its normalizer,
// pre-tokenizer, post-processor and decoder, the added/special tokens, plus what
// tokenizer_config.json, special_tokens_map.json and generation_config.json add (special tokens,
// BOS/EOS, stop ids, chat template). Where transformers 5 rebuilds a tokenizer from its class
// (tokenizer_class "LlamaTokenizer"), the same rebuild is applied so ids match what
// AutoTokenizer returns.
//
// A Tokenizer is an immutable value: cheap to copy, safe to use from several threads at once.
#include "core/tokenizer/chat_template.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace awq {

struct AddedToken {
    int id = -1;
    std::string content;
    bool special = false;     // skipped by decode(..., skipSpecialTokens = true)
    bool lstrip = false;      // swallows whitespace on its left
    bool rstrip = false;      // swallows whitespace on its right
    bool singleWord = false;  // matches only as a whole word
    bool normalized = false;  // matched after normalization instead of on the raw text
};

class Tokenizer {
public:
    // Reads `modelFolder`/tokenizer.json (required) and, when present, tokenizer_config.json,
    // special_tokens_map.json, generation_config.json, config.json and chat_template.jinja.
    // Throws awq::Error naming the file and the fix.
    static Tokenizer load(const std::filesystem::path& modelFolder);
    // From the text of tokenizer.json (and optionally tokenizer_config.json); `origin` names the
    // source in error messages.
    static Tokenizer fromJson(std::string_view tokenizerJson, std::string_view tokenizerConfigJson = {},
                              const std::filesystem::path& origin = "tokenizer.json");

    // Text -> ids. `addSpecialTokens` applies the post-processor (e.g. BOS). Added tokens written
    // in the text (such as "<|im_start|>") are always recognised. Invalid UTF-8 is read lossily.
    std::vector<int> encode(std::string_view text, bool addSpecialTokens = true) const;
    // Ids -> text through the decoder. Unknown ids are skipped.
    std::string decode(std::span<const int> ids, bool skipSpecialTokens = false) const;

    std::optional<std::string> idToToken(int id) const;  // the vocab string (e.g. "Ġworld")
    std::vector<std::string> idsToTokens(std::span<const int> ids) const;
    std::optional<int> tokenToId(std::string_view token) const;
    int vocabSize() const noexcept;  // largest id + 1, added tokens included

    bool isSpecial(int id) const noexcept;
    const std::vector<AddedToken>& addedTokens() const noexcept;

    std::optional<int> bosId() const noexcept;
    std::optional<int> eosId() const noexcept;  // the tokenizer's eos_token
    std::optional<int> padId() const noexcept;
    const std::string& bosToken() const noexcept;  // "" when the model has none
    const std::string& eosToken() const noexcept;
    // Ids that end generation: generation_config.json's eos_token_id (one id or a list), else
    // config.json's, else the tokenizer's eos_token. Never empty unless the model has no EOS.
    const std::vector<int>& eosIds() const noexcept;
    bool isEos(int id) const noexcept;

    // The model's chat template, or the plain-text fallback when it ships none. It sees the special
    // tokens transformers passes: bos/eos/unk/sep/pad/cls/mask_token where set,
    // additional_special_tokens (a list) and model-specific named tokens from "extra_special_tokens".
    const ChatTemplate& chatTemplate() const noexcept;
    // Renders `messages`; `extraVariables` (tools, enable_thinking, ...) as ChatTemplate::render.
    std::string applyChatTemplate(const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                                  const ChatVariables& extraVariables = {}) const;

    // "BPE, byte-level, 4096 tokens (3 added)" and similar, for logs and the UI.
    std::string describe() const;

    struct Impl;  // opaque

private:
    explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;
};

// "Unicode normalization: ICU 72 (linked)" etc.: which Unicode services this build found.
std::string tokenizerUnicodeSupport();

}  // namespace awq
