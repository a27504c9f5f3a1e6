#include "core/deploy/container_paths.h"

#include "core/util/error.h"

#include <cctype>
#include <cstdlib>

namespace awq::deploy {
namespace fs = std::filesystem;

namespace {

struct YamlLine {
    int indent = 0;
    std::string body;  // without indentation, trailing comment and CR
};

// Strips a trailing comment (a '#' after whitespace, outside quotes) and surrounding whitespace.
std::string withoutComment(const std::string& s) {
    char quote = 0;
    std::size_t end = s.size();
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            end = i;
            break;
        }
    }
    std::string out = s.substr(0, end);
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\r')) out.pop_back();
    return out;
}

// Non-blank, non-comment lines with their indentation.
std::vector<YamlLine> yamlLines(std::string_view text) {
    std::vector<YamlLine> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto nl = text.find('\n', start);
        const std::string raw(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        const auto first = raw.find_first_not_of(" \t");
        if (first != std::string::npos && raw[first] != '#') {
            const std::string body = withoutComment(raw.substr(first));
            if (!body.empty()) out.push_back({int(first), body});
        }
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return out;
}

std::string unquoted(std::string s) {
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) return s.substr(1, s.size() - 2);
    return s;
}

// `key: value` of a mapping line ("" value for a block); nullopt when the line is not one. Matched
// by hand: std::regex recurses once per character and overflows the stack on a very long line.
std::optional<std::pair<std::string, std::string>> keyValue(const std::string& body) {
    auto isKeyChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; };
    std::size_t i = 0;
    while (i < body.size() && isKeyChar(body[i])) ++i;
    if (i == 0) return std::nullopt;
    std::size_t colon = i;
    while (colon < body.size() && (body[colon] == ' ' || body[colon] == '\t')) ++colon;
    if (colon == body.size() || body[colon] != ':') return std::nullopt;
    std::size_t value = colon + 1;
    if (value == body.size()) return std::pair{body.substr(0, i), std::string()};
    if (body[value] != ' ' && body[value] != '\t') return std::nullopt;  // `key:x` is not a mapping line
    while (value < body.size() && (body[value] == ' ' || body[value] == '\t')) ++value;
    return std::pair{body.substr(0, i), unquoted(body.substr(value))};
}

fs::path hostFolder(std::string path, const fs::path& composeDir) {
    if (path == "~" || path.rfind("~/", 0) == 0) {
        const char* home = std::getenv("HOME");
        path = std::string(home ? home : "") + path.substr(1);
    }
    const fs::path p(path);
    return (p.is_absolute() ? p : composeDir / p).lexically_normal();
}

bool isBindSource(const std::string& s) {
    return !s.empty() && (s[0] == '/' || s[0] == '.' || s[0] == '~');  // anything else names a volume
}

// A mount whose text needs a variable that is not known here (`${POOL:?...}`) cannot be mapped:
// nullopt, and the mount is skipped.
std::optional<std::string> interpolated(const std::string& text, const ComposeLookup& lookup) {
    try {
        return interpolateCompose(text, lookup);
    } catch (const Error&) {
        return std::nullopt;
    }
}

void addShortMount(const std::string& spec, const fs::path& composeDir, const ComposeLookup& lookup, std::vector<PathMapping>& out) {
    const auto resolved = interpolated(spec, lookup);
    if (!resolved) return;
    const std::string& value = *resolved;
    const auto colon = value.find(':');
    if (colon == std::string::npos) return;  // `- /data`: an anonymous volume
    const std::string host = value.substr(0, colon);
    const std::string container = value.substr(colon + 1, value.find(':', colon + 1) - colon - 1);
    if (isBindSource(host) && !container.empty() && container[0] == '/') out.push_back({hostFolder(host, composeDir), fs::path(container)});
}

void addLongMount(const std::string& source, const std::string& target, const std::string& type, const fs::path& composeDir,
                  const ComposeLookup& lookup, std::vector<PathMapping>& out) {
    const auto host = interpolated(source, lookup), container = interpolated(target, lookup);
    if (host && container && !container->empty() && (*container)[0] == '/' && !host->empty() && (type == "bind" || (type.empty() && isBindSource(*host))))
        out.push_back({hostFolder(*host, composeDir), fs::path(*container)});
}

// The items of a flow collection's inside ("a, {b: c}, 'd, e'"), split at its top-level commas.
std::vector<std::string> flowItems(const std::string& inside) {
    std::vector<std::string> out;
    std::string item;
    char quote = 0;
    int depth = 0;
    auto flush = [&] {
        const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
        item.clear();
    };
    for (const char c : inside) {
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if (c == ']' || c == '}') {
            --depth;
        } else if (c == ',' && depth == 0) {
            flush();
            continue;
        }
        item += c;
    }
    flush();
    return out;
}

// One volumes entry written inline: "HOST:CONTAINER[:MODE]" or {type: bind, source: ..., target: ...}.
void addInlineMount(const std::string& text, const fs::path& composeDir, const ComposeLookup& lookup, std::vector<PathMapping>& out) {
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
        std::string source, target, type;
        for (const auto& field : flowItems(text.substr(1, text.size() - 2)))
            if (const auto kv = keyValue(field)) {
                if (kv->first == "source") source = kv->second;
                if (kv->first == "target") target = kv->second;
                if (kv->first == "type") type = kv->second;
            }
        addLongMount(source, target, type, composeDir, lookup, out);
        return;
    }
    addShortMount(unquoted(text), composeDir, lookup, out);
}

// A flow collection that starts in `value` at lines[at] and may go on over the lines below, whole.
std::string flowText(const std::vector<YamlLine>& lines, std::size_t at, std::size_t end, std::string value) {
    auto balanced = [](const std::string& t) {
        int depth = 0;
        char quote = 0;
        for (const char c : t) {
            if (quote) quote = c == quote ? 0 : quote;
            else if (c == '"' || c == '\'') quote = c;
            else if (c == '[' || c == '{') ++depth;
            else if (c == ']' || c == '}') --depth;
        }
        return depth <= 0;
    };
    for (std::size_t j = at + 1; !balanced(value) && j < end; ++j) value += " " + lines[j].body;
    return value;
}

// The line that defines YAML anchor `name` (`key: &name ...` or `- &name ...`) and what follows the
// anchor on it; nullopt when none does.
std::optional<std::pair<std::size_t, std::string>> findAnchor(const std::vector<YamlLine>& lines, const std::string& name) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& b = lines[i].body;
        for (std::size_t at = b.find('&'); at != std::string::npos; at = b.find('&', at + 1)) {
            if (at > 0 && b[at - 1] != ' ' && b[at - 1] != '-') continue;
            const std::size_t after = at + 1 + name.size();
            if (b.compare(at + 1, name.size(), name) != 0 || (after < b.size() && b[after] != ' ')) continue;
            std::string rest = after < b.size() ? b.substr(after) : "";
            while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
            return std::pair{i, rest};
        }
    }
    return std::nullopt;
}

// The block under lines[i]: the lines after it that are indented deeper.
std::size_t blockEnd(const std::vector<YamlLine>& lines, std::size_t i) {
    std::size_t j = i + 1;
    while (j < lines.size() && lines[j].indent > lines[i].indent) ++j;
    return j;
}

void serviceMounts(const std::vector<YamlLine>& lines, std::size_t begin, std::size_t end, const fs::path& composeDir,
                   const ComposeLookup& lookup, std::vector<PathMapping>& out, int depth = 0);

// A `volumes:` whose value is `value` on lines[i] (the key at keyIndent): a block list below it,
// a flow list, or an alias of an anchored one (`*name`).
void volumesOf(const std::vector<YamlLine>& lines, std::size_t i, std::size_t end, int keyIndent, std::string value, const fs::path& composeDir,
               const ComposeLookup& lookup, std::vector<PathMapping>& out, int depth) {
    if (value.rfind("&", 0) == 0) {  // `volumes: &name ...`: the anchor changes nothing here
        const auto space = value.find(' ');
        value = space == std::string::npos ? "" : value.substr(space + 1);
    }
    if (value.rfind("*", 0) == 0) {
        const auto anchor = findAnchor(lines, value.substr(1));
        if (anchor && depth < 8) volumesOf(lines, anchor->first, blockEnd(lines, anchor->first), lines[anchor->first].indent, anchor->second,
                                           composeDir, lookup, out, depth + 1);
        return;
    }
    if (!value.empty() && value.front() == '[') {
        const std::string flow = flowText(lines, i, end, value);
        const auto close = flow.rfind(']');
        if (close != std::string::npos)
            for (const auto& item : flowItems(flow.substr(1, close - 1))) addInlineMount(item, composeDir, lookup, out);
        return;
    }
    if (!value.empty()) return;
    // List items: deeper than the key, or at its indentation starting with "- " (both are YAML).
    std::string source, target, type;
    auto flushLong = [&] {
        addLongMount(source, target, type, composeDir, lookup, out);
        source.clear(), target.clear(), type.clear();
    };
    for (std::size_t j = i + 1; j < end; ++j) {
        const auto& l = lines[j];
        const bool item = l.body.rfind("- ", 0) == 0 || l.body == "-";
        if (l.indent < keyIndent || (l.indent == keyIndent && !item)) break;
        std::string body = l.body;
        if (item) {
            flushLong();
            body = body.size() > 2 ? body.substr(2) : "";
            while (!body.empty() && body.front() == ' ') body.erase(0, 1);
            if (!keyValue(body)) {
                addInlineMount(body.rfind("{", 0) == 0 ? flowText(lines, j, end, body) : body, composeDir, lookup, out);
                continue;
            }
        }
        if (const auto field = keyValue(body)) {
            if (field->first == "source") source = field->second;
            if (field->first == "target") target = field->second;
            if (field->first == "type") type = field->second;
        }
    }
    flushLong();
}

// The mounts of one service block: lines[begin, end) at deeper indentation than the service name.
// Its own `volumes:`, else those of the mappings it merges (`<<: *base`, `<<: [*a, *b]`).
void serviceMounts(const std::vector<YamlLine>& lines, std::size_t begin, std::size_t end, const fs::path& composeDir,
                   const ComposeLookup& lookup, std::vector<PathMapping>& out, int depth) {
    if (begin >= end) return;
    const int keyIndent = lines[begin].indent;
    std::vector<std::string> merged;
    for (std::size_t i = begin; i < end; ++i) {
        if (lines[i].indent != keyIndent) continue;
        const auto kv = keyValue(lines[i].body);
        if (!kv && lines[i].body.rfind("<<:", 0) == 0) {  // keyValue reads keys of word characters only
            std::string v = lines[i].body.substr(3);
            for (const auto& a : flowItems(v.find('[') != std::string::npos ? v.substr(v.find('[') + 1, v.rfind(']') - v.find('[') - 1) : v))
                if (a.rfind("*", 0) == 0) merged.push_back(a.substr(1));
            continue;
        }
        if (!kv || kv->first != "volumes") continue;
        volumesOf(lines, i, end, keyIndent, kv->second, composeDir, lookup, out, depth);
        return;
    }
    if (depth >= 8) return;
    for (const auto& name : merged)
        if (const auto anchor = findAnchor(lines, name); anchor && anchor->second.empty())
            serviceMounts(lines, anchor->first + 1, blockEnd(lines, anchor->first), composeDir, lookup, out, depth + 1);
}

bool mentions(const std::vector<YamlLine>& lines, std::size_t begin, std::size_t end, std::string_view variable) {
    for (std::size_t i = begin; i < end; ++i)
        if (!findComposeReferences(lines[i].body, variable).empty()) return true;
    return false;
}

// `rel` when `path` lies in `folder` ("." for the folder itself), nullopt otherwise.
std::optional<fs::path> relativeInside(const fs::path& path, const fs::path& folder) {
    const fs::path rel = path.lexically_normal().lexically_relative(folder.lexically_normal());
    if (rel.empty() || *rel.begin() == "..") return std::nullopt;
    return rel;
}

fs::path resolvedHost(const fs::path& p) {
    std::error_code ec;
    const fs::path r = fs::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : r;
}

}  // namespace

PathMapping parsePathMapping(const std::string& spec) {
    const auto colon = spec.find(':');
    PathMapping m;
    if (colon != std::string::npos) {
        m.host = fs::path(spec.substr(0, colon)).lexically_normal();
        std::string container = spec.substr(colon + 1);
        if (const auto mode = container.find(':'); mode != std::string::npos) container.resize(mode);
        m.container = fs::path(container).lexically_normal();
    }
    if (colon == std::string::npos || !m.host.is_absolute() || !m.container.is_absolute())
        throw Error("'" + spec + "' is not a host-to-container path mapping", {},
                    "write HOST:CONTAINER with two absolute paths, as in the compose volume `- /srv/models:/models`");
    return m;
}

std::string pathMappingText(const PathMapping& m) { return m.host.string() + ":" + m.container.string(); }

std::vector<PathMapping> composeBindMounts(std::string_view composeText, const fs::path& composeDir, std::string_view variable,
                                           const ComposeLookup& lookup) {
    const auto lines = yamlLines(composeText);
    // Service blocks: the keys one level under the top-level `services:`.
    std::vector<std::pair<std::size_t, std::size_t>> services;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].indent != 0 || lines[i].body != "services:") continue;
        std::size_t j = i + 1;
        const int serviceIndent = j < lines.size() ? lines[j].indent : 0;
        while (j < lines.size() && lines[j].indent > 0) {
            const std::size_t start = j++;
            while (j < lines.size() && lines[j].indent > serviceIndent) ++j;
            if (lines[start].indent == serviceIndent) services.emplace_back(start + 1, j);
        }
        break;
    }
    bool any = false;
    for (const auto& [b, e] : services) any = any || mentions(lines, b, e, variable);
    std::vector<PathMapping> out;
    for (const auto& [b, e] : services)
        if (!any || mentions(lines, b, e, variable)) serviceMounts(lines, b, e, composeDir, lookup, out);
    return out;
}

std::vector<fs::path> composeEnvFiles(std::string_view composeText, const fs::path& composeDir, const ComposeLookup& lookup) {
    const auto lines = yamlLines(composeText);
    std::vector<fs::path> out;
    const auto add = [&](const std::string& item) {
        if (const auto path = interpolated(unquoted(item), lookup); path && !path->empty()) out.push_back(hostFolder(*path, composeDir));
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto kv = keyValue(lines[i].body);
        if (!kv || kv->first != "env_file") continue;
        if (!kv->second.empty()) {  // `env_file: .env` or `env_file: [a.env, b.env]`
            const std::string value = flowText(lines, i, lines.size(), kv->second);
            if (value.size() >= 2 && value.front() == '[' && value.back() == ']')
                for (const auto& item : flowItems(value.substr(1, value.size() - 2))) add(item);
            else add(value);
            continue;
        }
        for (std::size_t j = i + 1; j < blockEnd(lines, i); ++j) {  // `- a.env`, `- path: a.env` (its `path:` may follow `- required: false`)
            const std::string& body = lines[j].body;
            const bool item = body.rfind("- ", 0) == 0;
            const auto entry = keyValue(item ? body.substr(2) : body);
            if (entry && entry->first == "path") add(entry->second);
            else if (item && !entry) add(body.substr(2));
        }
    }
    return out;
}

std::optional<fs::path> containerPathFor(const std::vector<PathMapping>& mappings, const fs::path& hostPath) {
    const fs::path host = resolvedHost(hostPath);
    const PathMapping* best = nullptr;
    fs::path bestRel;
    for (const auto& m : mappings) {
        const auto rel = relativeInside(host, resolvedHost(m.host));
        if (rel && (!best || m.host.string().size() > best->host.string().size())) {
            best = &m;
            bestRel = *rel;
        }
    }
    if (!best) return std::nullopt;
    return bestRel == "." ? best->container.lexically_normal() : (best->container / bestRel).lexically_normal();
}

std::optional<fs::path> hostPathFor(const std::vector<PathMapping>& mappings, const fs::path& containerPath) {
    const PathMapping* best = nullptr;
    fs::path bestRel;
    for (const auto& m : mappings) {
        const auto rel = relativeInside(containerPath, m.container);
        if (rel && (!best || m.container.string().size() > best->container.string().size())) {
            best = &m;
            bestRel = *rel;
        }
    }
    if (!best) return std::nullopt;
    return bestRel == "." ? best->host.lexically_normal() : (best->host / bestRel).lexically_normal();
}

}  // namespace awq::deploy
