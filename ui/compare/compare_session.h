#pragma once
// The Compare page's two loaded models, each on its own thread (a JobRunner per slot): both load
// at once, chat turns stream from both at the same time, and the battery, quality check and sweep run on A's thread
// (using both engines, one after the other, so their timings do not interfere). Either slot may be
// an OpenAI endpoint instead of a folder: "loading" it asks the server for its model, the battery
// and sweep send it requests, and quality measures only the folder side (an endpoint gives no
// logits). Everything comes back as queued signals on the GUI thread. One operation at a time;
// cancel stops the one in flight.
#include "core/compare/compare_runner.h"
#include "core/compare/sweep.h"
#include "core/serve/endpoint_client.h"

#include <QObject>
#include <QString>

#include <array>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace awq {
class ChatSession;
}

namespace awq::ui {

class JobRunner;

class CompareSession : public QObject {
    Q_OBJECT
public:
    enum Slot { A, B };
    static QString slotName(int slot) { return slot == A ? QStringLiteral("A") : QStringLiteral("B"); }

    explicit CompareSession(QObject* parent = nullptr);
    ~CompareSession() override;   // cancels what runs and waits for it

    // What a slot compares: a model folder, or (when set) an endpoint.
    struct Source {
        QString folder;
        std::optional<serve::Endpoint> endpoint;
        QString key() const;   // the folder, or "URL#model": what loadedPath() returns
    };
    // Each call returns false (and does nothing) while another operation runs.
    bool load(const QString& folderA, const QString& folderB, const RunSettings& settings);
    bool load(const std::array<Source, 2>& sources, const RunSettings& settings);
    // Both models, same message; `systemPrompt` ("" for none) leads the conversation of models
    // with a chat template (the others ignore it).
    // With `regenerate`, the last exchange is dropped first and `message` (its user message) sent again.
    // Each model's prompt is fitted into its context (ChatSession::fittedPrompt: the oldest
    // exchanges left out; chatPromptFitted says how many). A side whose reply fails keeps its
    // conversation as it was (ChatSession::send changes nothing when it throws).
    bool chat(const QString& message, const RunSettings& settings, const QString& systemPrompt = {}, bool regenerate = false);
    bool runBattery(const Battery& battery, const RunSettings& settings);
    bool runQuality(const QualityOptions& options);
    bool runSweep(const SweepSettings& sweep, const RunSettings& settings);
    // The decode timeline of both loaded model folders (core/compare/decode_timeline.h), on A's
    // thread; false for an endpoint (its kernels run on its server).
    bool runTimeline(const TimelineOptions& options);
    void resetChat();
    // Continues a saved conversation: each model's chat gets these (user, reply) exchanges, its own
    // replies (slot 0 = A, 1 = B). False while an operation runs or before the models are loaded.
    bool restoreChat(const std::array<std::vector<std::pair<std::string, std::string>>, 2>& exchanges);
    void cancel();

    bool isBusy() const { return busy_ > 0; }
    bool isLoaded() const { return loaded_[A] && loaded_[B]; }
    // The identities of the loaded models (for the run documents), valid once loaded.
    const RunModel& identity(int slot) const { return identity_[slot]; }
    QString loadedPath(int slot) const { return loadedPath_[slot]; }
    bool isEndpoint(int slot) const { return endpoints_[slot].has_value(); }
    // The loaded model folder's context in tokens (the engine's: a longer sequence is refused);
    // 0 for an endpoint or a slot not loaded.
    int contextTokens(int slot) const { return context_[slot]; }
    // The loaded model of a slot chats without a chat template (a plain-text continuation).
    bool lacksChatTemplate(int slot) const;
    // The loaded endpoint of a slot (its model name resolved), if it is one.
    const std::optional<serve::Endpoint>& endpoint(int slot) const { return endpoints_[slot]; }

Q_SIGNALS:
    void busyChanged(bool busy);
    void slotLoaded(int slot, bool ok, const QString& message);   // message: the error when !ok
    void loadFinished(bool ok);
    void chatDelta(int slot, const QString& text);
    // `memory`: the slot's engine alone, read right after its reply.
    void chatFinished(int slot, const awq::GenerationResult& result, const awq::EngineMemory& memory);
    // Before chatFinished: the oldest exchanges left out of that slot's prompt (0: none) and its context.
    void chatPromptFitted(int slot, int leftOutExchanges, int contextTokens);
    void batteryEvent(const awq::BatteryEvent& event);
    void batteryFinished(std::shared_ptr<awq::BatteryOutcome> outcome);
    void qualityProgress(const QString& slot, int window, int windows);
    void qualityFinished(const awq::QualityRun& quality, bool cancelled);
    void sweepProgress(const awq::SweepEvent& event);
    void sweepFinished(std::shared_ptr<awq::SweepRun> sweep, bool cancelled);
    void timelineStage(const QString& stage);   // "ceilings" or the slot profiled next
    void timelineFinished(std::shared_ptr<awq::TimelineRun> timeline, bool cancelled);
    void failed(const QString& what, const QString& message);

private:
    // Starts an operation of `pieces` queued pieces (false while another one runs, or when the
    // operation needs both models loaded and they are not).
    bool begin(int pieces, bool needsModels = true);
    void finishOne();   // one queued piece of an operation is done

    std::array<JobRunner*, 2> runners_{};   // one per slot: its engine lives on that runner's thread
    // Engines and chats live on the slot threads; the GUI thread only touches them while no
    // operation is in flight (busy_ == 0).
    std::array<std::shared_ptr<LoadedModel>, 2> models_;
    std::array<std::shared_ptr<ChatSession>, 2> chats_;
    std::array<std::optional<serve::Endpoint>, 2> endpoints_;
    std::array<RunModel, 2> identity_;
    std::array<QString, 2> loadedPath_;
    std::array<int, 2> context_{0, 0};
    std::array<bool, 2> loaded_{false, false};
    std::array<bool, 2> loadOk_{false, false};
    int busy_ = 0;
};

}  // namespace awq::ui
