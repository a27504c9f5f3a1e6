#pragma once
// Whether a device can run here: the one check every command and page that takes a device makes
// before anything starts (a server listening, a job folder, a model loaded, settings checked
// against a default of that device). Defined in engine.cpp, with the engine's device names.
#include "core/engine/engine.h"

#include <string>

namespace awq {

// Why `device` cannot run here, in words that name the cause ("this build has no CUDA (its
// libtorch is CPU-only); no NVIDIA GPU was found (...)"), or "" where it can (the CPU always can).
std::string deviceUnavailableReason(DeviceKind device);

// Throws awq::Error "--device cuda is not available: <reason>" with the fix "use --device cpu"
// where deviceUnavailableReason says why.
void requireDeviceAvailable(DeviceKind device);

}  // namespace awq
