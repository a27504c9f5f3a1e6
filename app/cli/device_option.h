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
// before a job folder or a listening socket exists.
const CLI::Validator& deviceName();

}  // namespace awq::cli
