#pragma once
// The pre-flight panel of the Quantize page: awq::preflightQuantizeJob's findings and one verdict
// (green: ready, amber: ready with warnings, red: cannot start and why), with the job's estimated
// time on the chosen device and what its settings trade against AutoAWQ's defaults.
#include "core/quant/quantize_preflight.h"

#include <QGroupBox>

class QLabel;

namespace awq::ui {

class PreflightView : public QGroupBox {
    Q_OBJECT
public:
    explicit PreflightView(QWidget* parent = nullptr);

    void showPreflight(const QuantizePreflight& preflight, const QuantizeSettings& settings);
    void showUnavailable(const QString& reason);   // nothing to check yet (no model chosen)
    // A check of changed settings is on its way: the verdict reads "Checking…", canStart() is false
    // until showPreflight / showUnavailable gives the new verdict, and the previous check's figures and
    // findings stay greyed out (they belong to the old settings).
    void showChecking();

    bool canStart() const { return canStart_; }
    bool checking() const { return checking_; }
    QString verdict() const;
    QString details() const;   // problems and warnings as shown
    QString timeText() const;  // "about 1 min on this CPU (…)", empty before a check
    QString tradeText() const; // empty when the settings match AutoAWQ's
    QString calibrationText() const;  // "8,192 tokens (…)", "– (…)" when the calibration cannot be used
    QString memoryText() const;       // the estimated peak, "unknown (…)" when the calibration cannot be used

private:
    void setVerdict(const QString& text, const QString& color);

    void setFindingsCurrent(bool current);   // greys out (false) or restores the figures and findings

    bool canStart_ = false;
    bool checking_ = false;
    QLabel* verdict_ = nullptr;
    QLabel* layers_ = nullptr;
    QLabel* calibration_ = nullptr;
    QLabel* memory_ = nullptr;
    QLabel* disk_ = nullptr;
    QLabel* time_ = nullptr;       // the estimate and the device it was measured on
    QLabel* trade_ = nullptr;      // what the settings give up against AutoAWQ's defaults
    QLabel* details_ = nullptr;
};

}  // namespace awq::ui
