#pragma once
// The status bar's GPU memory: "GPU 0 NVIDIA H100: 12.3 / 79.6 GiB" with a usage bar per card and
// the processes in the tooltip, or "No GPU" (with the reason in the tooltip).
#include "core/system/gpu_probe.h"

#include <QWidget>

#include <vector>

class QHBoxLayout;
class QLabel;
class QProgressBar;

namespace awq::ui {

class GpuStatusWidget : public QWidget {
    Q_OBJECT
public:
    explicit GpuStatusWidget(QWidget* parent = nullptr);

    void showProbe(const GpuProbeResult& probe);
    QString text() const;    // the label text, for tests and accessibility

private:
    QHBoxLayout* layout_ = nullptr;
    QLabel* label_ = nullptr;
    std::vector<QProgressBar*> bars_;
};

}  // namespace awq::ui
