#include "app/cli/device_option.h"

#include "core/engine/engine.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>

#include <string>

namespace awq::cli {

const CLI::Validator& deviceName() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            try {
                // The engine's own list of names, written back as its canonical name: "gpu" reached
                // the quantizer and compare as a string that is not "cuda" and ran on the CPU.
                text = deviceKindName(parseDeviceKind(text));
            } catch (const Error&) {
                return "must be cpu or cuda, not " + text;
            }
            return {};
        },
        "DEVICE");
    return v;
}

}  // namespace awq::cli
