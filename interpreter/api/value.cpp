// value.cpp — glimmer::Value (the host-side copy of a script value) and its conversions to
// and from runtime::Value.
#include <ostream>
#include <string>

#include "interpreter/api/convert.hpp"
#include "runtime/object.hpp"
#include "runtime/value.hpp"

namespace glimmer {

namespace rt = glimmer::runtime;

Value Value::other(std::string type_name, std::string display) {
    Value v;
    v.v_ = std::make_shared<const OtherValue>(OtherValue{std::move(type_name), std::move(display)});
    return v;
}

namespace {

[[noreturn]] void wrong_type(const Value& v, std::string_view wanted) {
    throw Error(ErrorKind::TypeError,
                "expected a " + std::string(wanted) + ", got a " + v.type_name());
}

void append(std::string& out, const Value& v, bool nested) {
    switch (v.type()) {
        case Value::Type::Nothing:
            out += "nothing";
            return;
        case Value::Type::Truth:
            out += v.as_truth() ? "true" : "false";
            return;
        case Value::Type::Number:
            rt::append_number(out, v.as_number());
            return;
        case Value::Type::Text:
            if (nested) out += '"';
            out += v.as_text();
            if (nested) out += '"';
            return;
        case Value::Type::List: {
            out += '[';
            bool first = true;
            for (const Value& item : v.as_list()) {
                if (!first) out += ", ";
                first = false;
                append(out, item, true);
            }
            out += ']';
            return;
        }
        case Value::Type::Map: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : v.as_map()) {
                if (!first) out += ", ";
                first = false;
                out += key;
                out += ": ";
                append(out, item, true);
            }
            out += '}';
            return;
        }
        case Value::Type::Other:
            out += v.display();
            return;
    }
}

}  // namespace

bool Value::as_truth() const {
    if (!is_truth()) wrong_type(*this, "Truth");
    return std::get<bool>(v_);
}
double Value::as_number() const {
    if (!is_number()) wrong_type(*this, "Number");
    return std::get<double>(v_);
}
const std::string& Value::as_text() const {
    if (!is_text()) wrong_type(*this, "Text");
    return std::get<std::string>(v_);
}
const Value::List& Value::as_list() const {
    if (!is_list()) wrong_type(*this, "List");
    return *std::get<std::shared_ptr<const List>>(v_);
}
const Value::Map& Value::as_map() const {
    if (!is_map()) wrong_type(*this, "Map");
    return *std::get<std::shared_ptr<const Map>>(v_);
}

std::string Value::type_name() const {
    switch (type()) {
        case Type::Nothing:
            return "Nothing";
        case Type::Truth:
            return "Truth";
        case Type::Number:
            return "Number";
        case Type::Text:
            return "Text";
        case Type::List:
            return "List";
        case Type::Map:
            return "Map";
        case Type::Other:
            return std::get<std::shared_ptr<const OtherValue>>(v_)->type_name;
    }
    return "Nothing";
}

std::string Value::display() const {
    if (type() == Type::Other) return std::get<std::shared_ptr<const OtherValue>>(v_)->display;
    std::string out;
    append(out, *this, false);
    return out;
}

bool operator==(const Value& a, const Value& b) {
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case Value::Type::Nothing:
            return true;
        case Value::Type::Truth:
            return a.as_truth() == b.as_truth();
        case Value::Type::Number:
            return a.as_number() == b.as_number();
        case Value::Type::Text:
            return a.as_text() == b.as_text();
        case Value::Type::List:
            return a.as_list() == b.as_list();
        case Value::Type::Map:
            return a.as_map() == b.as_map();
        case Value::Type::Other:
            return a.type_name() == b.type_name() && a.display() == b.display();
    }
    return false;
}

std::ostream& operator<<(std::ostream& os, const Value& v) {
    return os << v.display();
}

std::ostream& operator<<(std::ostream& os, ErrorKind kind) {
    return os << error_kind_name(kind);
}

namespace detail {

void bad_argument(std::string_view function, std::size_t index, std::string_view wanted,
                  const Value& got) {
    throw Error(ErrorKind::TypeError, "argument " + std::to_string(index + 1) + " of '" +
                                          std::string(function) + "' must be a " +
                                          std::string(wanted) + ", got a " + got.type_name());
}

}  // namespace detail

// ---------------------------------------------------------------- conversions

namespace api {

namespace {

[[noreturn]] void too_deep() {
    throw Error(ErrorKind::TypeError, "a value nested deeper than " + std::to_string(kMaxNesting) +
                                          " levels cannot cross the API");
}

Value host_of(rt::Value v, int depth) {
    if (depth > kMaxNesting) too_deep();
    if (v.is_number()) return Value(v.as_number());
    if (v.is_truth()) return Value(v.is_true());
    if (v.is_nothing()) return Value();
    if (v.is_object()) {
        rt::Object* o = v.as_object();
        switch (o->kind) {
            case rt::ObjectKind::String:
                return Value(static_cast<rt::String*>(o)->view());
            case rt::ObjectKind::List: {
                auto* l = static_cast<rt::List*>(o);
                Value::List items;
                items.reserve(l->length);
                for (std::uint32_t i = 0; i < l->length; ++i)
                    items.push_back(host_of(l->items[i], depth + 1));
                return Value(std::move(items));
            }
            case rt::ObjectKind::Map: {
                auto* m = static_cast<rt::Map*>(o);
                Value::Map entries;
                for (std::uint32_t i = 0; i < m->capacity; ++i) {
                    const rt::MapEntry& e = m->entries[i];
                    if (e.key)
                        entries.emplace(std::string(e.key->view()), host_of(e.value, depth + 1));
                }
                return Value(std::move(entries));
            }
            default:
                break;
        }
    }
    return Value::other(std::string(rt::type_name(v)), rt::display(v));
}

rt::Value runtime_of(rt::Runtime& runtime, const Value& v, int depth) {
    if (depth > kMaxNesting) too_deep();
    switch (v.type()) {
        case Value::Type::Nothing:
            return rt::Value::nothing();
        case Value::Type::Truth:
            return rt::Value::truth(v.as_truth());
        case Value::Type::Number:
            return rt::Value::number(v.as_number());
        case Value::Type::Text:
            return runtime.text(v.as_text());
        case Value::Type::List: {
            const Value::List& items = v.as_list();
            rt::List* l = runtime.new_list(static_cast<std::uint32_t>(items.size()));
            for (const Value& item : items)
                runtime.list_append(l, runtime_of(runtime, item, depth + 1));
            return rt::Value::object(l);
        }
        case Value::Type::Map: {
            const Value::Map& entries = v.as_map();
            rt::Map* m = runtime.new_map(static_cast<std::uint32_t>(entries.size()));
            for (const auto& [key, item] : entries)
                runtime.map_set(m, runtime.string(key), runtime_of(runtime, item, depth + 1));
            return rt::Value::object(m);
        }
        case Value::Type::Other:
            break;
    }
    throw Error(ErrorKind::TypeError,
                "a host copy of a " + v.type_name() +
                    " cannot be passed back to a script (keep the value in a glimmer::Handle)");
}

}  // namespace

Value to_host(rt::Value v) {
    return host_of(v, 0);
}

rt::Value to_runtime(rt::Runtime& runtime, const Value& v) {
    return runtime_of(runtime, v, 0);
}

}  // namespace api

}  // namespace glimmer
