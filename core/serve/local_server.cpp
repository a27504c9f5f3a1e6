#include "core/serve/local_server.h"

#include "core/compare/compare_runner.h"
#include "core/engine/engine.h"
#include "core/run/quantization_json.h"
#include "core/serve/batch_scheduler.h"
#include "core/serve/cors.h"
#include "core/serve/openai_api.h"
#include "core/system/batch_memory.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_write.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

namespace awq::serve {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

struct ServedModel {
    std::string id, folder;
    std::string alias;         // servedModelAliases: the folder's own name where it is not the id, else ""
    std::int64_t created = 0;  // Unix seconds the server took the model on (OpenAI's model object "created")
    std::unique_ptr<Engine> engine;
    std::unique_ptr<BatchScheduler> scheduler;
};

// The method a path of this server answers, nullptr for paths it does not have.
const char* allowedMethod(const std::string& path) {
    if (path == "/v1/completions" || path == "/v1/chat/completions") return "POST";
    if (path == "/health" || path == "/metrics" || path == "/v1/models" || path.starts_with("/v1/models/")) return "GET";
    return nullptr;
}

// A chat request's prompt text: the template rendered with the request's variables and
// add_generation_prompt, cut after the final message's content for continue_final_message.
std::string chatPrompt(const Engine& engine, const CompletionParams& p) {
    const std::string rendered = engine.renderChat(p.messages, p.addGenerationPrompt, p.templateVariables);
    return p.continueFinalMessage ? continueFinalMessage(rendered, p.messages.back().content) : rendered;
}

// The answer's text: result.text, which the engine cuts before a stop string, with the stop string
// that ended it where include_stop_str_in_output asks for it (`keptStops` not empty).
std::string answerText(const Engine& engine, const GenerationResult& r, const std::vector<std::string>& keptStops) {
    if (keptStops.empty() || r.finish != FinishReason::StopString) return r.text;
    return r.text + stopStringAt(engine.decode(r.newIds), r.text.size(), keptStops);
}

void sendError(httplib::Response& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(e.body(), "application/json");
}

// How often a request that waits for its answer looks whether its client is still there.
constexpr auto kClientCheck = 50ms;

// "ip" and port of a socket address, as cpp-httplib writes them into Request (getnameinfo with
// NI_NUMERICHOST: "127.0.0.1", "::1", "::ffff:127.0.0.1").
bool addressOf(const sockaddr_storage& a, socklen_t length, std::string& ip, int& port) {
    if (a.ss_family == AF_INET) port = ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
    else if (a.ss_family == AF_INET6) port = ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
    else return false;
    char host[NI_MAXHOST] = {};
    if (::getnameinfo(reinterpret_cast<const sockaddr*>(&a), length, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return false;
    ip = host;
    return true;
}

// The connected socket a request came in on, or -1. cpp-httplib 0.11 (Debian 12's) gives a handler
// no socket: Request has none, and a request that is not streamed has no DataSink::is_writable
// (Request::is_connection_closed came in a later version). Request does carry the connection's two
// addresses, and while the connection is open no other socket of this process has both: a TCP
// connection is named by them. The descriptor stays ours until the handler returns (cpp-httplib
// closes it after writing the response).
int connectionSocket(const httplib::Request& req) {
    std::vector<int> fds;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) fds.push_back(std::stoi(name));
    }
    if (fds.empty())  // no /proc: every descriptor number this process may have
        for (int fd = 0; fd < int(std::min<long>(::sysconf(_SC_OPEN_MAX), 65536)); ++fd) fds.push_back(fd);
    for (const int fd : fds) {
        sockaddr_storage peer{}, local{};
        socklen_t peerLength = sizeof peer, localLength = sizeof local;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLength) != 0) continue;  // not a connected socket
        std::string ip;
        int port = -1;
        if (!addressOf(peer, peerLength, ip, port) || port != req.remote_port || ip != req.remote_addr) continue;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength) != 0) continue;
        if (addressOf(local, localLength, ip, port) && port == req.local_port && ip == req.local_addr) return fd;
    }
    return -1;
}

// Whether the client of a connected socket has closed it or reset it, without blocking: what
// cpp-httplib's is_socket_alive tests (bytes waiting, a pipelined request, mean it is still there).
bool clientLeft(int fd) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 0);
    if (ready <= 0) return false;  // nothing to read: still connected (or poll was interrupted)
    if (p.revents & POLLNVAL) return true;
    char byte = 0;
    const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return false;
    if (n == 0) return true;  // the client closed its end
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;  // reset
}

// The answer to a request cpp-httplib refused before any handler saw it (0.11.4's refusals, each with
// its limit and the fix), in OpenAI's error shape.
ApiError libraryError(const httplib::Request& req, int status) {
    const std::string bytes = std::to_string(req.body.size());
    switch (status) {
    case 400:
        return ApiError(400, "invalid_request_error",
                        "the request could not be read: send a JSON body with Content-Type: application/json and its length");
    case 413:
        // cpp-httplib takes a form-encoded body (curl -d's default type) of at most 8192 bytes; a body
        // of any other type has no limit here (the library's payload limit is not set).
        if (req.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded"))
            return ApiError(413, "invalid_request_error",
                            "the request body (" + bytes + " bytes) came as Content-Type: application/x-www-form-urlencoded (curl -d sends "
                            "that unless told otherwise), which this server's HTTP library (cpp-httplib) takes up to " +
                                std::to_string(CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH) +
                                " bytes of; a JSON body has no such limit: send it with the header Content-Type: application/json (curl "
                                "-H 'Content-Type: application/json' -d @body.json, or curl --json @body.json)",
                            {}, "request_too_large");
        return ApiError(413, "invalid_request_error", "the request body is larger than this server's HTTP library takes: send a smaller request",
                        {}, "request_too_large");
    case 414:
        return ApiError(414, "invalid_request_error",
                        "the request line is longer than the " + std::to_string(CPPHTTPLIB_REQUEST_URI_MAX_LENGTH) +
                            " bytes this server's HTTP library (cpp-httplib) reads: send the parameters in a JSON body, not the URL",
                        {}, "uri_too_long");
    case 415:
        return ApiError(415, "invalid_request_error",
                        "the request body is compressed (Content-Encoding: " + req.get_header_value("Content-Encoding") +
                            "), which this server cannot read: send it uncompressed",
                        {}, "unsupported_content_encoding");
    case 416:
        return ApiError(416, "invalid_request_error", "the Range header could not be read: leave it out (this server sends whole answers)");
    default:
        return ApiError(status, status >= 500 ? "server_error" : "invalid_request_error",
                        "the HTTP library refused the request (HTTP " + std::to_string(status) + ")");
    }
}

// One streamed response: pulls the job's events and writes OpenAI's chunks.
struct Stream {
    std::shared_ptr<Job> job;
    ResponseBuilder builder;
    bool chat = false;
    bool includeUsage = false, started = false;
    const Engine* engine = nullptr;
    std::vector<std::string> keptStops;  // include_stop_str_in_output: the request's stop strings
    std::size_t sent = 0;   // bytes of the text sent (the engine's deltas never carry a stop string: core/engine/detail/sequence.h)

    bool pump(httplib::DataSink& sink) {
        auto write = [&](const std::string& s) {
            if (sink.write(s.data(), s.size())) return true;
            job->cancel();  // the client went away: free its slot
            return false;
        };
        if (!started) {
            started = true;
            if (chat && !write(builder.roleChunk())) return false;
        }
        auto ev = job->next(100ms);
        if (!ev) {
            // Nothing to send yet (the request waits for a slot, or a prefill runs): a client that
            // left is only noticed by looking, as no write fails. cpp-httplib's is_writable polls
            // the socket (is_socket_alive), as clientLeft does.
            if (!sink.is_writable()) {
                job->cancel();
                return false;
            }
            return true;  // called again
        }
        if (!ev->finished) {
            if (ev->textDelta.empty()) return true;
            if (!write(builder.textChunk(ev->textDelta))) return false;
            sent += ev->textDelta.size();
            return true;
        }
        const auto& r = ev->result;
        if (r.finish == FinishReason::Cancelled) {  // the server is stopping, or the engine failed
            const auto err = job->error();
            // As vLLM ends a stream that fails: the error event, then [DONE], so clients stop reading.
            if (write(sseData(ApiError(503, "server_error", err.empty() ? "the server is shutting down" : err).body()))) write(kSseDone);
            sink.done();
            return true;
        }
        // result.text is cut at a stop string; what is left of it after what was sent.
        const std::string text = answerText(*engine, r, keptStops);
        if (text.size() > sent && !write(builder.textChunk(text.substr(sent)))) return false;
        if (!write(builder.finishChunk(r.finish))) return false;
        if (includeUsage && !write(builder.usageChunk(r.metrics.promptTokens, r.metrics.newTokens))) return false;
        if (!write(kSseDone)) return false;
        sink.done();
        return true;
    }
};

// Why `host` cannot be listened on at all (any port), or "": not an address, or not one of this
// machine's. A failed bind on a good host is its port's problem.
std::string hostProblem(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), "0", &hints, &found); rc != 0) return std::string("not an address (") + ::gai_strerror(rc) + ")";
    std::string why = "not an address of this machine";
    for (const addrinfo* a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        const bool bound = ::bind(fd, a->ai_addr, a->ai_addrlen) == 0;
        ::close(fd);
        if (bound) {
            why.clear();
            break;
        }
    }
    ::freeaddrinfo(found);
    return why;
}

}  // namespace

struct LocalServer::Impl {
    Impl(ServeOptions o, Log log, Loaded onLoaded) : o_(std::move(o)), log_(std::move(log)), onLoaded_(std::move(onLoaded)) {
        const auto ids = servedModelIds(o_.models);
        const auto aliases = servedModelAliases(o_.models);
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        for (std::size_t i = 0; i < ids.size(); ++i) {
            auto m = std::make_unique<ServedModel>();
            // "root" in /v1/models: the folder as a path that means the same to any client (it was
            // "q1" as typed, relative to the server's working folder).
            auto folder = std::filesystem::absolute(o_.models[i]).lexically_normal();
            if (!folder.has_filename()) folder = folder.parent_path();   // "q1/"
            m->folder = folder.string();
            // A served name given on the command line need not be UTF-8, a JSON string must: served
            // (and matched) with U+FFFD for each ill-formed byte, as a client can send what /v1/models lists.
            m->id = text::utf8Lossy(ids[i]);
            m->alias = text::utf8Lossy(aliases[i]);
            m->created = now;
            models_.push_back(std::move(m));
        }
        // Every running or waiting request holds a worker thread while it streams.
        const std::size_t threads = std::size_t(o_.maxBatch + o_.maxQueue) * models_.size() + 8;
        http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
        // httplib's default also sets SO_REUSEPORT, which lets a second server bind the same port
        // silently (and share its connections); a port in use must be an error.
        http_.set_socket_options([](socket_t sock) {
            int yes = 1;
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        // CORS before the key: a preflight carries none (vLLM's key check lets OPTIONS through too),
        // and a 401 gets the CORS headers so that a page can read why it was refused.
        http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (Cors::isPreflight(req)) {
                cors_.answerPreflight(req, res);
                return httplib::Server::HandlerResponse::Handled;
            }
            cors_.decorate(req, res);
            return authorize(req, res);
        });
        // cpp-httplib answers 404 for a path without a handler for this method, and 400 for a
        // request it could not read (a POST or PUT without a body or length) before routing it.
        http_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
            cors_.decorate(req, res);  // a request refused before routing never met the pre-routing handler
            if (!res.body.empty()) return;
            const char* allowed = allowedMethod(req.path);
            if ((res.status == 404 || res.status == 400) && allowed && req.method != allowed) {  // a route of ours, another method
                res.status = 405;
                res.set_header("Allow", allowed);
                sendError(res, ApiError(405, "invalid_request_error", req.method + " " + req.path + " is not allowed: use " + allowed, {},
                                        "method_not_allowed"));
                return;
            }
            sendError(res, res.status == 404 ? ApiError(404, "invalid_request_error", "no route " + req.method + " " + req.path, {}, "not_found")
                                             : libraryError(req, res.status));
        });
        http_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
            res.status = ready_ ? 200 : 503;
            res.set_content(ready_ ? "ok\n" : "loading\n", "text/plain");
        });
        http_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) { listModels(res); });
        http_.Get(R"(/v1/models/(.+))", [this](const httplib::Request& req, httplib::Response& res) { retrieveModel(req.matches[1], res); });
        http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) { metrics(res); });
        http_.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, false); });
        http_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, true); });
    }

    void say(const std::string& line) const {
        if (log_) log_(line);
    }

    void start() {
        std::lock_guard lock(lifecycle_);
        if (started_) throw Error("the server was started already");
        if (o_.port == 0) {
            port_ = http_.bind_to_any_port(o_.host);
            if (port_ < 0) throw Error("cannot listen on " + o_.host, {}, "check the address");
        } else if (http_.bind_to_port(o_.host, o_.port)) {
            port_ = o_.port;
        } else {
            if (const std::string why = hostProblem(o_.host); !why.empty())
                throw Error("cannot listen on " + o_.host + ": " + why, {}, "use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or an address of this machine");
            throw Error("cannot listen on " + o_.host + ":" + std::to_string(o_.port), {}, "pick another --port, or stop what uses it");
        }
        // cpp-httplib 0.11 writes without MSG_NOSIGNAL: a client that leaves mid-stream must not
        // kill the process (the CLI or the GUI that started the server) with SIGPIPE.
        std::signal(SIGPIPE, SIG_IGN);
        started_ = true;
        listener_ = std::thread([this] {
            http_.listen_after_bind();
            listenerDone_ = true;
        });
        // cpp-httplib (0.11) ignores a stop() that comes before listen_after_bind has marked the
        // server running (cpp-httplib issues 1371, 1548): a model that failed to load at once on a
        // busy machine stopped the server too early, and the join in stop() waited for ever.
        while (!http_.is_running() && !listenerDone_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        say("listening on " + url() + " (loading " + format::counted(models_.size(), "model") + ")");
        loader_ = std::thread([this] {
            std::string error;
            try {
                load();
                ready_ = true;
                say("ready");
            } catch (const std::exception& e) {
                error = exceptionMessage(e);
                if (!onLoaded_) say("load failed: " + error);  // else its owner reports it (once: the CLI's "error:" line)
            }
            if (onLoaded_) onLoaded_(error);
        });
    }

    void stop() {
        std::lock_guard lock(lifecycle_);
        if (!started_ || stopped_) return;
        stopped_ = true;
        stopping_ = true;
        if (loader_.joinable()) loader_.join();
        // Running and waiting requests end first, then the HTTP server. Its stop() ends a chunked
        // body wherever it is (cpp-httplib stops writing once the server is shutting down), so each
        // open stream is given the time to write its "shutting down" event and close its body.
        for (auto& m : models_)
            if (m->scheduler) m->scheduler->stop();
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (openStreams_ > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
        http_.stop();
        if (listener_.joinable()) listener_.join();
        ready_ = false;
        say("stopped");
    }

    std::string url() const { return "http://" + o_.host + ":" + std::to_string(port_) + "/v1"; }

    // Before any model loads: every model's --max-batch slots x its tokens a sequence of KV cache
    // (allocated up front) and one full-length prefill fit what is free, all models together.
    void requireSlotsFitMemory(bool onGpu) const {
        auto free = freeMemoryBytes(onGpu);
        for (const auto& m : models_) {
            const ModelInfo info = describeModel(m->folder);
            const int context = std::max(info.config.maxPositions, 1);
            BatchShape shape;
            shape.sequences = o_.maxBatch;
            shape.tokensPerSequence = o_.maxModelLen > 0 ? std::min(o_.maxModelLen, context) : context;
            shape.prefillTokens = shape.tokensPerSequence;
            shape.onGpu = onGpu;
            shape.elementBytes = computeElementBytes(info, onGpu, o_.dtype);
            requireBatchFitsMemory(info, "--max-batch " + std::to_string(o_.maxBatch), shape, free,
                                   "pass a lower --max-batch or --max-model-len, serve fewer models at once, or free memory");
            if (free) *free -= std::min(*free, estimateBatchMemory(info, shape).total());  // the next model gets what is left
        }
    }

    void load() {
        EngineOptions eo;
        eo.device = parseDeviceKind(o_.device);
        eo.computeDtype = o_.dtype;
        eo.maxBatch = o_.maxBatch;
        requireSlotsFitMemory(eo.device == DeviceKind::Cuda);
        for (auto& m : models_) {
            m->engine = Engine::load(m->folder, eo);
            if (!m->engine->hasTokenizer()) throw Error("the model has no tokenizer.json", m->folder, "the server needs a tokenizer");
            const int context = m->engine->maxContext();
            if (o_.maxModelLen > context)  // as promote does for a target (vLLM would refuse to start)
                say("warning: --max-model-len " + std::to_string(o_.maxModelLen) + " is longer than " + m->id + "'s context of " +
                    std::to_string(context) + " tokens (" + (std::filesystem::path(m->folder) / "config.json").string() +
                    "); serving " + std::to_string(context) + " tokens a sequence. Leave --max-model-len out for the model's own.");
            const int capacity = o_.maxModelLen > 0 ? std::min(o_.maxModelLen, context) : context;
            m->scheduler = std::make_unique<BatchScheduler>(m->engine->openContinuousBatch(o_.maxBatch, capacity), o_.maxQueue);
            say(m->id + (m->alias.empty() ? "" : " (also as " + m->alias + ")") + " on " + deviceKindName(eo.device) + ", " + format::counted(std::uint64_t(o_.maxBatch), "slot") + " x " + std::to_string(capacity) + " tokens");
        }
    }

    httplib::Server::HandlerResponse authorize(const httplib::Request& req, httplib::Response& res) const {
        // OPTIONS never needs the key, as vLLM's check skips it: without Origin it is answered 405.
        if (o_.apiKey.empty() || req.method == "OPTIONS" || !req.path.starts_with("/v1/")) return httplib::Server::HandlerResponse::Unhandled;
        if (req.get_header_value("Authorization") == "Bearer " + o_.apiKey) return httplib::Server::HandlerResponse::Unhandled;
        sendError(res, ApiError(401, "invalid_request_error",
                                req.has_header("Authorization") ? "Incorrect API key provided." : "You didn't provide an API key.", {},
                                "invalid_api_key"));
        return httplib::Server::HandlerResponse::Handled;
    }

    // OpenAI's model object, with vLLM's root and max_model_len, and (our own key) the model's
    // quantization as the run document spells it, null when it is not quantized: a client such as
    // `compare --a URL` records it instead of guessing.
    json modelObject(const ServedModel& m) const {
        json entry = {{"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", "awqbench"}, {"root", m.folder}};
        if (ready_) entry["max_model_len"] = m.scheduler->capacity();
        if (ready_ && m.engine) {
            entry["quantization"] = quantizationJson(runQuantizationOf(m.engine->model()));
        }
        return entry;
    }

    void listModels(httplib::Response& res) const {
        json data = json::array();
        for (const auto& m : models_) data.push_back(modelObject(*m));
        res.set_content(jsonText(json{{"object", "list"}, {"data", data}}), "application/json");
    }

    // The model a request names, by its id or its alias; nullptr for none.
    ServedModel* find(const std::string& name) const {
        for (const auto& m : models_)
            if (m->id == name || (!m->alias.empty() && m->alias == name)) return m.get();
        return nullptr;
    }

    // 404 for a name this server does not serve, listing those it does.
    ApiError unknownModel(const std::string& name) const {
        std::string served;
        for (const auto& m : models_) served += (served.empty() ? "`" : ", `") + m->id + "`";
        return ApiError(404, "invalid_request_error", "The model `" + name + "` does not exist. This server serves " + served + " (GET /v1/models).",
                        "model", "model_not_found");
    }

    // GET /v1/models/{id} (OpenAI's "retrieve model"); ids may hold a slash ("awq/llama").
    void retrieveModel(const std::string& id, httplib::Response& res) const {
        if (const ServedModel* m = find(id)) return res.set_content(jsonText(modelObject(*m)), "application/json");
        sendError(res, unknownModel(id));
    }

    // Prometheus text exposition (HELP and TYPE, each family's samples together, one a model);
    // awqbench_max_batch_observed is how tests see continuous batching happen.
    void metrics(httplib::Response& res) const {
        struct Family {
            const char* name;
            const char* type;
            const char* help;
            std::function<double(const SchedulerStats&, const BatchScheduler&)> value;
        };
        using S = SchedulerStats;
        using B = BatchScheduler;
        static const Family families[] = {
            {"awqbench_requests_running", "gauge", "Requests holding a batch slot.", [](const S& s, const B&) { return double(s.running); }},
            {"awqbench_requests_waiting", "gauge", "Requests queued for a slot.", [](const S& s, const B&) { return double(s.waiting); }},
            {"awqbench_max_batch_observed", "gauge", "Most requests decoded in one step so far.",
             [](const S& s, const B&) { return double(s.maxRunningSeen); }},
            {"awqbench_decode_steps_total", "counter", "Batched decode steps run.", [](const S& s, const B&) { return double(s.steps); }},
            {"awqbench_requests_finished_total", "counter", "Requests that finished.", [](const S& s, const B&) { return double(s.finished); }},
            {"awqbench_requests_cancelled_total", "counter", "Requests cancelled (client left, server stopping).",
             [](const S& s, const B&) { return double(s.cancelled); }},
            {"awqbench_generated_tokens_total", "counter", "Tokens generated.", [](const S& s, const B&) { return double(s.generatedTokens); }},
            {"awqbench_batch_slots", "gauge", "Slots of the model's KV cache.", [](const S&, const B& b) { return double(b.slots()); }},
        };
        std::string out;
        if (ready_) {
            std::vector<S> stats;
            for (const auto& m : models_) stats.push_back(m->scheduler->stats());
            for (const auto& f : families) {
                out += std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
                for (std::size_t i = 0; i < models_.size(); ++i)
                    out += std::string(f.name) + "{model=\"" + models_[i]->id + "\"} " + std::to_string(f.value(stats[i], *models_[i]->scheduler)) + "\n";
            }
        }
        res.set_content(out, "text/plain; version=0.0.4");
    }

    void complete(const httplib::Request& req, httplib::Response& res, bool chat) {
        try {
            const auto params = parseCompletionRequest(req.body, chat);
            ServedModel* model = find(params.model);
            if (!model) throw unknownModel(params.model);
            if (!ready_) throw ApiError(503, "server_error", "the model is still loading; retry shortly", {}, "model_loading");
            // As vLLM: no default chat template (transformers dropped it in 4.44). Ours would answer
            // with awqbench's plain-text fallback where vLLM, serving the same folder, refuses.
            if (chat && !model->engine->model().hasChatTemplate)
                throw ApiError(400, "invalid_request_error",
                               "`" + model->id + "` has no chat template (none in tokenizer_config.json or chat_template.jinja); as of "
                               "transformers v4.44 a default chat template is no longer allowed, so vLLM refuses it too: use "
                               "/v1/completions, or add the model's chat template to its folder",
                               "messages", "chat_template_missing");
            std::vector<int> ids;
            try {
                if (params.promptIds) checkPromptIds(*params.promptIds, model->engine->model().config.vocabSize);
                ids = params.promptIds ? *params.promptIds
                      : chat           ? model->engine->encode(chatPrompt(*model->engine, params), false)
                                       : model->engine->encode(params.prompt, true);
            } catch (const Error& e) {
                throw ApiError(400, "invalid_request_error", std::string("the chat template failed: ") + e.what(), "messages");
            }
            if (ids.empty())  // an empty text prompt of a tokenizer without BOS: nothing to condition on (vLLM: 400 too)
                throw ApiError(400, "invalid_request_error", "the prompt is empty: give at least one token", chat ? "messages" : "prompt");
            auto job = model->scheduler->submit(generationRequest(params, std::move(ids), model->scheduler->capacity()));
            if (!job && stopping_) throw ApiError(503, "server_error", "the server is shutting down");
            if (!job)
                throw ApiError(429, "rate_limit_error", "the server's queue is full (" + format::counted(std::uint64_t(o_.maxQueue), "waiting request") +
                                                            "); retry later", {}, "queue_full");
            ResponseBuilder builder(chat, params.model);  // the name the client asked for (an alias too), as vLLM answers
            const std::vector<std::string> keptStops = params.includeStopString ? params.stop : std::vector<std::string>{};
            if (params.stream) {
                auto stream = std::make_shared<Stream>(Stream{job, builder, chat, params.includeUsage, false, model->engine.get(), keptStops});
                res.set_header("Cache-Control", "no-cache");
                ++openStreams_;
                res.set_chunked_content_provider(
                    "text/event-stream", [stream](std::size_t, httplib::DataSink& sink) { return stream->pump(sink); },
                    [this, job](bool) {  // the body ended (or the client left): never keep its slot
                        job->cancel();
                        --openStreams_;
                    });
                return;
            }
            // The client waits for the whole answer and writes nothing meanwhile: its socket is
            // looked at every kClientCheck, and a client that left cancels the job (waiting or
            // running), as vLLM aborts a request whose client disconnects.
            const int sock = connectionSocket(req);
            if (sock < 0 && !warnedNoSocket_.exchange(true))
                say("warning: cannot find the connection of a request from " + req.remote_addr + ":" + std::to_string(req.remote_port) +
                    " among this process's sockets: requests that are not streamed run to their end even if their client leaves "
                    "(streamed ones, \"stream\": true, are still cancelled when it does)");
            auto nextCheck = std::chrono::steady_clock::now() + kClientCheck;
            while (true) {
                auto ev = job->next(kClientCheck);
                if (!ev || !ev->finished) {
                    if (sock < 0 || std::chrono::steady_clock::now() < nextCheck) continue;
                    nextCheck = std::chrono::steady_clock::now() + kClientCheck;
                    if (!clientLeft(sock)) continue;
                    job->cancel();
                    // Nobody reads it; nginx's 499 ("client closed request") names what happened.
                    throw ApiError(499, "invalid_request_error", "the client closed the connection before the answer; the request was cancelled",
                                   {}, "client_closed_request");
                }
                if (ev->result.finish == FinishReason::Cancelled) {
                    const auto err = job->error();
                    throw ApiError(503, "server_error", err.empty() ? "the server is shutting down" : err);
                }
                const auto& r = ev->result;
                res.set_content(builder.full(answerText(*model->engine, r, keptStops), r.finish, r.metrics.promptTokens, r.metrics.newTokens),
                                "application/json");
                return;
            }
        } catch (const ApiError& e) {
            sendError(res, e);
        } catch (const std::exception& e) {
            sendError(res, ApiError(500, "server_error", exceptionMessage(e)));
        }
    }

    ServeOptions o_;
    Cors cors_{o_};
    Log log_;
    Loaded onLoaded_;
    std::vector<std::unique_ptr<ServedModel>> models_;
    std::atomic<bool> ready_{false}, stopping_{false}, listenerDone_{false};
    std::atomic<int> openStreams_{0};  // streamed responses whose body has not ended
    std::atomic<bool> warnedNoSocket_{false};
    std::mutex lifecycle_;
    bool started_ = false, stopped_ = false;
    int port_ = 0;
    std::thread listener_, loader_;
    httplib::Server http_;
};

LocalServer::LocalServer(ServeOptions options, Log log, Loaded onLoaded)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(log), std::move(onLoaded))) {}
LocalServer::~LocalServer() { stop(); }
void LocalServer::start() { impl_->start(); }
void LocalServer::stop() { impl_->stop(); }
bool LocalServer::ready() const { return impl_->ready_; }
bool LocalServer::running() const { return impl_->started_ && !impl_->stopped_; }
int LocalServer::port() const { return impl_->port_; }
std::string LocalServer::url() const { return impl_->url(); }
std::vector<std::string> LocalServer::modelIds() const {
    std::vector<std::string> ids;
    for (const auto& m : impl_->models_) ids.push_back(m->id);
    return ids;
}

}  // namespace awq::serve
