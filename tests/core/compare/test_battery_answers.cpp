// Battery answers read test by test and the failure-mode catalog: results judged by the real judge
// (judgeResult) on texts of the kinds the story models write (a story, a loop, nothing, a wrong
// word), on tests of the built-in battery.
#include "core/compare/battery_answers.h"
#include "core/compare/compare_runner.h"

#include <QtTest>

using namespace awq;

namespace {

const BatteryTest& builtIn(const Battery& b, const std::string& id) {
    for (const auto& t : b.tests)
        if (t.id == id) return t;
    throw std::runtime_error("no test " + id);
}

TestResult judged(const BatteryTest& test, const std::string& text, int tokens = 16) {
    GenerationResult g;
    g.text = text;
    g.newIds.assign(std::size_t(tokens), 1);
    return judgeResult(test, g, 0.25);
}

TestRecord record(const BatteryTest& test, const std::string& a, const std::string& b) {
    TestRecord r{test.id, test.category, test.prompt, test.reference, {}};
    r.results["A"] = judged(test, a);
    r.results["B"] = judged(test, b);
    return r;
}

const std::string kStory = " there was a little cat named Tom. Tom liked to play with his red ball in the garden.";
const std::string kLoop = " and ran and ran and ran and ran and ran and ran and ran and ran and ran and ran and ran and ran";

}  // namespace

class BatteryAnswersTest : public QObject {
    Q_OBJECT
    Battery battery_ = loadDefaultBattery();

private Q_SLOTS:
    void symptomsNameWhatFailed() {
        const auto& story = builtIn(battery_, "continue-once-upon");
        QVERIFY(failureSymptoms(judged(story, kStory), story.prompt).empty());
        QCOMPARE(failureSymptoms(judged(story, "  \n "), story.prompt), std::vector<std::string>{"empty"});
        QCOMPARE(failureSymptoms(judged(story, kLoop), story.prompt), std::vector<std::string>{"loop"});
        QCOMPARE(failureSymptoms(judged(story, " Once upon a time"), story.prompt), std::vector<std::string>{"echo"});
        QCOMPARE(failureSymptoms(judged(story, " Tom."), story.prompt), std::vector<std::string>{"too short"});
        const auto& sky = builtIn(battery_, "fact-bird-sky");
        QVERIFY(failureSymptoms(judged(sky, " sky. The bird was happy and sang a song."), sky.prompt).empty());
        QCOMPARE(failureSymptoms(judged(sky, " tree. The bird was happy and sang a song."), sky.prompt),
                 std::vector<std::string>{"off-reference"});
    }

    void verdictLineSaysChecksAndSpeed() {
        const auto& sky = builtIn(battery_, "fact-bird-sky");
        const TestResult r = judged(sky, kLoop, 24);
        QCOMPARE(verdictLine(r), std::string("loop \xc2\xb7 not substantive \xc2\xb7 exact: no \xc2\xb7 24 tokens in 0.25 s (length)"));
        QCOMPARE(verdictLine(judged(builtIn(battery_, "continue-park"), kStory)), std::string("substantive \xc2\xb7 16 tokens in 0.25 s (length)"));
    }

    void answersTextIsPlainAndHasBothAnswers() {
        const auto& said = builtIn(battery_, "dialogue-thank-you");   // prompt and notes hold quotes
        const TestAnswers t = testAnswers(record(said, " you, Mom!\" Mom smiled and hugged Ben.", " Mom, Mom, Mom, Mom, Mom, Mom, Mom, Mom, Mom, Mom, Mom, Mom, Mom"));
        QCOMPARE(t.prompt, said.prompt);
        QCOMPARE(t.reference, std::string("you"));
        QVERIFY(t.a.present && t.b.present);
        QVERIFY(t.a.symptoms.empty());
        QVERIFY(!t.b.symptoms.empty());
        QVERIFY(t.b.notes.find("does not match the reference \"you\"") != std::string::npos);
        const std::string text = answersText(t, "tinystories", "tinystories-awq");
        QVERIFY(text.find("Prompt: " + said.prompt) != std::string::npos);
        QVERIFY(text.find("A (tinystories): substantive") != std::string::npos);
        QVERIFY(text.find("B (tinystories-awq): loop") != std::string::npos);
        QVERIFY(text.find(" you, Mom!\" Mom smiled") != std::string::npos);
        QVERIFY(text.find("&quot;") == std::string::npos);
        QVERIFY(text.find("<p>") == std::string::npos);
        // A slot without a result (stopped run) says so.
        TestRecord half{said.id, said.category, said.prompt, said.reference, {}};
        half.results["A"] = judged(said, kStory);
        const TestAnswers h = testAnswers(half);
        QVERIFY(!h.b.present);
        QVERIFY(answersText(h, "a", "b").find("B (b): no result") != std::string::npos);
    }

    void catalogGroupsFailuresPerCategory() {
        BatteryRun run;
        const auto& sky = builtIn(battery_, "fact-bird-sky");
        const auto& hat = builtIn(battery_, "fact-lost-hat");
        const auto& once = builtIn(battery_, "continue-once-upon");
        const auto& trap = builtIn(battery_, "trap-ran-and-ran");
        run.tests.push_back(record(sky, " sky. The bird sang.", " tree. The bird sang."));      // B off-reference
        run.tests.push_back(record(hat, " hat. She found it under the bed.", " hat. She found it."));   // both pass
        run.tests.push_back(record(once, kStory, ""));                                             // B empty
        run.tests.push_back(record(trap, kLoop, kLoop));                                           // both loop
        TestRecord aOnly = record(builtIn(battery_, "continue-park"), kLoop, kStory);              // A fails only
        run.tests.push_back(aOnly);
        TestRecord unfinished{"x", "facts", "The", std::nullopt, {}};                              // no B: left out
        unfinished.results["A"] = judged(sky, kStory);
        run.tests.push_back(unfinished);

        const auto catalog = failureCatalog(run);
        QCOMPARE(int(catalog.size()), 3);
        QCOMPARE(catalog[0].category, std::string("facts"));
        QCOMPARE(catalog[0].tests, 2);
        QCOMPARE(int(catalog[0].bOnly.size()), 1);
        QCOMPARE(catalog[0].bOnly[0].testId, std::string("fact-bird-sky"));
        QCOMPARE(symptomSummary(catalog[0].bOnly), std::string("off-reference"));
        QVERIFY(catalog[0].aOnly.empty() && catalog[0].both.empty());
        QCOMPARE(catalog[1].category, std::string("continuation"));
        QCOMPARE(catalog[1].tests, 2);
        QCOMPARE(symptomSummary(catalog[1].bOnly), std::string("empty"));
        QCOMPARE(int(catalog[1].aOnly.size()), 1);
        QCOMPARE(catalog[2].category, std::string("repetition-trap"));
        QCOMPARE(int(catalog[2].both.size()), 1);
        QVERIFY(catalog[2].bOnly.empty());
        QCOMPARE(symptomSummary({{"a", {"loop"}}, {"b", {"loop", "off-reference"}}, {"c", {"empty"}}}), std::string("loop x2, off-reference, empty"));
    }
};

QTEST_GUILESS_MAIN(BatteryAnswersTest)
#include "test_battery_answers.moc"
