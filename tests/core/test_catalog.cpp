#include "core/library/catalog.h"
#include "core/library/catalog_json.h"
#include "core/pool/warm_pool.h"
#include "core/run/run_document.h"
#include "core/util/folder_lock.h"
#include "core/util/json_write.h"
#include "tests/support/error_capture.h"
#include "tests/support/hub_cache.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace awq;
namespace fs = std::filesystem;

namespace {

void copyModel(const char* fixture, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(test::modelDir(fixture), to, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(to))
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

// The smallest valid GGUF v3: one string key, no tensors.
void writeTinyGguf(const fs::path& file, const std::string& arch) {
    std::ofstream out(file, std::ios::binary);
    auto u32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    auto u64 = [&](std::uint64_t v) { out.write(reinterpret_cast<const char*>(&v), 8); };
    auto str = [&](const std::string& s) { u64(s.size()); out << s; };
    out << "GGUF";
    u32(3);
    u64(0);  // tensors
    u64(1);  // key/values
    str("general.architecture");
    u32(8);  // string
    str(arch);
}

const CatalogEntry* byName(const std::vector<CatalogEntry>& entries, const std::string& name) {
    for (const auto& e : entries)
        if (e.name == name) return &e;
    return nullptr;
}

}  // namespace

class CatalogTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path root() const { return fs::path(tmp_.path().toStdString()); }

private Q_SLOTS:
    void initTestCase() {
        const fs::path lib = root() / "lib";
        copyModel("tinystories-656k", lib / "good-llama");
        copyModel("qwen2-random", lib / "org" / "nested" / "qwen2-deep");
        copyModel("tinystories-656k", lib / "truncated");
        fs::resize_file(lib / "truncated" / "model.safetensors", 1000);
        copyModel("tinystories-656k", lib / "no-config");
        fs::remove(lib / "no-config" / "config.json");
        copyModel("tinystories-656k", lib / ".hidden" / "skipped");
        fs::create_directories(lib / "notes");
        std::ofstream(lib / "notes" / "README.md") << "not a model";
        writeTinyGguf(lib / "tiny.gguf", "llama");
        std::ofstream(lib / "bad.gguf") << "GGML this is not gguf";
        copyModel("qwen2-random-awq", root() / "pool" / "qwen2-awq");
        // An interrupted quantize job's work folder: layer shards and the journal, no config.json yet.
        copyModel("tinystories-656k", lib / "job-out.partial");
        fs::remove(lib / "job-out.partial" / "config.json");
        std::ofstream(lib / "job-out.partial" / "awqbench_job.json") << "{}";
    }

    void scansTreeWithBrokenModels() {
        LibraryRoots roots{{root() / "lib", root() / "does-not-exist"}, root() / "pool"};
        std::vector<ScanProgress> progress;
        const auto entries = scanLibrary(roots, {}, [&](const ScanProgress& p) { progress.push_back(p); }).value;
        QCOMPARE(entries.size(), std::size_t(7));  // 4 folders + 2 gguf in lib, 1 in the pool

        const auto* good = byName(entries, "good-llama");
        QVERIFY(good && good->ok() && good->info);
        QCOMPARE(good->info->parameterCount, std::uint64_t(656000));
        QCOMPARE(good->origin, ModelOrigin::Library);

        const auto* deep = byName(entries, "qwen2-deep");
        QVERIFY(deep && deep->ok());

        const auto* truncated = byName(entries, "truncated");
        QVERIFY(truncated && !truncated->ok());
        QVERIFY2(truncated->error.find("model.safetensors") != std::string::npos, truncated->error.c_str());

        const auto* noConfig = byName(entries, "no-config");
        QVERIFY(noConfig && !noConfig->ok());
        QVERIFY2(noConfig->error.find("missing config.json") != std::string::npos, noConfig->error.c_str());

        const auto* gguf = byName(entries, "tiny");
        QVERIFY(gguf && gguf->ok() && gguf->gguf);
        QCOMPARE(gguf->gguf->architecture, std::string("llama"));
        // Listed for its metadata, not runnable: JSON says so, and describeModel (every command that
        // runs a model) refuses it with the same reason.
        QVERIFY(catalogEntryToJson(*gguf, false, -1).find("\"unsupported\":\"a GGUF file: the built-in engine") != std::string::npos);
        QVERIFY(test::errorMessageOf([&] { describeModel(gguf->path); }).contains("a GGUF file: the built-in engine, quantizer and server"));
        QVERIFY(isGgufPath("M.GGUF") && isGgufPath("m.Gguf") && !isGgufPath("gguf") && !isGgufPath("m.gguf.json"));
        const auto* badGguf = byName(entries, "bad.gguf");
        QVERIFY(badGguf && !badGguf->ok());

        const auto* pooled = byName(entries, "qwen2-awq");
        QVERIFY(pooled && pooled->ok());
        QCOMPARE(pooled->origin, ModelOrigin::WarmPool);
        QCOMPARE(pooled->info->config.quantization.method, QuantMethod::Awq);

        QVERIFY(!byName(entries, "skipped"));
        // Not "broken: missing config.json (copy the model's config.json ...)": a job to resume, skipped.
        QVERIFY(!byName(entries, "job-out.partial"));
        QVERIFY(!byName(entries, "notes"));
        QVERIFY(!progress.empty());
        QCOMPARE(progress.back().described, std::size_t(7));
    }

    // Trial 34: a job's work folder that a running job holds is not called interrupted (the advice
    // to resume it or delete the folder would have deleted a live job's work).
    void runningQuantizeJobIsNotCalledInterrupted() {
        const fs::path work = root() / "lib" / "job-out.partial";
        const auto scanLog = [&] {
            std::ostringstream text;
            auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
            auto logger = std::make_shared<spdlog::logger>("catalog-test", sink);
            const auto previous = spdlog::default_logger();
            spdlog::set_default_logger(logger);
            scanLibrary(LibraryRoots{{root() / "lib"}, {}}, {}, {});
            spdlog::set_default_logger(previous);
            return text.str();
        };
        const std::string interrupted = scanLog();
        QVERIFY2(interrupted.find("skipped " + work.string() + ": an interrupted quantize job; resume it") != std::string::npos, interrupted.c_str());
        {
            const auto job = FolderLock::tryLock(work);  // what a running job holds
            QVERIFY(job && FolderLock::heldByAnother(work));
            const std::string running = scanLog();
            QVERIFY2(running.find("skipped " + work.string() + ": a quantize job is writing " + (root() / "lib" / "job-out").string() + " now") !=
                         std::string::npos,
                     running.c_str());
            QVERIFY2(running.find("delete the folder") == std::string::npos, running.c_str());
        }
        QVERIFY(!FolderLock::heldByAnother(work));
    }

    // Issue 17, item 7: a tokenizer.json that `tokenize` refuses (here cut short, as an interrupted
    // download leaves it) is not shown as present and fine: the entry carries the tokenizer's own
    // error, naming the file, as a warning (the weights are still usable).
    void brokenTokenizerIsReported() {
        const fs::path model = root() / "broken-tokenizer";
        copyModel("tinystories-qwen3-7m", model);
        fs::resize_file(model / "tokenizer.json", fs::file_size(model / "tokenizer.json") / 2);
        const auto e = describeCandidate(model, ModelOrigin::Library);
        QVERIFY(e.ok() && e.info);
        QVERIFY2(e.info->tokenizerError.find((model / "tokenizer.json").string()) != std::string::npos, e.info->tokenizerError.c_str());
        QVERIFY(!e.info->warnings.empty() && e.info->warnings.back().find("tokenizer cannot be loaded") != std::string::npos);
        const auto j = nlohmann::json::parse(catalogEntryToJson(e, false));
        QCOMPARE(j["tokenizer_error"].get<std::string>(), e.info->tokenizerError);

        const auto fine = describeCandidate(test::modelDir("tinystories-qwen3-7m"), ModelOrigin::Library);
        QVERIFY(fine.info && fine.info->hasTokenizer && fine.info->tokenizerError.empty());
        QVERIFY(nlohmann::json::parse(catalogEntryToJson(fine, false))["tokenizer_error"].is_null());
    }

    // A library folder that is a Hugging Face hub cache (~/.cache/huggingface/hub): the snapshot is
    // listed as ORG/NAME, as the hub names it, not as its commit hash; a pool copy of it too.
    void hubCacheSnapshotsAreNamedByRepository() {
        const fs::path hub = root() / "hub";
        test::makeHubCacheSnapshot("tinystories-656k", hub, "TinyOrg", "TinyStories-656K");
        const fs::path pool = root() / "hub-pool";
        fs::create_directories(pool);
        pool::addToPool(pool, hub / "models--TinyOrg--TinyStories-656K" / "snapshots" / "0123456789abcdef0123456789abcdef01234567");
        const auto entries = scanLibrary({{hub}, pool}).value;
        QCOMPARE(entries.size(), std::size_t(2));
        for (const auto& e : entries) {
            QVERIFY2(e.ok(), e.error.c_str());
            QCOMPARE(e.name, std::string("TinyOrg/TinyStories-656K"));
            QCOMPARE(e.info->name, e.name);
        }
        QCOMPARE(entries[0].origin, ModelOrigin::WarmPool);
        QCOMPARE(entries[0].path.filename().string(), std::string("TinyOrg--TinyStories-656K"));
        QCOMPARE(entries[1].origin, ModelOrigin::Library);
        QVERIFY(nlohmann::json::parse(catalogToJson(entries))[1]["name"] == "TinyOrg/TinyStories-656K");
    }

    void modelInBothRootsIsListedOnceAsPooled() {
        LibraryRoots roots{{root() / "pool"}, root() / "pool"};
        const auto entries = scanLibrary(roots).value;
        QCOMPARE(entries.size(), std::size_t(1));
        QCOMPARE(entries[0].origin, ModelOrigin::WarmPool);
    }

    // A library of links to model folders elsewhere (~/models/llama -> /mnt/big/llama) is listed; a
    // link back up the tree is searched once; a dangling link is skipped.
    void linkedModelFoldersAreListed() {
        const fs::path lib = root() / "linked";
        fs::create_directories(lib / "group");
        fs::create_directory_symlink(test::modelDir("tinystories-656k"), lib / "story");
        fs::create_directory_symlink(test::modelDir("qwen2-random"), lib / "group" / "qwen");
        fs::create_directory_symlink(lib, lib / "group" / "back-up");
        fs::create_directory_symlink(root() / "nowhere", lib / "dangling");
        const auto entries = scanLibrary({{lib}, {}}).value;
        QCOMPARE(entries.size(), std::size_t(2));
        const auto* story = byName(entries, "story");
        QVERIFY(story && story->ok());
        QCOMPARE(story->info->parameterCount, std::uint64_t(656000));
        const auto* qwen = byName(entries, "qwen");
        QVERIFY(qwen && qwen->ok());
    }

    void rootMayBeAModelFolder() {
        const auto entries = scanLibrary({{test::modelDir("tinystories-qwen3-7m")}, {}}).value;
        QCOMPARE(entries.size(), std::size_t(1));
        QVERIFY(entries[0].ok());
    }

    void stopRequestEndsTheScanEarly() {
        // Stopped before it starts: nothing.
        std::stop_source before;
        before.request_stop();
        const auto none = scanLibrary({{root() / "lib"}, {}}, before.get_token());
        QVERIFY(none.value.empty() && none.cancelled);
        // Stopped once the first candidate is described, mid-scan: what it has so far, fewer than all.
        const auto whole = scanLibrary({{root() / "lib"}, {}});
        QVERIFY(!whole.cancelled);
        const std::size_t all = whole.value.size();
        QVERIFY(all >= 3);
        std::stop_source during;
        std::size_t describedAtStop = 0;
        const auto stopped = scanLibrary({{root() / "lib"}, {}}, during.get_token(), [&](const ScanProgress& p) {
            if (p.described >= 1 && !during.stop_requested()) {
                describedAtStop = p.described;
                during.request_stop();
            }
        });
        QVERIFY(stopped.cancelled);
        const auto& partial = stopped.value;
        QCOMPARE(describedAtStop, std::size_t(1));
        QVERIFY2(partial.size() < all, qPrintable(QStringLiteral("%1 of %2 entries after the stop").arg(partial.size()).arg(all)));
        for (const auto& e : partial) QVERIFY(!e.path.empty());
    }

    void jsonCarriesTheDocumentedKeys() {
        const auto entries = scanLibrary({{root() / "lib"}, root() / "pool"}).value;
        const auto j = nlohmann::json::parse(catalogToJson(entries));
        QVERIFY(j.is_array());
        bool sawBroken = false;
        for (const auto& e : j) {
            for (const char* key : {"path", "name", "origin", "format", "ok", "error"}) QVERIFY2(e.contains(key), key);
            if (!e["ok"].get<bool>()) {
                sawBroken = true;
                QVERIFY(e["error"].is_string());
            } else if (e["format"] == "huggingface") {
                for (const char* key : {"architecture", "parameters", "dtype", "disk_bytes", "layers", "hidden_size", "heads",
                                        "kv_heads", "head_dim", "context_length", "vocab_size", "quantization", "tokenizer",
                                        "chat_template", "fingerprint", "kv_cache_bytes_per_token"})
                    QVERIFY2(e.contains(key), key);
            }
        }
        QVERIFY(sawBroken);
        const auto one = nlohmann::json::parse(catalogEntryToJson(describeCandidate(test::modelDir("qwen2-random-awq"), ModelOrigin::Library), true));
        QCOMPARE(one["quantization"]["method"].get<std::string>(), std::string("awq"));
        QCOMPARE(one["quantization"]["group_size"].get<int>(), 128);
        QCOMPARE(one["tensors"].size(), std::size_t(55));
        // The stop ids generation uses: generation_config.json's [0, 2] over config.json's 0.
        const auto qwen3 = nlohmann::json::parse(catalogEntryToJson(describeCandidate(test::modelDir("tinystories-qwen3-7m"), ModelOrigin::Library), false));
        QCOMPARE(qwen3["eos_token_ids"], nlohmann::json({0, 2}));
        QCOMPARE(qwen3["eos_token_ids_source"].get<std::string>(), std::string("generation_config.json"));
    }

    // A Linux folder name is bytes. One that is not UTF-8 (a trial's "bad\xffname" copy of a model)
    // made every JSON writer throw: `models list --json` lost the whole listing, `compare --out`
    // its run after the last test, `pool add` its copy after verifying it. Now the listing says
    // why the model cannot be used, nothing is copied, and documents that echo such bytes are written.
    void folderNamesThatAreNotUtf8() {
        const fs::path lib = root() / "bytes";
        const std::string badName = "bad\xff" "name";
        copyModel("qwen2-random", lib / badName);
        copyModel("qwen2-random", lib / "good");
        const auto entries = scanLibrary({{lib}, {}}).value;
        QCOMPARE(entries.size(), std::size_t(2));
        const auto* bad = byName(entries, badName);
        QVERIFY(bad && !bad->ok());
        QVERIFY2(bad->error.find("not valid UTF-8") != std::string::npos && bad->error.find("rename") != std::string::npos, bad->error.c_str());
        const auto* good = byName(entries, "good");
        QVERIFY(good && good->ok());
        // The listing's JSON is written and parses; the bytes come out as U+FFFD.
        const auto listing = nlohmann::json::parse(catalogToJson(entries));
        QCOMPARE(listing.size(), std::size_t(2));
        QVERIFY(listing.dump().find("bad\xef\xbf\xbdname") != std::string::npos);

        // pool add refuses before it copies.
        const fs::path pool = root() / "bytes-pool";
        fs::create_directories(pool);
        const QString why = test::errorMessageOf([&] { pool::addToPool(pool, lib / badName); });
        QVERIFY2(why.contains("not valid UTF-8"), qPrintable(why));
        QVERIFY(fs::is_empty(pool));
        const QString badPoolName = test::errorMessageOf([&] { pool::addToPool(pool, lib / "good", {.name = badName}); });
        QVERIFY2(badPoolName.contains("not valid UTF-8"), qPrintable(badPoolName));

        // A run document naming the folder (an --out path, a model's path) is written all the same.
        RunDocument doc;
        doc.models["A"].name = badName;
        doc.models["A"].path = (lib / badName).string();
        const auto written = nlohmann::json::parse(runDocumentToJson(doc));
        QCOMPARE(written["models"]["A"]["name"].get<std::string>(), std::string("bad\xef\xbf\xbdname"));
        QCOMPARE(jsonText(nlohmann::json("\xc3")), std::string("\"\xef\xbf\xbd\""));  // cut inside a character
    }

    // A folder under a file's name was "missing config.json" beside the config.json `ls` shows
    // (trial 35). Every file the loader reads says what it is instead, naming it and the fix.
    void aFolderUnderAFilesNameIsSaidToBeOne() {
        const fs::path lib = root() / "folder-as-file";
        for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
                                 "chat_template.jinja", "special_tokens_map.json"}) {
            const fs::path model = lib / (std::string("dir-") + file);
            copyModel("qwen2-random", model);
            fs::remove(model / file);
            fs::create_directories(model / file / "inner");
            const CatalogEntry e = describeCandidate(model, ModelOrigin::Library);
            const std::string named = (model / file).string();
            QCOMPARE(e.error, named + ": is a folder, not a file (replace the folder with the file: rm -r \"" + named + "\", then copy " + file +
                                  " from the model's source)");
        }
        // A shard the index names.
        const fs::path sharded = lib / "dir-shard";
        copyModel("qwen2-random", sharded);
        fs::remove(sharded / "model.safetensors");
        std::ofstream(sharded / "model.safetensors.index.json") << R"({"weight_map": {"model.embed_tokens.weight": "model-00001-of-00001.safetensors"}})";
        fs::create_directories(sharded / "model-00001-of-00001.safetensors");
        const std::string shard = (sharded / "model-00001-of-00001.safetensors").string();
        QCOMPARE(describeCandidate(sharded, ModelOrigin::Library).error,
                 shard + ": is a folder, not a file (replace the folder with the file: rm -r \"" + shard +
                     "\", then copy model-00001-of-00001.safetensors from the model's source)");
        // Absent stays absent: the message a missing config.json always had.
        copyModel("qwen2-random", lib / "no-config");
        fs::remove(lib / "no-config" / "config.json");
        QCOMPARE(describeCandidate(lib / "no-config", ModelOrigin::Library).error,
                 (lib / "no-config").string() + ": missing config.json (copy the model's config.json from its source (Hugging Face repo) into the folder)");
    }

    // Models 5 folders below a library folder were silently left out (trial 35), and rows came
    // sorted by path (m-l1/l2/l3 before m-l1). Now 6 deep are found, deeper folders are counted.
    void deepFoldersAreSearchedOrCountedAndRowsSortByName() {
        const fs::path lib = root() / "depth";
        std::string dirs;
        std::vector<std::string> expected;
        for (int depth = 1; depth <= 6; ++depth) {
            dirs += (depth > 1 ? "/l" : "l") + std::to_string(depth);
            std::string name = "m-" + dirs;
            std::replace(name.begin(), name.end(), '/', '_');
            copyModel("tinystories-656k", lib / dirs / name);
            if (depth <= 5) expected.push_back(name);   // the model folder is depth + 1 below lib
        }
        copyModel("tinystories-656k", lib / "Zeta");
        copyModel("tinystories-656k", lib / "alpha");
        ScanProgress last;
        const auto entries = scanLibrary({{lib}, {}}, {}, [&](const ScanProgress& p) { last = p; }).value;
        std::vector<std::string> names;
        for (const auto& e : entries) names.push_back(e.name);
        expected.insert(expected.begin(), "alpha");
        expected.push_back("Zeta");
        QCOMPARE(names, expected);   // alpha, m-l1, m-l1_l2, ..., m-l1_l2_l3_l4_l5, Zeta
        QCOMPARE(last.foldersNotSearched, std::size_t(1));
        QCOMPARE(last.firstNotSearched, lib / "l1/l2/l3/l4/l5/l6");
        QCOMPARE(kLibraryScanDepth, 6);
        // A link back up the tree is searched once: no loop, nothing listed twice.
        fs::create_directory_symlink(lib, lib / "l1" / "loop");
        QCOMPARE(scanLibrary({{lib}, {}}).value.size(), entries.size());
    }

    void findsTheBundledDemoLibrary() {
        const auto demo = findDemoLibrary({});
        QVERIFY(!demo.empty());
        QVERIFY(fs::exists(demo / "tinystories-qwen3-7m" / "config.json"));
        QVERIFY(!fs::exists(demo / "tinystories-qwen3-7m" / "golden.json"));
    }
};

QTEST_APPLESS_MAIN(CatalogTest)
#include "test_catalog.moc"
