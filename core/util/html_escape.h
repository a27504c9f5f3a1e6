#pragma once
// Text into HTML / XML (report pages, SVG charts, Jinja's `escape` filter): & < > " ' as entities,
// exactly as Python's markupsafe.escape writes them (&amp; &lt; &gt; &#34; &#39;), which Jinja
// templates expect and which HTML and XML both read.
#include <string>
#include <string_view>

namespace awq {

std::string htmlEscape(std::string_view text);

}  // namespace awq
