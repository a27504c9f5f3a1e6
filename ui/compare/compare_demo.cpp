#include "ui/compare/compare_demo.h"

#include "ui/compare/battery_view.h"
#include "ui/compare/compare_page.h"
#include "ui/compare/compare_session.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QThread>

#include <spdlog/spdlog.h>

#include <functional>

namespace awq::ui {
namespace {

bool waitFor(const std::function<bool()>& done, QElapsedTimer& clock, int timeoutMs) {
    while (!done() && clock.elapsed() < timeoutMs) {
        QApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    return done();
}

}  // namespace

bool runCompareDemo(ComparePage& page, const QString& a, const QString& b, const QString& runsFolder, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    page.setRunsFolder(runsFolder);
    page.restoreModels(a, b);   // a screenshot is not the user's choice: nothing is remembered
    page.maxNewSpin()->setValue(48);
    // The pickers select A and B once the scan lists them.
    page.loadModels();
    if (!waitFor([&] { return !page.session()->isBusy(); }, clock, timeoutMs) || !page.modelsLoaded()) {
        spdlog::error("Compare demo: could not load {} and {}", a.toStdString(), b.toStdString());
        return false;
    }
    page.tabs()->setCurrentIndex(ComparePage::BatteryTab);
    page.setSetupExpanded(false);   // loaded: the one-line summary leaves the height to the battery
    page.runBattery();
    if (!waitFor([&] { return !page.session()->isBusy(); }, clock, timeoutMs) || page.lastRunFile().isEmpty()) {
        spdlog::error("Compare demo: the battery did not finish within {} ms", timeoutMs);
        page.cancel();
        return false;
    }
    // The first test's prompt and answers in the answer pane.
    page.battery()->testTable()->selectRow(0);
    return true;
}

}  // namespace awq::ui
