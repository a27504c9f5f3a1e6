#pragma once
// The live memory chart of a job: memory in use over time, its running peak, and the card's (or
// host's) total as a dashed line. Fed by the app's SystemMonitor (jobMemory of each sample); the job's own peak (torch's allocator)
// can be folded in when the job reports one.
#include <QWidget>

#include <cstdint>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;

namespace awq::ui {

// What the chart calls the series for a device ("GPU memory (NVML, whole card)", "Process memory (RSS)").
QString memorySeriesName(bool cuda);

class MemoryChart : public QWidget {
    Q_OBJECT
public:
    explicit MemoryChart(QWidget* parent = nullptr);

    // Clears the chart; `seriesName` says honestly what is measured (see memorySeriesName).
    void reset(const QString& seriesName, bool cuda);
    void addSample(double seconds, std::uint64_t usedBytes, std::uint64_t totalBytes);
    void notePeak(std::uint64_t peakBytes);   // a peak the job measured itself (torch allocator)

    int sampleCount() const { return samples_; }
    std::uint64_t peakBytes() const { return peak_; }
    std::uint64_t totalBytes() const { return total_; }
    QCustomPlot* plot() const { return plot_; }
    // Entries per legend row: all in one row when they fit the chart's width, else fewer (wrapped).
    int legendColumns() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void rescale();
    void fitLegend();   // wraps the legend so that no entry's text is clipped at the chart's width

    QCustomPlot* plot_ = nullptr;
    QCPGraph* current_ = nullptr;
    QCPGraph* peakGraph_ = nullptr;
    QCPGraph* totalLegend_ = nullptr;   // legend entry for the total line
    QCPItemStraightLine* totalLine_ = nullptr;
    bool cuda_ = false;
    int samples_ = 0;
    double lastSeconds_ = 0;
    std::uint64_t peak_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace awq::ui
