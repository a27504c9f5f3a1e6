#include "ui/shell/quick_guide.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QObject>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace awq::ui {
namespace {

struct Step {
    const char* action;   // what the user wants
    const char* gui;      // where it is in the window
    const char* cli;      // the same from a shell
};

// Keep the commands in step with `awqbench-cli --help` and the README's CLI section.
constexpr Step kSteps[] = {
    {"See the models you have", "Models (Ctrl+1): add folders with File > Add library folder (Ctrl+O) or drop them on the window",
     "awqbench-cli models list DIR... [--warm-pool DIR]"},
    {"Inspect one model", "Models: select it; the pane below shows config, tensors, memory per GPU",
     "awqbench-cli models show PATH"},
    {"Quantize to 4-bit AWQ", "Quantize (Ctrl+2), or right-click a model > Quantize…; the estimate shows before you start",
     "awqbench-cli quantize --model DIR --out DIR [--group 128]"},
    {"Chat with two models side by side", "Compare (Ctrl+3) > Chat, or right-click a model > Compare with; Enter sends to both",
     "awqbench-cli generate --model DIR --chat \"...\" [--system \"...\"], or --messages CONVERSATION.json (one model a call)"},
    {"Run the prompt battery", "Compare > Battery > Run battery", "awqbench-cli compare --a DIR --b DIR [--battery default]"},
    {"Perplexity and KL divergence", "Compare > Quality > Evaluate (A is the reference)",
     "awqbench-cli eval ppl --model B --text FILE --ref A"},
    {"Throughput under concurrency", "Compare > Sweep", "awqbench-cli sweep --model A --model B [--concurrency 1,2,4,8]"},
    {"Where a decode step's time goes (kernels, roofline)", "Compare > Timeline > Profile A and B; save either trace for chrome://tracing",
     "awqbench-cli compare --a DIR --b DIR --timeline [--timeline-steps N] --out RUN.json"},
    {"Profile one model's decode steps", "Compare > Timeline (the loaded pair)", "awqbench-cli profile --model DIR [--trace FILE]"},
    {"Serve models over the OpenAI API", "Compare > Local server > Start server (the chosen folders; the URL is shown)",
     "awqbench-cli serve --model DIR [--host 127.0.0.1] [--port 8000]"},
    {"Compare with a deployed endpoint", "Compare > tick Endpoint under A or B: URL, served model, API key variable",
     "awqbench-cli compare --a URL --a-model NAME --b DIR [--api-key-env VAR]"},
    {"Copy a model into the warm pool", "Deploy (Ctrl+4) > Add model…, or right-click a model > Add to warm pool",
     "awqbench-cli pool add MODEL [--pool DIR]"},
    {"Choose the warm-pool folder", "Deploy > Change…, or File > Settings (Ctrl+,)", "awqbench-cli pool config --pool DIR"},
    {"Point a deployment at a model", "Deploy > select a pool model and a target > Promote selected model…",
     "awqbench-cli promote --model DIR --target NAME [--dry-run]"},
    {"Undo a promotion", "Deploy > Undo last promotion", "awqbench-cli undo --target NAME"},
    {"Export a report", "Reports (Ctrl+5) > select a run > Export", "awqbench-cli report RUN.json --out FILE [--format html|md|pdf]"},
};

}  // namespace

QString quickGuideHtml() {
    QString rows;
    for (const Step& s : kSteps)
        rows += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td><td><code>%3</code></td></tr>")
                    .arg(QObject::tr(s.action).toHtmlEscaped(), QObject::tr(s.gui).toHtmlEscaped(), QString::fromUtf8(s.cli).toHtmlEscaped());
    return QObject::tr("<h3>Quick guide</h3>"
                       "<p>The usual path: <b>Models</b> (find a model) → <b>Quantize</b> (make its 4-bit AWQ version) → "
                       "<b>Compare</b> (original as A, quantized as B: chat, battery, quality, sweep) → <b>Deploy</b> (copy the "
                       "winner into the warm pool and promote it) → <b>Reports</b> (export the comparison).</p>"
                       "<p>Everything the window does, <code>awqbench-cli</code> does too (<code>awqbench-cli COMMAND --help</code> "
                       "lists the options):</p>") +
           QStringLiteral("<table cellspacing=\"0\" cellpadding=\"4\" border=\"1\"><tr><th>%1</th><th>%2</th><th>%3</th></tr>%4</table>")
               .arg(QObject::tr("To"), QObject::tr("In the window"), QObject::tr("On the command line"), rows);
}

void showQuickGuide(QWidget* parent) {
    auto* dialog = new QDialog(parent);
    dialog->setObjectName(QStringLiteral("quickGuide"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(QObject::tr("AWQ Workbench quick guide"));
    auto* text = new QTextBrowser;
    text->setHtml(quickGuideHtml());
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(text);
    layout->addWidget(buttons);
    dialog->resize(760, 460);   // fits 1600x1000 at scale 2 too
    dialog->show();
}

}  // namespace awq::ui
