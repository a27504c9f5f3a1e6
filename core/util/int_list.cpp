#include "core/util/int_list.h"

#include "core/util/error.h"

#include <sstream>

namespace awq {

std::vector<int> parseIntList(const std::string& text, const std::string& option) {
    const std::string fix = "give " + option + " as comma-separated integers, e.g. 1,2,3";
    std::vector<int> values;
    std::stringstream ss(text);
    for (std::string part; std::getline(ss, part, ',');) {
        try {
            std::size_t used = 0;
            values.push_back(std::stoi(part, &used));
            if (used != part.size()) throw std::invalid_argument(part);
        } catch (const std::exception&) {
            throw Error("'" + part + "' in " + option + " is not an integer", {}, fix);
        }
    }
    if (values.empty()) throw Error(option + " is empty", {}, fix);
    return values;
}

}  // namespace awq
