#include "ui/compare/compare_session.h"

#include "core/compare/chat_session.h"

#include <QMetaObject>
#include <QPointer>

#include <spdlog/spdlog.h>

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

bool CompareSession::load(const QString& folderA, const QString& folderB, const RunSettings& settings) {
    if (!begin(2, false)) return false;
    const QString folders[2] = {folderA, folderB};
    for (int s : {A, B}) {
        models_[s].reset();
        chats_[s].reset();
        loaded_[s] = false;
        loadOk_[s] = false;
        loadedPath_[s].clear();
    }
    QPointer<CompareSession> self(this);
    for (int s : {A, B}) {
        const std::string slot = slotName(s).toStdString();
        const std::filesystem::path folder = folders[s].toStdString();
        const QString path = folders[s];
        post(s, [self, s, slot, folder, path, settings] {
            std::shared_ptr<LoadedModel> model;
            std::shared_ptr<ChatSession> chat;
            QString error;
            try {
                model = std::make_shared<LoadedModel>(loadModelForRun(slot, folder, engineOptionsFor(settings, kMaxBatch)));
                if (model->engine->hasTokenizer()) chat = std::make_shared<ChatSession>(*model->engine);
            } catch (const std::exception& e) {
                error = QString::fromUtf8(e.what());
            }
            QMetaObject::invokeMethod(
                self.data(),
                [self, s, model, chat, error, path] {
                    if (!self) return;
                    self->models_[s] = model;
                    self->chats_[s] = chat;
                    self->loaded_[s] = true;
                    self->loadOk_[s] = model != nullptr;
                    if (model) {
                        self->identity_[s] = model->identity;
                        self->loadedPath_[s] = path;
                    }
                    Q_EMIT self->slotLoaded(s, model != nullptr, error);
                    if (self->loaded_[A] && self->loaded_[B]) {
                        const bool ok = self->loadOk_[A] && self->loadOk_[B];
                        if (!ok) self->loaded_ = {false, false};
                        self->finishOne();
                        Q_EMIT self->loadFinished(ok);
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
    const std::stop_token token = stop_.get_token();
    post(A, [self, a, b, battery, settings, token] {
        auto onEvent = [self](const BatteryEvent& e) {
            QMetaObject::invokeMethod(self.data(), [self, e] { if (self) Q_EMIT self->batteryEvent(e); }, Qt::QueuedConnection);
        };
        std::shared_ptr<BatteryOutcome> outcome;
        QString error;
        try {
            outcome = std::make_shared<BatteryOutcome>(awq::runBattery({a.get(), b.get()}, battery, settings, onEvent, token));
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
            quality = awq::runQuality(*a->engine, b->engine.get(), options, onProgress, token, &cancelled);
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
    const std::stop_token token = stop_.get_token();
    post(A, [self, a, b, sweep, settings, token] {
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
            for (const auto* m : {a.get(), b.get()}) {
                if (cancelled) break;
                run->models[m->slot] = awq::runSweep(*m->engine, sweep, m->slot, onEvent, token, &cancelled);
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

void CompareSession::cancel() {
    if (busy_) stop_.request_stop();
}

}  // namespace awq::ui
