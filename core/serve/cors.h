#pragma once
// CORS as vLLM answers it: vLLM installs Starlette's CORSMiddleware with its --allowed-origins,
// --allowed-methods, --allowed-headers and --allow-credentials ("*" each by default), so a page of
// another origin (a browser chat UI, the OpenAI JS SDK) may call it. Without it, every browser
// request failed its preflight (OPTIONS answered 405). Starlette's rules, kept here:
// - a request without Origin is no CORS request: nothing is added;
// - a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here, before
//   the API key is looked at (a browser sends no credentials in one): 200 "OK", or 400 "Disallowed
//   CORS origin, method, headers" naming what is not allowed, with Allow-Methods (all of them for
//   "*"), Allow-Headers (the requested ones echoed for "*", else the safelisted ones and those
//   allowed), Max-Age 600;
// - any other request with Origin gets Allow-Origin on its answer, errors and streams included:
//   "*" where every origin is allowed (the request's own origin, with Vary: Origin, where it sends
//   cookies), else its origin if it is allowed (none if not); Allow-Credentials where allowed.
#include "core/serve/local_server.h"

#include <set>
#include <string>
#include <vector>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace awq::serve {

class Cors {
public:
    // From ServeOptions' allowedOrigins / allowedMethods / allowedHeaders ("*": any) and allowCredentials.
    explicit Cors(const ServeOptions& o);

    static bool isPreflight(const httplib::Request& req);
    // Answers a preflight whole: status 200 or 400, the Access-Control-* headers, a text body.
    void answerPreflight(const httplib::Request& req, httplib::Response& res) const;
    // The headers of an answer to a request with Origin; once (the error handler calls it again
    // for what cpp-httplib refused before routing).
    void decorate(const httplib::Request& req, httplib::Response& res) const;

private:
    bool allowed(const std::string& origin) const;

    std::vector<std::string> origins_, methods_;
    bool credentials_, anyOrigin_, anyHeader_;
    std::string headerList_;            // Allow-Headers where not every header is allowed
    std::set<std::string> headersLower_;
};

}  // namespace awq::serve
