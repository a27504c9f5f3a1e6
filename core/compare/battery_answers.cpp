#include "core/compare/battery_answers.h"

#include "core/compare/text_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace awq {
namespace {

std::string fixed2(double v) {
    return fmt::format("{:.2f}", v);
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

SlotAnswer slotAnswer(const TestRecord& test, const std::string& slot) {
    SlotAnswer s;
    const auto it = test.results.find(slot);
    if (it == test.results.end()) return s;
    s.present = true;
    s.text = it->second.text;
    s.verdict = verdictLine(it->second);
    s.symptoms = failureSymptoms(it->second, test.prompt);
    s.notes = it->second.notes;
    return s;
}

void appendSlot(std::string& out, const char* slot, const std::string& name, const SlotAnswer& s) {
    out += "\n" + std::string(slot) + " (" + name + "): ";
    if (!s.present) {
        out += "no result (the run stopped before this test)\n";
        return;
    }
    out += s.verdict + "\n";
    if (!s.notes.empty()) out += "Notes: " + s.notes + "\n";
    out += s.text + "\n";
}

}  // namespace

std::vector<std::string> failureSymptoms(const TestResult& r, const std::string& prompt) {
    std::vector<std::string> out;
    if (normalizeText(r.text).empty()) return {"empty"};
    if (r.loopDetected) out.push_back("loop");
    if (r.exactMatch && !*r.exactMatch) out.push_back("off-reference");
    // Not substantive for another reason than a loop: the same check the judge ran, for its reason.
    if (!r.substantive && !r.loopDetected) {
        const SubstantiveCheck check = checkSubstantive(r.text, prompt, detectLoop(r.text));
        if (check.reason == "echo of the prompt") out.push_back("echo");
        else if (check.reason == "too short") out.push_back("too short");
        else out.push_back("not substantive");   // judged with other settings than the defaults
    }
    return out;
}

std::string verdictLine(const TestResult& r) {
    std::vector<std::string> parts;
    if (r.loopDetected) parts.push_back("loop");
    parts.push_back(r.substantive ? "substantive" : "not substantive");
    if (r.exactMatch) parts.push_back(std::string("exact: ") + (*r.exactMatch ? "yes" : "no"));
    std::string speed = std::to_string(r.outputTokens) + " tokens in " + fixed2(r.seconds) + " s";
    if (!r.finish.empty()) speed += " (" + r.finish + ")";
    parts.push_back(speed);
    return join(parts, " \xc2\xb7 ");   // U+00B7 middle dot
}

TestAnswers testAnswers(const TestRecord& test) {
    TestAnswers t;
    t.id = test.id;
    t.category = test.category;
    t.prompt = test.prompt;
    t.reference = test.reference.value_or("");
    t.a = slotAnswer(test, "A");
    t.b = slotAnswer(test, "B");
    return t;
}

std::string answersText(const TestAnswers& t, const std::string& nameA, const std::string& nameB) {
    std::string out = "Test " + t.id + " (" + t.category + ")\nPrompt: " + t.prompt + "\n";
    if (!t.reference.empty()) out += "Reference: " + t.reference + "\n";
    appendSlot(out, "A", nameA, t.a);
    appendSlot(out, "B", nameB, t.b);
    return out;
}

std::vector<CategoryFailures> failureCatalog(const BatteryRun& run) {
    std::vector<CategoryFailures> out;
    std::map<std::string, std::size_t> index;
    for (const TestRecord& test : run.tests) {
        auto [it, fresh] = index.try_emplace(test.category, out.size());
        if (fresh) out.push_back(CategoryFailures{.category = test.category});
        const auto a = test.results.find("A"), b = test.results.find("B");
        if (a == test.results.end() || b == test.results.end()) continue;
        CategoryFailures& c = out[it->second];
        ++c.tests;
        const auto sa = failureSymptoms(a->second, test.prompt), sb = failureSymptoms(b->second, test.prompt);
        if (!sb.empty() && sa.empty()) c.bOnly.push_back({test.id, sb});
        else if (!sa.empty() && sb.empty()) c.aOnly.push_back({test.id, sa});
        else if (!sa.empty()) c.both.push_back({test.id, sb});
    }
    return out;
}

std::string symptomSummary(const std::vector<FailureCase>& cases) {
    std::vector<std::pair<std::string, int>> counts;   // in order of first appearance
    for (const auto& c : cases)
        for (const auto& s : c.symptoms) {
            auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& p) { return p.first == s; });
            if (it == counts.end()) counts.emplace_back(s, 1);
            else ++it->second;
        }
    std::vector<std::string> parts;
    for (const auto& [s, n] : counts) parts.push_back(n > 1 ? s + " x" + std::to_string(n) : s);
    return join(parts, ", ");
}

}  // namespace awq
