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
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace awq::ui {
namespace {
constexpr int kMaxCtx = 32768;   // without a loaded model's context to limit it
}  // namespace

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
    ctx_->setRange(16, kMaxCtx);
    ctx_->setValue(256);
    ctx_->setPrefix(tr("ctx "));
    // valueChanged once the edit is finished, not for each keystroke: typing 512 over 256 passes
    // through 51, which the stride used to follow down and keep.
    ctx_->setKeyboardTracking(false);
    ctx_->setToolTip(tr("Tokens in each window"));
    stride_ = new QSpinBox;
    stride_->setRange(1, ctx_->value());   // at most the ctx: a longer stride would leave tokens unscored
    stride_->setValue(256);
    stride_->setPrefix(tr("stride "));
    stride_->setToolTip(tr("Tokens between window starts; each window scores its last stride tokens. Equal to ctx (the default, and it "
                           "follows ctx until you set another): non-overlapping windows, the documented protocol. Smaller: overlapping "
                           "windows, more compute and another figure."));
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
    caption_ = new QLabel;
    caption_->setObjectName(QStringLiteral("qualityCaption"));
    caption_->setWordWrap(true);
    caption_->setEnabled(false);
    ctxLimit_ = new QLabel;
    ctxLimit_->setObjectName(QStringLiteral("qualityContextLimit"));
    ctxLimit_->setWordWrap(true);
    ctxLimit_->setEnabled(false);
    ctxLimit_->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(tools);
    layout->addWidget(ctxLimit_);
    layout->addWidget(shortfall_);
    layout->addWidget(results_);
    layout->addWidget(notes_);
    layout->addWidget(caption_);
    layout->addStretch(1);

    connect(ctx_, &QSpinBox::valueChanged, this, &QualityView::onContextCommitted);
    connect(stride_, &QSpinBox::valueChanged, this, [this](int stride) {
        if (!settingStride_) strideFollowsCtx_ = stride == ctx_->value();
        updateCaption();
    });
    connect(browse_, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Text to score"), QString(), tr("Text (*.txt *.raw);;All files (*)"));
        if (!f.isEmpty()) text_->setText(f);
    });
    connect(run_, &QPushButton::clicked, this, [this] {
        // A ctx or stride still being typed counts (Evaluate pressed from the keyboard keeps the focus there).
        ctx_->interpretText();
        stride_->interpretText();
        Q_EMIT runRequested();
    });
    connect(stop_, &QPushButton::clicked, this, &QualityView::stopRequested);
    setModelNames(tr("A"), tr("B"));
    setRunning(false, false);
    updateCaption();
}

void QualityView::onContextCommitted(int ctx) {
    settingStride_ = true;
    stride_->setMaximum(ctx);   // a window scores at most its own length: clamps a longer stride the user set
    if (strideFollowsCtx_) stride_->setValue(ctx);
    settingStride_ = false;
    updateCaption();
}

void QualityView::updateCaption() {
    const int ctx = ctx_->value(), stride = stride_->value();
    const QString windows =
        stride >= ctx ? tr("Perplexity over non-overlapping windows of %1 tokens (lower is better).").arg(formatInteger(ctx))
                      : tr("Perplexity over overlapping windows: %1 tokens each, one every %2 tokens, each scoring its last %2 "
                           "(lower is better; about %3× the compute of non-overlapping windows, and not the same figure: "
                           "set stride to ctx for the documented protocol).")
                            .arg(formatInteger(ctx), formatInteger(stride))
                            .arg(double(ctx) / stride, 0, 'f', 1);
    caption_->setText(windows + tr(" KL divergence: mean KL(A ‖ B) per scored token; top-1 agreement: how often B's most likely next "
                                   "token is A's. Both need the same tokenizer."));
}

void QualityView::setContextLimit(int tokens, const QString& models) {
    ctx_->setMaximum(tokens > 0 ? std::min(tokens, kMaxCtx) : kMaxCtx);   // lowers a longer ctx (valueChanged: the stride follows)
    ctxLimit_->setText(tokens > 0 ? tr("ctx at most %1 tokens: the context of %2.").arg(formatInteger(tokens), models) : QString());
    ctxLimit_->setVisible(tokens > 0);
    ctx_->setToolTip(tokens > 0 ? tr("Tokens in each window: at most %1, the context of %2").arg(formatInteger(tokens), models)
                                : tr("Tokens in each window"));
}

QString QualityView::inPageTerms(QString message) {
    // Each flag matched whole ("--text" is not the start of "--text-file").
    const std::pair<const char*, QString> boxes[] = {
        {"--ctx", tr("ctx")},
        {"--stride", tr("stride")},
        {"--max-windows", tr("windows")},
        {"--text", tr("the text file")},
    };
    for (const auto& [flag, box] : boxes)
        message.replace(QRegularExpression(QStringLiteral("(?<![\\w-])%1(?![\\w-])").arg(QRegularExpression::escape(QLatin1String(flag)))), box);
    return message;
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

void QualityView::showFailure() {
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("failed"));
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
    QString notes = tr("%1, ctx %2, stride %3%4, %5%6.")
                        .arg(QString::fromStdString(q.text))
                        .arg(q.ctx)
                        .arg(q.stride)
                        .arg(q.stride < q.ctx ? tr(" (overlapping windows)") : QString())
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
