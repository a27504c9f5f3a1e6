#pragma once
// A place of the workbench whose feature has not landed yet. It says what the place will do and
// what it arrives with; it pretends nothing.
#include <QString>
#include <QStringList>
#include <QWidget>

namespace awq::ui {

struct PlaceholderText {
    QString iconName;      // under :/icons
    QString headline;      // "Quantize: layer-by-layer AWQ with live progress — arrives with the quantizer"
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

// The texts of the four places that are still to come.
PlaceholderText quantizePlaceholder();
PlaceholderText comparePlaceholder();
PlaceholderText deployPlaceholder();
PlaceholderText reportsPlaceholder();

}  // namespace awq::ui
