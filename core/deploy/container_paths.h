#pragma once
// Host paths as a container sees them. A compose target's vLLM runs in a container, so the model
// path written into its files must be the path inside the container (the pool copy at
// /srv/models/m is /models/m under `- /srv/models:/models`). Mappings come from the target
// (`target add --container-path HOST:CONTAINER`) or, for compose targets, from the bind mounts of
// the service that uses the model path variable.
#include "core/deploy/compose_interpolation.h"
#include "core/deploy/deploy_settings.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq::deploy {

// "HOST:CONTAINER" (compose's short volume syntax; a trailing ":ro" / ":rw" mode is accepted and
// ignored). Both must be absolute. Throws awq::Error with the expected form.
PathMapping parsePathMapping(const std::string& spec);
std::string pathMappingText(const PathMapping& m);  // "HOST:CONTAINER"

// The bind mounts of the compose services whose text references `variable` (every service when
// none does): short syntax (`- HOST:CONTAINER[:MODE]`) and long syntax (`type: bind`, `source:`,
// `target:`). Host paths are interpolated with `lookup` (Compose's grammar), `~` is the home folder,
// and relative paths are resolved against `composeDir`; named volumes are skipped.
std::vector<PathMapping> composeBindMounts(std::string_view composeText, const std::filesystem::path& composeDir,
                                           std::string_view variable, const ComposeLookup& lookup = {});

// The files the services' `env_file:` keys name (a string, a flow or block list, items of the long
// syntax `- path: FILE`), interpolated with `lookup`, relative paths resolved against `composeDir`.
// Compose puts their variables into the container's environment (not into the compose file's own
// interpolation, which reads the project's .env beside the compose file).
std::vector<std::filesystem::path> composeEnvFiles(std::string_view composeText, const std::filesystem::path& composeDir,
                                                   const ComposeLookup& lookup = {});

// The path inside the container of `hostPath` (through the mapping with the longest host folder
// that holds it; links in the host folders are resolved), or nullopt when no mapping covers it.
std::optional<std::filesystem::path> containerPathFor(const std::vector<PathMapping>& mappings, const std::filesystem::path& hostPath);
// The reverse: the host path of a path inside the container; nullopt when no mapping covers it.
std::optional<std::filesystem::path> hostPathFor(const std::vector<PathMapping>& mappings, const std::filesystem::path& containerPath);

}  // namespace awq::deploy
