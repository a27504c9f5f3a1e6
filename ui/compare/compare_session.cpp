#include "ui/compare/compare_session.h"

#include "core/compare/chat_session.h"
#include "core/compare/decode_timeline.h"
#if AWQBENCH_UI_WITH_SERVE
#include "core/serve/endpoint_compare.h"
#include "core/serve/endpoint_sweep.h"
#endif

#include <QMetaObject>
#include <QPointer>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace awq::ui {
namespace {
// The engines are loaded once for chat, battery and sweep; the sweep's largest concurrency must fit.
constexpr int kMaxBatch = 64;
}  // namespace

CompareSession::CompareSession(QObject* parent) : QObject(parent) {
    for (int s : {A, B}) {
        threads_[s] = std::make_unique<QThread>();
        workers_[s] = new QObject;
        workers_[s]->moveToThread(threads_[s].get());
        connect(threads_[s].get(), &QThread::finished, workers_[s], &QObject::deleteLater);
        threads_[s]->setObjectName(QStringLiteral("compare-%1").arg(slotName(s)));
        threads_[s]->start();
    }
}

CompareSession::~CompareSession() {
    stop_.request_stop();
    for (auto& t : threads_) {
        t->quit();
        t->wait();
    }
}

template <typename Fn>
void CompareSession::post(int slot, Fn fn) {
    QMetaObject::invokeMethod(workers_[slot], std::move(fn), Qt::QueuedConnection);
}

void CompareSession::finishOne() {
    if (busy_ > 0 && --busy_ == 0) Q_EMIT busyChanged(false);
}

bool CompareSession::begin(int pieces, bool needsModels) {
    if (busy_ || (needsModels && !isLoaded())) return false;
    stop_ = std::stop_source();
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

bool CompareSession::load(const std::array<Source, 2>& sources, const RunSettings& settings) {
    if (!begin(2, false)) return false;
    for (int s : {A, B}) {
        models_[s].reset();
        chats_[s].reset();
        endpoints_[s].reset();
        loaded_[s] = false;
        loadOk_[s] = false;
        loadedPath_[s].clear();
    }
    QPointer<CompareSession> self(this);
    for (int s : {A, B}) {
        const std::string slot = slotName(s).toStdString();
        const Source source = sources[s];
        post(s, [self, s, slot, source, settings] {
            std::shared_ptr<LoadedModel> model;
            std::shared_ptr<ChatSession> chat;
            std::optional<serve::Endpoint> endpoint = source.endpoint;
            RunModel identity;
            QString error;
            try {
                if (endpoint) {   // asks the server which model it serves (off the GUI thread: it may take a while)
#if AWQBENCH_UI_WITH_SERVE
                    serve::resolveServedModel(*endpoint);
                    identity = serve::endpointIdentity(*endpoint);
#else
                    throw std::runtime_error("this build has no HTTP client (cpp-httplib): it cannot reach " + endpoint->url);
#endif
                } else {
                    model = std::make_shared<LoadedModel>(loadModelForRun(slot, source.folder.toStdString(), engineOptionsFor(settings, kMaxBatch)));
                    if (model->engine->hasTokenizer()) chat = std::make_shared<ChatSession>(*model->engine);
                    identity = model->identity;
                }
            } catch (const std::exception& e) {
                error = QString::fromUtf8(e.what());
            }
            const bool ok = error.isEmpty();
            const QString key = source.key();   // as asked (an empty model name stays empty), so the page can match it
            QMetaObject::invokeMethod(
                self.data(),
                [self, s, model, chat, endpoint, identity, ok, error, key] {
                    if (!self) return;
                    self->models_[s] = model;
                    self->chats_[s] = chat;
                    self->endpoints_[s] = ok ? endpoint : std::nullopt;
                    self->loaded_[s] = true;
                    self->loadOk_[s] = ok;
                    if (ok) {
                        self->identity_[s] = identity;
                        self->loadedPath_[s] = key;
                    }
                    Q_EMIT self->slotLoaded(s, ok, error);
                    if (self->loaded_[A] && self->loaded_[B]) {
                        const bool both = self->loadOk_[A] && self->loadOk_[B];
                        if (!both) self->loaded_ = {false, false};
                        self->finishOne();
                        Q_EMIT self->loadFinished(both);
                    } else {
                        self->finishOne();
                    }
                },
                Qt::QueuedConnection);
        });
    }
    return true;
}

bool CompareSession::chat(const QString& message, const RunSettings& settings, const QString& systemPrompt, bool regenerate) {
    if (!begin(2)) return false;
    QPointer<CompareSession> self(this);
    const std::string text = message.toStdString();
    const std::string system = systemPrompt.trimmed().toStdString();
    const std::stop_token token = stop_.get_token();
    for (int s : {A, B}) {
        std::shared_ptr<ChatSession> chat = chats_[s];
        std::shared_ptr<LoadedModel> model = models_[s];
        post(s, [self, s, chat, model, text, system, settings, token, regenerate] {
            auto back = [self](auto fn) { QMetaObject::invokeMethod(self.data(), [self, fn] { if (self) fn(*self); }, Qt::QueuedConnection); };
            try {
                if (!chat && !model) throw std::runtime_error("chat with an endpoint is not available here: run the battery or the sweep against it");
                if (!chat) throw std::runtime_error("this model has no tokenizer.json, so it cannot chat");
                chat->setSystemPrompt(system);   // may change between turns; it stays the first message
                if (regenerate) chat->dropLastExchange();
                const ChatTurn turn = chat->send(text, requestFor(settings, {}, settings.maxNewTokens), [&](const StreamEvent& e) {
                    if (e.textDelta.empty()) return;
                    const QString delta = QString::fromStdString(e.textDelta);
                    back([s, delta](CompareSession& c) { Q_EMIT c.chatDelta(s, delta); });
                }, token);
                const GenerationResult result = turn.result;
                const EngineMemory memory = model->engine->memoryUse();
                back([s, result, memory](CompareSession& c) {
                    Q_EMIT c.chatFinished(s, result, memory);
                    c.finishOne();
                });
            } catch (const std::exception& e) {
                const QString error = QString::fromUtf8(e.what());
                back([s, error](CompareSession& c) {
                    Q_EMIT c.failed(QObject::tr("Chat with %1").arg(slotName(s)), error);
                    c.finishOne();
                });
            }
        });
    }
    return true;
}

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
    QPointer<CompareSession> self(this);
    auto a = models_[A], b = models_[B];
    const auto endpoints = endpoints_;
    const std::stop_token token = stop_.get_token();
    post(A, [self, a, b, endpoints, battery, settings, token] {
        auto onEvent = [self](const BatteryEvent& e) {
            QMetaObject::invokeMethod(self.data(), [self, e] { if (self) Q_EMIT self->batteryEvent(e); }, Qt::QueuedConnection);
        };
        std::shared_ptr<BatteryOutcome> outcome;
        QString error;
        try {
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
            outcome = std::make_shared<BatteryOutcome>(awq::runBatterySides(sides, battery, onEvent, token));
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, outcome, error] {
                if (!self) return;
                self->finishOne();
                if (outcome)
                    Q_EMIT self->batteryFinished(outcome);
                else
                    Q_EMIT self->failed(tr("Battery"), error);
            },
            Qt::QueuedConnection);
    });
    return true;
}

bool CompareSession::runQuality(const QualityOptions& options) {
    if (!begin(1)) return false;
    QPointer<CompareSession> self(this);
    auto a = models_[A], b = models_[B];
    const std::stop_token token = stop_.get_token();
    post(A, [self, a, b, options, token] {
        auto onProgress = [self](const QualityEvent& e) {
            const QString slot = QString::fromStdString(e.slot);
            const int window = e.window, windows = e.windows;
            QMetaObject::invokeMethod(
                self.data(), [self, slot, window, windows] { if (self) Q_EMIT self->qualityProgress(slot, window, windows); },
                Qt::QueuedConnection);
        };
        bool cancelled = false;
        std::optional<QualityRun> quality;
        QString error;
        try {
            if (a && b) {
                quality = awq::runQuality(*a->engine, b->engine.get(), options, onProgress, token, &cancelled);
            } else if (a || b) {   // one side is an endpoint: the folder side's perplexity, in its slot
#if AWQBENCH_UI_WITH_SERVE
                const std::string local = a ? "A" : "B";
                quality = awq::runQualityAlone(*(a ? a : b)->engine, local, options, serve::endpointQualityNote(a ? "B" : "A"), onProgress,
                                               token, &cancelled);
#endif
            } else {
                throw std::runtime_error("perplexity and KLD need a model's logits, which an endpoint does not give: "
                                         "choose a model folder for A or B");
            }
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, quality, cancelled, error] {
                if (!self) return;
                self->finishOne();
                if (quality)
                    Q_EMIT self->qualityFinished(*quality, cancelled);
                else
                    Q_EMIT self->failed(tr("Quality"), error);
            },
            Qt::QueuedConnection);
    });
    return true;
}

bool CompareSession::runSweep(const SweepSettings& sweep, const RunSettings& settings) {
    if (!begin(1)) return false;
    QPointer<CompareSession> self(this);
    auto a = models_[A], b = models_[B];
    const auto endpoints = endpoints_;
    const std::stop_token token = stop_.get_token();
    post(A, [self, a, b, endpoints, sweep, settings, token] {
        auto onEvent = [self](const SweepEvent& e) {
            QMetaObject::invokeMethod(self.data(), [self, e] { if (self) Q_EMIT self->sweepProgress(e); }, Qt::QueuedConnection);
        };
        auto run = std::make_shared<SweepRun>();
        run->maxNewTokens = sweep.maxNewTokens;
        run->prompt = sweep.prompt;
        run->sloP95Ms = sweep.sloP95Ms;
        run->gpuHourlyUsd = sweep.gpuHourlyUsd;
        bool cancelled = false;
        QString error;
        try {
            for (int s : {A, B}) {
                if (cancelled) break;
                const std::string slot = slotName(s).toStdString();
                if (const auto& m = s == A ? a : b) {
                    run->models[slot] = awq::runSweep(*m->engine, sweep, slot, onEvent, token, &cancelled);
                } else {
#if AWQBENCH_UI_WITH_SERVE
                    // vLLM benchmark_serving's load, all requests at once, enough for the highest level
                    serve::LoadSettings load;
                    load.numPrompts = std::max(sweep.minRequests, sweep.concurrency.empty() ? 1 : *std::max_element(sweep.concurrency.begin(), sweep.concurrency.end()));
                    run->models[slot] = serve::runEndpointSweep(*endpoints[s], sweep, load, {}, slot, onEvent, token, &cancelled);
                    run->endpoint = endpoints[s]->url;
#endif
                }
            }
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, run, cancelled, error] {
                if (!self) return;
                self->finishOne();
                if (error.isEmpty())
                    Q_EMIT self->sweepFinished(run, cancelled);
                else
                    Q_EMIT self->failed(tr("Sweep"), error);
            },
            Qt::QueuedConnection);
    });
    return true;
}

bool CompareSession::runTimeline(const TimelineOptions& options) {
    if (isEndpoint(A) || isEndpoint(B) || !begin(1)) return false;
    QPointer<CompareSession> self(this);
    auto a = models_[A], b = models_[B];
    const std::stop_token token = stop_.get_token();
    post(A, [self, a, b, options, token] {
        auto onStage = [self](const std::string& stage) {
            const QString s = QString::fromStdString(stage);
            QMetaObject::invokeMethod(self.data(), [self, s] { if (self) Q_EMIT self->timelineStage(s); }, Qt::QueuedConnection);
        };
        std::shared_ptr<TimelineRun> run;
        QString error;
        try {
            run = std::make_shared<TimelineRun>(runDecodeTimeline({a.get(), b.get()}, options, onStage, token));
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        const bool cancelled = token.stop_requested();
        QMetaObject::invokeMethod(
            self.data(),
            [self, run, cancelled, error] {
                if (!self) return;
                self->finishOne();
                if (run)
                    Q_EMIT self->timelineFinished(run, cancelled);
                else
                    Q_EMIT self->failed(tr("Timeline"), error);
            },
            Qt::QueuedConnection);
    });
    return true;
}

void CompareSession::cancel() {
    if (busy_) stop_.request_stop();
}

}  // namespace awq::ui
