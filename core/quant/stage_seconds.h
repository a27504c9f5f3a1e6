#pragma once
// Where a quantization job's time went: wall seconds per stage, summed over the layers this run
// quantized (a resumed job counts only its own layers). The CLI prints them under the layer table,
// the GUI can show them from QuantizeSummary::stageSeconds.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace awq {

struct QuantizeStageSeconds {
    double calibration = 0;  // calibration blocks through the embedding (tokenizing is the pre-flight's)
    double capture = 0;      // the original layer's forward, collecting the linear inputs' statistics
    double scaleSearch = 0;  // AWQ: the ratio search of every scaling group, inputs regenerated chunk by chunk
    double clipSearch = 0;   // AWQ: the clipping thresholds
    double gptq = 0;         // GPTQ: Hessians and column-by-column quantization
    double quantize = 0;     // group quantization and packing into the checkpoint layout
    double outputError = 0;  // the quantized layer's forward against the original output
    double write = 0;        // layer shards, journal, then the embeddings / head / config / side files

    double total() const { return calibration + capture + scaleSearch + clipSearch + gptq + quantize + outputError + write; }
    // (name, seconds) in job order, for tables.
    std::vector<std::pair<std::string, double>> named() const {
        return {{"calibration", calibration}, {"capture", capture}, {"scale search", scaleSearch}, {"clip search", clipSearch},
                {"gptq", gptq},               {"quantize", quantize}, {"output error", outputError}, {"write", write}};
    }
};

// Adds the seconds since the last lap (or construction) to a stage: `lap(times.capture)`.
class StageClock {
public:
    void lap(double& stage) {
        const auto now = std::chrono::steady_clock::now();
        stage += std::chrono::duration<double>(now - last_).count();
        last_ = now;
    }
    void restart() { last_ = std::chrono::steady_clock::now(); }  // time spent elsewhere: counted by its own clock

private:
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace awq
