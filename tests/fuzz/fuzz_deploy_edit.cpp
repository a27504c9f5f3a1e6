// The deployment files a user points a target at (compose file, .env, vLLM config): the compose
// bind mounts; reading and setting a model variable's value in .env, compose defaults (nested
// ${A:-${B:-x}}) and flat YAML with line-preserving edits; Compose interpolation; the
// forced-awq-kernel scan and the diff shown before writing. The input is the file text; the first
// line, when it starts with "#var ", names the variable.
#include "core/deploy/container_paths.h"
#include "core/deploy/text_edit.h"
#include "tests/fuzz/fuzz_support.h"

#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace d = awq::deploy;
    const auto text = awq::fuzz::asText(data, size);
    std::string var = "MODEL_PATH";
    if (text.starts_with("#var ")) var = std::string(text.substr(5, std::min<std::size_t>(text.find('\n'), 64) - 5));
    const std::string value = "/models/qwen3-8b-awq";
    try {
        (void)d::envValue(text, var);
        const auto env = d::setEnvValue(text, var, value);
        (void)d::envValue(env, var);
        (void)d::unifiedDiff(text, env, ".env", ".env");

        (void)d::parseComposeReferences(text);
        (void)d::findComposeReferences(text, var);
        const d::ComposeLookup lookup = [](const std::string& name) -> std::optional<std::string> {
            if (name.size() % 2 == 0) return std::nullopt;
            return name;
        };
        (void)d::composeDefault(text, var, lookup);
        try {
            (void)d::interpolateCompose(text, lookup);
        } catch (const awq::Error&) {
        }
        try {
            (void)d::composeBindMounts(text, "/srv/compose", var, lookup);  // the volumes: bind mounts of the service
        } catch (const awq::Error&) {
        }
        try {  // a value Compose would split in a string command: the quoting walk (text_edit.cpp)
            (void)d::setComposeDefault(text, var, "/models/my model (1)");
            (void)d::quoteWhereComposeSplits(text, var, "/models/my model (1)");
        } catch (const awq::Error&) {
        }
        if (const auto compose = d::setComposeDefault(text, var, value)) {
            (void)d::composeDefault(*compose, var);
            (void)d::unifiedDiff(text, *compose, "compose.yml", "compose.yml");
        }

        const std::vector<std::string> keys = {"max-model-len", "max_model_len"};
        (void)d::yamlValue(text, keys);
        (void)d::yamlListValues(text, keys);
        (void)d::setYamlValue(text, keys, "8192", false);
        (void)d::setYamlValue(text, {"model"}, value, true);
        (void)d::commentOutYamlKey(text, {"quantization"}, "awqbench: use the awq_marlin kernel");
        (void)d::forcedAwqKernelLines(text);
    } catch (const awq::Error&) {
    }
    return 0;
}
