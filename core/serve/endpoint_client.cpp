#include "core/serve/endpoint_client.h"

#include "core/run/quantization_json.h"
#include "core/util/error.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

namespace awq::serve {
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct SplitUrl {
    std::string origin;  // scheme://host[:port]
    std::string prefix;  // "/v1" (no trailing slash)
};

SplitUrl split(const std::string& url) {
    if (!isEndpointPath(url)) throw Error("'" + url + "' is not an http(s) URL", {}, "pass e.g. http://127.0.0.1:8000/v1");
    const auto hostStart = url.find("://") + 3;
    const auto slash = url.find('/', hostStart);
    SplitUrl s{url.substr(0, slash), slash == std::string::npos ? "" : url.substr(slash)};
    while (!s.prefix.empty() && s.prefix.back() == '/') s.prefix.pop_back();
    return s;
}

httplib::Headers headersFor(const Endpoint& e) {
    httplib::Headers h;
    if (!e.apiKey.empty()) h.emplace("Authorization", "Bearer " + e.apiKey);
    return h;
}

double msBetween(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

}  // namespace

std::vector<std::string> endpointModels(const Endpoint& endpoint) {
    std::vector<std::string> ids;
    for (auto& e : endpointModelEntries(endpoint)) ids.push_back(std::move(e.id));
    return ids;
}

std::vector<ServedModelEntry> endpointModelEntries(const Endpoint& endpoint) {
    const auto u = split(endpoint.url);
    httplib::Client client(u.origin);
    client.set_connection_timeout(10);
    client.set_read_timeout(30);
    const auto res = client.Get(u.prefix + "/models", headersFor(endpoint));
    if (!res) throw Error("cannot reach " + endpoint.url + " (" + httplib::to_string(res.error()) + ")", {}, "is the server running?");
    if (res->status != 200)
        throw Error(endpoint.url + "/models answered " + std::to_string(res->status) + ": " + res->body.substr(0, 300), {},
                    res->status == 401 ? "set the API key's environment variable" : "check the URL");
    std::vector<ServedModelEntry> entries;
    try {
        const auto list = json::parse(res->body);
        for (const auto& m : list.at("data")) {
            ServedModelEntry entry;
            entry.id = m.at("id").get<std::string>();
            // Only a well-formed statement counts: anything else leaves the quantization unknown.
            if (const auto q = m.find("quantization"); q != m.end() && (q->is_null() || q->is_object())) {
                entry.quantizationReported = true;
                entry.quantization = quantizationFromJson(*q);
            }
            entries.push_back(std::move(entry));
        }
    } catch (const json::exception& e) {
        throw Error(endpoint.url + "/models did not answer an OpenAI model list (" + e.what() + ")");
    }
    return entries;
}

StreamedCompletion streamCompletion(const Endpoint& endpoint, const CompletionCall& call,
                                    const std::function<void(const std::string&)>& onText) {
    const auto u = split(endpoint.url);
    httplib::Client client(u.origin);
    client.set_connection_timeout(30);
    client.set_read_timeout(600);
    json body = {{"model", endpoint.model},    {"max_tokens", call.maxTokens},
                 {"temperature", call.temperature}, {"top_p", call.topP},
                 {"stream", true},             {"stream_options", {{"include_usage", true}}}};
    if (call.chat) body["messages"] = json::array({{{"role", "user"}, {"content", call.prompt}}});
    else body["prompt"] = call.prompt;
    if (call.ignoreEos) body["ignore_eos"] = true;
    if (call.seed) body["seed"] = *call.seed;
    httplib::Request req;
    req.method = "POST";
    req.path = u.prefix + (call.chat ? "/chat/completions" : "/completions");
    req.headers = headersFor(endpoint);
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");

    StreamedCompletion out;
    auto& t = out.timing;
    std::string buffer, errorBody;
    int chunksWithText = 0;
    bool usageSeen = false;
    const auto start = Clock::now();
    auto last = start;
    int status = 0;
    req.response_handler = [&](const httplib::Response& r) {
        status = r.status;
        return true;
    };
    req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
        const auto now = Clock::now();
        if (status != 200) {
            errorBody.append(data, n);
            return true;
        }
        buffer.append(data, n);
        std::size_t end;
        while ((end = buffer.find("\n\n")) != std::string::npos) {
            const std::string event = buffer.substr(0, end);
            buffer.erase(0, end + 2);
            if (!event.starts_with("data: ") || event == "data: [DONE]") continue;
            json chunk;
            try {
                chunk = json::parse(event.substr(6));
            } catch (const json::exception&) {
                continue;
            }
            // vLLM sends "usage": null on every chunk but the last; a usage without a whole
            // completion_tokens is no count (the chunks are counted instead).
            if (chunk.contains("usage") && chunk["usage"].is_object()) {
                const json& usage = chunk["usage"];
                if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_unsigned()) {
                    t.outputTokens = usage["completion_tokens"].get<int>();
                    usageSeen = true;
                }
                if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_unsigned()) t.promptTokens = usage["prompt_tokens"].get<int>();
            }
            if (!chunk.contains("choices") || !chunk["choices"].is_array() || chunk["choices"].empty()) continue;
            const auto& c = chunk["choices"][0];
            if (c.contains("finish_reason") && c["finish_reason"].is_string()) out.finishReason = c["finish_reason"].get<std::string>();
            const json* piece = call.chat ? (c.contains("delta") && c["delta"].is_object() && c["delta"].contains("content")
                                                 ? &c["delta"]["content"] : nullptr)
                                          : (c.contains("text") ? &c["text"] : nullptr);
            const std::string text = piece && piece->is_string() ? piece->get<std::string>() : "";
            if (text.empty()) continue;
            if (chunksWithText == 0) t.ttftMs = msBetween(start, now);
            else t.itlMs.push_back(msBetween(last, now));
            last = now;
            ++chunksWithText;
            out.text += text;
            if (onText) onText(text);
        }
        return true;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    const bool sent = client.send(req, res, error);
    t.e2elMs = msBetween(start, Clock::now());
    if (!sent) {
        t.error = "request failed: " + httplib::to_string(error);
    } else if (res.status != 200) {
        t.error = "HTTP " + std::to_string(res.status) + ": " + (errorBody.empty() ? res.body : errorBody).substr(0, 300);
    } else {
        t.ok = true;
        t.tokensFromUsage = usageSeen;
        if (!usageSeen) t.outputTokens = chunksWithText;
    }
    return out;
}

RequestTiming timedCompletion(const Endpoint& endpoint, const std::string& prompt, int maxTokens) {
    CompletionCall call;
    call.prompt = prompt;
    call.maxTokens = maxTokens;
    call.ignoreEos = true;
    auto t = streamCompletion(endpoint, call).timing;
    if (t.ok && t.outputTokens == 0) {
        t.ok = false;
        t.error = "the stream carried no text";
    }
    return t;
}

std::vector<RequestTiming> runLoad(const Endpoint& endpoint, const LoadSettings& load, double& durationSeconds,
                                   const std::function<void(int, int)>& onDone, std::stop_token stop) {
    std::vector<RequestTiming> timings(std::size_t(std::max(load.numPrompts, 0)));
    std::mutex mutex;
    std::condition_variable freed;
    int inFlight = 0, done = 0;
    std::mt19937_64 rng(load.seed);
    std::exponential_distribution<double> gap(load.requestRate.value_or(1.0));
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    auto next = start;
    for (int i = 0; i < load.numPrompts && !stop.stop_requested(); ++i) {
        // Arrivals follow their own schedule; the concurrency cap only delays a request's start.
        if (load.requestRate) {
            std::this_thread::sleep_until(next);
            next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap(rng)));
        }
        {
            std::unique_lock lock(mutex);
            freed.wait(lock, [&] { return inFlight < load.maxConcurrency; });
            ++inFlight;
        }
        threads.emplace_back([&, i] {
            timings[std::size_t(i)] = timedCompletion(endpoint, load.prompt, load.maxTokens);
            std::lock_guard lock(mutex);
            --inFlight;
            ++done;
            if (onDone) onDone(done, load.numPrompts);
            freed.notify_all();
        });
    }
    for (auto& t : threads) t.join();
    durationSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    timings.resize(threads.size());
    return timings;
}

}  // namespace awq::serve
