#pragma once
// Docker Compose variable interpolation, the whole grammar Compose accepts: `$VAR`, `${VAR}`,
// `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?message}`, `${VAR?message}`
// (error), `${VAR:+replacement}`, `${VAR+replacement}` (when set), `$$` (a literal `$`), and
// references nested in a default, message or replacement: `${A:-${B:-x}/y}`. A reference ends at the
// `}` that closes it, counting the `${` opened inside it, as Compose (compose-go) does.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq::deploy {

struct ComposeReference {
    enum class Form {
        Plain,                 // $VAR or ${VAR}
        DefaultIfUnsetOrEmpty, // ${VAR:-default}
        DefaultIfUnset,        // ${VAR-default}
        ErrorIfUnsetOrEmpty,   // ${VAR:?message}
        ErrorIfUnset,          // ${VAR?message}
        ReplaceIfNonEmpty,     // ${VAR:+replacement}
        ReplaceIfSet,          // ${VAR+replacement}
    };
    std::string name;
    Form form = Form::Plain;
    bool braced = false;
    std::size_t begin = 0, end = 0;         // the whole reference, [begin, end) in the text parsed
    std::size_t argBegin = 0, argEnd = 0;   // the default / message / replacement (empty range for Plain)
    std::vector<ComposeReference> nested;   // references inside the argument (offsets in the same text)

    bool hasDefault() const noexcept { return form == Form::DefaultIfUnsetOrEmpty || form == Form::DefaultIfUnset; }
};

// The top-level references of `text` in order (`$$` escapes skipped). Text that Compose would
// reject (`${VAR/x}`, a `${` never closed, a reference running past the end of its line) is left
// as plain text: these files are edited in place, never rewritten.
std::vector<ComposeReference> parseComposeReferences(std::string_view text);

// Every reference to `name` at any depth whose argument is not inside another reference to
// `name` (the outermost ones: what an edit of `name` replaces), in text order.
std::vector<ComposeReference> findComposeReferences(std::string_view text, std::string_view name);

// A variable's value, or nullopt when unset.
using ComposeLookup = std::function<std::optional<std::string>(const std::string& name)>;

// `text` interpolated as Compose does. Throws awq::Error carrying the message of a
// `${VAR:?message}` / `${VAR?message}` whose variable is unset (or empty).
std::string interpolateCompose(std::string_view text, const ComposeLookup& lookup);

// A value written as literal text in a compose file (every `$` doubled).
std::string escapeComposeLiteral(std::string_view value);

}  // namespace awq::deploy
