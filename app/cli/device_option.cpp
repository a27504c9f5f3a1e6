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
                parseDeviceKind(text);  // the engine's own list of names
            } catch (const Error&) {
                return "must be cpu or cuda, not " + text;
            }
            return {};
        },
        "DEVICE");
    return v;
}

}  // namespace awq::cli
