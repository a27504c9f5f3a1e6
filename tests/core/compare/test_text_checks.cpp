// The repetition (loop) detector, "substantive answer" and exact match, on texts the demo models
// really generated (greedy, CPU; the prompts are noted) and on a few constructed edge cases.
#include "core/compare/text_checks.h"

#include <QtTest>

using namespace awq;

namespace {
// Greedy outputs of the demo models on CPU (awqbench-cli compare, max-new 64).
// tinystories-qwen3-7m, prompt "Ben broke his sister's toy. He felt bad. He went to her and said, \"", max-new 64
const char* const kSorryLoop =
    "I'm sorry, Lily. I was okay. I was okay. I was okay. I was okay. I was okay. I was okay. I was okay. I was my toy car. I am sorry, Lily. I was okay. I was okay. I was okay. I was okay. I was";
// tinystories-qwen3-7m, prompt "The dog ran and ran and ran and ran and ran and ran and", max-new 64 (cut off mid-sentence)
const char* const kDogSadLoop =
    " ran. The dog was sad and the dog was sad. The dog was sad and the dog was sad. The dog was sad and the dog was sad. The dog was sad and the dog was sad too. The dog was sad and the dog was sad too. The dog was sad and the dog was sad too";
// tinystories-qwen3-7m-awq, same prompt (ended by EOS after the loop)
const char* const kDogSadLoopAwq =
    " ran away. The dog was sad and the dog was safe. The dog was sad and the dog was sad. The dog was sad and the dog was sad too. The dog was sad and the dog was sad too. The dog was sad and the dog was sad too.<|end_story|>";
// tinystories-qwen3-7m-awq, prompt "Tom met his friend Sam at the park. \"Hi Sam!\" said Tom. \"Do you want to", max-new 64
const char* const kGreatTimeThreeTimes =
    " play with me?\" Sam asked. \"Yes, I want to play with you.\"\nThey played together all day. They had so much fun together. They had a great time together. They had a great time together. They had a great time together.\nAfter playing, Tom and Sam were tired. They sat under a";
// tinystories-qwen3-7m, prompt "Once upon a time", max-new 64
const char* const kOnceUponATime =
    ", there was a little girl named Lily. She had a big, soft toy car that she loved to play with. One day, she saw a big tree with a picture of a big, shiny toy car. Lily was very happy and wanted to play with it.\nLily asked her mom, \"Can I play with";
// tinystories-qwen3-7m-awq, chat "Tell me a story about a cat.", max-new 64
const char* const kCatStoryChat =
    "Once upon a time, there was a little girl named Lily. She loved to play with her toys and make them look nice. One day, she saw a big tree with a picture of a cat. The cat was very happy.\nLily wanted to help her mom. She took her picture and put it on her favorite";
}  // namespace

class TextChecksTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void realLoopsAreDetected() {
        auto r = detectLoop(kSorryLoop);
        QVERIFY(r.detected);
        QCOMPARE(r.rule, std::string("periodic-tail"));
        QCOMPARE(r.unit, std::string("i was okay"));
        QCOMPARE(r.period, 3);
        QCOMPARE(r.repeats, 4);  // 4 full copies and "I was" at the cut
        QVERIFY(!checkSubstantive(kSorryLoop, "He went to her and said, \"", r).substantive);

        // Cut off by max-new in the middle of the fourth "... sad too." sentence.
        r = detectLoop(kDogSadLoop);
        QVERIFY(r.detected);
        QCOMPARE(r.rule, std::string("periodic-tail"));
        QCOMPARE(r.period, 10);
        QCOMPARE(r.unit, std::string("the dog was sad and the dog was sad too"));
        QVERIFY(r.repeats >= 3);

        // Ended by EOS: "<|end_story|>" is glued to the last word, so the tail is not exactly
        // periodic, but the repeated 4-grams cover most of the text.
        r = detectLoop(kDogSadLoopAwq);
        QVERIFY(r.detected);
        QCOMPARE(r.rule, std::string("repeated-ngrams"));
        QVERIFY(r.coverage > 0.8);
    }

    void realStoriesAreNotLoops() {
        for (const char* text : {kOnceUponATime, kCatStoryChat, kGreatTimeThreeTimes}) {
            const auto r = detectLoop(text);
            QVERIFY2(!r.detected, text);
            QVERIFY(checkSubstantive(text, "Once upon a time", r).substantive);
        }
        // A sentence said three times in a row, then the story goes on: repetition, not a loop.
        QVERIFY(std::string(kGreatTimeThreeTimes).find("They had a great time together. They had a great time together. They had a great time together.") !=
                std::string::npos);
    }

    void periodicTailIsALoop() {
        const auto r = detectLoop("Tom saw a cat. He said hi to the cat and the cat said hi to him and the cat said hi to him and the cat said hi to him and the cat");
        QVERIFY(r.detected);
        QCOMPARE(r.rule, std::string("periodic-tail"));
        QCOMPARE(r.period, 7);  // "said hi to him and the cat"
        QVERIFY(r.repeats >= 3);
        QVERIFY(r.coverage > 0.5 && r.coverage <= 1.0);
    }

    void shortRepetitionIsNotALoop() {
        // Three copies but only 6 words: below minLoopWords.
        QVERIFY(!detectLoop("Once there was a boy. Yes, yes, yes!").detected);
        QVERIFY(!detectLoop("").detected);
        QVERIFY(!detectLoop("Lily and Tom went to the park. They played on the swings and ate ice cream. Then they went home.").detected);
    }

    void repeatedNgramsWithVariations() {
        // Not exactly periodic (the names change), but the same 4-grams cover most of it.
        const std::string text =
            "the big dog ran to the park and the big dog ran to the tree and the big dog ran to the house "
            "and the big dog ran to the car and the big dog ran to the shop and the big dog ran to the sea";
        const auto r = detectLoop(text);
        QVERIFY(r.detected);
        QCOMPARE(r.rule, std::string("repeated-ngrams"));
        QVERIFY(r.coverage >= 0.6);
    }

    void repeatedCharacters() {
        const auto r = detectLoop("!!!!!!!!!!!!!!!!");
        QVERIFY(r.detected);
        QCOMPARE(r.rule, std::string("repeated-chars"));
        QCOMPARE(r.unit, std::string("!"));
        QVERIFY(!detectLoop("Wow!!!").detected);
    }

    void substantive() {
        const LoopReport none;
        QVERIFY(checkSubstantive(" there was a little girl named Lily.", "Once upon a time", none).substantive);
        QCOMPARE(checkSubstantive("   ", "Once upon a time", none).reason, std::string("empty"));
        QCOMPARE(checkSubstantive(" Once upon a time", "Once upon a time", none).reason, std::string("echo of the prompt"));
        QCOMPARE(checkSubstantive("Once upon a time. Once  upon a TIME", "Once upon a time", none).reason, std::string("echo of the prompt"));
        QCOMPARE(checkSubstantive("Yes.", "Say something", none).reason, std::string("too short"));
        LoopReport loop;
        loop.detected = true;
        QCOMPARE(checkSubstantive("a b c d e f g", "x", loop).reason, std::string("loop"));
    }

    void exactMatch() {
        QVERIFY(matchesReference(" Max. Max was a good dog.", "Max"));
        QVERIFY(matchesReference("  MAX  ", "max"));
        QVERIFY(matchesReference(" five, six, seven.", "five"));
        QVERIFY(matchesReference(" red!\" Tom said.", "Red"));
        QVERIFY(matchesReference("the big   red\nball", "The big red ball"));
        QVERIFY(matchesReference(" beach and said, \"Look!\"", "beach"));
        QVERIFY(!matchesReference(" the big", "the big red ball"));
        QVERIFY(!matchesReference(" Maxi was a dog.", "Max"));
        QVERIFY(!matchesReference(" a dog named Max.", "Max"));
        QVERIFY(!matchesReference("", "Max"));
        QVERIFY(!matchesReference("anything", "  "));
    }

    void normalization() {
        QCOMPARE(normalizeText("  Hello \n\t World  "), std::string("hello world"));
        QCOMPARE(normalizedWords("A b  C"), (std::vector<std::string>{"a", "b", "c"}));
    }
};

QTEST_GUILESS_MAIN(TextChecksTest)
#include "test_text_checks.moc"
