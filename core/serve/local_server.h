#pragma once
// The OpenAI-compatible HTTP server of `awqbench-cli serve` and of the Compare page's "Start
// server": /v1/models, /v1/completions, /v1/chat/completions (streamed as OpenAI streams them),
// /health and /metrics over one continuously batched engine per model. cpp-httplib; the protocol
// is openai_api, the batching batch_scheduler. start() returns at once: the models load on a thread
// of the server's own, answering 503 until they are ready.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace awq::serve {

struct ServeOptions {
    std::vector<std::string> models;        // model folders, served under servedModelIds() (promotion's names), also servedModelAliases()
    std::string host = "127.0.0.1";         // this machine only unless told otherwise
    std::string device = "cpu", dtype = "auto";
    std::string apiKey;                     // "" = none; else "Authorization: Bearer KEY" is required
    int port = 8000;                        // 0: any free port (port() says which)
    int maxBatch = 16, maxQueue = 64;       // sequences decoded together; requests waiting beyond them
    int maxModelLen = 0;                    // tokens per sequence (0: the model's context)
    // CORS, as vLLM's server sets up Starlette's CORSMiddleware (--allowed-origins, --allowed-methods,
    // --allowed-headers, --allow-credentials; "*" = any), so browser clients can call the server.
    std::vector<std::string> allowedOrigins = {"*"}, allowedMethods = {"*"}, allowedHeaders = {"*"};
    bool allowCredentials = false;
};

class LocalServer {
public:
    using Log = std::function<void(const std::string&)>;            // one line, without "serve: "
    using Loaded = std::function<void(const std::string& error)>;   // "" when every model is ready

    // `log` and `onLoaded` are called on the server's threads. A load failure goes to `onLoaded`
    // where one is given (its owner reports it), else to `log` as "load failed: ...".
    explicit LocalServer(ServeOptions options, Log log = {}, Loaded onLoaded = {});
    ~LocalServer();  // stop()
    LocalServer(const LocalServer&) = delete;
    LocalServer& operator=(const LocalServer&) = delete;

    // Binds host:port and starts listening and loading. Throws awq::Error when it cannot listen
    // (port in use, bad address); the server may be started once.
    void start();
    // Ends the running and waiting requests (their streams close), then the HTTP server; waits for
    // a load in progress to finish first. Idempotent.
    void stop();

    bool ready() const;          // every model loaded
    bool running() const;        // started and not stopped
    int port() const;            // the bound port (after start)
    std::string url() const;     // "http://HOST:PORT/v1"
    std::vector<std::string> modelIds() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace awq::serve
