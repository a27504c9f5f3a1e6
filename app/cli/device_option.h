#pragma once
// The --device option of the commands that run the engine (generate, eval, profile, quantize,
// compare, serve). Built only where the engine is (AWQBENCH_HAVE_ENGINE): it accepts exactly what
// awq::parseDeviceKind accepts, so the names live in one place.
namespace CLI {
class Validator;
}

namespace awq::cli {

// A device the engine and the quantizer know (awq::parseDeviceKind: cpu, cuda or gpu), rewritten to
// its canonical name (gpu -> cuda: the quantizer, compare and serve compare the text with "cuda");
// use it with Option::transform. "--device: must be cpu or cuda, not foo" at parse (exit 1: usage),
// before a job folder or a listening socket exists; likewise a device this machine or build lacks
// ("--device: cuda is not available: this build has no CUDA ...; use --device cpu",
// awq::deviceUnavailableReason), the same words for every command that takes --device.
const CLI::Validator& deviceName();

}  // namespace awq::cli
