#include "core/quant/eta_countdown.h"

#include <algorithm>

namespace awq {

void EtaCountdown::layerDone(double etaS, int layersLeft, double nowS) {
    if (etaS < 0) return;  // unknown
    etaS_ = etaS;
    atS_ = nowS;
    layersLeft_ = std::max(0, layersLeft);
    perLayerS_ = layersLeft_ > 0 ? etaS / layersLeft_ : 0;
}

std::optional<double> EtaCountdown::remaining(double nowS) const {
    if (!etaS_) return std::nullopt;
    const double floor = perLayerS_ * std::max(0, layersLeft_ - 1);
    return std::max(floor, *etaS_ - std::max(0.0, nowS - atS_));
}

bool EtaCountdown::overdue(double nowS) const {
    return etaS_ && layersLeft_ > 0 && *etaS_ - (nowS - atS_) <= perLayerS_ * (layersLeft_ - 1);
}

}  // namespace awq
