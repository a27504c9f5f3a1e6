#include "app/cli/chat_variables.h"

#include "app/cli/cli_support.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/read_file.h"

#include <nlohmann/json.hpp>


namespace awq::cli {
namespace fs = std::filesystem;

std::string readFileOrThrow(const fs::path& path, const char* what) {
    return readFile(path, what, "check the path");
}

// The extra template variables of chat-template: `tools` from a JSON file (a list, as
// transformers' apply_chat_template(tools=...) takes it), then each --var KEY=JSON.
std::map<std::string, std::string> chatVariables(const std::string& toolsFile, const std::vector<std::string>& vars) {
    std::map<std::string, std::string> out;
    if (!toolsFile.empty()) {
        const std::string text = readFileOrThrow(toolsFile, "tools file");
        const auto tools = parseOrderedJson(text, {toolsFile, "fix the file: a JSON list of tool definitions"});
        if (!tools.is_array())
            throw Error("is not a JSON list", toolsFile, "wrap the tool definitions in [ ... ], one {\"type\": \"function\", ...} each");
        out["tools"] = text;
    }
    for (const std::string& spec : vars) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--var " + spec + ": expected KEY=JSON", {}, "write e.g. --var enable_thinking=false or --var 'name=\"text\"'");
        const std::string key = spec.substr(0, eq);
        const std::string json = spec.substr(eq + 1);
        if (!nlohmann::ordered_json::accept(json))
            throw UsageError("--var " + key + ": the value is not JSON: " + json, {},
                        "give a JSON value: true, 3, [...], {...}, or a string in double quotes (--var '" + key + "=\"text\"')");
        if (key == "tools" && !toolsFile.empty()) throw UsageError("tools given twice (--tools and --var tools=...)", {}, "keep one of them");
        // Refused here as the option it is (exit 1); the renderer's refusal surfaced as a fault of
        // the messages file (exit 2).
        if (key == "messages" || key == "add_generation_prompt")
            throw UsageError("--var " + key + ": the template's '" + key + "' comes from the conversation being rendered", {},
                             key == "messages" ? "give the conversation with --messages (or --chat), not as a variable"
                                               : "leave it out: chat-template sets it with --add-generation-prompt, generate always opens the reply");
        out[key] = json;
    }
    return out;
}

std::string chatFallbackNote(const std::string& model) {
    return "note: " + model + " has no chat template (none in tokenizer_config.json or chat_template.jinja): chat prompts go through "
           "awqbench's plain-text fallback (User: / Assistant: lines); transformers' apply_chat_template and vLLM refuse the model\n";
}

}  // namespace awq::cli
