#include "ui/models/library_scanner.h"

#include "ui/util/path_text.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>

#include <spdlog/spdlog.h>

namespace awq::ui {

LibraryScanner::LibraryScanner(QObject* parent) : QObject(parent) {
    worker_ = new QObject;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName(QStringLiteral("library-scan"));
    thread_.start(QThread::LowPriority);
}

LibraryScanner::~LibraryScanner() {
    stop_.request_stop();
    thread_.quit();
    thread_.wait();
}

void LibraryScanner::start(const LibraryRoots& roots) {
    if (running_) stop_.request_stop();   // the old scan returns early; its results are dropped
    stop_ = std::stop_source();
    const quint64 generation = ++generation_;
    running_ = true;
    Q_EMIT started();

    QPointer<LibraryScanner> self(this);
    std::stop_token token = stop_.get_token();
    QMetaObject::invokeMethod(
        worker_,
        [self, roots, token, generation] {
            QElapsedTimer sinceLastReport;
            sinceLastReport.start();
            bool first = true;
            auto report = [&](const ScanProgress& p) {
                const bool last = p.found > 0 && p.described == p.found;
                if (!first && !last && sinceLastReport.elapsed() < kProgressIntervalMs) return;
                first = false;
                sinceLastReport.restart();
                const int found = static_cast<int>(p.found);
                const int described = static_cast<int>(p.described);
                const QString current = toQString(p.current);
                // `self` is only dereferenced on the GUI thread, inside the queued call.
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, generation, found, described, current] {
                        if (self && self->generation_ == generation) Q_EMIT self->progress(found, described, current);
                    },
                    Qt::QueuedConnection);
            };

            auto entries = std::make_shared<std::vector<CatalogEntry>>();
            try {
                *entries = scanLibrary(roots, token, report);
            } catch (const std::exception& e) {
                // scanLibrary reports broken models per entry; this is a bug or an unreadable root.
                spdlog::error("Library scan failed: {}", e.what());
            }
            const bool cancelled = token.stop_requested();
            QMetaObject::invokeMethod(
                self.data(),
                [self, generation, entries, cancelled] {
                    if (self) self->deliver(generation, entries, cancelled);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void LibraryScanner::cancel() {
    if (running_) stop_.request_stop();
}

void LibraryScanner::deliver(quint64 generation, std::shared_ptr<std::vector<CatalogEntry>> entries, bool cancelled) {
    if (generation != generation_) return;   // a newer scan replaced this one
    running_ = false;
    Q_EMIT finished(std::move(entries), cancelled);
}

}  // namespace awq::ui
