#include "app/cli/engine_commands.h"

#include "app/cli/chat_variables.h"
#include "app/cli/cli_support.h"
#include "app/cli/device_option.h"
#include "app/cli/engine_program.h"
#include "core/compare/compare_runner.h"
#include "core/compare/device_label.h"
#include "core/model/hf_config.h"
#include "core/engine/decode_profile.h"
#include "core/engine/engine.h"
#include "core/engine/evaluation.h"
#include "core/model/model_info.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/int_list.h"
#include "core/util/json_write.h"
#include "core/util/read_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <climits>
#include <iostream>
#include <memory>

namespace awq::cli {
namespace {

struct GenerateOptions {
    std::string model, prompt, chat, promptIds, device = "cpu", dtype = "auto", lora;
    std::string system, messages;   // --system (with --chat), --messages FILE.json
    int maxNew = 128;
    bool greedy = false, json = false;
    float temperature = 0.0f, topP = 1.0f, repetitionPenalty = 1.0f;
    int topK = 0;
    std::uint64_t seed = 0;
    std::vector<std::string> stops;
    std::string tools;              // --chat only: template variables
    std::vector<std::string> vars;
    enum class PromptKind { Text, Chat, Messages, Ids } promptKind = PromptKind::Text;  // which of --prompt, --chat, --messages, --prompt-ids was given
};

EngineOptions engineOptions(const std::string& device, const std::string& dtype, const std::string& lora = {}) {
    EngineOptions o;
    o.device = parseDeviceKind(device);
    o.computeDtype = dtype;
    o.lora = lora;
    return o;
}

// --messages FILE.json: a conversation as a JSON list of {"role", "content"} objects with string
// content (the Chat tab's history, OpenAI's messages). Throws awq::Error naming the file.
std::vector<ChatMessage> readConversation(const std::string& file) {
    const std::string fix = "give a JSON list of {\"role\": ..., \"content\": \"...\"} messages (chat-template --messages renders richer ones)";
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(readTextFile(file, "messages file"));
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("is not JSON: ") + e.what(), file, fix);
    }
    if (!j.is_array() || j.empty()) throw Error("is not a non-empty JSON list of messages", file, fix);
    std::vector<ChatMessage> messages;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const auto& m = j[i];
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") || !m["content"].is_string())
            throw Error("message " + std::to_string(i) + " is not an object with a string \"role\" and a string \"content\"", file, fix);
        messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
    return messages;
}

int runGenerate(const GenerateOptions& o) {
    const auto engine = Engine::load(o.model, engineOptions(o.device, o.dtype, o.lora));
    GenerationRequest r;
    using Kind = GenerateOptions::PromptKind;
    if (o.promptKind == Kind::Ids) r.promptIds = parseIntList(o.promptIds, "--prompt-ids");
    else if (o.promptKind == Kind::Chat || o.promptKind == Kind::Messages) {
        if (!engine->model().hasChatTemplate) std::cerr << chatFallbackNote(o.model);
        std::vector<ChatMessage> messages;
        if (o.promptKind == Kind::Messages) messages = readConversation(o.messages);
        else {
            if (!o.system.empty()) messages.push_back({"system", o.system});
            messages.push_back({"user", o.chat});
        }
        r.promptIds = engine->encodeChat(messages, chatVariables(o.tools, o.vars));
    }
    else r.promptIds = engine->encode(o.prompt, true);
    r.maxNewTokens = o.maxNew;
    r.stopStrings = o.stops;
    // Sampling only when asked for (a temperature, top-k or top-p); greedy otherwise.
    const bool sample = !o.greedy && (o.temperature > 0.0f || o.topK > 0 || o.topP < 1.0f);
    r.sampling = {.greedy = !sample, .temperature = o.temperature > 0 ? o.temperature : 1.0f, .topK = o.topK, .topP = o.topP,
                  .repetitionPenalty = o.repetitionPenalty, .seed = o.seed};

    const auto result = engine->generate({r}, [&](const StreamEvent& e) {
        if (!o.json) std::cout << e.textDelta << std::flush;
    })[0];
    const auto& m = result.metrics;
    // Every speed figure names the device it was measured on; the peak is the process's (CPU: its
    // peak RSS; GPU: the allocator's peak on the device during this generation).
    const bool onGpu = engine->options().device == DeviceKind::Cuda;
    const std::string device = deviceLabel(thisHost(deviceKindName(engine->options().device)));
    if (o.json) {
        nlohmann::json j = {{"model", engine->model().name},
                            {"device", deviceKindName(engine->options().device)},
                            {"device_label", device},
                            {"compute_dtype", engine->computeDtype()},
                            {"prompt_ids", r.promptIds},
                            {"new_ids", result.newIds},
                            {"text", result.text},
                            {"finish_reason", finishReasonName(result.finish)},
                            {"prompt_tokens", m.promptTokens},
                            {"new_tokens", m.newTokens},
                            {"ttft_ms", m.ttftMs},
                            {"tpot_ms", jsonOrNull(m.tpotMs)},
                            {"e2e_ms", m.e2eMs},
                            {"tokens_per_s", m.tokensPerSecond},
                            {"peak_memory_bytes", m.peakMemoryBytes}};
        if (!o.lora.empty()) j["lora"] = o.lora;
        std::cout << jsonText(j, 2) << "\n";
    } else {
        if (!engine->model().hasTokenizer) {  // nothing to decode the ids with: show the ids (only --json had them)
            std::string ids;
            for (const int id : result.newIds) ids += (ids.empty() ? "" : ",") + std::to_string(id);
            std::cout << ids << std::endl;
            std::cerr << "note: " << o.model << " has no tokenizer.json: the new token ids are printed, not text\n";
        } else {
            std::cout << "\n";
        }
        std::cerr << "[" << m.newTokens << " tokens, " << finishReasonName(result.finish) << "; on " << device << ": TTFT "
                  << fmt::format("{:.1f}", m.ttftMs) << " ms, TPOT " << (m.tpotMs ? fmt::format("{:.2f} ms", *m.tpotMs) : std::string("n/a")) << ", "
                  << fmt::format("{:.1f}", m.tokensPerSecond) << " tok/s; "
                  << (onGpu ? "peak GPU memory allocated " : "peak RSS of the process ") << format::bytes(m.peakMemoryBytes) << "]\n";
    }
    return 0;
}

struct EvalOptions {
    std::string model, text, ref, device = "cpu", dtype = "auto", lora;
    int ctx = 256, stride = 0, maxWindows = 0;  // stride 0: --ctx (perplexityStride)
    bool json = false;
};

// --ctx against a model's context (config.json, as the engine reads it), before anything loads:
// both models score the same windows, and a reference shorter than --ctx failed after both had
// loaded, naming the text file and no fix. `role`: "model" or "reference model".
void requireCtxFits(const std::filesystem::path& folder, const std::string& role, int ctx) {
    const int limit = describeModel(folder).config.maxPositions;
    if (limit > 0 && ctx > limit)
        throw Error("--ctx " + std::to_string(ctx) + " is longer than the " + role + "'s context of " + std::to_string(limit) + " tokens",
                    folder / "config.json", "use a --ctx of at most " + std::to_string(limit));
}

int runEval(const EvalOptions& o) {
    const int stride = perplexityStride(o.ctx, o.stride);
    const std::string text = readTextFile(o.text, "text file");
    requireCtxFits(o.model, "model", o.ctx);
    if (!o.ref.empty()) requireCtxFits(o.ref, "reference model", o.ctx);
    const auto model = Engine::load(o.model, engineOptions(o.device, o.dtype, o.lora));
    requireWindowFitsMemory(*model, o.ctx);  // --ctx multiplies memory (attention scores: ctx^2)
    std::unique_ptr<Engine> reference;
    if (!o.ref.empty()) reference = Engine::load(o.ref, engineOptions(o.device, o.dtype));
    if (reference) requireWindowFitsMemory(*reference, o.ctx);
    const auto ids = model->encode(text, false);
    StopOnSigint sigint;
    ProgressLine progress;
    const auto started = std::chrono::steady_clock::now();
    int planned = 0;
    PerplexityResult r;
    try {
        r = evaluatePerplexity(*model, ids, {.context = o.ctx, .stride = stride, .maxWindows = o.maxWindows}, reference.get(),
                               [&](const EvalProgress& p) {
                                   planned = p.windows;
                                   // Elapsed and ETA as quantize prints them: the windows so far at their mean pace
                                   // (a 2,000-window run takes minutes; the line said only "window 47/2054").
                                   const double elapsedS = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                                   const std::string eta = p.window > 0 && p.window < p.windows
                                                               ? fmt::format("  ETA {:.0f} s", elapsedS / p.window * (p.windows - p.window))
                                                               : "";
                                   progress.update(fmt::format("window {}/{}  {:6.1f} s elapsed{}", p.window, p.windows, elapsedS, eta), p.window == p.windows);
                               },
                               sigint.source.get_token());
    } catch (const Error& e) {
        if (!e.file().empty()) throw;
        throw Error(e.problem(), o.text, e.fix());   // the text's fault (too short for a window): name it
    }
    progress.end();
    if (r.cancelled && r.windows == 0) {
        std::cerr << "stopped by Ctrl+C before the first window finished: nothing measured\n";
        return kExitInterrupted;
    }
    if (r.cancelled) std::cerr << "stopped by Ctrl+C after " << r.windows << " of " << planned << " windows: the figures are over those\n";
    const std::string device = deviceLabel(thisHost(o.device)), dtype = model->computeDtype();
    if (o.json) {
        nlohmann::json j = {{"model", model->model().name},      {"text", o.text},          {"ppl", r.perplexity},
                            {"n_tokens", r.scoredTokens},         {"total_tokens", r.totalTokens}, {"windows", r.windows},
                            {"ctx", o.ctx},                       {"stride", stride},      {"nll_sum", r.nllSum}};
        if (reference) {
            j["ref"] = reference->model().name;
            j["ref_ppl"] = *r.referencePerplexity;
            j["kld"] = *r.meanKld;
            j["top1_agreement"] = *r.top1Agreement;
        }
        j["device"] = o.device;
        j["device_label"] = device;
        j["dtype"] = dtype;
        j["cancelled"] = r.cancelled;
        std::cout << jsonText(j, 2) << "\n";
    } else {
        TextTable table({"model", "ppl", "scored tokens", "windows", "mean KLD vs ref", "top-1 agreement vs ref"}, {false, true, true, true, true, true});
        table.addRow({model->model().name, std::to_string(r.perplexity), std::to_string(r.scoredTokens), std::to_string(r.windows),
                      r.meanKld ? std::to_string(*r.meanKld) : "-", r.top1Agreement ? std::to_string(*r.top1Agreement) : "-"});
        if (reference)  // the baseline, over the same windows and tokens
            table.addRow({reference->model().name + " (ref)", std::to_string(*r.referencePerplexity), std::to_string(r.scoredTokens),
                          std::to_string(r.windows), "-", "-"});
        std::cout << table.render();
        std::cout << "on " << device << ", computed in " << dtype << (reference ? "; KLD and top-1 agreement of each next-token distribution against the reference's" : "")
                  << "\n";
    }
    return r.cancelled ? kExitInterrupted : 0;
}

struct ProfileOptions {
    std::string model, prompt = "Once upon a time", device = "cpu", dtype = "auto", trace;
    int steps = 32, maxKernels = 15;
    bool json = false;
};

std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

// `profile`: where a decode step's time goes (decode_profile.h), as a table or JSON, and the
// Chrome trace of the recorded generation.
int runProfile(const ProfileOptions& o) {
    const auto engine = Engine::load(o.model, engineOptions(o.device, o.dtype));
    const auto ids = engine->encode(o.prompt, true);
    const int fit = decodeStepsThatFit(*engine, ids.size());
    if (fit < 1)
        throw Error("the prompt of " + format::counted(ids.size(), "token") + " leaves no room for a decode step in the model's context of " +
                        format::counted(std::uint64_t(engine->maxContext()), "token"),
                    {}, "use a shorter --prompt");
    if (o.steps > fit)
        std::cerr << "note: the model's context of " << engine->maxContext() << " tokens holds " << format::counted(std::uint64_t(fit), "decode step") << " after the " << ids.size()
                  << "-token prompt: measuring " << fit << ", not " << o.steps << "\n";
    StopOnSigint sigint;
    const DecodeStepProfile p = profileDecodeSteps(*engine, ids, std::min(o.steps, fit), sigint.source.get_token());
    if (p.cancelled) {  // Ctrl+C exited 130 without a word
        std::cerr << "stopped by Ctrl+C: nothing measured (a profile is one whole run of " << std::min(o.steps, fit) << " decode steps)\n";
        return kExitInterrupted;
    }
    const std::string device = deviceLabel(thisHost(p.device));
    if (!o.trace.empty()) writeFileAtomically(o.trace, chromeTraceJson(p.records, engine->model().name + " on " + device));
    const char* unit = p.device == "cuda" ? "kernel" : "operator";
    if (o.json) {
        nlohmann::json kernels = nlohmann::json::array();
        for (const auto& k : p.kernels)
            kernels.push_back({{"name", k.name}, {"category", kernelCategoryName(k.category)}, {"calls_per_step", k.callsPerStep}, {"us_per_step", k.usPerStep}});
        nlohmann::json categories = nlohmann::json::object();
        for (int c = 0; c < 4; ++c) categories[kernelCategoryName(KernelCategory(c))] = p.categoryUs[c];
        std::cout << jsonText(nlohmann::json{{"model", engine->model().name}, {"device", p.device}, {"device_label", device}, {"prompt_tokens", ids.size()}, {"steps", p.steps},
                                    {"step_us", p.stepUs}, {"busy_us", p.busyUs}, {"idle_us", std::max(0.0, p.stepUs - p.busyUs)},
                                    {"category_us", categories}, {"recorded", p.device == "cuda" ? "kernels" : "operators"},
                                    {"kernels", kernels}, {"trace", o.trace.empty() ? nlohmann::json() : nlohmann::json(o.trace)}},
                              2)
                  << "\n";
        return 0;
    }
    std::cout << "Decode step of " << engine->model().name << " on " << device << " (prompt " << format::counted(ids.size(), "token") << ", mean of "
              << format::counted(std::uint64_t(p.steps), "greedy step") << "): " << fixed(p.stepUs / 1000.0, 2) << " ms a step, " << unit << "s running "
              << fixed(p.busyUs / 1000.0, 2) << " ms, nothing running " << fixed(std::max(0.0, p.stepUs - p.busyUs) / 1000.0, 2)
              << " ms\n";
    TextTable categories({"category", "ms a step", "share of the step"}, {false, true, true});
    for (int c = 0; c < 4; ++c)
        categories.addRow({kernelCategoryName(KernelCategory(c)), fixed(p.categoryUs[c] / 1000.0, 3),
                           fixed(100.0 * p.categoryUs[c] / std::max(p.stepUs, 1e-9), 1) + "%"});
    std::cout << categories.render();
    // ms a step like the lines above (and TPOT): one unit per quantity (this column was in us).
    TextTable kernels({unit, "category", "calls a step", "ms a step"}, {false, false, true, true});
    for (std::size_t i = 0; i < p.kernels.size() && int(i) < o.maxKernels; ++i) {
        const auto& k = p.kernels[i];
        kernels.addRow({k.name.size() > 80 ? k.name.substr(0, 77) + "..." : k.name, kernelCategoryName(k.category), fixed(k.callsPerStep, 1),
                        fixed(k.usPerStep / 1000.0, 3)});
    }
    std::cout << kernels.render();
    if (!o.trace.empty()) std::cout << "Chrome trace: " << o.trace << " (chrome://tracing or ui.perfetto.dev)\n";
    return 0;
}

void addEngineOptions(CLI::App* cmd, std::string& device, std::string& dtype, bool& json) {
    cmd->add_option("--device", device, "cpu or cuda")->transform(deviceName());
    cmd->add_option("--dtype", dtype, "compute dtype: auto, float32, float16, bfloat16")->check(computeDtypeName());
    cmd->add_flag("--json", json, "print one JSON object (keys in README.md)");
}

}  // namespace

void addEngineCommands(CLI::App& app) {
    auto g = std::make_shared<GenerateOptions>();
    auto* gen = app.add_subcommand("generate", std::string(engineCommandDescription("generate")));
    gen->add_option("--model", g->model, "model folder")->required();
    auto* prompt = gen->add_option("--prompt", g->prompt, "raw prompt text");
    auto* chat = gen->add_option("--chat", g->chat, "a user message, wrapped in the model's chat template");
    auto* messages = gen->add_option("--messages", g->messages,
                                     "JSON file: a conversation, a list of {\"role\", \"content\"} messages, through the model's chat template");
    auto* ids = gen->add_option("--prompt-ids", g->promptIds, "comma-separated token ids")->check(integerList(0));
    prompt->excludes(chat)->excludes(messages)->excludes(ids);
    chat->excludes(messages)->excludes(ids);
    messages->excludes(ids);
    gen->add_option("--system", g->system, "with --chat: a system prompt before the user message")->needs(chat);
    auto* tools = gen->add_option("--tools", g->tools, "with --chat or --messages: JSON file, a list of tool (function) definitions, the template's `tools`");
    auto* vars = gen->add_option("--var", g->vars, "with --chat or --messages: KEY=JSON, one more template variable (repeatable), e.g. enable_thinking=false");
    gen->add_option("--lora", g->lora, "PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) applied on top")
        ->check(CLI::ExistingDirectory);
    gen->add_option("--max-new", g->maxNew, "new tokens at most")->check(positiveCount());
    auto* greedy = gen->add_flag("--greedy", g->greedy, "greedy decoding (the default unless sampling options are given)");
    // --greedy with a sampling option ran greedy and ignored the option without a word.
    greedy->excludes(gen->add_option("--temperature", g->temperature, "sampling temperature")->check(nonNegativeNumber()))
        ->excludes(gen->add_option("--top-p", g->topP, "nucleus sampling mass")->check(numberIn(0.0, 1.0)))
        ->excludes(gen->add_option("--top-k", g->topK, "sample from the k most likely tokens")->check(wholeNumberIn(0, INT_MAX)));
    gen->add_option("--repetition-penalty", g->repetitionPenalty, "penalty for repeated tokens (1 = off; above 0 as transformers requires)")->check(positiveNumber());
    greedy->excludes(gen->add_option("--seed", g->seed, "random seed (sampling)"));
    gen->add_option("--stop", g->stops, "stop string (repeatable)");
    addEngineOptions(gen, g->device, g->dtype, g->json);
    gen->callback([g, prompt, chat, messages, ids, tools, vars] {
        // Which was given, not which holds text: --prompt "" is given (the tokenizer may add BOS; the
        // engine names an empty prompt), and --chat "" is an empty user message in the template.
        if (prompt->count() + chat->count() + messages->count() + ids->count() == 0)
            throw CLI::ValidationError("generate", "one of --prompt, --chat, --messages or --prompt-ids is required");
        if ((tools->count() || vars->count()) && chat->count() + messages->count() == 0)
            throw CLI::ValidationError("generate", "--tools and --var apply to --chat or --messages (the chat template's variables)");
        using Kind = GenerateOptions::PromptKind;
        g->promptKind = ids->count()        ? Kind::Ids
                        : chat->count()     ? Kind::Chat
                        : messages->count() ? Kind::Messages
                                            : Kind::Text;
        runOrExit([&] { return runGenerate(*g); });
    });

    auto e = std::make_shared<EvalOptions>();
    auto* eval = app.add_subcommand("eval", std::string(engineCommandDescription("eval")));
    eval->require_subcommand(1);
    auto* ppl = eval->add_subcommand("ppl", "perplexity over a text file, and KLD / top-1 agreement against --ref");
    ppl->add_option("--model", e->model, "model folder")->required();
    ppl->add_option("--text", e->text, "UTF-8 text file")->required();
    ppl->add_option("--ctx", e->ctx, "tokens per window")->check(wholeNumberIn(2, kMaxPositionEmbeddings));
    ppl->add_option("--stride", e->stride, "tokens between window starts, at most --ctx (default: --ctx, non-overlapping windows)")
        ->check(positiveCount());
    ppl->add_option("--max-windows", e->maxWindows, "stop after this many windows (0 = all)")->check(wholeNumberIn(0, INT_MAX));
    ppl->add_option("--ref", e->ref, "reference model folder (e.g. the FP16 original)");
    ppl->add_option("--lora", e->lora, "PEFT LoRA adapter folder applied on top of --model (not --ref)")->check(CLI::ExistingDirectory);
    addEngineOptions(ppl, e->device, e->dtype, e->json);
    ppl->callback([e] { runOrExit([&] { return runEval(*e); }); });

    auto pr = std::make_shared<ProfileOptions>();
    auto* profile = app.add_subcommand("profile", std::string(engineCommandDescription("profile")));
    profile->add_option("--model", pr->model, "model folder")->required();
    profile->add_option("--prompt", pr->prompt, "prompt text (default: \"Once upon a time\")")->check(nonEmptyText());
    profile->add_option("--steps", pr->steps, "decode steps recorded")->check(wholeNumberIn(1, 4096));
    profile->add_option("--top", pr->maxKernels, "kernels (operators) listed")->check(positiveCount());
    profile->add_option("--trace", pr->trace, "write the recorded generation as Chrome trace JSON to this file");
    addEngineOptions(profile, pr->device, pr->dtype, pr->json);
    profile->callback([pr] { runOrExit([&] { return runProfile(*pr); }); });
}

}  // namespace awq::cli
