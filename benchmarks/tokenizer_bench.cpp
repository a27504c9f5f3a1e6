// Tokenizer throughput: encodes (and decodes) whole text files with the fixtures' tokenizers on one
// core and prints a table. Each repetition loads a fresh tokenizer, so the word cache starts cold
// and the time is what a first encode costs; the best of the repetitions is reported.
//
//   tokenizer_bench [--shared DIR] [--repeat N] [--model NAME]... [--file PATH]...
//
// Defaults: ../shared next to the source tree (or $AWQBENCH_SHARED), models tinystories-qwen3-7m
// (byte-level BPE) and tinystories-656k (SentencePiece-style BPE), files data/wiki.test.raw and
// data/eval-stories.txt.
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw awq::Error("can't be opened", p, "pass --shared DIR or --file PATH");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

int main(int argc, char** argv) {
    fs::path shared;
    if (const char* env = std::getenv("AWQBENCH_SHARED"); env && *env) shared = env;
    else shared = fs::path(AWQBENCH_SOURCE_DIR) / ".." / "shared";
    int repeat = 3;
    std::vector<std::string> models;
    std::vector<fs::path> files;
    CLI::App app{"Tokenizer throughput: encode and decode whole files with the fixtures' tokenizers on one core"};
    app.add_option("--shared", shared, "the shared fixtures folder ($AWQBENCH_SHARED or ../shared beside the source)")->capture_default_str();
    app.add_option("--repeat", repeat, "repetitions, the best counts (at least 1)")->capture_default_str();
    app.add_option("--model", models, "a model of SHARED/models or a folder, repeatable (default: tinystories-qwen3-7m, tinystories-656k)");
    app.add_option("--file", files, "a text file, repeatable (default: SHARED/data/wiki.test.raw, SHARED/data/eval-stories.txt)");
    CLI11_PARSE(app, argc, argv);
    repeat = std::max(1, repeat);
    if (models.empty()) models = {"tinystories-qwen3-7m", "tinystories-656k"};
    if (files.empty()) files = {shared / "data" / "wiki.test.raw", shared / "data" / "eval-stories.txt"};

    try {
        std::printf("%s\n", awq::tokenizerUnicodeSupport().c_str());
        std::printf("%-22s %-18s %10s %9s %9s %8s %9s %10s\n", "model", "file", "bytes", "tokens", "encode s", "MB/s",
                    "decode s", "roundtrip");
        for (const auto& model : models) {
            const fs::path dir = fs::path(model).has_parent_path() ? fs::path(model) : shared / "models" / model;
            for (const auto& file : files) {
                const std::string text = readFile(file);
                double bestEncode = 1e30, bestDecode = 1e30;
                std::size_t tokens = 0;
                bool roundTrip = false;
                for (int r = 0; r < repeat; ++r) {
                    const auto tok = awq::Tokenizer::load(dir);  // fresh: cold word cache
                    const auto t0 = Clock::now();
                    const std::vector<int> ids = tok.encode(text, false);
                    const auto t1 = Clock::now();
                    const std::string back = tok.decode(ids);
                    const auto t2 = Clock::now();
                    bestEncode = std::min(bestEncode, seconds(t0, t1));
                    bestDecode = std::min(bestDecode, seconds(t1, t2));
                    tokens = ids.size();
                    roundTrip = back == text;
                }
                std::printf("%-22s %-18s %10zu %9zu %9.3f %8.2f %9.3f %10s\n", dir.filename().string().c_str(),
                            file.filename().string().c_str(), text.size(), tokens, bestEncode,
                            static_cast<double>(text.size()) / 1e6 / bestEncode, bestDecode, roundTrip ? "exact" : "lossy");
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
