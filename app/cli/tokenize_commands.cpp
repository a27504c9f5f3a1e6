#include "app/cli/tokenize_commands.h"

#include "app/cli/chat_variables.h"
#include "app/cli/cli_support.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/json_quote.h"
#include "core/util/read_file.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace awq::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTokenizerFolderFix = "pass the folder that holds tokenizer.json";

}  // namespace

void addTokenizeCommands(CLI::App& app) {
    struct TokenizeOptions {
        std::string model, text, file;
        bool noSpecial = false;
        bool json = false;
    };
    auto tk = std::make_shared<TokenizeOptions>();
    auto* tokenize = app.add_subcommand("tokenize", "tokenize text with a model's tokenizer (exactly as Hugging Face does)");
    tokenize->add_option("--model", tk->model, "model folder (with tokenizer.json)")->required();
    auto* textOpt = tokenize->add_option("--text", tk->text, "the text to tokenize");
    auto* fileOpt = tokenize->add_option("--file", tk->file, "a file whose contents to tokenize");
    textOpt->excludes(fileOpt);
    fileOpt->excludes(textOpt);
    tokenize->add_flag("--no-special", tk->noSpecial, "don't add special tokens (BOS/EOS of the post-processor)");
    tokenize->add_flag("--json", tk->json, "print {\"ids\": [...], \"tokens\": [...]}");
    tokenize->callback([tk, textOpt, fileOpt] {
        runOrExit([&] {
            if (textOpt->count() == 0 && fileOpt->count() == 0)
                throw UsageError("nothing to tokenize", {}, "pass --text TEXT or --file FILE");
            requireModelFolder(tk->model, kTokenizerFolderFix);
            const Tokenizer tok = Tokenizer::load(tk->model);
            const std::string text = fileOpt->count() ? readTextFile(tk->file, "file") : tk->text;
            const std::vector<int> ids = tok.encode(text, !tk->noSpecial);
            const std::vector<std::string> tokens = tok.idsToTokens(ids);
            std::string idList, tokenList;
            for (std::size_t i = 0; i < ids.size(); ++i) {
                idList += (i ? ", " : "") + std::to_string(ids[i]);
                tokenList += (i ? ", " : "") + jsonQuoted(tokens[i]);
            }
            if (tk->json) {
                std::cout << "{\"ids\": [" << idList << "], \"tokens\": [" << tokenList << "]}\n";
            } else {
                std::cout << "ids: [" << idList << "]\n"
                          << "tokens: [" << tokenList << "]\n"
                          << "count: " << ids.size() << "\n";
            }
            return 0;
        });
    });

    struct ChatOptions {
        std::string model, messages, tools;
        std::vector<std::string> vars;
        bool addGenerationPrompt = false;
    };
    auto ch = std::make_shared<ChatOptions>();
    auto* chat = app.add_subcommand("chat-template", "render a conversation with the model's chat template");
    chat->add_option("--model", ch->model, "model folder")->required();
    chat->add_option("--messages", ch->messages, "JSON file: a list of {\"role\", \"content\"} messages")->required();
    chat->add_flag("--add-generation-prompt", ch->addGenerationPrompt, "end with the assistant's turn opener");
    chat->add_option("--tools", ch->tools, "JSON file: a list of tool (function) definitions, the template's `tools`");
    chat->add_option("--var", ch->vars, "KEY=JSON: one more template variable (repeatable), e.g. enable_thinking=false")
        ->allow_extra_args(false);
    chat->callback([ch] {
        runOrExit([&] {
            requireModelFolder(ch->model, kTokenizerFolderFix);
            const std::string messages = readFileOrThrow(ch->messages, "messages file");
            const ChatVariables variables = chatVariables(ch->tools, ch->vars);
            const Tokenizer tok = Tokenizer::load(ch->model);
            if (tok.chatTemplate().isFallback())  // transformers refuses here ("tokenizer.chat_template is not set")
                std::cerr << chatFallbackNote(ch->model);
            std::string rendered;
            try {
                rendered = tok.chatTemplate().renderJson(messages, ch->addGenerationPrompt, variables);
            } catch (const Error& e) {
                if (!e.file().empty()) throw;
                throw Error(e.problem(), ch->messages, e.fix());  // name the messages file
            }
            std::cout << rendered << std::flush;
            return 0;
        });
    });
}

}  // namespace awq::cli
