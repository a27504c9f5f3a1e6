#pragma once
// A place whose feature this build left out (a UI built without libtorch has no engine and no
// quantizer). It says what the place does in a full build; it pretends nothing.
#include <QString>
#include <QStringList>
#include <QWidget>

namespace awq::ui {

struct PlaceholderText {
    QString iconName;      // under :/icons
    QString headline;      // "Quantize: this build has no quantizer (built without libtorch)"
    QStringList plans;     // what the page will offer, one line each
};

class PlaceholderPage : public QWidget {
    Q_OBJECT
public:
    explicit PlaceholderPage(const PlaceholderText& text, QWidget* parent = nullptr);
    QString headline() const { return headline_; }

private:
    QString headline_;
};

// The texts of the places that need the engine.
PlaceholderText quantizePlaceholder();
PlaceholderText comparePlaceholder();

}  // namespace awq::ui
