#pragma once
// Line-preserving edits of deployment files: only the value being set changes; every other byte
// (comments, order, blank lines, CRLF line ends, quoting style) stays as it was. Plus the unified
// diff shown before anything is written.
#include "core/deploy/compose_interpolation.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq::deploy {

// ---- .env (docker compose's dotenv format) ----
// The value of the last `VAR=...` / `export VAR=...` line, unquoted; nullopt when absent.
std::optional<std::string> envValue(std::string_view text, std::string_view var);
// The line (1-based) of the last `VAR=...` / `export VAR=...`, whose value envValue gives; nullopt when absent.
std::optional<int> envAssignmentLine(std::string_view text, std::string_view var);
// Sets every assignment of `var` (keeping `export`, spacing, quote style and inline comments), or
// appends `VAR=value` when there is none.
std::string setEnvValue(std::string_view text, std::string_view var, std::string_view value);

// ---- compose file: ${VAR:-default} / ${VAR-default} (core/deploy/compose_interpolation.h) ----
// The first default of `var`, interpolated as Compose would with the variables it nests looked up
// in `lookup` (unset when empty: `${A:-${B:-/m}/x}` gives "/m/x"); nullopt when the file has no
// default for it.
std::optional<std::string> composeDefault(std::string_view text, std::string_view var, const ComposeLookup& lookup = {});
// Replaces the whole default (nested references included) of every outermost `${VAR:-...}` /
// `${VAR-...}`, writing `$` as `$$`; returns nullopt when there is none. Throws awq::Error for a
// value that cannot be written inside ${...} (contains } " ' or a line break), or not inside an
// unquoted YAML value (" #" or ": " in it, where a default sits in one).
// Where a reference lands in a command or entrypoint given as one string, Compose splits the
// interpolated text into arguments shell style (go-shellwords): a default with a blank became
// several vLLM arguments. So a reference there that is not inside quotes yet is wrapped in '...'
// (by both functions) when `value` holds what splits. Throws awq::Error where that cannot be written:
// the reference starts an unquoted YAML value, or sits in "..." and the value holds \ " or `.
std::optional<std::string> setComposeDefault(std::string_view text, std::string_view var, std::string_view value);
// Only the quoting (an .env target's compose file: the value comes from the .env file).
std::string quoteWhereComposeSplits(std::string_view text, std::string_view var, std::string_view value);

// ---- flat YAML (vllm serve --config) ----
// Top-level `key: value` lines. `keys` lists accepted spellings (e.g. "max-model-len",
// "max_model_len"); the first is used when the key has to be appended.
std::optional<std::string> yamlValue(std::string_view text, const std::vector<std::string>& keys);
// Every item of a top-level key's value, unquoted: a flow list `[a, "b"]`, a block list (`- a`
// lines below the key) or one scalar; empty when the key is absent.
std::vector<std::string> yamlListValues(std::string_view text, const std::vector<std::string>& keys);
std::string setYamlValue(std::string_view text, const std::vector<std::string>& keys, std::string_view value, bool quoteAsString);
// Turns a top-level `key: ...` line into a comment carrying `note` (nothing else changes).
std::string commentOutYamlKey(std::string_view text, const std::vector<std::string>& keys, std::string_view note);

// Lines (1-based) whose text forces vLLM's slow `awq` kernel: `--quantization awq`,
// `--quantization=awq`, `-q awq` (the flag's line, its value possibly on a later one: a YAML list
// item each, a shell line continuation), `quantization: awq`, `QUANTIZATION=awq`. Comments are ignored.
std::vector<int> forcedAwqKernelLines(std::string_view text);

// The `--max-model-len` / `--max_model_len` flags of a command in `text` (a compose command as one
// string or as a YAML list, an .env value), outside comments: each flag's line (1-based) and its
// value as written, the next word (`4096`, `${MAX_LEN:-4096}`), on the same line or a later one.
struct FlagValue {
    int line = 0;
    std::string value;
};
std::vector<FlagValue> maxModelLenFlags(std::string_view text);
// The same for vLLM's tensor-parallel size (--tensor-parallel-size, -tp).
std::vector<FlagValue> tensorParallelFlags(std::string_view text);
// The same for any of `flags` (each spelling of one flag: "--dtype"; "--gpu-memory-utilization",
// "--gpu_memory_utilization").
std::vector<FlagValue> commandFlagValues(std::string_view text, std::initializer_list<std::string_view> flags);

// Unified diff (3 lines of context) from `before` to `after`; empty when equal.
std::string unifiedDiff(std::string_view before, std::string_view after, const std::string& fromName, const std::string& toName);

}  // namespace awq::deploy
