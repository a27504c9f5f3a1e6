#include "ui/quantize/preflight_view.h"

#include "core/compare/device_label.h"
#include "ui/util/catalog_text.h"

#include <QFormLayout>

#include <algorithm>
#include <QLabel>
#include <QVBoxLayout>

namespace awq::ui {
namespace {

QLabel* valueLabel(const char* objectName) {
    auto* l = new QLabel;
    l->setObjectName(QLatin1String(objectName));
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setWordWrap(true);
    return l;
}

QString bulletList(const std::vector<std::string>& items, const QString& title) {
    if (items.empty()) return {};
    QString html = QStringLiteral("<b>%1</b><ul style=\"margin-top:0; margin-left:-20px\">").arg(title.toHtmlEscaped());
    for (const auto& s : items) html += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(s).toHtmlEscaped());
    return html + QStringLiteral("</ul>");
}

}  // namespace

PreflightView::PreflightView(QWidget* parent) : QGroupBox(tr("Pre-flight"), parent) {
    setObjectName(QStringLiteral("preflight"));
    verdict_ = valueLabel("preflightVerdict");
    layers_ = valueLabel("preflightLayers");
    calibration_ = valueLabel("preflightCalibration");
    memory_ = valueLabel("preflightMemory");
    disk_ = valueLabel("preflightDisk");
    details_ = valueLabel("preflightDetails");
    time_ = valueLabel("preflightTime");
    trade_ = valueLabel("preflightTrade");
    details_->setTextFormat(Qt::RichText);

    auto* form = new QFormLayout;
    form->addRow(tr("Decoder layers"), layers_);
    form->addRow(tr("Calibration"), calibration_);
    form->addRow(tr("Peak memory"), memory_);
    form->addRow(tr("Disk"), disk_);
    form->addRow(tr("Time"), time_);
    form->addRow(tr("Traded"), trade_);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(verdict_);
    layout->addLayout(form);
    layout->addWidget(details_);
    layout->addStretch(1);
    showUnavailable(tr("Choose a source model to check the job."));
}

void PreflightView::setVerdict(const QString& text, const QString& color) {
    verdict_->setText(text);
    verdict_->setStyleSheet(QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(color));
}

void PreflightView::setFindingsCurrent(bool current) {
    checking_ = !current;
    for (QLabel* l : {layers_, calibration_, memory_, disk_, time_, trade_, details_}) l->setEnabled(current);
}

void PreflightView::showUnavailable(const QString& reason) {
    canStart_ = false;
    setFindingsCurrent(true);
    setVerdict(reason, QStringLiteral("palette(mid)"));
    for (QLabel* l : {layers_, calibration_, memory_, disk_, time_, trade_, details_}) l->clear();
}

void PreflightView::showChecking() {
    canStart_ = false;
    setFindingsCurrent(false);
    setVerdict(tr("Checking…"), QStringLiteral("palette(mid)"));
}

void PreflightView::showPreflight(const QuantizePreflight& p, const QuantizeSettings& s) {
    canStart_ = p.ok();
    setFindingsCurrent(true);
    const bool cuda = s.device == "cuda";
    layers_->setText(p.layers > 0 ? QString::number(p.layers) : tr("unknown"));
    // The texts are concatenated and cut into blocks (as AutoAWQ does), so the tokens are not
    // samples x length: short texts give fewer, long ones more.
    // Calibration that cannot be used leaves what depends on it unknown (the problem says why): the
    // page showed --samples x --seqlen tokens, a time and a trade for a text of 2 tokens.
    const bool counted = p.calibrationCounted;
    calibration_->setText(!counted ? tr("– (the calibration cannot be used: see the problems)")
                                   : tr("%1 tokens (%2 texts cut into %3 blocks of %4)")
                                         .arg(formatInteger(static_cast<std::int64_t>(p.calibrationTokens)))
                                         .arg(s.samples)
                                         .arg(s.seqlen > 0 ? static_cast<qint64>(p.calibrationTokens / std::uint64_t(s.seqlen)) : 0)
                                         .arg(s.seqlen));
    QString memory = counted ? tr("%1 estimated on %2").arg(formatMemory(p.estimatedPeakDeviceBytes), cuda ? tr("the GPU") : tr("the CPU (host RAM)"))
                             : tr("unknown (depends on the calibration)");
    if (p.deviceFreeBytes) memory += tr(" · %1 free").arg(formatMemory(*p.deviceFreeBytes));
    memory_->setText(memory);
    QString disk = tr("%1 output").arg(formatBytes(p.estimatedOutputBytes));
    if (p.diskFreeBytes) disk += tr(" · %1 free").arg(formatBytes(*p.diskFreeBytes));
    disk_->setText(disk);
    details_->setText(bulletList(p.problems, tr("Problems")) + bulletList(p.warnings, tr("Warnings")));
    if (p.estimatedSeconds) {
        const double sec = *p.estimatedSeconds;
        const QString span = sec < 90 ? tr("about %1 s").arg(std::max(1, int(sec + 0.5))) : tr("about %1 min").arg(int(sec / 60 + 0.5));
        // What was measured and where, as the CLI says it: the matmul rate only where the estimate is
        // the FLOP count over it (beside a layer-timed estimate it read as the estimate's basis).
        const QString device = QString::fromStdString(deviceLabel(thisHost(p.device)));
        // A resume runs the layers left only (the estimate covers those).
        const QString left = p.resumeFromLayer > 0 ? tr(" for layers %1-%2 (a resume)").arg(p.resumeFromLayer + 1).arg(p.layers) : QString();
        time_->setText(p.layerTimed ? tr("%1%2 (an estimate from a layer of this job timed on %3)").arg(span, left, device)
                                    : tr("%1%2 (an estimate from the job's FLOPs at %3 GFLOP/s, a matmul measured on %4)")
                                          .arg(span, left)
                                          .arg(p.deviceFlopsPerSecond / 1e9, 0, 'f', 1)
                                          .arg(device));
    } else {
        time_->setText(counted ? tr("unknown (the device could not be measured)") : tr("unknown (depends on the calibration)"));
    }
    trade_->setText(!counted ? tr("–")
                    : p.tradedAgainstAutoAwq.empty()
                        ? tr("nothing: AutoAWQ's full search (128 × 512 tokens, 20 ratios)")
                        : tr("%1, for speed on this device; set 128 samples × 512 tokens and 20 ratios for AutoAWQ's full search")
                              .arg(QString::fromStdString(p.tradedAgainstAutoAwq)));
    if (counted && s.method == QuantMethodChoice::Rtn) trade_->setText(tr("nothing: RTN has no calibration search"));
    if (counted && s.method == QuantMethodChoice::Gptq) trade_->setText(tr("nothing: GPTQ has no search grid (calibration as set)"));

    if (!p.problems.empty())
        setVerdict(tr("Cannot start: %1.").arg(countNoun(static_cast<std::int64_t>(p.problems.size()), tr("problem"), tr("problems"))),
                   QStringLiteral("#b3261e"));
    else if (!p.warnings.empty())
        setVerdict(tr("Ready, with %1.").arg(countNoun(static_cast<std::int64_t>(p.warnings.size()), tr("warning"), tr("warnings"))),
                   QStringLiteral("#a84b00"));
    else if (p.deviceFreeBytes)
        // "The job alone" and "estimate": the memory chart beside it measures the whole app (or card).
        setVerdict(tr("Ready: the job alone needs about %1 (estimate) of the %2 free on the GPU.")
                       .arg(formatMemory(p.estimatedPeakDeviceBytes), formatMemory(*p.deviceFreeBytes)),
                   QStringLiteral("#1e7b34"));
    else
        setVerdict(tr("Ready: the job alone needs about %1 of memory (estimate).").arg(formatMemory(p.estimatedPeakDeviceBytes)), QStringLiteral("#1e7b34"));
}

QString PreflightView::verdict() const { return verdict_->text(); }

QString PreflightView::details() const { return details_->text(); }

QString PreflightView::timeText() const { return time_->text(); }

QString PreflightView::tradeText() const { return trade_->text(); }

QString PreflightView::calibrationText() const { return calibration_->text(); }

QString PreflightView::memoryText() const { return memory_->text(); }

}  // namespace awq::ui
