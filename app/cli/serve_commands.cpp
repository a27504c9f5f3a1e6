// `awqbench-cli serve`: the OpenAI-compatible server of core/serve/local_server.h in the
// foreground, until SIGINT / SIGTERM (or a model that fails to load).
#include "app/cli/serve_commands.h"

#include "app/cli/cli_support.h"
#include "app/cli/device_option.h"
#include "app/cli/engine_program.h"
#include "core/serve/local_server.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <semaphore.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace awq::cli {
namespace {

sem_t gStop;                           // posted by SIGINT / SIGTERM or a failed load
volatile std::sig_atomic_t gSignal = 0;
void onStopSignal(int signal) {
    gSignal = signal;
    sem_post(&gStop);
}

int serveUntilSignal(const serve::ServeOptions& o) {
    // Before the server listens: a wrong path is bad input (exit 2), not a load failure after "listening on".
    for (const auto& folder : o.models) requireModelFolder(folder, "pass the folder that holds the model's config.json and safetensors");
    sem_init(&gStop, 0, 0);
    std::string loadError;   // written by the loader thread before it posts gStop
    serve::LocalServer server(
        o, [](const std::string& line) { std::cerr << "serve: " << line << std::endl; },
        [&](const std::string& error) {
            if (error.empty()) return;
            loadError = error;
            sem_post(&gStop);
        });
    // SIGINT/SIGTERM: whichever thread takes the signal (libraries start threads of their own),
    // the handler only posts a semaphore (async-signal-safe) that this thread waits on.
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    server.start();
    while (sem_wait(&gStop) != 0 && errno == EINTR) {
    }
    std::cerr << "serve: " << (loadError.empty() ? (gSignal == SIGINT ? "SIGINT" : "SIGTERM") : "load failed") << ", stopping" << std::endl;
    server.stop();
    if (!loadError.empty()) throw Error(loadError);
    return 0;
}

// A CORS list as vLLM's --allowed-origins / --allowed-methods / --allowed-headers take it: a JSON
// list of strings ('["http://localhost:3000"]'), so a command line moves between the two unchanged.
CLI::Validator jsonStringList() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const auto list = nlohmann::json::parse(text, nullptr, false);
            if (list.is_array() && !list.empty() && std::all_of(list.begin(), list.end(), [](const nlohmann::json& v) { return v.is_string() && !v.get_ref<const std::string&>().empty(); }))
                return {};
            return "must be a JSON list of strings, as vLLM takes it: '[\"http://localhost:3000\"]' or '[\"*\"]' (any), not " + text;
        },
        "JSON_LIST");
}

std::vector<std::string> stringList(const std::string& json) { return nlohmann::json::parse(json).get<std::vector<std::string>>(); }

}  // namespace

void addServeCommands(CLI::App& app) {
    auto o = std::make_shared<serve::ServeOptions>();
    auto* cmd = app.add_subcommand("serve", std::string(engineCommandDescription("serve")));
    cmd->add_option("--model", o->models, "model folder (repeat for several; served under the name promotion gives it: ORG/NAME for a hub cache snapshot or a pool copy of one, else the folder name)")->required();
    cmd->add_option("--host", o->host, "address to bind (default 127.0.0.1: this machine only)");
    cmd->add_option("--port", o->port, "port (default 8000; 0: any free port)")->check(wholeNumberIn(0, 65535));
    cmd->add_option("--device", o->device, "cpu or cuda")->transform(deviceName());
    cmd->add_option("--dtype", o->dtype, "compute dtype: auto, float32, float16, bfloat16")->check(computeDtypeName());
    cmd->add_option("--max-batch", o->maxBatch, "sequences decoded together per model (default 16)")->check(wholeNumberIn(1, 1024));
    cmd->add_option("--max-queue", o->maxQueue, "requests that may wait for a slot before 429 (default 64)")->check(wholeNumberIn(0, 100000));
    cmd->add_option("--max-model-len", o->maxModelLen, "tokens per sequence, prompt + completion, at most the model's context (default: the model's context)")
        ->check(positiveCount());
    // An empty key would serve without one: `--api-key "$KEY"` with KEY unset started an open server
    // without a word, where the script meant to protect it. Refused, as the other empty options are.
    cmd->add_option("--api-key", o->apiKey, "require 'Authorization: Bearer KEY' (default: env AWQBENCH_API_KEY, else none)")
        ->check(nonEmptyText());
    auto cors = std::make_shared<std::array<std::string, 3>>();  // origins, methods, headers as given (JSON lists)
    cmd->add_option("--allowed-origins", (*cors)[0], "CORS: origins browsers may call from, a JSON list as vLLM takes it (default '[\"*\"]': any)")
        ->check(jsonStringList());
    cmd->add_option("--allowed-methods", (*cors)[1], "CORS: methods a preflight allows, a JSON list (default '[\"*\"]': any)")->check(jsonStringList());
    cmd->add_option("--allowed-headers", (*cors)[2], "CORS: request headers a preflight allows, a JSON list (default '[\"*\"]': any)")
        ->check(jsonStringList());
    cmd->add_flag("--allow-credentials", o->allowCredentials, "CORS: allow credentials (cookies, Authorization) in browser requests");
    cmd->callback([o, cors] {
        if (!(*cors)[0].empty()) o->allowedOrigins = stringList((*cors)[0]);
        if (!(*cors)[1].empty()) o->allowedMethods = stringList((*cors)[1]);
        if (!(*cors)[2].empty()) o->allowedHeaders = stringList((*cors)[2]);
        runOrExit([o] {
            if (o->apiKey.empty())
                if (const char* key = std::getenv("AWQBENCH_API_KEY")) {
                    if (!*key)
                        throw UsageError("AWQBENCH_API_KEY is set but empty: the server would take requests without a key", {},
                                         "set it to the key, or unset it to serve without one");
                    o->apiKey = key;
                }
            return serveUntilSignal(*o);
        });
    });
}

}  // namespace awq::cli
