#pragma once
// The time a quantize job has left, between layer completions: the estimate the last finished
// layer gave (QuantizeEvent::etaS: elapsed / layers done x layers left) counted down by the time
// since, so a progress display moves every tick instead of standing still for a whole layer. All
// times are seconds on one clock of the caller's (the GUI's job clock, the CLI's event times).
#include <optional>

namespace awq {

class EtaCountdown {
public:
    // A layer finished at `nowS`; the job estimated `etaS` seconds for the `layersLeft` layers not done.
    void layerDone(double etaS, int layersLeft, double nowS);
    void reset() { *this = EtaCountdown(); }

    // Seconds left at `nowS`, never below what the layers after the one in flight take at the
    // average so far (they have not started); nullopt before the first layer finished this run.
    std::optional<double> remaining(double nowS) const;
    // The layer in flight is taking longer than the average: the countdown reached the floor
    // (a display says "finishing layer N" rather than a time that no longer counts down).
    bool overdue(double nowS) const;

private:
    std::optional<double> etaS_;
    double atS_ = 0;
    double perLayerS_ = 0;
    int layersLeft_ = 0;
};

}  // namespace awq
