#pragma once
// Runs awq::scanLibrary on its own QThread and reports back on the GUI thread: progress while it
// walks the roots, the entries when done. Cancel stops it through a std::stop_source; starting a
// new scan stops the one in flight (its late results are dropped).
#include "core/library/catalog.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <memory>
#include <stop_token>
#include <vector>

namespace awq::ui {

class LibraryScanner : public QObject {
    Q_OBJECT
public:
    explicit LibraryScanner(QObject* parent = nullptr);
    ~LibraryScanner() override;

    void start(const LibraryRoots& roots);
    void cancel();
    bool isRunning() const { return running_; }

    // Progress arrives at most this often (the last update always arrives).
    static constexpr int kProgressIntervalMs = 50;

Q_SIGNALS:
    void started();
    void progress(int found, int described, const QString& current);
    // `cancelled`: the scan was stopped early and `entries` holds what it had found by then.
    void finished(std::shared_ptr<std::vector<awq::CatalogEntry>> entries, bool cancelled);

private:
    void deliver(quint64 generation, std::shared_ptr<std::vector<CatalogEntry>> entries, bool cancelled);

    QThread thread_;
    QObject* worker_ = nullptr;      // lives on thread_, runs the scans
    std::stop_source stop_;
    quint64 generation_ = 0;
    bool running_ = false;
};

}  // namespace awq::ui
