#include "app/cli/device_option.h"

#include "core/engine/device_check.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>

#include <string>

namespace awq::cli {

const CLI::Validator& deviceName() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            DeviceKind kind;
            try {
                // The engine's own list of names, written back as its canonical name: "gpu" reached
                // the quantizer and compare as a string that is not "cuda" and ran on the CPU.
                kind = parseDeviceKind(text);
                text = deviceKindName(kind);
            } catch (const Error&) {
                return "must be cpu or cuda, not " + text;
            }
            // A device that is not there is a usage error here, before anything starts: serve said
            // "listening on" and then "load failed", quantize checked a --seqlen against the CUDA
            // default first and named config.json.
            if (const auto why = deviceUnavailableReason(kind); !why.empty())
                return text + " is not available: " + why + "; use --device cpu";
            return {};
        },
        "DEVICE");
    return v;
}

}  // namespace awq::cli
