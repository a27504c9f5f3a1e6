#include "ui/compare/compare_session.h"

#include "core/compare/chat_session.h"
#include "core/compare/decode_timeline.h"
#if AWQBENCH_UI_WITH_SERVE
#include "core/serve/endpoint_compare.h"
#include "core/serve/endpoint_sweep.h"
#endif

#include "ui/util/job_runner.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace awq::ui {
namespace {
// The engines are loaded once for chat, battery and sweep; the sweep's largest concurrency must fit.
constexpr int kMaxBatch = 64;
}  // namespace

CompareSession::CompareSession(QObject* parent) : QObject(parent) {
    for (int s : {A, B}) runners_[s] = new JobRunner(QStringLiteral("compare-%1").arg(slotName(s)), QThread::InheritPriority, this);
}

CompareSession::~CompareSession() {
    // Stop and wait for both slots' jobs before the engines they use (members) go.
    for (auto*& r : runners_) {
        delete r;
        r = nullptr;
    }
}

void CompareSession::finishOne() {
    if (busy_ > 0 && --busy_ == 0) Q_EMIT busyChanged(false);
}

bool CompareSession::begin(int pieces, bool needsModels) {
    if (busy_ || (needsModels && !isLoaded())) return false;
    busy_ = pieces;
    Q_EMIT busyChanged(true);
    return true;
}

QString CompareSession::Source::key() const {
    return endpoint ? QString::fromStdString(endpoint->url + "#" + endpoint->model) : folder;
}

bool CompareSession::load(const QString& folderA, const QString& folderB, const RunSettings& settings) {
    return load({Source{folderA, {}}, Source{folderB, {}}}, settings);
}

namespace {
struct LoadedSlot {
    std::shared_ptr<LoadedModel> model;
    std::shared_ptr<ChatSession> chat;
    std::optional<serve::Endpoint> endpoint;
    RunModel identity;
    int context = 0;   // the engine's, read on its own thread
};
struct ChatReply {
    GenerationResult result;
    EngineMemory memory;
    int leftOutExchanges = 0, contextTokens = 0;
};
}  // namespace

bool CompareSession::load(const std::array<Source, 2>& sources, const RunSettings& settings) {
    if (!begin(2, false)) return false;
    for (int s : {A, B}) {
        models_[s].reset();
        chats_[s].reset();
        endpoints_[s].reset();
        loaded_[s] = false;
        loadOk_[s] = false;
        loadedPath_[s].clear();
        context_[s] = 0;
    }
    for (int s : {A, B}) {
        const std::string slot = slotName(s).toStdString();
        const Source source = sources[s];
        runners_[s]->start<LoadedSlot>(
            [slot, source, settings](std::stop_token, const JobRunner::Post&) {
                LoadedSlot l;
                l.endpoint = source.endpoint;
                if (l.endpoint) {   // asks the server which model it serves (off the GUI thread: it may take a while)
#if AWQBENCH_UI_WITH_SERVE
                    serve::resolveServedModel(*l.endpoint);
                    l.identity = serve::endpointIdentity(*l.endpoint);
#else
                    throw std::runtime_error("this build has no HTTP client (cpp-httplib): it cannot reach " + l.endpoint->url);
#endif
                } else {
                    l.model = std::make_shared<LoadedModel>(loadModelForRun(slot, source.folder.toStdString(), engineOptionsFor(settings, kMaxBatch)));
                    if (l.model->engine->hasTokenizer()) l.chat = std::make_shared<ChatSession>(*l.model->engine);
                    l.identity = l.model->identity;
                    l.context = l.model->engine->maxContext();
                }
                return l;
            },
            // The key as asked (an empty model name stays empty), so the page can match it.
            [this, s, key = source.key()](JobDone<LoadedSlot> done) {
                const bool ok = done.ok();
                LoadedSlot l = done.value.value_or(LoadedSlot{});
                models_[s] = l.model;
                chats_[s] = l.chat;
                endpoints_[s] = ok ? l.endpoint : std::nullopt;
                loaded_[s] = true;
                loadOk_[s] = ok;
                if (ok) {
                    identity_[s] = l.identity;
                    loadedPath_[s] = key;
                    context_[s] = l.context;
                }
                Q_EMIT slotLoaded(s, ok, done.error);
                if (loaded_[A] && loaded_[B]) {
                    const bool both = loadOk_[A] && loadOk_[B];
                    if (!both) loaded_ = {false, false};
                    finishOne();
                    Q_EMIT loadFinished(both);
                } else {
                    finishOne();
                }
            });
    }
    return true;
}

bool CompareSession::chat(const QString& message, const RunSettings& settings, const QString& systemPrompt, bool regenerate) {
    if (!begin(2)) return false;
    const std::string text = message.toStdString();
    const std::string system = systemPrompt.trimmed().toStdString();
    for (int s : {A, B}) {
        std::shared_ptr<ChatSession> chat = chats_[s];
        std::shared_ptr<LoadedModel> model = models_[s];
        runners_[s]->start<ChatReply>(
            [this, s, chat, model, text, system, settings, regenerate](std::stop_token stop, const JobRunner::Post& toGui) {
                if (!chat && !model) throw std::runtime_error("chat with an endpoint is not available here: run the battery or the sweep against it");
                if (!chat) throw std::runtime_error("this model has no tokenizer.json, so it cannot chat");
                chat->setSystemPrompt(system);   // may change between turns; it stays the first message
                if (regenerate) chat->dropLastExchange();
                const ChatTurn turn = chat->send(text, requestFor(settings, {}, settings.maxNewTokens), [&](const StreamEvent& e) {
                    if (e.textDelta.empty()) return;
                    toGui([this, s, delta = QString::fromStdString(e.textDelta)] { Q_EMIT chatDelta(s, delta); });
                }, stop);
                return ChatReply{turn.result, model->engine->memoryUse(), turn.leftOutExchanges, turn.contextTokens};
            },
            [this, s](JobDone<ChatReply> done) {
                if (done.ok()) {
                    Q_EMIT chatPromptFitted(s, done.value->leftOutExchanges, done.value->contextTokens);
                    Q_EMIT chatFinished(s, done.value->result, done.value->memory);
                } else {
                    Q_EMIT failed(QObject::tr("Chat with %1").arg(slotName(s)), done.error);
                }
                finishOne();
            });
    }
    return true;
}

bool CompareSession::lacksChatTemplate(int slot) const { return chats_[slot] && !chats_[slot]->usesChatTemplate(); }

void CompareSession::resetChat() {
    if (busy_) return;
    for (auto& c : chats_)
        if (c) c->reset();
}

bool CompareSession::restoreChat(const std::array<std::vector<std::pair<std::string, std::string>>, 2>& exchanges) {
    if (busy_ || !isLoaded()) return false;
    for (int s : {A, B})
        if (chats_[s]) chats_[s]->restore(exchanges[s]);
    return true;
}

bool CompareSession::runBattery(const Battery& battery, const RunSettings& settings) {
    if (!begin(1)) return false;
    auto a = models_[A], b = models_[B];
    const auto endpoints = endpoints_;
    runners_[A]->start<std::shared_ptr<BatteryOutcome>>(
        [this, a, b, endpoints, battery, settings](std::stop_token stop, const JobRunner::Post& toGui) {
            std::vector<BatterySide> sides;
            for (int s : {A, B}) {
                if (const auto& model = s == A ? a : b) {
                    sides.push_back(engineSide(*model, settings));
                } else {
#if AWQBENCH_UI_WITH_SERVE
                    sides.push_back(serve::endpointSide(*endpoints[s], slotName(s).toStdString(), settings));
#endif
                }
            }
            return std::make_shared<BatteryOutcome>(awq::runBatterySides(sides, battery, [&](const BatteryEvent& e) {
                toGui([this, e] { Q_EMIT batteryEvent(e); });
            }, stop));
        },
        [this](JobDone<std::shared_ptr<BatteryOutcome>> done) {
            finishOne();
            if (done.ok())
                Q_EMIT batteryFinished(*done.value);
            else
                Q_EMIT failed(tr("Battery"), done.error);
        });
    return true;
}

bool CompareSession::runQuality(const QualityOptions& options) {
    if (!begin(1)) return false;
    auto a = models_[A], b = models_[B];
    runners_[A]->start<JobResult<QualityRun>>(
        [this, a, b, options](std::stop_token stop, const JobRunner::Post& toGui) -> JobResult<QualityRun> {
            auto onProgress = [&](const QualityEvent& e) {
                toGui([this, slot = QString::fromStdString(e.slot), window = e.window, windows = e.windows] {
                    Q_EMIT qualityProgress(slot, window, windows);
                });
            };
            if (a && b) return awq::runQuality(*a->engine, b->engine.get(), options, onProgress, stop);
#if AWQBENCH_UI_WITH_SERVE
            if (a || b)   // one side is an endpoint: the folder side's perplexity, in its slot
                return awq::runQualityAlone(*(a ? a : b)->engine, a ? "A" : "B", options, serve::endpointQualityNote(a ? "B" : "A"), onProgress,
                                            stop);
#endif
            throw std::runtime_error("perplexity and KLD need a model's logits, which an endpoint does not give: "
                                     "choose a model folder for A or B");
        },
        [this](JobDone<JobResult<QualityRun>> done) {
            finishOne();
            if (done.ok())
                Q_EMIT qualityFinished(done.value->value, done.value->cancelled);
            else
                Q_EMIT failed(tr("Quality"), done.error);
        });
    return true;
}

bool CompareSession::runSweep(const SweepSettings& sweep, const RunSettings& settings) {
    if (!begin(1)) return false;
    auto a = models_[A], b = models_[B];
    const auto endpoints = endpoints_;
    using Swept = JobResult<std::shared_ptr<SweepRun>>;
    runners_[A]->start<Swept>(
        [this, a, b, endpoints, sweep, settings](std::stop_token stop, const JobRunner::Post& toGui) {
            auto onEvent = [&](const SweepEvent& e) { toGui([this, e] { Q_EMIT sweepProgress(e); }); };
            Swept out{std::make_shared<SweepRun>()};
            SweepRun& run = *out.value;
            run.maxNewTokens = sweep.maxNewTokens;
            run.prompt = sweep.prompt;
            run.sloP95Ms = sweep.sloP95Ms;
            run.gpuHourlyUsd = sweep.gpuHourlyUsd;
            for (int s : {A, B}) {
                if (out.cancelled) break;
                const std::string slot = slotName(s).toStdString();
                if (const auto& m = s == A ? a : b) {
                    auto swept = awq::runSweep(*m->engine, sweep, slot, onEvent, stop);
                    run.models[slot] = std::move(swept.value);
                    out.cancelled = swept.cancelled;
                } else {
#if AWQBENCH_UI_WITH_SERVE
                    // vLLM benchmark_serving's load, all requests at once, enough for the highest level
                    serve::LoadSettings load;
                    load.numPrompts = std::max(sweep.minRequests, sweep.concurrency.empty() ? 1 : *std::max_element(sweep.concurrency.begin(), sweep.concurrency.end()));
                    auto swept = serve::runEndpointSweep(*endpoints[s], sweep, load, {}, slot, onEvent, stop);
                    run.models[slot] = std::move(swept.value);
                    out.cancelled = swept.cancelled;
                    run.endpoint = endpoints[s]->url;
#endif
                }
            }
            return out;
        },
        [this](JobDone<Swept> done) {
            finishOne();
            if (done.ok())
                Q_EMIT sweepFinished(done.value->value, done.value->cancelled);
            else
                Q_EMIT failed(tr("Sweep"), done.error);
        });
    return true;
}

bool CompareSession::runTimeline(const TimelineOptions& options) {
    if (isEndpoint(A) || isEndpoint(B) || !begin(1)) return false;
    auto a = models_[A], b = models_[B];
    using Timeline = JobResult<std::shared_ptr<TimelineRun>>;
    runners_[A]->start<Timeline>(
        [this, a, b, options](std::stop_token stop, const JobRunner::Post& toGui) {
            auto run = runDecodeTimeline({a.get(), b.get()}, options, [&](const std::string& stage) {
                toGui([this, stage = QString::fromStdString(stage)] { Q_EMIT timelineStage(stage); });
            }, stop);
            return Timeline{std::make_shared<TimelineRun>(std::move(run.value)), run.cancelled};
        },
        [this](JobDone<Timeline> done) {
            finishOne();
            if (done.ok())
                Q_EMIT timelineFinished(done.value->value, done.value->cancelled);
            else
                Q_EMIT failed(tr("Timeline"), done.error);
        });
    return true;
}

void CompareSession::cancel() {
    if (!busy_) return;
    for (auto* r : runners_) r->cancel();
}

}  // namespace awq::ui
