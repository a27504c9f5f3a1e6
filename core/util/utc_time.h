#pragma once
// The current UTC time as text, for records on disk (journals, manifests, run documents, history).
#include <string>

namespace awq {

// strftime format over UTC; the default is ISO 8601 ("2026-11-25T18:00:00Z").
std::string utcNow(const char* format = "%Y-%m-%dT%H:%M:%SZ");

}  // namespace awq
