#pragma once
// Judging generated text without a judge model: a repetition (loop) detector, "substantive answer"
// and exact match against a reference. All work on words (whitespace-separated, lowercased, the
// loop detector and exact match with punctuation around each word stripped), so they do not depend
// on the tokenizer; the loop detector falls back to characters for text without words ("!!!!!!!!").
#include <string>
#include <string_view>
#include <vector>

namespace awq {

struct LoopDetectorSettings {
    int maxPeriod = 32;            // longest repeated unit, in words
    int minRepeats = 3;            // the unit must occur this many times in a row (the first copy included)
    int minLoopWords = 12;         // and the repeated tail must span at least this many words
    int ngram = 4;                 // n-gram rule: n-grams of this many words ...
    int ngramMinCount = 3;         // ... occurring at least this often ...
    double ngramMinCoverage = 0.6; // ... covering at least this share of all words (min 24 words)
    int charMinRepeats = 8;        // character fallback: a unit of <= 8 chars repeated this often
};

struct LoopReport {
    bool detected = false;
    std::string rule;          // "periodic-tail", "repeated-ngrams", "repeated-chars" or ""
    int period = 0;            // words (chars for "repeated-chars") in the repeated unit
    int repeats = 0;           // copies of the unit in the tail (rounded down)
    double coverage = 0;       // share of the words (chars) inside the loop, 0..1
    std::string unit;          // the repeated unit, for notes ("the tree . he climbed")
};

// The algorithm:
//  1. periodic tail: for each period p in 1..maxPeriod, the longest tail in which every word
//     equals the word p positions earlier; it holds (tail + p) / p copies of a p-word unit. A loop
//     when copies >= minRepeats and tail + p >= minLoopWords (a run-away ending, which also
//     covers a loop cut off by max-new or ended by EOS).
//  2. repeated n-grams: words covered by n-grams that occur >= ngramMinCount times make up
//     >= ngramMinCoverage of a text of >= 24 words (a loop with small variations).
//  3. repeated chars: for text with fewer than 4 words (punctuation-only words dropped), a tail of one unit of <= 8 characters
//     repeated >= charMinRepeats times.
LoopReport detectLoop(std::string_view text, const LoopDetectorSettings& settings = {});

// Lowercased words (split on whitespace); punctuation stays attached.
std::vector<std::string> normalizedWords(std::string_view text);
// Whitespace collapsed to single spaces, trimmed, ASCII-lowercased.
std::string normalizeText(std::string_view text);

struct SubstantiveCheck {
    bool substantive = false;
    std::string reason;  // why not: "empty", "echo of the prompt", "loop", "too short"; "" when substantive
};
// Substantive: at least minWords words that are not a copy of the prompt (the output with every
// occurrence of the normalized prompt removed keeps >= minWords words) and no loop.
SubstantiveCheck checkSubstantive(std::string_view output, std::string_view prompt, const LoopReport& loop, int minWords = 3);

// Exact match of the answer: the reference's words equal the output's leading words (as many as
// the reference has), compared after normalizing whitespace and case and stripping punctuation and
// quotes around each word. Story models keep writing after the answer, so " Max. Max was a big
// dog." and " five, six" match "Max" and "five"; " a dog named Max" does not match "Max".
bool matchesReference(std::string_view output, std::string_view reference);

}  // namespace awq
