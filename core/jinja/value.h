#pragma once
// Values of the sandboxed Jinja interpreter, with Python semantics where templates can see them
// (truthiness, ==, str(), repr(), json.dumps).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace awq::jinja {

// A template failed to parse or render; the message names the line where known. cause() and
// name() say what failed, for a hint to the user that names it.
class TemplateError : public std::runtime_error {
public:
    enum class Cause {
        Other,
        RaiseException,    // the template's raise_exception(): it refused its input
        UnknownFilter,     // name(): a filter jinja2 doesn't have either
        UnknownTest,       // name(): likewise a test
        UndefinedVariable, // name(): a variable the render doesn't set, used where a value is needed
        MissingAttribute,  // name(): an attribute / item a value lacks, likewise
        Filter,            // name(): a filter that refused its input or arguments
    };
    explicit TemplateError(const std::string& what, int line = 0, Cause cause = Cause::Other, std::string name = {})
        : std::runtime_error(what), line_(line), cause_(cause), name_(std::move(name)) {}
    int line() const noexcept { return line_; }  // 0: not known
    Cause cause() const noexcept { return cause_; }
    const std::string& name() const noexcept { return name_; }

private:
    int line_;
    Cause cause_;
    std::string name_;
};

class Value;
class Interpreter;
struct Generator;
using Array = std::vector<Value>;

// An ordered mapping (JSON objects, dict literals, dict(), namespace(), loop). Keys are any hashable
// value, as in a Python dict: {0: 'a'} keeps the integer 0, and 1, 1.0 and True are one key.
struct Object {
    std::vector<std::pair<Value, Value>> items;
    std::unordered_map<std::string, std::size_t> index;  // hashKey(key) -> position in items
    bool isNamespace = false;
    // With isNamespace: an object of another jinja2 class ("Cycler"), whose attributes templates
    // read but can't assign.
    std::string className;

    // The value under a string key / under any key; nullptr when absent (or `key` is unhashable).
    const Value* find(std::string_view key) const;
    const Value* findKey(const Value& key) const;
    // Inserts or replaces; a replaced entry keeps its first key and position, as Python does.
    void set(const std::string& key, Value v);
    // Throws TemplateError("unhashable type: 'list'") for lists, dicts and the like.
    void setKey(const Value& key, Value v);
};

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;

    // Argument `i` by position or by `name`; nullptr when absent.
    const Value* get(std::size_t i, std::string_view name) const;
};

struct Callable {
    std::string name;
    std::function<Value(Interpreter&, const CallArgs&)> fn;
    // A macro's attributes as jinja2's Macro has them (name, arguments, catch_kwargs,
    // catch_varargs, caller); null for the other functions, which templates can only call.
    std::shared_ptr<const Object> macroAttributes;
};

struct Undefined {
    std::string name;     // what was looked up, for error messages
    std::string message;  // jinja2's message for using it ("'dict object' has no attribute 'x'"); empty: "'name' is undefined"
};

// How json.dumps writes a value: transformers' tojson(x, ensure_ascii, indent, separators,
// sort_keys) passes its arguments straight to json.dumps.
struct JsonFormat {
    std::optional<std::string> indent;  // each level's indentation; nullopt: everything on one line
    std::optional<std::string> itemSeparator;  // nullopt: "," with an indent, ", " without
    std::string keySeparator = ": ";
    bool sortKeys = false;
    bool ensureAscii = false;
};

class Value {
public:
    using Storage = std::variant<Undefined, std::nullptr_t, bool, std::int64_t, double, std::string,
                                 std::shared_ptr<Array>, std::shared_ptr<Object>, std::shared_ptr<const Callable>,
                                 std::shared_ptr<Generator>>;

    Value() : v_(Undefined{}) {}
    Value(std::nullptr_t) : v_(nullptr) {}
    Value(bool b) : v_(b) {}
    Value(int i) : v_(static_cast<std::int64_t>(i)) {}
    Value(std::int64_t i) : v_(i) {}
    Value(double d) : v_(d) {}
    Value(std::string s) : v_(std::move(s)) {}
    Value(const char* s) : v_(std::string(s)) {}
    Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
    Value(std::shared_ptr<Array> a) : v_(std::move(a)) {}
    Value(std::shared_ptr<Object> o) : v_(std::move(o)) {}
    Value(std::shared_ptr<const Callable> c) : v_(std::move(c)) {}
    Value(std::shared_ptr<Generator> g) : v_(std::move(g)) {}
    // A one-pass iterator over `items`, as the filters jinja2 writes as Python generators give
    // (`function`: the jinja2 function, for its repr), or a Python iterator of type `kind`.
    static Value generator(Array items, std::string function, std::string kind = "generator");
    // A generator whose items `produce` computes when it is first iterated, as a Python generator
    // function's body runs (and raises) only then.
    static Value lazyGenerator(std::function<Array()> produce, std::string function);
    static Value undefined(std::string name = {}, std::string message = {}) {
        Value v;
        v.v_ = Undefined{std::move(name), std::move(message)};
        return v;
    }
    static Value object() { return Value(std::make_shared<Object>()); }
    static Value tuple(Array a) {
        Value v(std::move(a));
        v.tuple_ = true;
        return v;
    }
    bool isTuple() const noexcept { return tuple_ && isArray(); }
    // A string markupsafe would hold as Markup (what escape and safe return): escaping it again
    // leaves it as it is, `is escaped` is true for it, and `+` escapes a plain string joined to it.
    static Value markup(std::string s) {
        Value v(std::move(s));
        v.markup_ = true;
        return v;
    }
    bool isMarkup() const noexcept { return markup_ && isString(); }
    // groupby's _GroupTuple: the tuple (grouper, list), whose items are also its attributes.
    static Value groupTuple(Value grouper, Array list) {
        Value v = tuple({std::move(grouper), Value(std::move(list))});
        v.group_ = true;
        return v;
    }
    bool isGroupTuple() const noexcept { return group_ && isArray(); }
    static Value function(std::string name, std::function<Value(Interpreter&, const CallArgs&)> fn,
                          std::shared_ptr<const Object> macroAttributes = nullptr) {
        return Value(std::shared_ptr<const Callable>(
            std::make_shared<Callable>(Callable{std::move(name), std::move(fn), std::move(macroAttributes)})));
    }

    bool isUndefined() const noexcept { return std::holds_alternative<Undefined>(v_); }
    bool isNone() const noexcept { return std::holds_alternative<std::nullptr_t>(v_); }
    bool isBool() const noexcept { return std::holds_alternative<bool>(v_); }
    bool isInt() const noexcept { return std::holds_alternative<std::int64_t>(v_); }
    bool isFloat() const noexcept { return std::holds_alternative<double>(v_); }
    bool isNumber() const noexcept { return isInt() || isFloat() || isBool(); }
    bool isString() const noexcept { return std::holds_alternative<std::string>(v_); }
    bool isArray() const noexcept { return std::holds_alternative<std::shared_ptr<Array>>(v_); }
    bool isObject() const noexcept { return std::holds_alternative<std::shared_ptr<Object>>(v_); }
    bool isCallable() const noexcept { return std::holds_alternative<std::shared_ptr<const Callable>>(v_); }
    bool isGenerator() const noexcept { return std::holds_alternative<std::shared_ptr<Generator>>(v_); }

    bool asBool() const { return std::get<bool>(v_); }
    std::int64_t asInt() const;  // ints and bools
    double asDouble() const;     // any number
    const std::string& asString() const { return std::get<std::string>(v_); }
    const Array& asArray() const { return *std::get<std::shared_ptr<Array>>(v_); }
    const std::shared_ptr<Array>& arrayPtr() const { return std::get<std::shared_ptr<Array>>(v_); }
    const Object& asObject() const { return *std::get<std::shared_ptr<Object>>(v_); }
    const std::shared_ptr<Object>& objectPtr() const { return std::get<std::shared_ptr<Object>>(v_); }
    const Callable& asCallable() const { return *std::get<std::shared_ptr<const Callable>>(v_); }
    Generator& asGenerator() const { return *std::get<std::shared_ptr<Generator>>(v_); }
    const std::string& undefinedName() const { return std::get<Undefined>(v_).name; }
    // An undefined variable (not a missing attribute / item, nor a "No first item" and the like).
    bool undefinedIsVariable() const {
        const Undefined& u = std::get<Undefined>(v_);
        return u.message.empty() && !u.name.empty();
    }
    // The error for using an undefined value, as jinja2 words it.
    std::string undefinedMessage() const;

    bool truthy() const;
    std::string typeName() const;  // Python's: "str", "int", "list", "dict", "NoneType", ...
    std::string str() const;       // Python str(); Undefined -> ""
    std::string repr() const;      // Python repr()
    // Python json.dumps(value, ...) as `format` says; dict keys that are numbers, booleans or None
    // become strings as json.dumps turns them. Throws TemplateError for what JSON can't hold.
    std::string toJson(const JsonFormat& format = {}) const;

    friend bool operator==(const Value& a, const Value& b);

private:
    Storage v_;
    bool tuple_ = false;  // an Array that Python would show as a tuple: (1, 2)
    bool markup_ = false;  // a string that is markupsafe.Markup
    bool group_ = false;   // a tuple that is a _GroupTuple
};

// What jinja2's map, select, reject, selectattr, rejectattr, unique and items filters return (Python
// generators) and reverse returns for a list (an iterator): it iterates once (a second loop over it
// sees nothing), is true even when empty, and has no length, no index and no JSON form.
struct Generator {
    Array items;
    std::function<Array()> produce;  // computes `items` on the first iteration (lazyGenerator)
    std::string kind;  // Python's type name: "generator", "list_reverseiterator"
    std::string function;  // the jinja2 function that made it, for its repr ("sync_do_map")
    bool consumed = false;
};

// One level of recursion into a nested list, tuple or dict (repr, ==, hashing, ordering, pprint):
// past kMaxNesting levels it throws TemplateError, as Python stops at its recursion limit, so a
// value a template nested deeply can't overflow the stack.
class NestingGuard {
public:
    static constexpr int kMaxNesting = 512;
    NestingGuard();
    ~NestingGuard();
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;
};

// Python float repr ("1.0", "0.1", "1e+16").
std::string formatFloat(double d);

// The identity of a dict key, Python's hash-and-equality collapsed into a string: equal keys
// (1, 1.0, True) give the same string, different types of equal-looking keys ('1' and 1) don't.
// nullopt for values Python refuses as keys (list, dict).
std::optional<std::string> hashKey(const Value& v);

// Python's ordering of two values (numbers with numbers, strings with strings, lists with lists,
// tuples with tuples, element by element): <0, 0 or >0; nullopt where Python raises TypeError.
std::optional<int> compareValues(const Value& a, const Value& b);

}  // namespace awq::jinja
