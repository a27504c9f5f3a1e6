// `awqbench-cli serve`: /v1/models, /v1/completions, /v1/chat/completions (streamed as OpenAI
// streams them), /health and /metrics, over one continuously batched engine per model. The
// protocol lives in core/serve (openai_api, batch_scheduler); this file is the HTTP glue.
#include "app/cli/serve_commands.h"

#include "app/cli/cli_support.h"
#include "core/engine/engine.h"
#include "core/serve/batch_scheduler.h"
#include "core/serve/openai_api.h"
#include "core/util/error.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <semaphore.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <iostream>
#include <thread>

namespace awq::cli {
namespace {
using serve::ApiError;
using nlohmann::json;
using namespace std::chrono_literals;

struct ServeOptions {
    std::vector<std::string> models;
    std::string host = "127.0.0.1", device = "cpu", dtype = "auto", apiKey;
    int port = 8000, maxBatch = 16, maxQueue = 64, maxModelLen = 0;
};

struct ServedModel {
    std::string id, folder;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<serve::BatchScheduler> scheduler;
};

sem_t gStop;                           // posted by SIGINT / SIGTERM or a failed load
volatile std::sig_atomic_t gSignal = 0;
void onStopSignal(int signal) {
    gSignal = signal;
    sem_post(&gStop);
}

void sendError(httplib::Response& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(e.body(), "application/json");
}

// One streamed response: pulls the job's events and writes OpenAI's chunks.
struct Stream {
    std::shared_ptr<serve::Job> job;
    serve::ResponseBuilder builder;
    bool chat = false;
    std::vector<std::string> stops;
    bool includeUsage = false, started = false;
    std::string text;       // all text deltas so far (may run past a stop string)
    std::size_t sent = 0;   // bytes of it sent

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
        if (!ev) return true;  // called again
        if (!ev->finished) {
            text += ev->textDelta;
            const auto upTo = serve::sendableLength(text, stops);
            if (upTo > sent) {
                if (!write(builder.textChunk(text.substr(sent, upTo - sent)))) return false;
                sent = upTo;
            }
            return true;
        }
        const auto& r = ev->result;
        if (r.finish == FinishReason::Cancelled) {  // the server is stopping, or the engine failed
            const auto err = job->error();
            write(serve::sseData(ApiError(503, "server_error", err.empty() ? "the server is shutting down" : err).body()));
            sink.done();
            return true;
        }
        // result.text is cut at a stop string; what is left of it after what was sent.
        if (r.text.size() > sent && !write(builder.textChunk(r.text.substr(sent)))) return false;
        if (!write(builder.finishChunk(r.finish))) return false;
        if (includeUsage && !write(builder.usageChunk(r.metrics.promptTokens, r.metrics.newTokens))) return false;
        if (!write(serve::kSseDone)) return false;
        sink.done();
        return true;
    }
};

class Server {
public:
    explicit Server(ServeOptions o) : o_(std::move(o)) {
        for (const auto& folder : o_.models) {
            auto m = std::make_unique<ServedModel>();
            m->folder = folder;
            m->id = serve::modelIdFor(folder);
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
        http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) { return authorize(req, res); });
        http_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return;
            const auto e = res.status == 404 ? ApiError(404, "invalid_request_error", "no route " + req.method + " " + req.path, {}, "not_found")
                                             : ApiError(res.status, "invalid_request_error", "HTTP " + std::to_string(res.status));
            sendError(res, e);
        });
        http_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
            res.status = ready_ ? 200 : 503;
            res.set_content(ready_ ? "ok\n" : "loading\n", "text/plain");
        });
        http_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) { listModels(res); });
        http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) { metrics(res); });
        http_.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, false); });
        http_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, true); });
    }

    int run() {
        if (!http_.bind_to_port(o_.host, o_.port))
            throw Error("cannot listen on " + o_.host + ":" + std::to_string(o_.port), {}, "pick another --port, or stop what uses it");
        // SIGINT/SIGTERM: whichever thread takes the signal (libraries start threads of their own),
        // the handler only posts a semaphore (async-signal-safe) that this thread waits on.
        sem_init(&gStop, 0, 0);
        struct sigaction action {};
        action.sa_handler = onStopSignal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
        std::signal(SIGPIPE, SIG_IGN);

        std::thread listener([this] { http_.listen_after_bind(); });
        std::cerr << "serve: listening on http://" << o_.host << ":" << o_.port << "/v1 (loading " << models_.size() << " model(s))"
                  << std::endl;
        std::string loadError;
        std::thread loader([&] {
            try {
                load();
                ready_ = true;
                std::cerr << "serve: ready" << std::endl;
            } catch (const std::exception& e) {
                loadError = e.what();
                sem_post(&gStop);
            }
        });
        while (sem_wait(&gStop) != 0 && errno == EINTR) {
        }
        stopping_ = true;
        loader.join();
        std::cerr << "serve: " << (loadError.empty() ? (gSignal == SIGINT ? "SIGINT" : "SIGTERM") : "load failed") << ", stopping" << std::endl;
        // Running and waiting requests end first (streams close), then the HTTP server.
        for (auto& m : models_)
            if (m->scheduler) m->scheduler->stop();
        http_.stop();
        listener.join();
        if (!loadError.empty()) throw Error(loadError);
        std::cerr << "serve: stopped" << std::endl;
        return 0;
    }

private:
    void load() {
        EngineOptions eo;
        eo.device = parseDeviceKind(o_.device);
        eo.computeDtype = o_.dtype;
        eo.maxBatch = o_.maxBatch;
        for (auto& m : models_) {
            m->engine = Engine::load(m->folder, eo);
            if (!m->engine->hasTokenizer()) throw Error("the model has no tokenizer.json", m->folder, "the server needs a tokenizer");
            const int capacity = o_.maxModelLen > 0 ? std::min(o_.maxModelLen, m->engine->maxContext()) : m->engine->maxContext();
            m->scheduler = std::make_unique<serve::BatchScheduler>(m->engine->openContinuousBatch(o_.maxBatch, capacity), o_.maxQueue);
            std::cerr << "serve: " << m->id << " on " << deviceKindName(eo.device) << ", " << o_.maxBatch << " slots x " << capacity
                      << " tokens" << std::endl;
        }
    }

    httplib::Server::HandlerResponse authorize(const httplib::Request& req, httplib::Response& res) const {
        if (o_.apiKey.empty() || !req.path.starts_with("/v1/")) return httplib::Server::HandlerResponse::Unhandled;
        if (req.get_header_value("Authorization") == "Bearer " + o_.apiKey) return httplib::Server::HandlerResponse::Unhandled;
        sendError(res, ApiError(401, "invalid_request_error",
                                req.has_header("Authorization") ? "Incorrect API key provided." : "You didn't provide an API key.", {},
                                "invalid_api_key"));
        return httplib::Server::HandlerResponse::Handled;
    }

    void listModels(httplib::Response& res) const {
        json data = json::array();
        for (const auto& m : models_) {
            json entry = {{"id", m->id}, {"object", "model"}, {"created", 0}, {"owned_by", "awqbench"}, {"root", m->folder}};
            if (ready_) entry["max_model_len"] = m->scheduler->capacity();
            data.push_back(entry);
        }
        res.set_content(json{{"object", "list"}, {"data", data}}.dump(), "application/json");
    }

    // Prometheus text; awqbench_max_batch_observed is how tests see continuous batching happen.
    void metrics(httplib::Response& res) const {
        std::string out;
        auto line = [&](const char* name, const std::string& model, double v) {
            out += std::string(name) + "{model=\"" + model + "\"} " + std::to_string(v) + "\n";
        };
        if (ready_)
            for (const auto& m : models_) {
                const auto s = m->scheduler->stats();
                line("awqbench_requests_running", m->id, s.running);
                line("awqbench_requests_waiting", m->id, s.waiting);
                line("awqbench_max_batch_observed", m->id, s.maxRunningSeen);
                line("awqbench_decode_steps_total", m->id, double(s.steps));
                line("awqbench_requests_finished_total", m->id, double(s.finished));
                line("awqbench_requests_cancelled_total", m->id, double(s.cancelled));
                line("awqbench_generated_tokens_total", m->id, double(s.generatedTokens));
                line("awqbench_batch_slots", m->id, m->scheduler->slots());
            }
        res.set_content(out, "text/plain; version=0.0.4");
    }

    void complete(const httplib::Request& req, httplib::Response& res, bool chat) {
        try {
            const auto params = serve::parseCompletionRequest(req.body, chat);
            ServedModel* model = nullptr;
            for (auto& m : models_)
                if (m->id == params.model) model = m.get();
            if (!model)
                throw ApiError(404, "invalid_request_error", "The model `" + params.model + "` does not exist.", "model", "model_not_found");
            if (!ready_) throw ApiError(503, "server_error", "the model is still loading; retry shortly", {}, "model_loading");
            std::vector<int> ids;
            try {
                ids = chat ? model->engine->encodeChat(params.messages) : model->engine->encode(params.prompt, true);
            } catch (const Error& e) {
                throw ApiError(400, "invalid_request_error", std::string("the chat template failed: ") + e.what(), "messages");
            }
            auto job = model->scheduler->submit(serve::generationRequest(params, std::move(ids), model->scheduler->capacity()));
            if (!job && stopping_) throw ApiError(503, "server_error", "the server is shutting down");
            if (!job)
                throw ApiError(429, "rate_limit_error", "the server's queue is full (" + std::to_string(o_.maxQueue) +
                                                            " waiting requests); retry later", {}, "queue_full");
            serve::ResponseBuilder builder(chat, model->id);
            if (params.stream) {
                auto stream = std::make_shared<Stream>(Stream{job, builder, chat, params.stop, params.includeUsage});
                res.set_header("Cache-Control", "no-cache");
                res.set_chunked_content_provider(
                    "text/event-stream", [stream](std::size_t, httplib::DataSink& sink) { return stream->pump(sink); },
                    [job](bool) { job->cancel(); });  // ends (or the client left): never keep its slot
                return;
            }
            while (true) {
                auto ev = job->next(1000ms);
                if (!ev || !ev->finished) continue;
                if (ev->result.finish == FinishReason::Cancelled) {
                    const auto err = job->error();
                    throw ApiError(503, "server_error", err.empty() ? "the server is shutting down" : err);
                }
                const auto& r = ev->result;
                res.set_content(builder.full(r.text, r.finish, r.metrics.promptTokens, r.metrics.newTokens), "application/json");
                return;
            }
        } catch (const ApiError& e) {
            sendError(res, e);
        } catch (const std::exception& e) {
            sendError(res, ApiError(500, "server_error", e.what()));
        }
    }

    ServeOptions o_;
    std::vector<std::unique_ptr<ServedModel>> models_;
    std::atomic<bool> ready_{false}, stopping_{false};
    httplib::Server http_;
};

}  // namespace

void addServeCommands(CLI::App& app) {
    auto o = std::make_shared<ServeOptions>();
    auto* cmd = app.add_subcommand("serve", "a local OpenAI-compatible server (/v1/models, /v1/completions, /v1/chat/completions)");
    cmd->add_option("--model", o->models, "model folder (repeat for several; served under the folder name)")->required();
    cmd->add_option("--host", o->host, "address to bind (default 127.0.0.1: this machine only)");
    cmd->add_option("--port", o->port, "port (default 8000)")->check(CLI::Range(1, 65535));
    cmd->add_option("--device", o->device, "cpu or cuda");
    cmd->add_option("--dtype", o->dtype, "compute dtype: auto, float32, float16, bfloat16");
    cmd->add_option("--max-batch", o->maxBatch, "sequences decoded together per model (default 16)")->check(CLI::Range(1, 1024));
    cmd->add_option("--max-queue", o->maxQueue, "requests that may wait for a slot before 429 (default 64)")->check(CLI::Range(0, 100000));
    cmd->add_option("--max-model-len", o->maxModelLen, "tokens per sequence, prompt + completion (default: the model's context)");
    cmd->add_option("--api-key", o->apiKey, "require 'Authorization: Bearer KEY' (default: env AWQBENCH_API_KEY, else none)");
    cmd->callback([o] {
        if (o->apiKey.empty())
            if (const char* key = std::getenv("AWQBENCH_API_KEY")) o->apiKey = key;
        runOrExit([o] { return Server(*o).run(); });
    });
}

}  // namespace awq::cli
