#include "ui/reports/reports_page.h"

#include "core/report/report_content.h"
#include "core/run/run_created.h"
#include "core/run/run_document.h"
#include "core/util/error.h"
#include "ui/reports/chart_painter.h"
#include "ui/util/data_folders.h"
#include "ui/util/field_label.h"

#include <QApplication>
#include <QComboBox>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QTimer>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace awq::ui {

namespace {

constexpr double kPreviewChartWidth = 680;
constexpr int kPathRole = ReportsPage::PathRole;
constexpr int kModelsRole = Qt::UserRole + 3;   // a readable run's model names, in slot order

// Draws each line of a run's two-line entry elided in the middle to the list's width, and asks for
// no width of its own: long model names made the list scroll sideways, with the date and the
// kind behind the scroll bar.
class RunItemDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QSize s = QStyledItemDelegate::sizeHint(option, index);
        s.setWidth(1);   // the list gives each item its own width
        return s;
    }

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const QWidget* view = opt.widget;
        QStyle* style = view ? view->style() : QApplication::style();
        const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1;
        const int room = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, view).width() - 2 * margin;
        // initStyleOption has made each '\n' a line separator already.
        QStringList lines = QString(opt.text).replace(QLatin1Char('\n'), QChar::LineSeparator).split(QChar::LineSeparator);
        for (QString& line : lines) line = opt.fontMetrics.elidedText(line, Qt::ElideMiddle, std::max(0, room));
        // The models' line: each name gets its share, so that " vs " and both ends of each stay.
        const QStringList names = index.data(kModelsRole).toStringList();
        if (!lines.isEmpty() && names.size() > 1) {
            const QString sep = ReportsPage::tr(" vs ");
            // Equal shares, a short name's unused room going to the longer ones.
            int free = room - int(names.size() - 1) * opt.fontMetrics.horizontalAdvance(sep);
            int longer = 0;
            for (const QString& n : names) {
                const int w = opt.fontMetrics.horizontalAdvance(n);
                if (w <= free / int(names.size())) free -= w;
                else ++longer;
            }
            const int share = longer ? free / longer : free;
            QStringList fitted;
            for (const QString& n : names)
                fitted << (opt.fontMetrics.horizontalAdvance(n) <= share ? n : opt.fontMetrics.elidedText(n, Qt::ElideMiddle, std::max(0, share)));
            lines[0] = fitted.join(sep);
        }
        opt.text = lines.join(QChar::LineSeparator);
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, view);
    }
};

QString kindTitle(const std::string& kind) {
    if (kind == "compare") return ReportsPage::tr("Compare");
    if (kind == "sweep") return ReportsPage::tr("Sweep");
    return kind.empty() ? ReportsPage::tr("Run") : QString::fromStdString(kind);
}

QString formatTitle(report::ReportFormat f) {
    switch (f) {
    case report::ReportFormat::Html: return ReportsPage::tr("Export HTML...");
    case report::ReportFormat::Markdown: return ReportsPage::tr("Export Markdown...");
    case report::ReportFormat::Pdf: return ReportsPage::tr("Export PDF...");
    case report::ReportFormat::Json: return ReportsPage::tr("Export JSON...");
    }
    return {};
}

QString formatFilter(report::ReportFormat f) {
    switch (f) {
    case report::ReportFormat::Html: return ReportsPage::tr("HTML report (*.html *.htm)");
    case report::ReportFormat::Markdown: return ReportsPage::tr("Markdown report (*.md)");
    case report::ReportFormat::Pdf: return ReportsPage::tr("PDF report (*.pdf)");
    case report::ReportFormat::Json: return ReportsPage::tr("Run document (*.json)");
    }
    return {};
}

}  // namespace

ReportsPage::ReportsPage(const QString& runsFolder, QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* top = new QHBoxLayout;
    folderLabel_ = new QLabel;
    folderLabel_->setObjectName(QStringLiteral("runsFolderLabel"));
    folderLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* chooseFolder = new QPushButton(tr("Runs folder..."));
    chooseFolder->setToolTip(tr("Pick the folder whose saved runs (RUN.json) are listed"));
    auto* refresh = new QPushButton(tr("Refresh"));
    auto* open = new QPushButton(tr("Open run..."));
    open->setObjectName(QStringLiteral("openRunButton"));
    open->setToolTip(tr("Open a saved run document from anywhere (Compare page, awqbench-cli compare / sweep)"));
    top->addWidget(folderLabel_, 1);
    top->addWidget(chooseFolder);
    top->addWidget(refresh);
    top->addWidget(open);
    layout->addLayout(top);

    auto* split = new QSplitter(Qt::Horizontal);
    runs_ = new QListWidget;
    runs_->setObjectName(QStringLiteral("runList"));
    runs_->setMinimumWidth(200);
    runs_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    runs_->setTextElideMode(Qt::ElideMiddle);
    runs_->setResizeMode(QListView::Adjust);
    runs_->setAlternatingRowColors(true);   // two lines an entry: where one ends shows
    runs_->setItemDelegate(new RunItemDelegate(runs_));
    split->addWidget(runs_);

    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto* previewRow = new QHBoxLayout;
    previewChoice_ = new QComboBox;
    previewChoice_->setObjectName(QStringLiteral("previewChoice"));
    previewChoice_->addItem(tr("HTML report"));
    previewChoice_->addItem(tr("Markdown text"));
    previewRow->addWidget(fieldLabel(tr("Preview:"), previewChoice_));
    previewRow->addWidget(previewChoice_);
    previewRow->addStretch(1);
    rightLayout->addLayout(previewRow);
    browser_ = new QTextBrowser;
    browser_->setObjectName(QStringLiteral("reportPreview"));
    browser_->setOpenLinks(true);
    browser_->setOpenExternalLinks(false);
    rightLayout->addWidget(browser_, 1);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    split->setSizes({330, 710});   // room for "Compare · cancelled · <date>"
    layout->addWidget(split, 1);

    auto* bottom = new QHBoxLayout;
    message_ = new QLabel;
    message_->setObjectName(QStringLiteral("reportMessage"));
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bottom->addWidget(message_, 1);
    for (auto f : {report::ReportFormat::Html, report::ReportFormat::Markdown, report::ReportFormat::Pdf, report::ReportFormat::Json}) {
        auto* b = new QPushButton(formatTitle(f));
        b->setObjectName(QStringLiteral("export_%1").arg(QString::fromUtf8(report::formatName(f).data(), qsizetype(report::formatName(f).size()))));
        connect(b, &QPushButton::clicked, this, [this, f] { exportInteractive(f); });
        exportButtons_[f] = b;
        bottom->addWidget(b);
    }
    layout->addLayout(bottom);

    connect(chooseFolder, &QPushButton::clicked, this, &ReportsPage::chooseFolder);
    connect(refresh, &QPushButton::clicked, this, &ReportsPage::refreshRuns);
    connect(open, &QPushButton::clicked, this, &ReportsPage::openDialog);
    connect(runs_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item) openRun(item->data(kPathRole).toString());
    });
    connect(previewChoice_, &QComboBox::currentIndexChanged, this,
            [this](int index) { setPreview(index == 1 ? Preview::Markdown : Preview::Html); });

    // The list follows the folder: Compare creates it with its first run and adds runs while this
    // page stays open ("does not exist yet" used to stay until Refresh).
    watcher_ = new QFileSystemWatcher(this);
    refreshTimer_ = new QTimer(this);
    refreshTimer_->setSingleShot(true);
    refreshTimer_->setInterval(150);
    connect(refreshTimer_, &QTimer::timeout, this, &ReportsPage::refreshRuns);
    connect(watcher_, &QFileSystemWatcher::directoryChanged, refreshTimer_, qOverload<>(&QTimer::start));

    setRunsFolder(runsFolder.isEmpty() ? appDataFolder(QStringLiteral("runs")) : runsFolder);
    updateButtons();
    browser_->setPlainText(tr("Pick a saved run on the left, or open one, to preview its report."));
}

ReportsPage::~ReportsPage() = default;


void ReportsPage::setRunsFolder(const QString& folder) {
    runsFolder_ = QDir::cleanPath(folder);
    folderLabel_->setText(tr("Runs in %1").arg(QDir::toNativeSeparators(runsFolder_)));
    refreshRuns();
}

void ReportsPage::watchRunsFolder() {
    if (!watcher_->directories().isEmpty()) watcher_->removePaths(watcher_->directories());
    // A missing folder is watched through its nearest existing ancestor, which changes when the
    // folder (or a folder on the way to it) is created.
    QString dir = runsFolder_;
    while (!dir.isEmpty() && !QFileInfo(dir).isDir()) {
        const QString up = QFileInfo(dir).path();
        if (up == dir) return;
        dir = up;
    }
    if (!dir.isEmpty()) watcher_->addPath(dir);
}

void ReportsPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refreshRuns();   // a watcher can miss changes (network folders, too many watches)
}

void ReportsPage::refreshRuns() {
    watchRunsFolder();
    const QSignalBlocker block(runs_);
    runs_->clear();
    const QDir dir(runsFolder_);
    QFileInfoList files = dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files | QDir::Readable, QDir::Time);
    // A timeline's Chrome trace (written beside its run) is not a run document.
    files.erase(std::remove_if(files.begin(), files.end(), [](const QFileInfo& fi) { return isTimelineTraceFile(fi.fileName().toStdString()); }),
                files.end());
    // Newest first by when each run was made (its document's "created"); a copied or touched file
    // keeps its place. A file that records no time is placed by its modification time.
    struct Listed {
        QFileInfo file;
        QDateTime when;
        bool recorded = false;
        QStringList names;    // the models' names (readable runs)
        QString models;       // "a vs b"
        QString kind;
        bool cancelled = false;
        QString unreadable;   // why it is no run document this version reads; empty: readable
    };
    std::vector<Listed> listed;
    for (const QFileInfo& fi : files) {
        const auto created = runDocumentCreated(fi.absoluteFilePath().toStdString());
        Listed l{fi, created ? QDateTime::fromSecsSinceEpoch(std::chrono::system_clock::to_time_t(*created), Qt::UTC) : fi.lastModified(),
                 created.has_value()};
        try {
            const RunDocument doc = loadRunDocument(fi.absoluteFilePath().toStdString());
            QStringList names;
            for (const auto& slot : doc.slots()) names << QString::fromStdString(doc.modelName(slot));
            l.models = names.isEmpty() ? tr("(no models)") : names.join(tr(" vs "));
            l.names = names;
            l.kind = kindTitle(doc.kind);
            l.cancelled = doc.cancelled;
        } catch (const std::exception& e) {
            // The reason without the path the error starts with (the tooltip names the file).
            QString why = QString::fromUtf8(e.what());
            const QString path = QDir::toNativeSeparators(fi.absoluteFilePath());
            for (const QString& p : {path + QStringLiteral(": "), fi.absoluteFilePath() + QStringLiteral(": ")})
                if (why.startsWith(p)) why = why.mid(p.size());
            l.unreadable = why.isEmpty() ? tr("not a run document") : why;
        }
        listed.push_back(std::move(l));
    }
    std::stable_sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) { return a.when > b.when; });
    for (const Listed& l : listed) {
        const QFileInfo& fi = l.file;
        const QString when = QLocale().toString(l.when.toLocalTime(), QLocale::ShortFormat);
        const QString madeText = l.recorded ? tr("run made %1").arg(l.when.toLocalTime().toString(Qt::ISODate))
                                            : tr("no run time recorded: file modified %1").arg(l.when.toLocalTime().toString(Qt::ISODate));
        QListWidgetItem* item = nullptr;
        if (l.unreadable.isEmpty()) {
            QString detail = l.kind;
            if (l.cancelled) detail += tr(" · cancelled");
            item = new QListWidgetItem(QStringLiteral("%1\n%2 · %3").arg(l.models, detail, when), runs_);
            item->setData(kModelsRole, l.names);
            item->setToolTip(tr("%1\n%2\n%3: %4%5")
                                 .arg(QDir::toNativeSeparators(fi.absoluteFilePath()), madeText, l.kind, l.models,
                                      l.cancelled ? tr(" (cancelled: stopped before it finished)") : QString()));
        } else {
            // Listed, so that a file the user expects is not silently missing, but greyed and
            // saying why: it read like any run before, with only its name and a date.
            item = new QListWidgetItem(QStringLiteral("%1\n%2").arg(fi.fileName(), tr("Unreadable: %1").arg(l.unreadable)), runs_);
            item->setForeground(runs_->palette().color(QPalette::Disabled, QPalette::Text));
            item->setData(UnreadableRole, true);
            item->setToolTip(tr("%1\nNot a run document this version can read: %2\n%3")
                                 .arg(QDir::toNativeSeparators(fi.absoluteFilePath()), l.unreadable, madeText));
        }
        item->setData(kPathRole, fi.absoluteFilePath());
        if (fi.absoluteFilePath() == currentFile_) runs_->setCurrentItem(item);
    }
    if (files.isEmpty())
        runs_->addItem(new QListWidgetItem(dir.exists() ? tr("No saved runs here yet") : tr("The folder does not exist yet")));
}

bool ReportsPage::openRun(const QString& file) {
    if (file.isEmpty()) return false;
    try {
        run_ = loadRunDocument(file.toStdString());
    } catch (const Error& e) {
        run_.reset();
        currentFile_.clear();
        browser_->clear();
        showMessage(QString::fromStdString(e.what()), true);
        updateButtons();
        return false;
    }
    currentFile_ = QFileInfo(file).absoluteFilePath();
    showPreview();
    updateButtons();
    showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(currentFile_)), false);
    Q_EMIT runOpened(currentFile_);
    return true;
}

void ReportsPage::setPreview(Preview preview) {
    preview_ = preview;
    {
        const QSignalBlocker block(previewChoice_);
        previewChoice_->setCurrentIndex(preview == Preview::Markdown ? 1 : 0);
    }
    if (run_) showPreview();
}

void ReportsPage::showPreview() {
    if (!run_) return;
    if (preview_ == Preview::Markdown) {
        browser_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        browser_->setPlainText(QString::fromStdString(report::renderMarkdown(*run_)));
        return;
    }
    browser_->setFont(QFont());
    // QTextBrowser shows no inline SVG: each chart becomes an image resource drawn by the same code.
    QString html = QString::fromStdString(report::renderHtml(*run_));
    const auto content = report::buildReportContent(*run_);
    std::vector<report::ChartKind> charts;
    for (const auto& b : content.blocks)
        if (b.type == report::ReportBlock::Type::Chart) charts.push_back(b.chart);
    static const QRegularExpression svg(QStringLiteral("<svg[^>]*>.*?</svg>"), QRegularExpression::DotMatchesEverythingOption);
    QString withImages;
    qsizetype from = 0;
    std::size_t n = 0;
    for (auto it = svg.globalMatch(html); it.hasNext();) {
        const auto m = it.next();
        withImages += html.mid(from, m.capturedStart() - from);
        if (n < charts.size()) {
            const QUrl url(QStringLiteral("awqchart:%1").arg(n));
            const QImage image = renderReportChart(*run_, charts[n], kPreviewChartWidth, devicePixelRatioF());
            browser_->document()->addResource(QTextDocument::ImageResource, url, image);
            withImages += QStringLiteral("<img src=\"%1\" width=\"%2\">").arg(url.toString()).arg(int(kPreviewChartWidth));
        }
        ++n;
        from = m.capturedEnd();
    }
    withImages += html.mid(from);
    browser_->setHtml(withImages);
}

bool ReportsPage::exportCurrent(report::ReportFormat format, const QString& file) {
    if (!run_) {
        showMessage(tr("Open a saved run first."), true);
        return false;
    }
    try {
        report::exportReport(*run_, format, file.toStdString());
    } catch (const Error& e) {
        showMessage(QString::fromStdString(e.what()), true);
        return false;
    }
    showMessage(tr("Report written to %1").arg(QDir::toNativeSeparators(file)), false);
    Q_EMIT reportExported(file);
    return true;
}

QPushButton* ReportsPage::exportButton(report::ReportFormat format) const {
    auto it = exportButtons_.find(format);
    return it == exportButtons_.end() ? nullptr : it->second;
}

void ReportsPage::chooseFolder() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Runs folder"), runsFolder_);
    if (!folder.isEmpty()) setRunsFolder(folder);
}

void ReportsPage::openDialog() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open a saved run"), runsFolder_, tr("Run documents (*.json);;All files (*)"));
    if (!file.isEmpty()) openRun(file);
}

void ReportsPage::exportInteractive(report::ReportFormat format) {
    if (!run_) return;
    const QFileInfo source(currentFile_);
    QString suggested = source.dir().filePath(source.completeBaseName() + QStringLiteral("-report") +
                                              QString::fromUtf8(report::formatExtension(format).data(), qsizetype(report::formatExtension(format).size())));
    if (format == report::ReportFormat::Json) suggested = source.dir().filePath(source.completeBaseName() + QStringLiteral("-normalized.json"));
    const QString file = QFileDialog::getSaveFileName(this, formatTitle(format), suggested, formatFilter(format));
    if (!file.isEmpty()) exportCurrent(format, file);
}

void ReportsPage::showMessage(const QString& text, bool error) {
    message_->setText(text);
    message_->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
    message_->setProperty("error", error);
    if (error) spdlog::warn("Reports: {}", text.toStdString());
    Q_EMIT statusMessage(text);
}

void ReportsPage::updateButtons() {
    for (auto& [format, button] : exportButtons_) {
        const bool pdfMissing = format == report::ReportFormat::Pdf && !report::pdfExportAvailable();
        button->setEnabled(run_.has_value() && !pdfMissing);
        if (pdfMissing) button->setToolTip(tr("This build has no PDF export (cairo was not found when it was configured)"));
    }
}

}  // namespace awq::ui
