#pragma once
// Reading a battery run test by test: plain-text answers side by side (prompt, A's and B's answer,
// verdicts, failure notes) and the failure-mode catalog the seeds ask for (per test category,
// where B fails and A does not, with the symptom: loop, empty, off-reference, ...). Qt-free and
// free of markup: the UI shows these strings as plain text.
#include "core/run/run_document.h"

#include <string>
#include <vector>

namespace awq {

// Why a result counts as a failure, most telling first. A result can have several symptoms
// (a loop is also not substantive; only the loop is named then).
//  "empty"         nothing but whitespace was generated
//  "loop"          the loop detector fired
//  "off-reference" a reference exists and the answer does not start with it
//  "echo"          not substantive: the answer only repeats the prompt
//  "too short"     not substantive: fewer words than the substantive check asks
// Empty vector: the result passed every check.
std::vector<std::string> failureSymptoms(const TestResult& result, const std::string& prompt);
inline bool failed(const TestResult& result, const std::string& prompt) { return !failureSymptoms(result, prompt).empty(); }

// One line of verdicts: "loop · not substantive · exact: no · 16 tokens in 0.12 s (length)".
std::string verdictLine(const TestResult& result);

// One slot's answer as the pane shows it.
struct SlotAnswer {
    bool present = false;              // false: this slot has no result (run stopped before it)
    std::string text;                  // the generated text, unchanged
    std::string verdict;               // verdictLine()
    std::vector<std::string> symptoms; // failureSymptoms(); empty: passed
    std::string notes;                 // the judge's notes ("loop (periodic-tail): ..."), may be empty
};

struct TestAnswers {
    std::string id, category, prompt;
    std::string reference;             // "" when the test has none
    SlotAnswer a, b;
};
TestAnswers testAnswers(const TestRecord& test);

// The whole test as one plain-text block (for copying and the report): prompt, reference, then
// "A (name): verdict / notes / answer" and the same for B.
std::string answersText(const TestAnswers& answers, const std::string& nameA, const std::string& nameB);

// ---- failure-mode catalog

struct FailureCase {
    std::string testId;
    std::vector<std::string> symptoms; // of the failing model (B for bOnly, A for aOnly, B for both)
};

struct CategoryFailures {
    std::string category;
    int tests = 0;                     // tests of this category with results for both A and B
    std::vector<FailureCase> bOnly;    // B fails, A does not: what quantization (or B) broke
    std::vector<FailureCase> aOnly;    // A fails, B does not
    std::vector<FailureCase> both;     // both fail: the prompt or the model family, not B
};

// Per category in the order of first use; tests missing a result for A or B are left out.
std::vector<CategoryFailures> failureCatalog(const BatteryRun& run);

// Symptom counts of a list of cases: "loop x2, off-reference" ("" for none).
std::string symptomSummary(const std::vector<FailureCase>& cases);

}  // namespace awq
