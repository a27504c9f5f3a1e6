#pragma once
// The text work of jinja2's builtin filters, apart from the interpreter: each function is the
// Python jinja2 (3.1) / markupsafe / textwrap / urllib code it names, on UTF-8 strings, counting
// lengths in code points as Python does. Errors are TemplateErrors with Python's message.
#include "core/jinja/value.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq::jinja {

// The string as Python's list of code points.
std::vector<std::string> codePoints(std::string_view s);
// str.splitlines(keepends=False): \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029.
std::vector<std::string> pySplitLines(std::string_view s);
// str.center(width, fill): CPython puts an odd padding's extra character on the left only when
// the width is odd.
std::string pyCenter(std::string_view s, std::int64_t width, std::string_view fill = " ");

// float(str) / int(str, base) as Python parses them (surrounding whitespace, a sign, underscores
// between digits, inf / nan, 0x / 0o / 0b prefixes with base 0 or the matching base); nullopt
// where Python raises ValueError. Bases 0 and 2..36.
std::optional<double> pyParseFloat(std::string_view s);
std::optional<std::int64_t> pyParseInt(std::string_view s, int base);

// do_filesizeformat: "1 Byte", "12 Bytes", "1.5 kB" (1000s) or "1.5 KiB" (binary, 1024s).
std::string fileSizeFormat(double bytes, bool binary);
// Markup(s).striptags(): comments and tags removed, whitespace runs collapsed to one space,
// HTML's character references unescaped as html.unescape does (HTML5's names, numeric ones).
std::string stripTags(std::string_view s);
// do_truncate(s, length, killwords, end, leeway).
std::string truncate(std::string_view s, std::int64_t length, bool killWords, std::string_view end, std::int64_t leeway);
// jinja2.utils.url_quote: UTF-8 percent-encoding, "/" kept unless forQuery, and there spaces as "+".
std::string urlQuote(std::string_view s, bool forQuery);
// jinja2.utils.urlize: `rel` and `target` as do_urlize resolved them; `trimUrl` shortens a link's
// text (trim_url_limit), called only for the links found.
std::string urlize(std::string_view text, const std::function<std::string(const std::string&)>& trimUrl, std::string_view rel,
                   std::string_view target, const std::vector<std::string>& extraSchemes);
// do_wordwrap: each line of `s` through textwrap.wrap(width, break_long_words, break_on_hyphens,
// expand_tabs=False, replace_whitespace=False), all joined with `wrapString`; "string too long"
// past maxBytes.
std::string wordWrap(std::string_view s, std::int64_t width, bool breakLongWords, std::string_view wrapString, bool breakOnHyphens,
                     std::size_t maxBytes);
// do_xmlattr's check of an attribute name: no ASCII whitespace, "/", ">" or "=".
bool isValidXmlAttributeName(std::string_view name);
// generate_lorem_ipsum's word list (jinja2.constants.LOREM_IPSUM_WORDS).
const std::vector<std::string>& loremIpsumWords();

}  // namespace awq::jinja
