// The globals templates see: jinja2's DEFAULT_NAMESPACE (range, dict, lipsum, cycler, joiner,
// namespace; range as the sandbox bounds it) and the two transformers adds for chat templates
// (raise_exception, strftime_now).
#include "core/jinja/interpreter.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

namespace awq::jinja {

namespace {

// jinja2.sandbox.MAX_RANGE
constexpr std::int64_t kMaxRange = 100000;

Value range() {
    return Value::function("range", [](Interpreter& in, const CallArgs& a) {
        std::int64_t start = 0, stop = 0, step = 1;
        auto num = [&](std::size_t i) {
            if (!a.positional[i].isNumber() || a.positional[i].isFloat()) in.fail(0, "range() arguments must be integers");
            return a.positional[i].asInt();
        };
        if (a.positional.size() == 1) stop = num(0);
        else if (a.positional.size() >= 2) {
            start = num(0);
            stop = num(1);
            if (a.positional.size() >= 3) step = num(2);
        } else {
            in.fail(0, "range() needs 1 to 3 arguments");
        }
        if (step == 0) in.fail(0, "range() arg 3 must not be zero");
        Array out;
        for (std::int64_t v = start; step > 0 ? v < stop : v > stop; v += step) {
            if (static_cast<std::int64_t>(out.size()) >= kMaxRange)
                in.fail(0, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            out.emplace_back(v);
        }
        return Value(std::move(out));
    });
}

Value namespaceClass() {
    return Value::function("namespace", [](Interpreter&, const CallArgs& a) {
        auto ns = std::make_shared<Object>();
        ns->isNamespace = true;
        for (const auto& p : a.positional)
            if (p.isObject())
                for (const auto& [k, v] : p.asObject().items) ns->set(k.str(), v);
        for (const auto& [k, v] : a.keyword) ns->set(k, v);
        return Value(ns);
    });
}

// dict(mapping or iterable of pairs, **kwargs)
Value dictClass() {
    return Value::function("dict", [](Interpreter& in, const CallArgs& a) {
        auto d = std::make_shared<Object>();
        if (a.positional.size() > 1) in.fail(0, "dict expected at most 1 argument, got " + std::to_string(a.positional.size()));
        for (const auto& p : a.positional) {
            if (p.isObject() && !p.asObject().isNamespace) {
                for (const auto& [k, v] : p.asObject().items) d->setKey(k, v);
                continue;
            }
            if (!p.isArray()) in.fail(0, "'" + p.typeName() + "' object is not iterable");
            for (const auto& pair : p.asArray()) {
                if (!pair.isArray() && !pair.isString())
                    in.fail(0, "cannot convert dictionary update sequence element to a sequence");
                const Array items = pair.isArray() ? pair.asArray() : Array{};
                if (items.size() != 2)
                    in.fail(0, "dictionary update sequence element has length " + std::to_string(items.size()) + "; 2 is required");
                d->setKey(items[0], items[1]);
            }
        }
        for (const auto& [k, v] : a.keyword) d->set(k, v);
        return Value(d);
    });
}

// jinja2.utils.Cycler: next() gives the current item and moves on; reset(); current; items; pos.
Value cyclerClass() {
    return Value::function("cycler", [](Interpreter& in, const CallArgs& a) {
        if (a.positional.empty()) in.fail(0, "at least one item has to be provided");
        auto cycler = std::make_shared<Object>();
        cycler->isNamespace = true;
        cycler->className = "Cycler";
        cycler->set("items", Value::tuple(a.positional));
        cycler->set("pos", Value(0));
        cycler->set("current", a.positional[0]);
        std::weak_ptr<Object> self = cycler;
        auto moveTo = [self](std::int64_t pos) {
            const auto c = self.lock();
            const Array& items = c->find("items")->asArray();
            c->set("pos", Value(pos));
            c->set("current", items[static_cast<std::size_t>(pos)]);
        };
        cycler->set("next", Value::function("next", [self, moveTo](Interpreter&, const CallArgs&) {
                        const auto c = self.lock();
                        Value current = *c->find("current");
                        const std::int64_t size = static_cast<std::int64_t>(c->find("items")->asArray().size());
                        moveTo((c->find("pos")->asInt() + 1) % size);
                        return current;
                    }));
        cycler->set("reset", Value::function("reset", [moveTo](Interpreter&, const CallArgs&) {
                        moveTo(0);
                        return Value(nullptr);
                    }));
        return Value(cycler);
    });
}

// jinja2.utils.Joiner: "" on the first call, then the separator.
Value joinerClass() {
    return Value::function("joiner", [](Interpreter&, const CallArgs& a) {
        const Value* sep = a.get(0, "sep");
        const std::string separator = sep ? sep->str() : ", ";
        auto used = std::make_shared<bool>(false);
        return Value::function("joiner", [separator, used](Interpreter&, const CallArgs&) {
            if (!*used) {
                *used = true;
                return Value("");
            }
            return Value(separator);
        });
    });
}

// random.randrange(low, high)
std::int64_t randomRange(Interpreter& in, std::int64_t low, std::int64_t high) {
    if (low >= high) in.fail(0, "empty range for randrange() (" + std::to_string(low) + ", " + std::to_string(high) + ", " + std::to_string(high - low) + ")");
    return low + static_cast<std::int64_t>(randomBelow(static_cast<std::uint64_t>(high - low)));
}

// jinja2.utils.generate_lorem_ipsum(n=5, html=True, min=20, max=100), draw for draw.
Value lipsum() {
    return Value::function("lipsum", [](Interpreter& in, const CallArgs& a) {
        auto integer = [&](std::size_t i, std::string_view name, std::int64_t def) {
            const Value* v = a.get(i, name);
            if (!v) return def;
            if (!v->isInt() && !v->isBool()) in.fail(0, "lipsum(): " + std::string(name) + " must be an integer");
            return v->asInt();
        };
        const std::int64_t n = integer(0, "n", 5);
        const Value* htmlArg = a.get(1, "html");
        const bool html = htmlArg ? htmlArg->truthy() : true;
        const std::int64_t low = integer(2, "min", 20), high = integer(3, "max", 100);
        if (n > 1000 || high > 10000) in.fail(0, "lipsum(): more text than the sandbox allows (n <= 1000, max <= 10000)");
        const auto& words = loremIpsumWords();
        std::vector<std::string> paragraphs;
        for (std::int64_t k = 0; k < n; ++k) {
            bool nextCapitalized = true;
            std::int64_t lastComma = 0, lastFullstop = 0;
            const std::string* last = nullptr;
            std::string p;
            const std::int64_t count = randomRange(in, low, high);
            for (std::int64_t idx = 0; idx < count; ++idx) {
                const std::string* word = nullptr;
                do word = &words[randomBelow(words.size())];
                while (word == last);
                last = word;
                std::string w = *word;
                if (nextCapitalized) {
                    w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
                    nextCapitalized = false;
                }
                if (idx - randomRange(in, 3, 8) > lastComma) {
                    lastComma = idx;
                    lastFullstop += 2;
                    w += ",";
                }
                if (idx - randomRange(in, 10, 20) > lastFullstop) {
                    lastComma = lastFullstop = idx;
                    w += ".";
                    nextCapitalized = true;
                }
                p += (p.empty() ? "" : " ") + w;
            }
            if (!p.empty() && p.back() == ',') p.back() = '.';
            else if (p.empty() || p.back() != '.') p += ".";
            paragraphs.push_back(std::move(p));
        }
        std::string out;
        for (std::size_t i = 0; i < paragraphs.size(); ++i) {
            if (html) out += (i ? "\n" : "") + ("<p>" + paragraphs[i] + "</p>");  // the words need no escaping
            else out += (i ? "\n\n" : "") + paragraphs[i];
        }
        return html ? Value::markup(std::move(out)) : Value(std::move(out));
    });
}

Value raiseException() {
    return Value::function("raise_exception", [](Interpreter& in, const CallArgs& a) -> Value {
        const Value* msg = a.get(0, "message");
        in.fail(0, msg ? msg->str() : std::string("raise_exception() called"), TemplateError::Cause::RaiseException, "raise_exception");
    });
}

// transformers' strftime_now(format) is datetime.now().strftime(format): local time as a naive
// datetime, so %z and %Z are empty (not the C library's zone), %f is the microseconds, and the rest
// is the C library's strftime, one directive at a time (no length limit on the result).
std::string pythonStrftime(const std::string& format, const std::tm& tm, long microseconds) {
    std::string out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%' || i + 1 >= format.size()) {
            out.push_back(format[i]);
            continue;
        }
        // a directive: '%', glibc's flags and width (%-d, %_5H, %^a), the conversion letter
        std::size_t j = i + 1;
        while (j < format.size() && (std::strchr("-_0^#", format[j]) || std::isdigit(static_cast<unsigned char>(format[j])))) ++j;
        if (j < format.size() && (format[j] == 'E' || format[j] == 'O')) ++j;
        if (j >= format.size()) {
            out.append(format, i, std::string::npos);
            break;
        }
        const char conversion = format[j];
        if (j == i + 1 && (conversion == 'z' || conversion == 'Z')) {
            // naive datetime: no offset, no zone name
        } else if (j == i + 1 && conversion == 'f') {
            char micro[8];
            std::snprintf(micro, sizeof micro, "%06ld", microseconds);
            out += micro;
        } else {
            const std::string directive = format.substr(i, j + 1 - i);
            char buf[256];
            const std::size_t n = std::strftime(buf, sizeof buf, directive.c_str(), &tm);
            out.append(buf, n);
        }
        i = j;
    }
    return out;
}

Value strftimeNow() {
    return Value::function("strftime_now", [](Interpreter& in, const CallArgs& a) {
        const Value* fmt = a.get(0, "format");
        if (!fmt || !fmt->isString()) in.fail(0, "strftime_now() needs a format string");
        const auto now = std::chrono::system_clock::now();
        const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
        const auto micro = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
        std::tm tm{};
        localtime_r(&seconds, &tm);
        return Value(pythonStrftime(fmt->asString(), tm, static_cast<long>(micro)));
    });
}

}  // namespace

std::uint64_t randomBelow(std::uint64_t bound) {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_int_distribution<std::uint64_t>(0, bound - 1)(engine);
}

Value builtinGlobal(const std::string& name) {
    if (name == "range") return range();
    if (name == "dict") return dictClass();
    if (name == "lipsum") return lipsum();
    if (name == "cycler") return cyclerClass();
    if (name == "joiner") return joinerClass();
    if (name == "namespace") return namespaceClass();
    if (name == "raise_exception") return raiseException();
    if (name == "strftime_now") return strftimeNow();
    return Value::undefined(name);
}

}  // namespace awq::jinja
