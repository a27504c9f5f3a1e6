// text::displayWidth: the terminal columns of UTF-8 text, as wcwidth(3) counts them (the CLI's
// tables align by it). Values as glibc's wcwidth gives them under C.UTF-8 (Unicode 15).
#include "core/text/unicode.h"

#include <QtTest>

using namespace awq;

class TestDisplayWidth : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void countsTerminalCells_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("width");
        QTest::newRow("ascii") << QStringLiteral("tinystories-qwen3-7m") << 20;
        QTest::newRow("empty") << QString() << 0;
        QTest::newRow("cyrillic") << QStringLiteral("модель") << 6;             // 12 bytes, 6 cells
        QTest::newRow("latin accents") << QStringLiteral("ü é") << 3;
        QTest::newRow("combining acute") << QStringLiteral("e\u0301") << 1;       // e + U+0301: one cell
        QTest::newRow("emoji") << QStringLiteral("my model 🙂") << 11;           // U+1F642 is wide
        QTest::newRow("emoji + VS16") << QStringLiteral("\u2764\uFE0F") << 1;     // the selector adds no cell
        QTest::newRow("zero width joiner") << QStringLiteral("a\u200Db") << 2;
        QTest::newRow("CJK") << QStringLiteral("模型") << 4;
        QTest::newRow("fullwidth") << QStringLiteral("ＡＷＱ") << 6;
        QTest::newRow("hangul") << QStringLiteral("모델") << 4;
    }
    void countsTerminalCells() {
        QFETCH(QString, text);
        QFETCH(int, width);
        if (!text::unicodeServicesAvailable()) QSKIP("no ICU on this machine: one cell a code point");
        QCOMPARE(int(text::displayWidth(text.toStdString())), width);
    }
    void invalidBytesCountOneEach() { QCOMPARE(int(text::displayWidth(std::string("a\xff\xfe" "b"))), 4); }
};

QTEST_GUILESS_MAIN(TestDisplayWidth)
#include "test_display_width.moc"
