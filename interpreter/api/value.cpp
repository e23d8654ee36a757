// value.cpp — glimmer::Value (the host-side copy of a script value) and its conversions to
// and from runtime::Value.
#include <iterator>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

void Value::take_nested(std::vector<Value>& out) {
    // Only the last owner takes a container apart; the others just drop their count. The
    // containers were made non-const (glimmer.hpp), so the const_casts are sound.
    if (auto* l = std::get_if<std::shared_ptr<const List>>(&v_); l && *l && l->use_count() == 1) {
        for (Value& item : const_cast<List&>(**l)) {
            if (item.is_list() || item.is_map()) out.push_back(std::move(item));
        }
    } else if (auto* m = std::get_if<std::shared_ptr<const Map>>(&v_);
               m && *m && m->use_count() == 1) {
        for (auto& [key, item] : const_cast<Map&>(**m)) {
            if (item.is_list() || item.is_map()) out.push_back(std::move(item));
        }
    }
    v_ = std::monostate{};  // frees the container, whose nested items are gone (moved out)
}

void Value::release_nested() noexcept {
    try {
        std::vector<Value> pending;
        take_nested(pending);
        while (!pending.empty()) {
            Value v = std::move(pending.back());
            pending.pop_back();
            v.take_nested(pending);
        }
    } catch (...) {
        // No memory for the work list (push_back): what is left is freed recursively.
    }
}

namespace {

[[noreturn]] void wrong_type(const Value& v, std::string_view wanted) {
    throw Error(ErrorKind::TypeError,
                "expected a " + std::string(wanted) + ", got a " + v.type_name());
}

// The display form without native recursion: a work list of values still to write and of the
// punctuation between them, so a value nested 10,000 deep (as a script may hand one over) is
// shown on any thread's stack. The recursive version overflowed a 256 KiB thread's stack.
struct DisplayItem {
    const Value* value;  // nullptr: write `literal`
    std::string_view literal;
    bool nested;
};

void append(std::string& out, const Value& top) {
    std::vector<DisplayItem> work{{&top, {}, false}};
    while (!work.empty()) {
        DisplayItem item = work.back();
        work.pop_back();
        if (!item.value) {
            out += item.literal;
            continue;
        }
        const Value& v = *item.value;
        switch (v.type()) {
            case Value::Type::Nothing:
                out += "nothing";
                break;
            case Value::Type::Truth:
                out += v.as_truth() ? "true" : "false";
                break;
            case Value::Type::Number:
                rt::append_number(out, v.as_number());
                break;
            case Value::Type::Text:
                if (item.nested) out += '"';
                out += v.as_text();
                if (item.nested) out += '"';
                break;
            case Value::Type::List: {
                // Pushed in reverse: the last thing written comes off the work list last.
                const Value::List& items = v.as_list();
                out += '[';
                work.push_back({nullptr, "]", false});
                for (std::size_t i = items.size(); i-- > 0;) {
                    work.push_back({&items[i], {}, true});
                    if (i != 0) work.push_back({nullptr, ", ", false});
                }
                break;
            }
            case Value::Type::Map: {
                const Value::Map& entries = v.as_map();
                out += '{';
                work.push_back({nullptr, "}", false});
                for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
                    work.push_back({&it->second, {}, true});
                    work.push_back({nullptr, ": ", false});
                    work.push_back({nullptr, it->first, false});
                    if (std::next(it) != entries.rend()) work.push_back({nullptr, ", ", false});
                }
                break;
            }
            case Value::Type::Other:
                out += v.display();
                break;
        }
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
    append(out, *this);
    return out;
}

// Compared with a work list of pairs, not recursively, for the same reason as the display form.
bool operator==(const Value& a, const Value& b) {
    std::vector<std::pair<const Value*, const Value*>> work{{&a, &b}};
    while (!work.empty()) {
        auto [x, y] = work.back();
        work.pop_back();
        if (x->type() != y->type()) return false;
        switch (x->type()) {
            case Value::Type::Nothing:
                break;
            case Value::Type::Truth:
                if (x->as_truth() != y->as_truth()) return false;
                break;
            case Value::Type::Number:
                if (!(x->as_number() == y->as_number())) return false;  // NaN is unequal
                break;
            case Value::Type::Text:
                if (x->as_text() != y->as_text()) return false;
                break;
            case Value::Type::List: {
                const Value::List& xs = x->as_list();
                const Value::List& ys = y->as_list();
                if (xs.size() != ys.size()) return false;
                for (std::size_t i = 0; i < xs.size(); ++i)
                    work.emplace_back(&xs[i], &ys[i]);
                break;
            }
            case Value::Type::Map: {
                const Value::Map& xs = x->as_map();
                const Value::Map& ys = y->as_map();
                if (xs.size() != ys.size()) return false;
                for (auto i = xs.begin(), j = ys.begin(); i != xs.end(); ++i, ++j) {
                    if (i->first != j->first) return false;
                    work.emplace_back(&i->second, &j->second);
                }
                break;
            }
            case Value::Type::Other:
                if (x->type_name() != y->type_name() || x->display() != y->display()) return false;
                break;
        }
    }
    return true;
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

// Both conversions walk containers with an explicit stack of frames (one per open container,
// on the C++ heap), not by recursion: a value nested kMaxNesting deep converts on any thread,
// whatever its native stack. A container is built when its last child is done (post-order).

bool is_container(rt::Value v) {
    if (!v.is_object()) return false;
    rt::ObjectKind k = v.as_object()->kind;
    return k == rt::ObjectKind::List || k == rt::ObjectKind::Map;
}

// A script value that is no list or map.
Value host_leaf(rt::Value v) {
    if (v.is_number()) return Value(v.as_number());
    if (v.is_truth()) return Value(v.is_true());
    if (v.is_nothing()) return Value();
    if (v.is_object() && v.as_object()->kind == rt::ObjectKind::String) {
        return Value(static_cast<rt::String*>(v.as_object())->view());
    }
    return Value::other(std::string(rt::type_name(v)), rt::display(v));
}

struct HostFrame {
    explicit HostFrame(rt::Object* c, std::string k = {}) : container(c), key(std::move(k)) {}
    rt::Object* container;   // a List or a Map
    std::uint32_t next = 0;  // the next item or map slot to look at
    Value::List items;
    Value::Map entries;
    std::string key;  // where the finished container goes in its parent, if that is a map
};

Value host_of(rt::Value root) {
    if (!is_container(root)) return host_leaf(root);
    std::vector<HostFrame> open;
    open.emplace_back(root.as_object());
    for (;;) {
        HostFrame& f = open.back();
        // 1. the next child of the innermost open container: a leaf goes in at once, a
        //    container opens a frame of its own
        rt::Value child;
        std::string key;
        bool has_child = false;
        if (f.container->kind == rt::ObjectKind::List) {
            auto* l = static_cast<rt::List*>(f.container);
            if (f.next == 0) f.items.reserve(l->length);
            if (f.next < l->length) {
                child = l->items[f.next++];
                has_child = true;
            }
        } else {
            auto* m = static_cast<rt::Map*>(f.container);
            while (f.next < m->capacity && !m->entries[f.next].key)
                ++f.next;
            if (f.next < m->capacity) {
                const rt::MapEntry& e = m->entries[f.next++];
                key = std::string(e.key->view());
                child = e.value;
                has_child = true;
            }
        }
        if (has_child) {
            if (is_container(child)) {
                if (open.size() >= static_cast<std::size_t>(kMaxNesting)) too_deep();
                open.emplace_back(child.as_object(), std::move(key));
            } else if (f.container->kind == rt::ObjectKind::List) {
                f.items.push_back(host_leaf(child));
            } else {
                f.entries.emplace(std::move(key), host_leaf(child));
            }
            continue;
        }
        // 2. the innermost container is complete: into its parent, or the result
        Value done = f.container->kind == rt::ObjectKind::List ? Value(std::move(f.items))
                                                               : Value(std::move(f.entries));
        key = std::move(f.key);
        open.pop_back();
        if (open.empty()) return done;
        HostFrame& parent = open.back();
        if (parent.container->kind == rt::ObjectKind::List) {
            parent.items.push_back(std::move(done));
        } else {
            parent.entries.emplace(std::move(key), std::move(done));
        }
    }
}

[[noreturn]] void not_convertible(const Value& v) {
    throw Error(
        ErrorKind::TypeError,
        "a host copy of a " + v.type_name() +
            " cannot be passed back to a script (keep the value in a handle: a glimmer::Handle, "
            "or a gw_handle in C)");
}

rt::Value runtime_leaf(rt::Runtime& runtime, const Value& v) {
    switch (v.type()) {
        case Value::Type::Nothing:
            return rt::Value::nothing();
        case Value::Type::Truth:
            return rt::Value::truth(v.as_truth());
        case Value::Type::Number:
            return rt::Value::number(v.as_number());
        case Value::Type::Text:
            return runtime.text(v.as_text());
        default:
            not_convertible(v);
    }
}

struct RuntimeFrame {
    const Value* host;                // a List or a Map
    rt::Object* made;                 // the rt::List or rt::Map being filled
    std::size_t next = 0;             // list: the next item
    Value::Map::const_iterator at{};  // map: the entry being converted
};

// The funnel never collects, so the objects made here need no rooting until the VM has them.
rt::Value runtime_of(rt::Runtime& runtime, const Value& root) {
    auto open_frame = [&](const Value& v) {
        if (v.is_list()) {
            auto n = static_cast<std::uint32_t>(v.as_list().size());
            return RuntimeFrame{&v, runtime.new_list(n)};
        }
        const Value::Map& entries = v.as_map();
        return RuntimeFrame{&v, runtime.new_map(static_cast<std::uint32_t>(entries.size())), 0,
                            entries.begin()};
    };
    if (!root.is_list() && !root.is_map()) return runtime_leaf(runtime, root);
    std::vector<RuntimeFrame> open;
    open.push_back(open_frame(root));
    for (;;) {
        RuntimeFrame& f = open.back();
        const Value* child = nullptr;
        if (f.host->is_list()) {
            const Value::List& items = f.host->as_list();
            if (f.next < items.size()) child = &items[f.next];
        } else if (f.at != f.host->as_map().end()) {
            child = &f.at->second;
        }
        if (child && (child->is_list() || child->is_map())) {
            if (open.size() >= static_cast<std::size_t>(kMaxNesting)) too_deep();
            open.push_back(open_frame(*child));
            continue;
        }
        rt::Value item;
        if (child) {
            item = runtime_leaf(runtime, *child);
        } else {  // the innermost container is complete: into its parent, or the result
            item = rt::Value::object(f.made);
            open.pop_back();
            if (open.empty()) return item;
        }
        RuntimeFrame& into = open.back();
        if (into.host->is_list()) {
            runtime.list_append(static_cast<rt::List*>(into.made), item);
            ++into.next;
        } else {
            runtime.map_set(static_cast<rt::Map*>(into.made), runtime.string(into.at->first), item);
            ++into.at;
        }
    }
}

}  // namespace

Value to_host(rt::Value v) {
    return host_of(v);
}

rt::Value to_runtime(rt::Runtime& runtime, const Value& v) {
    return runtime_of(runtime, v);
}

}  // namespace api

}  // namespace glimmer
