#include "core/util/json_write.h"

namespace awq {

std::string jsonText(const nlohmann::json& j, int indent) { return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace awq
