// The OpenAI protocol pieces of `serve` (core/serve) on real request bodies: parsing and its 400s,
// context limits, stream chunks and full responses in OpenAI's shapes, stop-string hold-back, and
// vLLM benchmark_serving's figures from request timings (kept through a run document round trip).
#include "core/pool/warm_pool.h"
#include "core/run/run_document.h"
#include "core/run/sweep_words.h"
#include "core/serve/openai_api.h"
#include "core/serve/serving_metrics.h"
#include "core/util/error.h"
#include "tests/support/hub_cache.h"

#include <QtTest>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

using namespace awq;
using namespace awq::serve;
using nlohmann::json;

namespace {
ApiError errorOf(const std::string& body, bool chat) {
    try {
        parseCompletionRequest(body, chat);
    } catch (const ApiError& e) {
        return e;
    }
    return ApiError(0, "", "no error");
}
json sse(const std::string& event) {
    if (event.rfind("data: ", 0) != 0 || event.size() < 8 || event.substr(event.size() - 2) != "\n\n") return nullptr;
    return json::parse(event.substr(6, event.size() - 8));
}
}  // namespace

class OpenAiApiTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesAChatRequest() {
        const auto p = parseCompletionRequest(R"({"model": "m", "messages": [{"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]}],
            "max_completion_tokens": 7, "temperature": 0.5, "top_p": 0.9, "seed": 11, "stop": ["\n", "END"],
            "stream": true, "stream_options": {"include_usage": true}})", true);
        QCOMPARE(p.model, std::string("m"));
        QCOMPARE(int(p.messages.size()), 2);
        QCOMPARE(p.messages[1].content, std::string("Hi \nthere"));  // parts joined with "\n", as vLLM joins them
        QCOMPARE(*p.maxTokens, 7);
        QCOMPARE(p.temperature, 0.5f);
        QCOMPARE(*p.seed, std::uint64_t(11));
        QCOMPARE(p.stop, (std::vector<std::string>{"\n", "END"}));
        QVERIFY(p.stream && p.includeUsage);
    }

    // A list of text parts is one text, the parts joined with "\n" as vLLM joins them (chat_utils.py):
    // they were glued ("Tell me" + "a story" = "Tell mea story"), another prompt than vLLM's. Every
    // role alike; an empty part is left out, as vLLM leaves out a part that parses to "".
    void contentPartsAreJoinedWithNewlines() {
        const auto p = parseCompletionRequest(R"({"model": "m", "messages": [
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Be kind."}]},
            {"role": "developer", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "user", "content": [{"type": "text", "text": "Tell me"}, {"type": "text", "text": ""}, {"type": "text", "text": "a story"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Once"}, {"type": "text", "text": "upon"}]},
            {"role": "tool", "content": [{"type": "text", "text": "42"}, {"type": "text", "text": "43"}]},
            {"role": "user", "content": [{"type": "text", "text": ""}]},
            {"role": "user", "content": [{"type": "text", "text": "one"}]}]})", true);
        const std::vector<std::string> want = {"Be brief.\nBe kind.", "a\nb", "Tell me\na story", "Once\nupon", "42\n43", "", "one"};
        QCOMPARE(int(p.messages.size()), int(want.size()));
        for (std::size_t i = 0; i < want.size(); ++i) QCOMPARE(p.messages[i].content, want[i]);
    }

    // Integer fields take a number with no fractional part (3.0), as vLLM's pydantic models do in
    // their default lax mode; 2.5 and values out of range are still refused, naming the field.
    void integralFloatsAreIntegers() {
        auto p = parseCompletionRequest(R"({"model": "m", "prompt": "x", "max_tokens": 3.0, "seed": 3.0, "n": 1.0, "best_of": 1.0,
            "truncate_prompt_tokens": 5.0})", false);
        QCOMPARE(*p.maxTokens, 3);
        QCOMPARE(*p.seed, std::uint64_t(3));
        QCOMPARE(*p.truncatePromptTokens, 5);
        p = parseCompletionRequest(R"({"model": "m", "prompt": [5.0, 7], "seed": -1.0})", false);
        QCOMPARE(*p.promptIds, (std::vector<int>{5, 7}));
        QCOMPARE(*p.seed, std::uint64_t(-1));  // -1 as the two's complement seed, as the integer -1 is taken
        QCOMPARE(*parseCompletionRequest(R"({"model": "m", "prompt": [[9.0]]})", false).promptIds, (std::vector<int>{9}));
        QCOMPARE(*parseCompletionRequest(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_completion_tokens": 12.0})", true)
                      .maxTokens,
                 12);
        QCOMPARE(*parseCompletionRequest(R"({"model": "m", "prompt": "x", "max_tokens": 1e3})", false).maxTokens, 1000);
        for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
                 {"max_tokens", "2.5"}, {"max_tokens", "0.0"}, {"max_tokens", "-3.0"}, {"max_tokens", "1e10"}, {"max_tokens", "\"3\""},
                 {"seed", "2.5"}, {"seed", "1e19"}, {"seed", "true"}, {"n", "2.0"}, {"n", "1.5"}, {"best_of", "2.0"},
                 {"truncate_prompt_tokens", "0.0"}, {"truncate_prompt_tokens", "1.5"}}) {
            const auto e = errorOf(std::string("{\"model\": \"m\", \"prompt\": \"x\", \"") + field + "\": " + value + "}", false);
            QVERIFY2(e.status == 400 && e.param == field, (field + " " + value + ": " + std::to_string(e.status) + " " + e.param).c_str());
        }
        QCOMPARE(errorOf(R"({"model": "m", "prompt": [5.5, 7]})", false).param, std::string("prompt"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": [1e30]})", false).param, std::string("prompt"));
    }

    // stop takes a list of any length, as vLLM does (OpenAI's own API stops at 4): five were refused.
    void stopTakesAnyNumberOfStrings() {
        const auto p = parseCompletionRequest(R"({"model": "m", "prompt": "x", "stop": ["a", "b", "c", "d", "e", "", "f"]})", false);
        QCOMPARE(p.stop, (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));  // an empty string stops nothing: dropped
        QCOMPARE(generationRequest(p, {1}, 100).stopStrings, p.stop);
    }

    void badRequestsName40xAndTheField() {
        QCOMPARE(errorOf("{nope", true).status, 400);
        QCOMPARE(errorOf(R"({"messages": [{"role": "user", "content": "x"}]})", true).param, std::string("model"));
        QCOMPARE(errorOf(R"({"model": "m", "messages": []})", true).param, std::string("messages"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": "x", "temperature": 3})", false).param, std::string("temperature"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": "x", "max_tokens": 0})", false).param, std::string("max_tokens"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": "x", "stop": ["a", 5]})", false).param, std::string("stop"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": "x", "stop": {"a": 1}})", false).param, std::string("stop"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": "x", "n": 2})", false).param, std::string("n"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": "x", "stream_options": {"include_usage": true}})", false).param,
                 std::string("stream_options"));
        QCOMPARE(errorOf(R"({"model": "m", "messages": [{"role": "wizard", "content": "x"}]})", true).param, std::string("messages[0].role"));
        QCOMPARE(errorOf(R"({"model": "m", "messages": [{"role": "user", "content": null}]})", true).param, std::string("messages[0].content"));
        QCOMPARE(parseCompletionRequest(R"({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null}]})", true)
                     .messages.size(),
                 std::size_t(2));
        // Fields that would change the answer are refused, never silently ignored.
        for (const char* field : {R"("echo": true)", R"("suffix": "x")", R"("presence_penalty": 0.5)", R"("frequency_penalty": -1)",
                                  R"("logit_bias": {"42": 5})", R"("response_format": {"type": "json_object"})", R"("top_k": 5)",
                                  R"("min_p": 0.1)", R"("repetition_penalty": 1.2)", R"("min_tokens": 5)", R"("top_k": "x")",
                                  R"("ignore_eos": "yes")", R"("response_format": {"type": 5})"}) {
            const auto e = errorOf(std::string(R"({"model": "m", "prompt": "x", )") + field + "}", false);
            QCOMPARE(e.status, 400);
            QVERIFY2(std::string(field).find(e.param) == 1, field);
        }
        // A wrongly typed field in an object is a 400 naming it (it was a 500 carrying the JSON library's message).
        const auto usage = errorOf(R"({"model": "m", "prompt": "x", "stream": true, "stream_options": {"include_usage": "yes"}})", false);
        QCOMPARE(usage.status, 400);
        QCOMPARE(usage.param, std::string("stream_options.include_usage"));
        for (const char* fine : {R"("echo": false)", R"("presence_penalty": 0)", R"("response_format": {"type": "text"})", R"("logit_bias": {})",
                                 R"("top_k": -1)", R"("top_k": 0)", R"("repetition_penalty": 1)", R"("min_p": 0)", R"("min_tokens": 0)"})
            parseCompletionRequest(std::string(R"({"model": "m", "prompt": "x", )") + fine + "}", false);
        const auto body = json::parse(errorOf(R"({"model": "m", "prompt": 5})", false).body());
        QCOMPARE(body["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QCOMPARE(body["error"]["param"].get<std::string>(), std::string("prompt"));
        QVERIFY(body["error"]["code"].is_null());
    }

    // Invalid UTF-8 in a body is a 400 naming the field it is in, and its answer is valid JSON (the
    // parser's message quotes the bytes it read; dumping them threw, and the server answered 500).
    void invalidUtf8IsA400NamingItsField() {
        const std::pair<std::string, std::string> cases[] = {
            {"{\"model\": \"m\", \"prompt\": \"ab\xff\xfe" "cd\"}", "prompt"},
            {"{\"model\": \"m\xff\", \"prompt\": \"x\"}", "model"},
            {"{\"model\": \"m\", \"prompt\": \"x\", \"stop\": [\"a\", \"b\xff\"]}", "stop[1]"},
            {"{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"user\", \"content\": \"\xc3(\"}]}",
             "messages[1].content"}};
        for (const auto& [body, field] : cases) {
            const auto e = errorOf(body, body.find("messages") != std::string::npos);
            QCOMPARE(e.status, 400);
            QCOMPARE(e.param, field);
            const auto answer = json::parse(e.body());  // valid JSON, U+FFFD where the bytes were
            QVERIFY2(answer["error"]["message"].get<std::string>().find("UTF-8") != std::string::npos, e.body().c_str());
        }
        // Generated text that is not UTF-8 (a byte-level model may end mid-character) still gives valid JSON.
        QVERIFY(json::parse(ResponseBuilder(false, "m").full("ab\xe2\x82", FinishReason::Length, 1, 2)).is_object());
    }

    // vLLM's fields that change the answer: implemented (chat template variables, generation
    // prompt, continued final message, stop string kept, prompt truncated) or refused unless neutral.
    void vllmFieldsAreAppliedOrRefused() {
        auto chat = parseCompletionRequest(R"({"model": "m", "messages": [{"role": "user", "content": "x"}],
            "chat_template_kwargs": {"enable_thinking": false, "effort": "high"}, "documents": [{"text": "d"}]})", true);
        QCOMPARE(chat.templateVariables, (ChatVariables{{"enable_thinking", "false"}, {"effort", "\"high\""}, {"documents", "[{\"text\":\"d\"}]"}}));
        QVERIFY(chat.addGenerationPrompt && !chat.continueFinalMessage);
        chat = parseCompletionRequest(R"({"model": "m", "messages": [{"role": "assistant", "content": "x"}], "add_generation_prompt": false,
            "continue_final_message": true})", true);
        QVERIFY(!chat.addGenerationPrompt && chat.continueFinalMessage);
        QCOMPARE(errorOf(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "continue_final_message": true})", true).param,
                 std::string("continue_final_message"));  // with add_generation_prompt (true by default), as vLLM refuses it
        QCOMPARE(continueFinalMessage("<|im_start|>assistant\nOnce upon<|im_end|>\n", "Once upon"), std::string("<|im_start|>assistant\nOnce upon"));
        QCOMPARE(continueFinalMessage("<a>\nOnce<e>\n", " Once \n"), std::string("<a>\nOnce"));  // a template that strips it
        QVERIFY_THROWS_EXCEPTION(ApiError, continueFinalMessage("<a>\n<e>", "elsewhere"));

        auto p = parseCompletionRequest(R"({"model": "m", "prompt": "x", "include_stop_str_in_output": true, "truncate_prompt_tokens": 2})", false);
        QVERIFY(p.includeStopString);
        QCOMPARE(generationRequest(p, {1, 2, 3, 4}, 100).promptIds, (std::vector<int>{3, 4}));  // the last N, as vLLM keeps them
        QCOMPARE(generationRequest(p, {5}, 100).promptIds, std::vector<int>{5});
        QCOMPARE(stopStringAt("Once upon. The", 9, {"x", ". "}), std::string(". "));
        QCOMPARE(stopStringAt("Once", 9, {"x"}), std::string());
        QCOMPARE(errorOf(R"({"model": "m", "prompt": "x", "truncate_prompt_tokens": 0})", false).param, std::string("truncate_prompt_tokens"));

        for (const char* field : {R"("use_beam_search": true)", R"("guided_json": {"type": "object"})", R"("guided_regex": "a+")",
                                  R"("guided_choice": ["a"])", R"("guided_grammar": "x")", R"("prompt_logprobs": 0)",
                                  R"("skip_special_tokens": false)", R"("spaces_between_special_tokens": false)", R"("stop_token_ids": [5])",
                                  R"("bad_words": ["x"])", R"("allowed_token_ids": [1])", R"("add_special_tokens": false)",
                                  R"("response_format": {"type": "json_schema", "json_schema": {"name": "x"}})", R"("logits_processors": ["x"])"}) {
            const auto e = errorOf(std::string(R"({"model": "m", "prompt": "x", )") + field + "}", false);
            QVERIFY2(e.status == 400, field);
            QVERIFY2(std::string(field).find(e.param) == 1, field);
        }
        for (const char* field : {R"("chat_template": "{{ 'x' }}")", R"("add_special_tokens": true)", R"("tool_choice": "required")",
                                  R"("top_logprobs": 3)", R"("include_reasoning": false)"}) {
            const auto e = errorOf(std::string(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], )") + field + "}", true);
            QCOMPARE(e.status, 400);
            QVERIFY2(std::string(field).find(e.param) == 1, field);
        }
        for (const char* fine : {R"("use_beam_search": false)", R"("skip_special_tokens": true)", R"("stop_token_ids": [])",
                                 R"("guided_json": null)", R"("add_special_tokens": true)", R"("priority": 0)", R"("length_penalty": 1.0)"})
            parseCompletionRequest(std::string(R"({"model": "m", "prompt": "x", )") + fine + "}", false);
    }

    // A completions prompt as token ids, as OpenAI and vLLM take it: a list of ints or a list of one
    // such list; several prompts in one request and ids outside the vocabulary are 400s on "prompt".
    void promptsMayBeTokenIds() {
        auto p = parseCompletionRequest(R"({"model": "m", "prompt": [1, 15043, 3186]})", false);
        QVERIFY(p.promptIds);
        QCOMPARE(*p.promptIds, (std::vector<int>{1, 15043, 3186}));
        QVERIFY(p.prompt.empty());
        QCOMPARE(*parseCompletionRequest(R"({"model": "m", "prompt": [[7, 8]]})", false).promptIds, (std::vector<int>{7, 8}));
        QVERIFY(!parseCompletionRequest(R"({"model": "m", "prompt": ["text"]})", false).promptIds);
        for (const char* body : {R"({"model": "m", "prompt": ["a", "b"]})", R"({"model": "m", "prompt": [[1], [2]]})"}) {
            const auto e = errorOf(body, false);
            QCOMPARE(e.status, 400);
            QCOMPARE(e.param, std::string("prompt"));
            QVERIFY2(QString(e.what()).contains("one prompt a request"), e.what());
        }
        QCOMPARE(errorOf(R"({"model": "m", "prompt": [1, "x"]})", false).param, std::string("prompt"));
        QCOMPARE(errorOf(R"({"model": "m", "prompt": []})", false).param, std::string("prompt"));
        checkPromptIds({0, 5, 9}, 10);
        for (const auto& ids : {std::vector<int>{3, 10}, std::vector<int>{-1}, std::vector<int>{}}) {
            try {
                checkPromptIds(ids, 10);
                QFAIL("no error");
            } catch (const ApiError& e) {
                QCOMPARE(e.status, 400);
                QCOMPARE(e.param, std::string("prompt"));
            }
        }
        // An id past int's range is refused, not wrapped into a valid one.
        QVERIFY_THROWS_EXCEPTION(ApiError, checkPromptIds(*parseCompletionRequest(R"({"model": "m", "prompt": [4294967297]})", false).promptIds, 10));
    }

    void contextLimitsAndDefaults() {
        auto p = parseCompletionRequest(R"({"model": "m", "prompt": "x", "temperature": 0})", false);
        auto r = generationRequest(p, {1, 2, 3}, 100);
        QCOMPARE(r.maxNewTokens, 16);  // OpenAI's completions default
        QVERIFY(r.sampling.greedy);
        p.chat = true;
        QCOMPARE(generationRequest(p, {1, 2, 3}, 100).maxNewTokens, 97);  // chat: the rest of the context
        p.maxTokens = 98;
        try {
            generationRequest(p, {1, 2, 3}, 100);
            QFAIL("no error");
        } catch (const ApiError& e) {
            QCOMPARE(e.status, 400);
            QCOMPARE(e.code, std::string("context_length_exceeded"));
            QVERIFY(QString(e.what()).contains("maximum context length is 100 tokens"));
        }
        p.ignoreEos = true;
        p.maxTokens = 5;
        QCOMPARE(generationRequest(p, {1}, 100).stopIds, std::vector<int>{-1});
    }

    void chunksAndResponsesHaveOpenAisShape() {
        ResponseBuilder chat(true, "demo");
        const auto role = sse(chat.roleChunk());
        QCOMPARE(role["object"].get<std::string>(), std::string("chat.completion.chunk"));
        QCOMPARE(role["choices"][0]["delta"], (json{{"role", "assistant"}, {"content", ""}}));
        QVERIFY(role["id"].get<std::string>().rfind("chatcmpl-", 0) == 0);
        QCOMPARE(sse(chat.textChunk("Hi"))["choices"][0]["delta"]["content"].get<std::string>(), std::string("Hi"));
        const auto fin = sse(chat.finishChunk(FinishReason::StopString));
        QCOMPARE(fin["choices"][0]["finish_reason"].get<std::string>(), std::string("stop"));
        QCOMPARE(fin["choices"][0]["delta"], json::object());
        const auto usage = sse(chat.usageChunk(5, 3));
        QCOMPARE(usage["choices"], json::array());
        QCOMPARE(usage["usage"]["total_tokens"].get<int>(), 8);
        QCOMPARE(std::string(kSseDone), std::string("data: [DONE]\n\n"));

        ResponseBuilder text(false, "demo");
        const auto full = json::parse(text.full("abc", FinishReason::Length, 2, 3));
        QCOMPARE(full["object"].get<std::string>(), std::string("text_completion"));
        QCOMPARE(full["choices"][0]["text"].get<std::string>(), std::string("abc"));
        QCOMPARE(full["choices"][0]["finish_reason"].get<std::string>(), std::string("length"));
        QCOMPARE(full["usage"]["completion_tokens"].get<int>(), 3);
    }

    // Every served model is reachable: folder names, qualified by their parent where two collide
    // (the fp16 and AWQ copies of one model); one folder twice is refused naming both.
    void servedModelIdsAreUnique() {
        QCOMPARE(servedModelIds({"/m/tiny", "/m/other/"}), (std::vector<std::string>{"tiny", "other"}));
        QCOMPARE(servedModelIds({"/w/fp16/llama", "/w/awq/llama/", "/m/tiny"}), (std::vector<std::string>{"fp16/llama", "awq/llama", "tiny"}));
        // A relative folder is named as its absolute path is ("." is the working folder's name).
        const std::string here = std::filesystem::current_path().filename().string();
        QCOMPARE(servedModelIds({".", "../" + here + "/x"}), (std::vector<std::string>{here, "x"}));
        QString msg;
        try {
            servedModelIds({"/m/tiny", "/m/tiny/"});
        } catch (const awq::Error& e) {
            msg = QString::fromStdString(e.what());
        }
        QVERIFY2(msg.contains("the folder /m/tiny is given twice (/m/tiny and /m/tiny/)"), qPrintable(msg));
        // Two folders whose last two names agree still cannot both be reached.
        msg.clear();
        try {
            servedModelIds({"/a/w/tiny", "/b/w/tiny"});
        } catch (const awq::Error& e) {
            msg = QString::fromStdString(e.what());
        }
        QVERIFY2(msg.contains("/a/w/tiny and /b/w/tiny would both be served as 'w/tiny'"), qPrintable(msg));
    }

    // A model is served under the name promotion gives it (pool::servedModelName, vLLM's
    // --served-model-name): a hub cache snapshot (links into blobs/) and a pool copy of it as
    // ORG/NAME. They were served as the revision hash and as "ORG--NAME"; those folder names stay
    // as aliases where they name one model only.
    void servedIdsAreThePromotedNames() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const auto snapshot = test::makeHubCacheSnapshot("tinystories-qwen3-7m", root / "hub", "acme", "tiny-stories", "abc123");
        std::filesystem::create_directories(root / "pool");
        const auto copy = pool::addToPool(root / "pool", snapshot).entry.folder;
        QCOMPARE(copy.filename().string(), std::string("acme--tiny-stories"));
        QCOMPARE(pool::servedModelName(copy), std::string("acme/tiny-stories"));
        QCOMPARE(servedModelIds({snapshot.string()}), std::vector<std::string>{"acme/tiny-stories"});
        QCOMPARE(servedModelAliases({snapshot.string()}), std::vector<std::string>{"abc123"});
        QCOMPARE(servedModelIds({copy.string(), "/m/tiny"}), (std::vector<std::string>{"acme/tiny-stories", "tiny"}));
        QCOMPARE(servedModelAliases({copy.string(), "/m/tiny"}), (std::vector<std::string>{"acme--tiny-stories", ""}));
        // Both at once: one name for two models, so each is reached by its last two folder names.
        QCOMPARE(servedModelIds({snapshot.string(), copy.string()}), (std::vector<std::string>{"snapshots/abc123", "pool/acme--tiny-stories"}));
        // A folder name two models share is nobody's alias.
        QCOMPARE(servedModelAliases({"/w/fp16/llama", "/w/awq/llama"}), (std::vector<std::string>{"", ""}));
    }

    void servingFiguresAsVllmDefinesThem() {
        std::vector<RequestTiming> rs(3);
        rs[0] = {true, "", 100, 1000, {300, 300, 300}, 4, 5};   // TPOT (1000 - 100) / 3 = 300
        rs[1] = {true, "", 200, 200, {}, 1, 5};                // one token: no TPOT
        rs[2] = {false, "HTTP 500", 0, 50, {}, 0, 0};
        ServingSlo slo;
        slo.ttftMs = 150;
        const auto p = servingPoint(rs, 2.0, 4, 3.0, slo);
        QCOMPARE(p.concurrency, 4);
        QCOMPARE(p.requests, 2);
        QCOMPARE(p.outputTokensPerS, 2.5);
        QCOMPARE(p.ttftMs.mean, 150.0);
        QCOMPARE(p.latencyMs.p99, 1000.0);
        QCOMPARE(p.serving->failed, 1);
        QCOMPARE(p.serving->requestThroughput, 1.0);
        QCOMPARE(p.serving->tpotMs->p50, 300.0);
        QCOMPARE(p.serving->itlMs->mean, 300.0);
        QCOMPARE(*p.serving->goodput, 0.5);  // only the first meets TTFT <= 150
        // The tokens the completed requests produced, counted (4 + 1), not max_tokens x requests.
        QCOMPARE(p.outputTokens.value_or(-1), std::int64_t(5));
        QCOMPARE(p.outputTokensMin.value_or(-1), 1);
        QCOMPARE(p.outputTokensMax.value_or(-1), 4);
        QCOMPARE(p.serving->tokensCountedFrom, std::string("stream"));  // neither carried usage

        RunDocument doc;
        doc.kind = "sweep";
        doc.sweep = SweepRun{8, "x", std::nullopt, std::nullopt, {{"A", SweepModel{{p}, {}, {}, {}}}}, "http://127.0.0.1:8000/v1"};
        const auto back = runDocumentFromJson(runDocumentToJson(doc), "mem");
        QCOMPARE(back.sweep->endpoint, std::string("http://127.0.0.1:8000/v1"));
        const auto& v = *back.sweep->models.at("A").points.at(0).serving;
        QCOMPARE(*v.requestRate, 3.0);
        QCOMPARE(v.tpotMs->p50, 300.0);
        QCOMPARE(*v.goodput, 0.5);
        QCOMPARE(back.sweep->models.at("A").points.at(0).outputTokens.value_or(-1), std::int64_t(5));
        QCOMPARE(back.sweep->models.at("A").points.at(0).outputTokensMin.value_or(-1), 1);
        QCOMPARE(v.tokensCountedFrom, std::string("stream"));
    }

    void sweepTokensAreCountedNotAssumed() {
        // A server that stops at end-of-text (it does not honour ignore_eos): 9 and 64 tokens of the
        // 64 asked. Tok/s is over the 73 produced, and the words say so.
        std::vector<RequestTiming> rs(2);
        rs[0] = {true, "", 10, 90, std::vector<double>(8, 10.0), 9, 5, true};
        rs[1] = {true, "", 10, 640, std::vector<double>(63, 10.0), 64, 5, false};
        const auto p = servingPoint(rs, 1.0, 2, std::nullopt, {});
        QCOMPARE(p.outputTokensPerS, 73.0);
        QCOMPARE(p.outputTokens.value_or(-1), std::int64_t(73));
        QCOMPARE(p.outputTokensMin.value_or(-1), 9);
        QCOMPARE(p.outputTokensMax.value_or(-1), 64);
        QCOMPARE(p.serving->tokensCountedFrom, std::string("usage and stream"));
        QCOMPARE(pointTokensText(p), std::string("9-64 (mean 36.5)"));

        SweepRun run{64, "x", std::nullopt, std::nullopt, {{"A", SweepModel{{p}, {}, {}, {}}}}, "http://127.0.0.1:8000/v1"};
        QCOMPARE(sweepTokensEachText(run), std::string("64 new tokens asked of each"));
        QCOMPARE(tokenShortfallText(run, run.models.at("A")).value_or(""),
                 std::string("the server produced fewer tokens than the 64 asked of each request: 9 to 64 per request, 36.5 on average over "
                             "2 requests (counted from the server's usage.completion_tokens where it sent it, else as the streamed chunks "
                             "with text). It stopped them early (at end-of-text where it does not honour ignore_eos, or at a limit of its "
                             "own); output tok/s and TPOT are over the tokens produced, not 64 each"));
        // Every request produced all it was asked for: said, with how it was counted.
        run.maxNewTokens = 9;
        rs[1] = rs[0];
        run.models.at("A").points = {servingPoint(rs, 1.0, 2, std::nullopt, {})};
        QCOMPARE(sweepTokensEachText(run), std::string("9 new tokens each (every request produced all 9, counted from the server's usage.completion_tokens)"));
        QVERIFY(!tokenShortfallText(run, run.models.at("A")));
        // A document from before the count: an endpoint's tokens are unknown, the engine's are max_new_tokens.
        run.models.at("A").points[0].outputTokens.reset();
        QCOMPARE(sweepTokensEachText(run), std::string("9 new tokens asked of each (what the server produced was not counted in this run)"));
        run.endpoint.clear();
        QCOMPARE(sweepTokensEachText(run), std::string("9 new tokens each"));
    }
};

QTEST_APPLESS_MAIN(OpenAiApiTest)
#include "test_openai_api.moc"
