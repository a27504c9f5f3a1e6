#include "core/serve/cors.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace awq::serve {
namespace {

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : s.substr(first, s.find_last_not_of(" \t") + 1 - first);
}

}  // namespace

Cors::Cors(const ServeOptions& o)
    : origins_(o.allowedOrigins), credentials_(o.allowCredentials),
      anyOrigin_(std::find(o.allowedOrigins.begin(), o.allowedOrigins.end(), "*") != o.allowedOrigins.end()),
      anyHeader_(std::find(o.allowedHeaders.begin(), o.allowedHeaders.end(), "*") != o.allowedHeaders.end()) {
    methods_ = std::find(o.allowedMethods.begin(), o.allowedMethods.end(), "*") != o.allowedMethods.end()
                   ? std::vector<std::string>{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
                   : o.allowedMethods;
    std::set<std::string> headers = {"Accept", "Accept-Language", "Content-Language", "Content-Type"};  // CORS-safelisted
    headers.insert(o.allowedHeaders.begin(), o.allowedHeaders.end());
    for (const auto& h : headers) {
        if (h == "*") continue;
        headerList_ += (headerList_.empty() ? "" : ", ") + h;
        headersLower_.insert(lower(h));
    }
}

bool Cors::isPreflight(const httplib::Request& req) {
    return req.method == "OPTIONS" && req.has_header("Origin") && req.has_header("Access-Control-Request-Method");
}

void Cors::answerPreflight(const httplib::Request& req, httplib::Response& res) const {
    const std::string origin = req.get_header_value("Origin");
    std::vector<std::string> failures;
    if (!anyOrigin_ || credentials_) {
        res.set_header("Vary", "Origin");
        if (allowed(origin)) res.set_header("Access-Control-Allow-Origin", origin);
    } else {
        res.set_header("Access-Control-Allow-Origin", "*");
    }
    if (!allowed(origin)) failures.push_back("origin");
    std::string methods;
    for (const auto& m : methods_) methods += (methods.empty() ? "" : ", ") + m;
    res.set_header("Access-Control-Allow-Methods", methods);
    res.set_header("Access-Control-Max-Age", "600");
    if (std::find(methods_.begin(), methods_.end(), req.get_header_value("Access-Control-Request-Method")) == methods_.end())
        failures.push_back("method");
    if (anyHeader_) {
        if (req.has_header("Access-Control-Request-Headers"))
            res.set_header("Access-Control-Allow-Headers", req.get_header_value("Access-Control-Request-Headers"));
    } else {
        res.set_header("Access-Control-Allow-Headers", headerList_);
        if (req.has_header("Access-Control-Request-Headers")) {
            std::stringstream requested(req.get_header_value("Access-Control-Request-Headers"));
            for (std::string h; std::getline(requested, h, ',');)
                if (!headersLower_.count(trimmed(lower(h)))) {
                    failures.push_back("headers");
                    break;
                }
        }
    }
    if (credentials_) res.set_header("Access-Control-Allow-Credentials", "true");
    std::string why;
    for (const auto& f : failures) why += (why.empty() ? "" : ", ") + f;
    res.status = failures.empty() ? 200 : 400;
    res.set_content(failures.empty() ? "OK" : "Disallowed CORS " + why, "text/plain; charset=utf-8");
}

void Cors::decorate(const httplib::Request& req, httplib::Response& res) const {
    if (!req.has_header("Origin") || res.has_header("Access-Control-Allow-Origin")) return;
    const std::string origin = req.get_header_value("Origin");
    if (anyOrigin_ && !req.has_header("Cookie")) res.set_header("Access-Control-Allow-Origin", "*");
    else if (allowed(origin)) {
        res.set_header("Access-Control-Allow-Origin", origin);
        res.set_header("Vary", "Origin");
    } else return;
    if (credentials_) res.set_header("Access-Control-Allow-Credentials", "true");
}

bool Cors::allowed(const std::string& origin) const {
    return anyOrigin_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

}  // namespace awq::serve
