#include "ui/shell/gpu_status_widget.h"

#include "ui/util/catalog_text.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>

namespace awq::ui {

GpuStatusWidget::GpuStatusWidget(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("gpuStatus"));
    layout_ = new QHBoxLayout(this);
    layout_->setContentsMargins(0, 0, 0, 0);
    layout_->setSpacing(6);
    label_ = new QLabel(tr("GPU: probing…"));
    label_->setObjectName(QStringLiteral("gpuStatusText"));
    layout_->addWidget(label_);
}

QString GpuStatusWidget::text() const { return label_->text(); }

void GpuStatusWidget::showProbe(const GpuProbeResult& probe) {
    if (!probe.available || probe.gpus.empty()) {
        for (QProgressBar* b : bars_) b->deleteLater();
        bars_.clear();
        label_->setText(tr("No GPU"));
        const QString reason = QString::fromStdString(probe.reason);
        setToolTip(reason.isEmpty() ? tr("No NVIDIA GPU found") : reason);
        return;
    }

    while (bars_.size() < probe.gpus.size()) {
        auto* bar = new QProgressBar;
        bar->setRange(0, 1000);
        bar->setTextVisible(false);
        bar->setFixedSize(60, 10);
        layout_->addWidget(bar);
        bars_.push_back(bar);
    }
    while (bars_.size() > probe.gpus.size()) {
        bars_.back()->deleteLater();
        bars_.pop_back();
    }

    QStringList parts;
    QStringList tip;
    if (!probe.driverVersion.empty()) tip << tr("Driver %1").arg(QString::fromStdString(probe.driverVersion));
    for (std::size_t i = 0; i < probe.gpus.size(); ++i) {
        const GpuInfo& g = probe.gpus[i];
        const double used = static_cast<double>(g.usedBytes) / 1073741824.0;
        const double total = static_cast<double>(g.totalBytes) / 1073741824.0;
        if (probe.gpus.size() == 1)
            parts << tr("GPU %1 %2: %3 / %4 GiB").arg(g.index).arg(QString::fromStdString(g.name)).arg(used, 0, 'f', 1).arg(total, 0, 'f', 1);
        else
            parts << tr("GPU %1: %2 / %3 GiB").arg(g.index).arg(used, 0, 'f', 1).arg(total, 0, 'f', 1);
        bars_[i]->setValue(g.totalBytes ? static_cast<int>(1000.0 * static_cast<double>(g.usedBytes) / static_cast<double>(g.totalBytes)) : 0);
        tip << tr("GPU %1 %2: %3 used, %4 free of %5")
                   .arg(g.index)
                   .arg(QString::fromStdString(g.name), formatGiB(g.usedBytes), formatGiB(g.freeBytes), formatGiB(g.totalBytes));
        for (const GpuProcess& p : g.processes) tip << tr("    pid %1: %2").arg(p.pid).arg(formatGiB(p.usedBytes));
    }
    label_->setText(parts.join(QStringLiteral("  ·  ")));
    setToolTip(tip.join(QLatin1Char('\n')));
}

}  // namespace awq::ui
