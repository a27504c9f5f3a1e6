#include "core/util/atomic_file.h"
#include "core/util/byte_size.h"
#include "core/util/dead_writer.h"
#include "core/util/format.h"
#include "core/util/fs_error.h"
#include "core/util/html_escape.h"
#include "core/util/json_read.h"
#include "core/util/read_file.h"
#include "core/util/sha256.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace awq;
namespace fs = std::filesystem;

class UtilTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sha256MatchesFipsVectors() {
        QCOMPARE(Sha256::hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(Sha256::hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(Sha256::hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        Sha256 million;  // one million 'a', fed in uneven pieces
        const std::string chunk(997, 'a');
        std::size_t left = 1000000;
        while (left > 0) {
            const std::size_t n = std::min(left, chunk.size());
            million.update(std::string_view(chunk.data(), n));
            left -= n;
        }
        QCOMPARE(million.finishHex(), std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void atomicWriteReplacesOnlyOnCommit() {
        QTemporaryDir dir;
        const fs::path target = fs::path(dir.path().toStdString()) / "config.json";
        writeFileAtomically(target, "old");
        {
            AtomicFileWriter w(target);
            w.write(std::string_view("new but abandoned"));
            QVERIFY(fs::exists(w.tempPath()));
        }  // destroyed without commit
        std::ifstream in(target);
        std::string content((std::istreambuf_iterator<char>(in)), {});
        QCOMPARE(content, std::string("old"));
        QCOMPARE(std::distance(fs::directory_iterator(target.parent_path()), fs::directory_iterator()), 1);
        writeFileAtomically(target, "new");
        std::ifstream in2(target);
        QCOMPARE(std::string((std::istreambuf_iterator<char>(in2)), {}), std::string("new"));
    }

    // A report or config written over a link, a pipe or a device used to replace it with a plain
    // file (/dev/full "written", exit 0): links are written through, the rest refused untouched.
    void atomicWriteFollowsLinksAndRefusesWhatIsNotAFile() {
        QTemporaryDir dir;
        const fs::path root(dir.path().toStdString());
        writeFileAtomically(root / "real.md", "old");
        fs::create_symlink("real.md", root / "link.md");
        writeFileAtomically(root / "link.md", "through the link");
        QVERIFY(fs::is_symlink(root / "link.md"));
        std::ifstream in(root / "real.md");
        QCOMPARE(std::string((std::istreambuf_iterator<char>(in)), {}), std::string("through the link"));

        QVERIFY(::mkfifo((root / "pipe.md").c_str(), 0644) == 0);
        const QString pipe = test::errorMessageOf([&] { writeFileAtomically(root / "pipe.md", "x"); });
        QVERIFY2(pipe.endsWith("pipe.md: is not a regular file (a device, pipe or socket) (give the path of a file to write)"), qPrintable(pipe));
        QVERIFY(fs::is_fifo(root / "pipe.md"));
        fs::create_directory(root / "folder.md");
        const QString folder = test::errorMessageOf([&] { writeFileAtomically(root / "folder.md", "x"); });
        QVERIFY2(folder.contains("folder.md: is a folder, not a file"), qPrintable(folder));
        if (fs::exists("/dev/full")) {
            const QString device = test::errorMessageOf([] { writeFileAtomically("/dev/full", "x"); });
            QVERIFY2(device.startsWith("/dev/full: is not a regular file"), qPrintable(device));
            QVERIFY(fs::is_character_file("/dev/full"));
        }
        QCOMPARE(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 4);  // no temp file left
    }

    void atomicWriteIntoMissingFolderNamesTheFile() {
        const QString msg = test::errorMessageOf([] { writeFileAtomically("/nonexistent-dir/x.json", "x"); });
        // The path given, not the writer's temporary name, and what to do.
        QVERIFY2(msg.startsWith("/nonexistent-dir/x.json: cannot create: No such file or directory (a folder on the way does not exist"),
                 qPrintable(msg));
    }

    // /proc exists but takes no new files (ENOENT): that is not "a folder on the way does not exist".
    void virtualFileSystemIsNotAMissingFolder() {
        if (!fs::is_directory("/proc/self")) QSKIP("no /proc here");
        const QString write = test::errorMessageOf([] { writeFileAtomically("/proc/awqbench-report.html", "x"); });
        QVERIFY2(write.startsWith("/proc/awqbench-report.html: ") && write.contains("this file system takes no new files"), qPrintable(write));
        const QString folder = test::errorMessageOf([] { requireWritableFolder("/proc/awqbench-out"); });
        QVERIFY2(folder.contains("this file system takes no new files") && !folder.contains("folder on the way"), qPrintable(folder));
        // Reading a file that is not there stays a missing file, whatever its folder.
        const auto missing = userFilesystemError(std::make_error_code(std::errc::no_such_file_or_directory), "/proc/awqbench-missing", "cannot open");
        QVERIFY(missing && std::string(missing->what()).find("takes no new files") == std::string::npos);
    }

    void fullDiskIsReportedAndNothingReplaced() {
        if (!fs::exists("/dev/full")) QSKIP("no /dev/full here");
        // /dev/full accepts open() and fails every write with ENOSPC, like a full disk.
        QTemporaryDir dir;
        const fs::path link = fs::path(dir.path().toStdString()) / "weights.safetensors";
        const QString msg = test::errorMessageOf([&] {
            AtomicFileWriter w(link);
            // Re-point the temp file at /dev/full to simulate the disk filling mid-write.
            fs::remove(w.tempPath());
            fs::create_symlink("/dev/full", w.tempPath());
            AtomicFileWriter full(link);  // a second writer opens the same temp name: /dev/full
            full.write(std::string(1 << 16, 'x'));
        });
        QVERIFY2(msg.contains("disk is full"), qPrintable(msg));
        QVERIFY(!fs::exists(link));
    }

    void htmlEscapeWritesMarkupsafesEntities() {
        // markupsafe.escape('<a href="x">Tom & Jerry\'s</a>'), as Jinja's `escape` filter prints it.
        QCOMPARE(QString::fromStdString(htmlEscape("<a href=\"x\">Tom & Jerry's</a>")),
                 QStringLiteral("&lt;a href=&#34;x&#34;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"));
        QCOMPARE(QString::fromStdString(htmlEscape("plain text, \u00e9 and \n newline")), QStringLiteral("plain text, \u00e9 and \n newline"));
    }

    void humanReadableNumbers() {
        QCOMPARE(format::bytes(512), std::string("512 B"));
        // Binary units everywhere (this model's size was "14.7 MB" in `models list`, "14.0 MiB" in `pool list`).
        QCOMPARE(format::bytes(14690816), std::string("14.0 MiB"));
        QCOMPARE(format::gib(7ull << 30), std::string("7.00 GiB"));
        QCOMPARE(format::bytes(1000), std::string("1000 B"));
        QCOMPARE(format::bytes(10ull << 20), std::string("10.0 MiB"));  // --budget 10M (was shown as 10.5 MB)
        QCOMPARE(format::bytes(50ull << 30), std::string("50.0 GiB"));
        QCOMPARE(format::bytes(3ull << 50), std::string("3.0 PiB"));
        QCOMPARE(format::count(7345408), std::string("7.35M"));
        QCOMPARE(format::count(8030261248ull), std::string("8.03B"));
        QCOMPARE(format::count(656000), std::string("656K"));
        QCOMPARE(format::count(14690816), std::string("14.7M"));
        QCOMPARE(format::count(999999), std::string("1.00M"));
        // "Battery: default (1 tests)", "1 threads" in reports.
        QCOMPARE(format::counted(1, "test"), std::string("1 test"));
        QCOMPARE(format::counted(16, "test"), std::string("16 tests"));
        QCOMPARE(format::counted(0, "thread"), std::string("0 threads"));
        QCOMPARE(format::counted(2, "entry", "entries"), std::string("2 entries"));
    }

    // Every JSON from outside is bounded in depth (issue 17: a million nested arrays overflowed the
    // stack) and size; strings are skipped, so brackets and escaped quotes inside them do not count.
    void byteSizesNeedAUnitAndAPlausibleValue() {
        const auto gpu = gpuMemoryRule("--gpu-memory");
        QCOMPARE(parseByteSize("24GiB", gpu), 24ull << 30);
        QCOMPARE(parseByteSize("24GB", gpu), 24ull << 30);  // binary, as a "24 GB" card has 24 GiB
        QCOMPARE(parseByteSize("24G", gpu), 24ull << 30);
        QCOMPARE(parseByteSize("512M", gpu), 512ull << 20);
        QCOMPARE(parseByteSize("1.5T", gpu), std::uint64_t(1.5 * double(1ull << 40)));
        QCOMPARE(format::bytes(parseByteSize("24GiB", gpu)), std::string("24.0 GiB"));  // printed back as given
        // A bare number was taken as bytes (--gpu-memory 24 showed "0.00 GiB"): refused, naming the flag and the units.
        const QString bare = test::errorMessageOf([&] { parseByteSize("24", gpu); });
        QVERIFY2(bare.contains("--gpu-memory: 24 has no unit") && bare.contains("24GiB, 24GB or 24G"), qPrintable(bare));
        // 10000000T was clamped to 2^63 bytes without a word; 2P is no single GPU's memory.
        QVERIFY(test::errorMessageOf([&] { parseByteSize("10000000T", gpu); }).contains("--gpu-memory: 10000000T is more than 1.0 PiB, not a plausible size"));
        QVERIFY(test::errorMessageOf([&] { parseByteSize("99999999999999999999999P", gpu); }).contains("not a plausible size"));
        QVERIFY(test::errorMessageOf([&] { parseByteSize("2P", gpu); }).contains("not a plausible size"));
        QVERIFY(test::errorMessageOf([&] { parseByteSize("24B", gpu); }).contains("is less than 256.0 MiB"));
        QVERIFY(test::errorMessageOf([&] { parseByteSize("0", gpu); }).contains("has no unit"));
        QVERIFY(test::errorMessageOf([&] { parseByteSize("lots", gpu); }).contains("'lots' is not a size"));
        QVERIFY(test::errorMessageOf([&] { parseByteSize("-5G", gpu); }).contains("is not a size"));

        const auto budget = poolBudgetRule("--budget");
        QCOMPARE(parseByteSize("0", budget), 0ull);  // none
        QCOMPARE(parseByteSize("10M", budget), 10ull << 20);
        QCOMPARE(parseByteSize("2P", budget), 2ull << 50);
        QVERIFY(test::errorMessageOf([&] { parseByteSize("50", budget); }).contains("--budget: 50 has no unit"));
        QVERIFY(test::errorMessageOf([&] { parseByteSize("10000000T", budget); }).contains("0 means none") == false);

        // A flag whose help states GiB (quantize --max-gpu-memory) reads a bare number in GiB.
        ByteSizeRule gib = gpu;
        gib.bareNumberShift = 30;
        QCOMPARE(parseByteSize("20", gib), 20ull << 30);
        QCOMPARE(parseByteSize("0.5", gib), 512ull << 20);
        QCOMPARE(parseByteSize("2048M", gib), 2ull << 30);
    }

    void jsonIsBoundedInDepthAndSize() {
        const JsonSource src{"/m/tokenizer.json", "re-download it"};
        auto nested = [](int depth) { return std::string(std::size_t(depth), '[') + std::string(std::size_t(depth), ']'); };
        QCOMPARE(parseJson(nested(kMaxJsonDepth), src).dump().size(), std::size_t(2 * kMaxJsonDepth));
        QString msg = test::errorMessageOf([&] { parseJson(nested(kMaxJsonDepth + 1), src); });
        QVERIFY2(msg.contains("/m/tokenizer.json") && msg.contains("levels deep") && msg.contains("re-download it"), qPrintable(msg));
        msg = test::errorMessageOf([&] { parseOrderedJson("{\"a\": " + nested(1000000) + "}", src); });
        QVERIFY2(msg.contains("levels deep"), qPrintable(msg));

        const std::string brackets(100000, '[');
        QCOMPARE(parseJson("[\"" + brackets + "\\\"" + brackets + "\"]", src)[0].get<std::string>(), brackets + "\"" + brackets);
        QCOMPARE(parseJson("{\"k\\\\\": [\"[\"]}", src).begin().key(), std::string("k\\"));  // "k\\" ends at its quote

        msg = test::errorMessageOf([&] { parseJson("[1, 2]", src, 5); });
        QVERIFY2(msg.contains("/m/tokenizer.json") && msg.contains("more than the 5 allowed"), qPrintable(msg));
        msg = test::errorMessageOf([&] { parseJson("{\"a\": ", {"/m/config.json", "fix it", "line 3"}); });
        QVERIFY2(msg.contains("/m/config.json: line 3: not valid JSON"), qPrintable(msg));
        // A number past a double's range is nlohmann's out_of_range, not a parse_error (fuzzer find).
        msg = test::errorMessageOf([&] { parseOrderedJson("{\"a\": 1e400}", {"/m/RUN.json", "fix it"}); });
        QVERIFY2(msg.contains("/m/RUN.json: not valid JSON") && msg.contains("number overflow"), qPrintable(msg));
    }

    // Issue 17, item 5: what std::filesystem throws for a path the user got wrong becomes a named
    // user error; the writability probe finds it before any work, and leaves nothing behind.
    void filesystemFailuresTheUserCanFix() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::ofstream(root / "a-file") << "x";
        try {
            fs::create_directories(root / "a-file" / "out");
            QFAIL("create_directories under a file succeeded");
        } catch (const fs::filesystem_error& e) {
            const auto user = userFilesystemError(e);
            QVERIFY(user.has_value());
            const QString msg = user->what();
            QVERIFY2(msg.contains("a file is where a folder is expected") && msg.contains("a-file") &&
                         msg.contains("cannot create directories"),
                     qPrintable(msg));
        }
        QVERIFY(userFilesystemError(std::make_error_code(std::errc::read_only_file_system), root, "x")->fix().find("read-only") != std::string::npos);
        QVERIFY(userFilesystemError(std::make_error_code(std::errc::no_space_on_device), root, "x")->fix().find("disk is full") != std::string::npos);
        QVERIFY(!userFilesystemError(std::make_error_code(std::errc::bad_file_descriptor), root, "x"));  // a bug: stays internal

        const QString msg = test::errorMessageOf([&] { requireWritableFolder(root / "a-file" / "sub" / "out"); });
        QVERIFY2(msg.contains((root / "a-file").c_str()) && msg.contains("a file is where a folder is expected"), qPrintable(msg));
        QVERIFY(test::errorMessageOf([&] { requireWritableFolder(root / "new" / "deeper"); }).isEmpty());  // created below root
        QCOMPARE(nearestExistingFolder(root / "new" / "deeper"), root);
        QCOMPARE(nearestExistingFolder(fs::path("out").parent_path()), fs::absolute("."));  // --out out: the working folder
        QVERIFY(test::errorMessageOf([&] { requireWritableFolder(fs::path("out").parent_path()); }).isEmpty());
        QCOMPARE(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 1);  // no probe file left
        if (::geteuid() != 0) {  // root ignores the mode bits
            fs::create_directory(root / "locked");
            fs::permissions(root / "locked", fs::perms::owner_read | fs::perms::owner_exec);
            QVERIFY(test::errorMessageOf([&] { requireWritableFolder(root / "locked" / "out"); }).contains("you may not write there"));
            fs::permissions(root / "locked", fs::perms::owner_all);
        }
    }

    // Files given where a text is expected: /dev/null (a device) was "not found" for calibration
    // and read as an empty text elsewhere; a weights file was read as text (eval ppl scored it).
    void textInputsThatAreNotTextFiles() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        QString msg = test::errorMessageOf([&] { readTextFile("/dev/null", "text file"); });
        QVERIFY2(msg == "/dev/null: cannot read the text file: it is not a regular file (a device, pipe or socket) (check the path)", qPrintable(msg));
        msg = test::errorMessageOf([&] { readTextFile(root, "text file"); });
        QVERIFY2(msg.contains("cannot read the text file: it is a folder"), qPrintable(msg));
        msg = test::errorMessageOf([&] { readTextFile(root / "missing.txt", "text file"); });
        QVERIFY2(msg.contains("missing.txt: cannot read the text file: No such file or directory"), qPrintable(msg));
        const fs::path weights = test::modelDir("tinystories-qwen3-7m") / "model-00002-of-00002.safetensors";
        msg = test::errorMessageOf([&] { readTextFile(weights, "text file"); });
        QVERIFY2(msg.contains("model-00002-of-00002.safetensors: is not text: a NUL byte at byte ") &&
                     msg.contains("(give the text file as UTF-8 text)"),
                 qPrintable(msg));
        std::ofstream(root / "story.txt") << "Once upon a time.\n";
        QCOMPARE(readTextFile(root / "story.txt", "text file"), std::string("Once upon a time.\n"));
        // Text in another encoding is refused at its first invalid byte, as Python's open().read()
        // refuses it (tokenize --file replaced such bytes and tokenized the result): Latin-1's
        // "caf\xe9", an overlong "/", a UTF-16 surrogate, a code point past U+10FFFF, a cut sequence.
        for (const auto& [bytes, at] : std::vector<std::pair<std::string, int>>{
                 {"caf\xe9 au lait", 3}, {"a\xc0\xaf", 1}, {"ab\xed\xa0\x80", 2}, {"\xf4\x90\x80\x80", 0}, {"end\xe2\x82", 3}}) {
            std::ofstream(root / "other.txt", std::ios::binary) << bytes;
            msg = test::errorMessageOf([&] { readTextFile(root / "other.txt", "text file"); });
            QVERIFY2(msg.contains("other.txt: is not UTF-8: an invalid byte sequence at byte " + QString::number(at) + " ") &&
                         msg.contains("(convert the text file to UTF-8"),
                     qPrintable(msg));
        }
        std::ofstream(root / "utf8.txt", std::ios::binary) << "caf\xc3\xa9 \xe6\xa8\xa1\xe5\x9e\x8b \xf0\x9f\x98\x80\n";  // é, 模型, 😀
        QVERIFY(readTextFile(root / "utf8.txt", "text file").size() == 18);
        // A calibration file is checked on its first bytes: a character cut by their end is not an error.
        std::ofstream(root / "long.txt", std::ios::binary) << std::string(9, 'a') << "\xe6\xa8\xa1 and more";
        requireTextFile(root / "long.txt", "calibration file", "check the path", 10);
    }

    // Issue 17, items 9 and 10: names that carry their writer's PID, and which writers are gone.
    void deadWritersAreRecognisedByPid() {
        QCOMPARE(writerPidOf("model.safetensors.tmp-4711", ".tmp-"), std::optional<long>(4711));
        QCOMPARE(writerPidOf(".m.partial-12", ".partial-"), std::optional<long>(12));
        QVERIFY(!writerPidOf("model.safetensors", ".tmp-"));
        QVERIFY(!writerPidOf("x.tmp-12a", ".tmp-"));
        QVERIFY(!writerPidOf("x.tmp-", ".tmp-"));
        QVERIFY(!writerPidOf("x.tmp-0", ".tmp-"));
        QVERIFY(processAlive(::getpid()));
        QVERIFY(processAlive(1));
        QVERIFY(!processAlive(999999999));  // above any pid_max

        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const std::string mine = "config.json.tmp-" + std::to_string(::getpid());
        for (const std::string name : {"model.safetensors.tmp-999999999", mine.c_str(), "model.safetensors", "notes.tmp-x"})
            std::ofstream(root / name) << "x";
        const auto removed = removeDeadWriterTempFiles(root);
        QCOMPARE(removed.size(), std::size_t(1));
        QCOMPARE(removed[0], root / "model.safetensors.tmp-999999999");
        QVERIFY(fs::exists(root / mine) && fs::exists(root / "model.safetensors") && fs::exists(root / "notes.tmp-x"));
    }
};

QTEST_APPLESS_MAIN(UtilTest)
#include "test_util.moc"
