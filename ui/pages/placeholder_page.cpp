#include "ui/pages/placeholder_page.h"

#include "ui/util/icons.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace awq::ui {

PlaceholderPage::PlaceholderPage(const PlaceholderText& text, QWidget* parent) : QWidget(parent), headline_(text.headline) {
    auto* pic = new QLabel;
    pic->setPixmap(icon(text.iconName).pixmap(64, 64));
    pic->setAlignment(Qt::AlignCenter);
    pic->setEnabled(false);

    auto* headline = new QLabel(text.headline);
    headline->setObjectName(QStringLiteral("placeholderHeadline"));
    headline->setAlignment(Qt::AlignCenter);
    headline->setWordWrap(true);
    QFont f = headline->font();
    f.setPointSizeF(f.pointSizeF() * 1.35);
    f.setBold(true);
    headline->setFont(f);

    QString list = QStringLiteral("<p>%1</p><ul>").arg(tr("Not available in this build yet. When it lands, this page will:"));
    for (const QString& line : text.plans) list += QStringLiteral("<li>%1</li>").arg(line.toHtmlEscaped());
    list += QStringLiteral("</ul>");
    auto* plans = new QLabel(list);
    plans->setObjectName(QStringLiteral("placeholderPlans"));
    plans->setTextFormat(Qt::RichText);
    plans->setWordWrap(true);
    plans->setFixedWidth(600);

    auto* layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addWidget(pic);
    layout->addWidget(headline);
    layout->addSpacing(12);
    auto* centered = new QHBoxLayout;
    centered->addStretch(1);
    centered->addWidget(plans);
    centered->addStretch(1);
    layout->addLayout(centered);
    layout->addStretch(3);
}

PlaceholderText quantizePlaceholder() {
    return {QStringLiteral("quantize"),
            QObject::tr("Quantize: this build has no quantizer (built without libtorch)"),
            {QObject::tr("quantize a Hugging Face model to 4-bit AWQ (GEMM layout, group 128, zero point) that vLLM "
                         "and transformers load"),
             QObject::tr("run layer by layer, showing each layer's scale search, clipping and error as it happens, "
                         "with GPU memory alongside"),
             QObject::tr("record the source model's fingerprint in the output so it can be traced back")}};
}

PlaceholderText comparePlaceholder() {
    return {QStringLiteral("compare"),
            QObject::tr("Compare: this build has no inference engine (built without libtorch)"),
            {QObject::tr("load two models at once and run the same prompt battery on both"),
             QObject::tr("measure TTFT, TPOT, output tokens/s and p50/p95/p99 latencies"),
             QObject::tr("score quality as perplexity, KL divergence and top-1 agreement against the FP16 model, and "
                         "flag loops and empty answers")}};
}

}  // namespace awq::ui
