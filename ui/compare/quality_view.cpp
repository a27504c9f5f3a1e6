#include "ui/compare/quality_view.h"

#include "core/util/format.h"
#include "core/util/resources.h"
#include "ui/compare/ab_results_table.h"
#include "ui/util/catalog_text.h"
#include "ui/util/path_text.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace awq::ui {

QualityView::QualityView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("qualityView"));
    text_ = new QLineEdit;
    text_->setObjectName(QStringLiteral("qualityText"));
    text_->setPlaceholderText(tr("UTF-8 text file to score (e.g. WikiText-2 test, or held-out stories)"));
    // A default text, so that Evaluate works at once: short stories written for this project, held
    // out of the calibration text (scoring the calibration text would flatter the quantized model).
    // Long enough for kFewWindows windows at the default ctx (it gave 4, and every default run was
    // flagged as noisy): 4,629 tokens with the demo model's tokenizer, 18 windows of 256.
    if (const auto bundled = findResourceFile("quality/heldout-stories.txt"); !bundled.empty()) {
        text_->setText(toQString(bundled));
        text_->setToolTip(tr("Default: the bundled held-out stories (about 4,600 tokens with the demo model's tokenizer: 18 windows "
                             "of 256 tokens; not part of the calibration text). For a figure comparable with published ones use "
                             "WikiText-2 test or text like your users' prompts."));
    }
    browse_ = new QPushButton(tr("Browse…"));
    ctx_ = new QSpinBox;
    ctx_->setRange(16, 32768);
    ctx_->setValue(256);
    ctx_->setPrefix(tr("ctx "));
    stride_ = new QSpinBox;
    stride_->setRange(1, 32768);
    stride_->setValue(256);
    stride_->setPrefix(tr("stride "));
    windows_ = new QSpinBox;
    windows_->setRange(0, 100000);
    windows_->setValue(64);
    windows_->setPrefix(tr("windows "));
    windows_->setSpecialValueText(tr("all windows"));
    windows_->setToolTip(tr("At most this many windows of ctx tokens are scored (the bundled text gives 18 at ctx 256). "
                            "Fewer than %1 windows are flagged: too little text for a sound figure.")
                             .arg(kFewWindows));
    run_ = new QPushButton(tr("Evaluate"));
    run_->setObjectName(QStringLiteral("qualityRun"));
    stop_ = new QPushButton(tr("Stop"));
    progress_ = new QProgressBar;
    progress_->setMaximumWidth(220);

    auto* tools = new QHBoxLayout;
    tools->addWidget(text_, 1);
    tools->addWidget(browse_);
    tools->addWidget(ctx_);
    tools->addWidget(stride_);
    tools->addWidget(windows_);
    tools->addWidget(progress_);
    tools->addWidget(stop_);
    tools->addWidget(run_);

    results_ = makeAbResultsTable({tr("Perplexity"), tr("Scored tokens"), tr("KL divergence vs A"), tr("Top-1 agreement vs A")}, QStringLiteral("qualityResults"));
    shortfall_ = new QLabel;
    shortfall_->setObjectName(QStringLiteral("qualityShortfall"));
    shortfall_->setWordWrap(true);
    shortfall_->setStyleSheet(QStringLiteral("QLabel { color: #a84b00; font-weight: bold; }"));
    shortfall_->hide();
    notes_ = new QLabel;
    notes_->setObjectName(QStringLiteral("qualityNotes"));
    notes_->setWordWrap(true);
    auto* explain = new QLabel(tr("Perplexity over non-overlapping windows (lower is better). KL divergence: mean KL(A ‖ B) per "
                                  "scored token; top-1 agreement: how often B's most likely next token is A's. Both need the same "
                                  "tokenizer."));
    explain->setWordWrap(true);
    explain->setEnabled(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(tools);
    layout->addWidget(shortfall_);
    layout->addWidget(results_);
    layout->addWidget(notes_);
    layout->addWidget(explain);
    layout->addStretch(1);

    // A window scores at most its own length: the stride follows a shorter context.
    stride_->setMaximum(ctx_->value());
    connect(ctx_, &QSpinBox::valueChanged, stride_, &QSpinBox::setMaximum);
    connect(browse_, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Text to score"), QString(), tr("Text (*.txt *.raw);;All files (*)"));
        if (!f.isEmpty()) text_->setText(f);
    });
    connect(run_, &QPushButton::clicked, this, &QualityView::runRequested);
    connect(stop_, &QPushButton::clicked, this, &QualityView::stopRequested);
    setModelNames(tr("A"), tr("B"));
    setRunning(false, false);
}

QualityOptions QualityView::options() const {
    QualityOptions o;
    o.text = toPath(text_->text().trimmed());
    o.perplexity.context = ctx_->value();
    o.perplexity.stride = stride_->value();
    o.perplexity.maxWindows = windows_->value();
    return o;
}

void QualityView::setTextFile(const QString& path) { text_->setText(path); }

void QualityView::setModelNames(const QString& a, const QString& b) {
    setAbModelNames(results_, a, b);
}

void QualityView::setRunning(bool running, bool canRun) {
    run_->setEnabled(!running && canRun);
    stop_->setEnabled(running);
}

void QualityView::begin() {
    for (int r = 0; r < RowCount; ++r)
        for (int c = 0; c < 2; ++c) results_->item(r, c)->setText(QString());
    notes_->clear();
    shortfall_->clear();
    shortfall_->hide();
    requestedWindows_ = windows_->value();
    progress_->setRange(0, 0);
}

void QualityView::onProgress(const QString& slot, int window, int windows) {
    progress_->setRange(0, std::max(windows, 1));
    progress_->setValue(window);
    progress_->setFormat(tr("%1: window %2 of %3").arg(slot).arg(window).arg(windows));
}

void QualityView::showResult(const QualityRun& q, bool cancelled) {
    progress_->setRange(0, 1);
    progress_->setValue(1);
    progress_->setFormat(cancelled ? tr("cancelled") : tr("done"));
    for (const auto& [slot, m] : q.models) {
        const int c = slot == "B" ? 1 : 0;
        results_->item(PerplexityRow, c)->setText(QString::number(m.perplexity, 'f', 3));
        results_->item(TokensRow, c)->setText(formatInteger(m.tokens));
        if (m.kldVsA) results_->item(KldRow, c)->setText(QString::number(*m.kldVsA, 'g', 4));
        if (m.top1VsA) results_->item(Top1Row, c)->setText(QStringLiteral("%1 %").arg(*m.top1VsA * 100.0, 0, 'f', 1));
    }
    // The window count scored, and whether the text ran out before the count asked for.
    const bool wholeText = !cancelled && requestedWindows_ > 0 && q.windows < requestedWindows_;
    QString notes = tr("%1, ctx %2, stride %3, %4%5.")
                        .arg(QString::fromStdString(q.text))
                        .arg(q.ctx)
                        .arg(q.stride)
                        .arg(QString::fromStdString(format::counted(std::uint64_t(q.windows), "window")))
                        .arg(wholeText ? tr(" (the whole text; %1 allowed)").arg(requestedWindows_) : QString());
    if (!q.notes.empty()) notes += QLatin1Char(' ') + QString::fromStdString(q.notes);
    if (cancelled) notes += tr(" Stopped early: the numbers cover the windows scored so far.");
    notes_->setText(notes);
    // A text too short for a sound figure (fewer than kFewWindows windows, and fewer than asked
    // for): said where it is seen, not only in the caption. A text that runs out after enough
    // windows (the bundled default: 18 of the 64 allowed) is no shortfall; the notes give the count.
    QString shortfall;
    if (!cancelled && requestedWindows_ > 0 && q.windows < requestedWindows_ && q.windows < kFewWindows)
        shortfall = tr("%1 of %2 windows: the text is short, KLD/top-1 are noisy; choose a longer text (e.g. WikiText-2 test).")
                        .arg(q.windows)
                        .arg(requestedWindows_);
    else if (!cancelled && requestedWindows_ == 0 && q.windows < kFewWindows)
        shortfall = tr("Only %1: the text is short, KLD/top-1 are noisy; choose a longer text (e.g. WikiText-2 test).")
                        .arg(QString::fromStdString(format::counted(std::uint64_t(q.windows), "window")));
    shortfall_->setText(shortfall);
    shortfall_->setVisible(!shortfall.isEmpty());
}

}  // namespace awq::ui
