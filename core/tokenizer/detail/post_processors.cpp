// Post-processors of tokenizer.json ("post_processor"): add the special tokens of a single
// sequence (BOS/EOS, CLS/SEP) when encoding with special tokens.
#include "core/tokenizer/detail/pipeline.h"

#include <nlohmann/json.hpp>

namespace awq::tokenizer::detail {
namespace {

// One item of a TemplateProcessing "single" template: either the sequence or fixed ids.
struct TemplateItem {
    bool sequence = false;
    std::vector<int> ids;
};

class TemplateProcessor final : public PostProcessor {
public:
    explicit TemplateProcessor(std::vector<TemplateItem> items) : items_(std::move(items)) {}
    void apply(std::vector<int>& ids, bool addSpecial) const override {
        if (!addSpecial) return;
        std::vector<int> out;
        out.reserve(ids.size() + items_.size());
        for (const auto& item : items_) {
            if (item.sequence) out.insert(out.end(), ids.begin(), ids.end());
            else out.insert(out.end(), item.ids.begin(), item.ids.end());
        }
        ids = std::move(out);
    }

private:
    std::vector<TemplateItem> items_;
};

class SequenceProcessor final : public PostProcessor {
public:
    explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
    void apply(std::vector<int>& ids, bool addSpecial) const override {
        for (const auto& p : parts_) p->apply(ids, addSpecial);
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> parts_;
};

class NoOpProcessor final : public PostProcessor {
public:
    void apply(std::vector<int>&, bool) const override {}
};

int pairId(const Json& j, const char* key, const char* type) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array() || it->size() != 2 || !(*it)[1].is_number_integer())
        throw ConfigError(std::string("post_processor ") + type + ": \"" + key + "\" must be [token, id]");
    return (*it)[1].get<int>();
}

std::vector<TemplateItem> parseTemplate(const Json& j) {
    auto single = j.find("single");
    if (single == j.end() || !single->is_array()) throw ConfigError("post_processor TemplateProcessing: missing \"single\" template");
    const Json* specials = nullptr;
    if (auto it = j.find("special_tokens"); it != j.end() && it->is_object()) specials = &*it;
    std::vector<TemplateItem> items;
    for (const auto& piece : *single) {
        if (piece.contains("Sequence")) {
            items.push_back({true, {}});
        } else if (piece.contains("SpecialToken")) {
            const auto& st = piece["SpecialToken"];
            if (!st.contains("id") || !st["id"].is_string())
                throw ConfigError("post_processor TemplateProcessing: SpecialToken without an \"id\"");
            const std::string name = st["id"].get<std::string>();
            if (!specials || !specials->contains(name))
                throw ConfigError("post_processor TemplateProcessing: special token \"" + name + "\" is not in special_tokens");
            const auto& def = (*specials)[name];
            if (!def.contains("ids") || !def["ids"].is_array())
                throw ConfigError("post_processor TemplateProcessing: special token \"" + name + "\" has no ids");
            TemplateItem item;
            for (const auto& id : def["ids"]) item.ids.push_back(id.get<int>());
            items.push_back(std::move(item));
        } else {
            throw ConfigError("post_processor TemplateProcessing: template items must be Sequence or SpecialToken");
        }
    }
    return items;
}

}  // namespace

std::unique_ptr<PostProcessor> makeBosEosProcessor(std::optional<int> bos, std::optional<int> eos) {
    std::vector<TemplateItem> items;
    if (bos) items.push_back({false, {*bos}});
    items.push_back({true, {}});
    if (eos) items.push_back({false, {*eos}});
    return std::make_unique<TemplateProcessor>(std::move(items));
}

std::unique_ptr<PostProcessor> makePostProcessor(const Json& j) {
    if (j.is_null()) return nullptr;
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
        throw ConfigError("post_processor: expected an object with a \"type\"");
    const std::string type = j["type"].get<std::string>();
    if (type == "TemplateProcessing") return std::make_unique<TemplateProcessor>(parseTemplate(j));
    if (type == "ByteLevel") return std::make_unique<NoOpProcessor>();  // adjusts offsets only
    if (type == "RobertaProcessing" || type == "BertProcessing") {
        const int cls = pairId(j, "cls", type.c_str());
        const int sep = pairId(j, "sep", type.c_str());
        return std::make_unique<TemplateProcessor>(std::vector<TemplateItem>{{false, {cls}}, {true, {}}, {false, {sep}}});
    }
    if (type == "Sequence") {
        auto it = j.find("processors");
        if (it == j.end() || !it->is_array()) throw ConfigError("post_processor Sequence: missing \"processors\" list");
        std::vector<std::unique_ptr<PostProcessor>> parts;
        for (const auto& p : *it)
            if (auto pp = makePostProcessor(p)) parts.push_back(std::move(pp));
        return std::make_unique<SequenceProcessor>(std::move(parts));
    }
    throw ConfigError("post_processor type \"" + type + "\" is not supported");
}

}  // namespace awq::tokenizer::detail
