#include "core/engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace awq {

Sampler::Sampler(const SamplingSettings& settings) : settings_(settings), rng_(settings.seed) {}

int Sampler::next(std::span<float> logits, std::span<const int> seen) {
    const int vocab = int(logits.size());
    if (settings_.repetitionPenalty != 1.0f) {
        std::vector<char> done(vocab, 0);
        for (int id : seen) {
            if (id < 0 || id >= vocab || done[id]) continue;
            done[id] = 1;
            float& l = logits[id];
            l = l > 0 ? l / settings_.repetitionPenalty : l * settings_.repetitionPenalty;
        }
    }
    if (settings_.greedy || settings_.temperature <= 0.0f)
        return int(std::max_element(logits.begin(), logits.end()) - logits.begin());

    std::vector<int> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    int keep = vocab;
    if (settings_.topK > 0 && settings_.topK < vocab) {
        keep = settings_.topK;
        std::partial_sort(order.begin(), order.begin() + keep, order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
    } else {
        std::sort(order.begin(), order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
    }
    // Softmax over the kept candidates at this temperature.
    std::vector<double> probs(keep);
    const double top = logits[order[0]] / settings_.temperature;
    double sum = 0;
    for (int i = 0; i < keep; ++i) sum += probs[i] = std::exp(logits[order[i]] / settings_.temperature - top);
    for (auto& p : probs) p /= sum;
    if (settings_.topP < 1.0f) {  // smallest prefix whose mass reaches top-p (at least one token)
        double mass = 0;
        int cut = 0;
        while (cut < keep && mass < settings_.topP) mass += probs[cut++];
        keep = std::max(cut, 1);
        probs.resize(keep);
    }
    std::discrete_distribution<int> pick(probs.begin(), probs.end());
    return order[pick(rng_)];
}

}  // namespace awq
