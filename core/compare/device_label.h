#pragma once
// The words every speed and cost figure carries: the device it was measured on, and why a
// quantized model can be slower there. A figure without its device misleads: AWQ's 4-bit weights
// pay off where decode is memory-bound on a GPU; on a CPU they are at best as fast as the original.
#include "core/run/run_document.h"

#include <optional>
#include <string>

namespace awq {

// "NVIDIA H200 (cuda:0)", "GPU (cuda:0)" when NVML gave no name; "CPU (AMD EPYC 7B13, 2 threads)"
// for a CPU run (the CPU's model name and the engine's compute threads, as far as `host` has them:
// describeHost() fills both; a run recorded before they were written says just "CPU").
std::string deviceLabel(const HostInfo& host);

// The host facts of a run on `device` ("cpu" / "cuda") of this machine, for labelling live figures.
HostInfo thisHost(const std::string& device);

// Why the quantized model of a pair is slower on this device, or nullopt when it is not slower,
// neither or both are quantized, or the device is a GPU (there it is a finding, not an artefact).
// `quantizedTps` / `originalTps`: tokens/s of each, measured on `host` the same way; `figure` names
// that measure in the note ("decode speed (TPOT) of the last chat replies"; "" says just "speed").
// Compare like with like: a figure that mixes in the prompt (end-to-end tok/s of replies to prompts
// of different lengths) is no evidence of a slower model.
std::optional<std::string> quantizedSlowerNote(const HostInfo& host, double quantizedTps, double originalTps,
                                               const std::string& figure = {});

// Decode tokens/s from a TPOT in ms; 0 (no claim) without one (a one-token reply).
double decodeTokensPerSecond(std::optional<double> tpotMs);

// quantizedSlowerNote for a pair A/B, given only where one is the other's quantization
// (quantizedFrom): a quantized model of another source is not "the original's" speed-up or slow-down
// to explain (the report warns that such a pair is not like for like). Nullopt for an endpoint side.
std::optional<std::string> pairSpeedNote(const HostInfo& host, const RunModel& a, const RunModel& b, double aTps, double bTps,
                                         const std::string& figure = {});

// pairSpeedNote for the Chat tab's last exchange: compares the decode speed (TPOT) of the two
// replies, not their end-to-end tokens/s (that mixes in each prompt's prefill, and the replies of
// one exchange may have prompts of different lengths). Nullopt without both TPOTs.
std::optional<std::string> chatSpeedNote(const HostInfo& host, const RunModel& a, const RunModel& b, std::optional<double> aTpotMs,
                                         std::optional<double> bTpotMs);

}  // namespace awq
