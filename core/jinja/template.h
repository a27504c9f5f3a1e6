#pragma once
// A parsed Jinja template and its sandboxed renderer. The interpreter has no access to files,
// the environment or the system: templates see only the variables they are given and a few
// harmless globals (range, namespace, dict, raise_exception, strftime_now). Output size, loop
// iterations, range() sizes and macro recursion are bounded.
#include "core/jinja/value.h"

#include <memory>
#include <string>
#include <string_view>

namespace awq::jinja {

struct Stmt;

struct RenderLimits {
    std::size_t maxOutputBytes = 64u << 20;
    std::size_t maxLoopIterations = 10'000'000;
    int maxCallDepth = 100;
};

class Template {
public:
    // Throws TemplateError on syntax errors.
    explicit Template(std::string_view source);
    // `variables` is an Object of the template's variables. Throws TemplateError (including the
    // message of raise_exception(), and a filter or test jinja2 doesn't have where jinja2's
    // compiler refuses it: transformers compiles a chat template when it first renders it, so a
    // template naming one still loads).
    std::string render(const Object& variables, const RenderLimits& limits = {}) const;

private:
    std::shared_ptr<const std::vector<std::unique_ptr<Stmt>>> body_;
    std::shared_ptr<const TemplateError> unknownName_;  // what render() throws first, if anything
};

}  // namespace awq::jinja
