#include "core/pool/warm_pool.h"
#include "core/util/sha256.h"
#include "tests/support/error_capture.h"
#include "tests/support/hub_cache.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <stop_token>
#include <sys/wait.h>
#include <unistd.h>

using namespace awq;
namespace fs = std::filesystem;

namespace {

// Everything in a folder (hidden entries included), so "unchanged" means unchanged.
std::set<std::string> listing(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(e.path().lexically_relative(dir).string());
    return out;
}

std::uint64_t regularBytes(const fs::path& dir) {
    std::uint64_t total = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

void copyModel(const char* fixture, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(test::modelDir(fixture), to, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(to)) fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

}  // namespace

class TestPool : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void addCopiesVerifiesAndLists() {
        QTemporaryDir tmp;
        const fs::path pool = fs::path(tmp.path().toStdString()) / "pool";
        fs::create_directory(pool);
        const fs::path source = test::modelDir("tinystories-qwen3-7m");

        std::vector<pool::CopyProgress> events;
        const auto r = pool::addToPool(pool, source, {}, {}, [&](const pool::CopyProgress& p) { events.push_back(p); });
        QVERIFY(!r.cancelled);
        QCOMPARE(r.entry.name, std::string("tinystories-qwen3-7m"));
        QCOMPARE(r.entry.quantization, std::string("none"));
        QVERIFY(r.entry.hasManifest);
        QVERIFY(!r.entry.deployed());

        // Every source file arrived byte-identical, plus the manifest.
        for (const auto& e : fs::directory_iterator(source)) {
            const fs::path copy = pool / "tinystories-qwen3-7m" / e.path().filename();
            QVERIFY2(fs::exists(copy), copy.c_str());
            QCOMPARE(Sha256::fileHex(copy), Sha256::fileHex(e.path()));
        }
        QCOMPARE(r.entry.bytes, regularBytes(source) + fs::file_size(pool / "tinystories-qwen3-7m" / pool::kManifestName));

        // Progress: the copy reached its total, then the verification pass did.
        QVERIFY(!events.empty());
        bool copyDone = false, verifyDone = false;
        for (const auto& p : events) {
            if (p.stage == pool::CopyProgress::Stage::Copy && p.bytesDone == p.bytesTotal && p.filesDone == p.filesTotal) copyDone = true;
            if (p.stage == pool::CopyProgress::Stage::Verify && p.bytesDone == p.bytesTotal && p.filesDone == p.filesTotal) verifyDone = true;
        }
        QVERIFY(copyDone);
        QVERIFY(verifyDone);
        QCOMPARE(events.back().bytesTotal, regularBytes(source));

        // No temp folders left behind.
        for (const auto& e : fs::directory_iterator(pool)) QVERIFY2(e.path().filename().string()[0] != '.', e.path().c_str());

        const auto entries = pool::listPool(pool);
        QCOMPARE(entries.size(), std::size_t(1));
        const auto usage = pool::poolUsage(pool, 100ull << 20);
        QCOMPARE(usage.usedBytes, r.entry.bytes);
        QCOMPARE(usage.budgetBytes, 100ull << 20);
        QVERIFY(usage.availableBytes > 0);

        const auto ok = pool::verifyPoolModel(pool, "tinystories-qwen3-7m");
        QVERIFY(ok.ok && !ok.cancelled);
        QCOMPARE(ok.filesChecked, std::size_t(std::distance(fs::directory_iterator(source), fs::directory_iterator())));

        // A stop on the first hashed bytes: cancelled, not ok, fewer files checked than the manifest lists.
        std::stop_source stop;
        const auto stopped = pool::verifyPoolModel(pool, "tinystories-qwen3-7m", stop.get_token(), [&](const pool::CopyProgress&) {
            stop.request_stop();
        });
        QVERIFY(stopped.cancelled && !stopped.ok);
        QVERIFY2(stopped.filesChecked < ok.filesChecked, qPrintable(QString::number(stopped.filesChecked)));
    }

    void verifyFindsTamperingAndStrayFiles() {
        QTemporaryDir tmp;
        const fs::path pool = tmp.path().toStdString();
        pool::addToPool(pool, test::modelDir("tinystories-qwen3-7m-awq"));
        const fs::path model = pool / "tinystories-qwen3-7m-awq";
        {
            std::fstream f(model / "model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(5000);
            char c = 0;
            f.read(&c, 1);
            f.seekp(5000);
            c = char(c ^ 0x01);
            f.write(&c, 1);
        }
        std::ofstream(model / "extra.bin") << "x";
        fs::remove(model / "golden.json");
        const auto r = pool::verifyPoolModel(pool, "tinystories-qwen3-7m-awq");
        QVERIFY(!r.ok);
        auto has = [&](const std::string& s) {
            return std::any_of(r.problems.begin(), r.problems.end(), [&](const std::string& p) { return p.rfind(s, 0) == 0; });
        };
        QVERIFY(has("changed: model.safetensors"));
        QVERIFY(has("unexpected file: extra.bin"));
        QVERIFY(has("missing: golden.json"));

        // A model that was not added by the pool has no manifest: verify says so.
        copyModel("tinystories-656k", pool / "by-hand");
        QVERIFY(test::errorMessageOf([&] { pool::verifyPoolModel(pool, "by-hand"); }).contains("no manifest"));
    }

    // `pool list` says what it checked (sizes and times against the manifest), never "ok"; the check
    // promotion makes re-hashes only the files written since (a trial: `pool verify` said FAILED,
    // `pool list` said ok and promotion served the changed copy).
    void cheapChecksTellChangedCopies() {
        QTemporaryDir tmp;
        const fs::path pool = tmp.path().toStdString();
        pool::addToPool(pool, test::modelDir("tinystories-qwen3-7m"));
        const fs::path model = pool / "tinystories-qwen3-7m";
        const auto entry = [&] { return pool::listPool(pool).at(0); };
        QCOMPARE(entry().integrity, pool::PoolEntry::Integrity::SizesMatch);
        QCOMPARE(pool::statusText(entry()), "sizes match; " + pool::verifyText(entry()));
        QVERIFY(pool::checkPoolCopyBeforeServing(model).hasManifest);

        // One byte flipped in place: same size, written later. Listed as unverified; promotion's
        // check re-hashes that file and names it.
        const fs::path shard = model / "model-00001-of-00002.safetensors";
        const auto stamp = fs::last_write_time(model / pool::kManifestName);
        {
            std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(5000);
            f.put('\x7f');
        }
        fs::last_write_time(shard, stamp + std::chrono::seconds(5));  // a write after the manifest, whatever the clock's resolution
        QCOMPARE(entry().integrity, pool::PoolEntry::Integrity::Modified);
        QCOMPARE(pool::statusText(entry()),
                 "unverified: written since it was added or verified: model-00001-of-00002.safetensors; run pool verify; " + pool::verifyText(entry()));
        const QString refused = test::errorMessageOf([&] { pool::checkPoolCopyBeforeServing(model); });
        QVERIFY2(refused.contains("the pool copy is not what was added: changed: model-00001-of-00002.safetensors (SHA-256 differs from the manifest)") &&
                     refused.contains("pool remove tinystories-qwen3-7m --yes") &&
                     refused.contains("pool add " + QString::fromStdString(fs::canonical(test::modelDir("tinystories-qwen3-7m")).string()) +
                                      " --name tinystories-qwen3-7m"),
                 qPrintable(refused));

        // Truncated: the size tells without a hash.
        fs::resize_file(shard, fs::file_size(shard) - 10);
        QCOMPARE(entry().integrity, pool::PoolEntry::Integrity::Changed);
        QVERIFY2(pool::statusText(entry()).rfind("CHANGED: changed: model-00001-of-00002.safetensors (", 0) == 0, pool::statusText(entry()).c_str());
        QVERIFY(test::errorMessageOf([&] { pool::checkPoolCopyBeforeServing(model); }).contains("bytes, the manifest says"));
    }

    // Written since but byte-identical (a `touch`): promotion's re-hash passes it, and a full
    // `pool verify` marks the copy verified, so `pool list` no longer calls it unverified.
    void verifyMarksTheCopyVerified() {
        QTemporaryDir tmp;
        const fs::path pool = tmp.path().toStdString();
        pool::addToPool(pool, test::modelDir("tinystories-656k"));
        const fs::path model = pool / "tinystories-656k";
        const fs::path config = model / "config.json";
        const auto now = fs::file_time_type::clock::now();
        fs::last_write_time(model / pool::kManifestName, now - std::chrono::minutes(2));  // added two minutes ago
        fs::last_write_time(config, now - std::chrono::minutes(1));                      // touched since
        QCOMPARE(pool::listPool(pool).at(0).integrity, pool::PoolEntry::Integrity::Modified);
        QVERIFY(pool::checkPoolCopyBeforeServing(model).modified.empty());
        QVERIFY(pool::verifyPoolModel(pool, "tinystories-656k").ok);
        QCOMPARE(pool::listPool(pool).at(0).integrity, pool::PoolEntry::Integrity::SizesMatch);
        // A folder put into the pool by hand has nothing to check against: said so.
        copyModel("tinystories-656k", pool / "by-hand");
        QCOMPARE(pool::statusText(pool::listPool(pool).at(0)), std::string("unverified: no manifest"));
        QCOMPARE(pool::verifyText(pool::listPool(pool).at(0)), std::string());
        QVERIFY(!pool::checkPoolCopyBeforeServing(pool / "by-hand").hasManifest);
    }

    // `pool list` showed only the cheap check: a copy that `pool verify` had FAILED read "sizes match"
    // once its files' times were reset. The last full verify is recorded in the manifest and shown
    // beside the cheap check; a failed one keeps the manifest's time (files written since stay
    // reported), a cancelled one records nothing.
    void lastVerifyIsRecordedAndShown() {
        QTemporaryDir tmp;
        const fs::path pool = tmp.path().toStdString();
        pool::addToPool(pool, test::modelDir("tinystories-qwen3-7m"));
        const fs::path model = pool / "tinystories-qwen3-7m";
        const auto entry = [&] { return pool::listPool(pool).at(0); };
        QVERIFY(!entry().lastVerify);
        QVERIFY2(entry().added.size() == 20 && entry().added.back() == 'Z', entry().added.c_str());
        const std::string added = entry().added;
        QCOMPARE(pool::verifyText(entry()), "not verified since added " + added.substr(0, 10) + " " + added.substr(11, 5) + " UTC");

        // Cancelled part-way: not a full verify, nothing recorded.
        std::stop_source stop;
        QVERIFY(pool::verifyPoolModel(pool, "tinystories-qwen3-7m", stop.get_token(), [&](const pool::CopyProgress&) { stop.request_stop(); })
                    .cancelled);
        QVERIFY(!entry().lastVerify);

        const auto ok = pool::verifyPoolModel(pool, "tinystories-qwen3-7m");
        QVERIFY(ok.ok);
        const auto passed = entry();
        QVERIFY(passed.lastVerify && passed.lastVerify->ok);
        QCOMPARE(passed.lastVerify->filesChecked, ok.filesChecked);
        QVERIFY(passed.lastVerify->problems.empty());
        const std::string when = passed.lastVerify->time;
        QCOMPARE(pool::statusText(passed), "sizes match; verified " + when.substr(0, 10) + " " + when.substr(11, 5) + " UTC");
        QVERIFY(pool::checkPoolCopyBeforeServing(model).modified.empty());  // the rewritten manifest still checks

        // Tampered in place, same size, written later: the verify fails, and says so in the list.
        const fs::path shard = model / "model-00002-of-00002.safetensors";
        const auto stamp = fs::last_write_time(model / pool::kManifestName);
        {
            std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(4000);
            f.put('\x55');
        }
        fs::last_write_time(shard, stamp + std::chrono::seconds(5));
        const auto bad = pool::verifyPoolModel(pool, "tinystories-qwen3-7m");
        QVERIFY(!bad.ok);
        const auto failed = entry();
        QVERIFY(failed.lastVerify && !failed.lastVerify->ok);
        QCOMPARE(failed.lastVerify->problems, bad.problems);
        QCOMPARE(failed.lastVerify->problemCount, std::size_t(1));
        QCOMPARE(fs::last_write_time(model / pool::kManifestName), stamp);  // the failed verify marks nothing verified
        QCOMPARE(failed.integrity, pool::PoolEntry::Integrity::Modified);
        const std::string at = failed.lastVerify->time;
        QCOMPARE(pool::verifyText(failed), "verify FAILED " + at.substr(0, 10) + " " + at.substr(11, 5) +
                                               " UTC: changed: model-00002-of-00002.safetensors (SHA-256 differs from the manifest)");
        QVERIFY(test::errorMessageOf([&] { pool::checkPoolCopyBeforeServing(model); }).contains("changed: model-00002-of-00002.safetensors"));
    }

    void copyInterruptedHalfWayLeavesPoolUnchanged() {
        QTemporaryDir tmp;
        const fs::path pool = fs::path(tmp.path().toStdString()) / "pool";
        fs::create_directory(pool);
        pool::addToPool(pool, test::modelDir("tinystories-656k"));
        const auto before = listing(pool);

        std::stop_source stop;
        std::uint64_t stoppedAt = 0, total = 0;
        const auto r = pool::addToPool(pool, test::modelDir("tinystories-qwen3-7m"), {}, stop.get_token(), [&](const pool::CopyProgress& p) {
            total = p.bytesTotal;
            if (p.stage == pool::CopyProgress::Stage::Copy && p.bytesDone >= p.bytesTotal / 2 && !stop.stop_requested()) {
                stoppedAt = p.bytesDone;
                stop.request_stop();
            }
        });
        QVERIFY(r.cancelled);
        QVERIFY(stoppedAt > 0 && stoppedAt < total);  // really half-way, not at the end
        QCOMPARE(listing(pool), before);
        QCOMPARE(pool::listPool(pool).size(), std::size_t(1));
    }

    // Issue 17, item 10: a SIGKILLed `pool add` leaves its hidden .NAME.partial-PID folder. It is
    // never listed as a model, but counted in the usage until the next pool operation sweeps it;
    // a live writer's folder (this process's PID) is left alone.
    void killedCopyIsCountedThenSwept() {
        QTemporaryDir tmp;
        const fs::path pool = fs::path(tmp.path().toStdString()) / "pool";
        fs::create_directory(pool);
        pool::addToPool(pool, test::modelDir("tinystories-656k"));
        const auto before = listing(pool);
        const std::uint64_t modelBytes = pool::poolUsage(pool, 0).usedBytes;

        const pid_t child = ::fork();
        if (child == 0) {  // the killed run: SIGKILL half-way through the copy
            pool::addToPool(pool, test::modelDir("tinystories-qwen3-7m"), {}, {}, [](const pool::CopyProgress& p) {
                if (p.bytesDone >= p.bytesTotal / 2) ::raise(SIGKILL);
            });
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        const fs::path live = pool / (".other.partial-" + std::to_string(::getpid()));
        fs::create_directory(live);
        std::ofstream(live / "config.json") << "{}";
        const fs::path removing = pool / ".gone.removing-999999999";  // above any pid_max: dead
        fs::create_directory(removing);
        std::ofstream(removing / "model.safetensors") << std::string(1000, 'x');

        const auto leftovers = pool::listLeftovers(pool);
        QCOMPARE(leftovers.size(), std::size_t(3));
        std::uint64_t leftoverBytes = 0;
        for (const auto& l : leftovers) {
            leftoverBytes += l.bytes;
            QCOMPARE(l.dead, l.folder != live);
        }
        QVERIFY(leftoverBytes > 5'000'000);  // half of the 14.7 MB model at least
        QCOMPARE(pool::listPool(pool).size(), std::size_t(1));
        const auto usage = pool::poolUsage(pool, 0);
        QCOMPARE(usage.leftoverFolders, std::size_t(3));
        QCOMPARE(usage.leftoverBytes, leftoverBytes);
        QCOMPARE(usage.usedBytes, modelBytes + leftoverBytes);

        QVERIFY(pool::verifyPoolModel(pool, "tinystories-656k").ok);  // the next operation sweeps
        auto expected = before;
        expected.insert(live.filename().string());
        expected.insert((live.filename() / "config.json").string());
        QCOMPARE(listing(pool), expected);
        QCOMPARE(pool::poolUsage(pool, 0).leftoverFolders, std::size_t(1));
    }

    // A model the library lists as broken (here a truncated shard) is not copied in: the copy would
    // verify byte for byte and fail where vLLM loads it.
    void refusesABrokenModel() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const fs::path pool = root / "pool";
        fs::create_directory(pool);
        const fs::path model = root / "truncated";
        copyModel("tinystories-656k", model);
        fs::resize_file(model / "model.safetensors", 1000);
        const QString msg = test::errorMessageOf([&] { pool::addToPool(pool, model); });
        QVERIFY2(msg.contains("cannot add a broken model to the warm pool") && msg.contains("model.safetensors") &&
                     msg.contains("runs past the end of the file"),
                 qPrintable(msg));
        QVERIFY(listing(pool).empty());
    }

    void refusesLinksOutOfTheModelFolder() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const fs::path pool = root / "pool";
        fs::create_directory(pool);
        const fs::path model = root / "linked";
        copyModel("tinystories-656k", model);
        fs::create_symlink(test::modelDir("tinystories-qwen3-7m") / "tokenizer.json", model / "extra_tokenizer.json");
        const QString msg = test::errorMessageOf([&] { pool::addToPool(pool, model); });
        QVERIFY2(msg.contains("outside the model folder"), qPrintable(msg));
        QVERIFY(listing(pool).empty());

        // A link inside the folder is followed and stored as a plain copy.
        fs::remove(model / "extra_tokenizer.json");
        fs::create_symlink("tokenizer.json", model / "alias.json");
        const auto r = pool::addToPool(pool, model);
        QVERIFY(!r.cancelled);
        QVERIFY(fs::is_regular_file(fs::symlink_status(pool / "linked" / "alias.json")));
        QCOMPARE(Sha256::fileHex(pool / "linked" / "alias.json"), Sha256::fileHex(model / "tokenizer.json"));
    }

    // A Hugging Face hub cache snapshot (files are links into ../../blobs) is copied as plain files
    // under ORG--NAME, never under its commit hash, and the manifest keeps the repository id.
    void hubCacheSnapshotIsAddedUnderItsRepositoryName() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const fs::path pool = root / "pool";
        fs::create_directory(pool);
        const fs::path snapshot = test::makeHubCacheSnapshot("tinystories-656k", root / "hub", "TinyOrg", "TinyStories-656K");
        QCOMPARE(pool::defaultPoolName(snapshot), std::string("TinyOrg--TinyStories-656K"));
        const auto r = pool::addToPool(pool, snapshot);
        QCOMPARE(r.entry.name, std::string("TinyOrg--TinyStories-656K"));
        QCOMPARE(r.entry.repoId, std::string("TinyOrg/TinyStories-656K"));
        QVERIFY(fs::is_regular_file(fs::symlink_status(pool / "TinyOrg--TinyStories-656K" / "config.json")));
        QVERIFY(pool::recordedRepoId(pool / "TinyOrg--TinyStories-656K") == std::optional<std::string>("TinyOrg/TinyStories-656K"));
        QVERIFY(pool::verifyPoolModel(pool, "TinyOrg--TinyStories-656K").ok);
        // A given name wins; the repository id is still recorded.
        pool::AddOptions named;
        named.name = "tiny";
        QCOMPARE(pool::addToPool(pool, snapshot, named).entry.repoId, std::string("TinyOrg/TinyStories-656K"));
        // An ordinary folder has none.
        QVERIFY(!pool::recordedRepoId(test::modelDir("tinystories-656k")));
    }

    // A linked model folder is named after the link, as the user gave it and `models list` shows it
    // (a trial's `pool add lib/linked` printed "added qwen2-random"); `.` names the folder it stands for.
    void linkedFolderIsAddedUnderTheLinksName() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const fs::path pool = root / "pool", lib = root / "lib";
        fs::create_directories(pool);
        fs::create_directories(lib);
        fs::create_directory_symlink(test::modelDir("qwen2-random"), lib / "linked");
        QCOMPARE(pool::defaultPoolName(lib / "linked"), std::string("linked"));
        QCOMPARE(pool::defaultPoolName(lib / "linked" / ""), std::string("linked"));
        QCOMPARE(pool::defaultPoolName(lib / "linked" / "."), std::string("linked"));
        const auto r = pool::addToPool(pool, lib / "linked");
        QCOMPARE(r.entry.name, std::string("linked"));
        QVERIFY(fs::is_directory(fs::symlink_status(pool / "linked")));  // a copy, not the link
    }

    // `promote --model NAME`: a bare name is the pool's model, never a folder of the current
    // directory (a trial's `--model ts-awq` beside a folder ts-awq was refused as outside the pool;
    // `--model nosuch` said "not a folder"); anything with a / is a path.
    void modelArgumentNamesThePoolModelFirst() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const fs::path pool = root / "pool";
        fs::create_directories(pool / "ts-awq");
        QVERIFY(pool::namesPoolModel("ts-awq") && !pool::namesPoolModel("./ts-awq") && !pool::namesPoolModel(".") &&
                !pool::namesPoolModel("..") && !pool::namesPoolModel("/p/ts-awq"));
        QCOMPARE(pool::poolModelArgument(pool, "ts-awq"), pool / "ts-awq");
        QCOMPARE(pool::poolModelArgument(pool, "./ts-awq"), fs::path("./ts-awq"));
        QCOMPARE(pool::poolModelArgument({}, "ts-awq"), fs::path("ts-awq"));  // no pool: the caller says one is needed
        const QString missing = test::errorMessageOf([&] { pool::poolModelArgument(pool, "nosuch"); });
        QVERIFY2(missing.contains("no model named 'nosuch' in the warm pool") && missing.contains("pool list") && missing.contains("./nosuch"),
                 qPrintable(missing));
    }

    void checksSpaceBudgetAndNames() {
        QTemporaryDir tmp;
        const fs::path pool = tmp.path().toStdString();
        const fs::path source = test::modelDir("tinystories-656k");

        pool::AddOptions tooLittleDisk;
        tooLittleDisk.reserveBytes = 1ull << 62;  // more than any disk has free
        // The copy, the reserve and their sum, then what is free (it said "needs 5.4 MiB and 64 MiB
        // are free", true of the copy alone).
        const QString noSpace = test::errorMessageOf([&] { pool::addToPool(pool, source, tooLittleDisk); });
        QVERIFY2(QRegularExpression("not enough disk space: the copy needs [0-9.]+ MiB and 4.0 EiB must stay free after it \\(4.0 EiB in all\\), but "
                                    "[0-9.]+ [KMGT]iB are free")
                     .match(noSpace)
                     .hasMatch(),
                 qPrintable(noSpace));

        pool::AddOptions budget;
        budget.budgetBytes = 1 << 20;  // the model is 2.7 MB
        QVERIFY(test::errorMessageOf([&] { pool::addToPool(pool, source, budget); }).contains("budget"));
        QVERIFY(listing(pool).empty());

        pool::addToPool(pool, source);
        QVERIFY(test::errorMessageOf([&] { pool::addToPool(pool, source); }).contains("already holds"));
        pool::AddOptions renamed;
        renamed.name = "second";
        QCOMPARE(pool::addToPool(pool, source, renamed).entry.name, std::string("second"));
        // A bad new name is called that (it read "'../escape' is not a model name in the pool (use a
        // folder name as `pool list` prints it)", a lookup's message).
        for (const std::string bad : {"../escape", "a/b", "..", ".hidden", ""}) {
            renamed.name = bad;
            const QString why = test::errorMessageOf([&] { pool::checkNewPoolName(bad); });
            QVERIFY2(why.startsWith(QString::fromStdString("invalid name '" + bad + "': ")), qPrintable(why));
        }
        renamed.name = "../escape";
        QCOMPARE(test::errorMessageOf([&] { pool::addToPool(pool, source, renamed); }),
                 QStringLiteral("invalid name '../escape': must not contain path separators or '..' (give a plain folder name, e.g. --name Qwen3-8B-AWQ)"));
        renamed.name = "model..v2";  // dots inside a name are a name
        QCOMPARE(pool::addToPool(pool, source, renamed).entry.name, std::string("model..v2"));
        QVERIFY(test::errorMessageOf([&] { pool::addToPool(pool, pool / "second"); }).contains("already in the warm pool"));
        QVERIFY(test::errorMessageOf([&] { pool::addToPool(pool / "missing", source); }).contains("does not exist"));
    }

    void removeRefusesTheDeployedModel() {
        QTemporaryDir tmp;
        const fs::path pool = tmp.path().toStdString();
        pool::addToPool(pool, test::modelDir("tinystories-656k"));
        pool::addToPool(pool, test::modelDir("tinystories-qwen3-7m-awq"));
        const std::vector<pool::DeployedRef> deployed{{pool / "tinystories-qwen3-7m-awq", "prime"}};

        const auto entries = pool::listPool(pool, deployed);
        QCOMPARE(entries.size(), std::size_t(2));
        QCOMPARE(entries[1].name, std::string("tinystories-qwen3-7m-awq"));
        QCOMPARE(entries[1].deployedBy, std::vector<std::string>{"prime"});
        QCOMPARE(entries[1].quantization, std::string("awq w4 g128"));
        QVERIFY(!entries[0].deployed());

        const QString msg = test::errorMessageOf([&] { pool::removeFromPool(pool, "tinystories-qwen3-7m-awq", deployed); });
        QVERIFY2(msg.contains("deployed (target prime)"), qPrintable(msg));
        QVERIFY(fs::exists(pool / "tinystories-qwen3-7m-awq" / "model.safetensors"));

        pool::removeFromPool(pool, "tinystories-656k", deployed);
        QVERIFY(!fs::exists(pool / "tinystories-656k"));
        QCOMPARE(listing(pool).count("tinystories-656k"), std::size_t(0));
        QVERIFY(test::errorMessageOf([&] { pool::removeFromPool(pool, "tinystories-656k"); }).contains("no model named"));
        QVERIFY(test::errorMessageOf([&] { pool::removeFromPool(pool, "..", deployed); }).contains("not a model name"));
    }

    void insidePoolResolvesLinks() {
        QTemporaryDir tmp;
        const fs::path pool = tmp.path().toStdString();
        fs::create_directory(pool / "real");
        fs::create_directory_symlink(test::modelDir("tinystories-656k"), pool / "sneaky");
        QVERIFY(pool::isInsidePool(pool, pool / "real"));
        QVERIFY(!pool::isInsidePool(pool, pool / "sneaky"));
        QVERIFY(!pool::isInsidePool(pool, pool));
        QVERIFY(!pool::isInsidePool(pool, pool / ".." / "x"));
        const auto entries = pool::listPool(pool);
        QCOMPARE(entries.size(), std::size_t(2));
        QVERIFY(entries[1].error.find("a link") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestPool)
#include "test_pool.moc"
