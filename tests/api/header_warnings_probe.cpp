// header_warnings_probe.cpp — compiled (not run) by scripts/ci/embedding.sh against the installed
// <glimmer/glimmer.hpp> with -O2 and -O3 -Wall -Wextra -Werror: host code that copies, moves,
// assigns and wraps glimmer::Value (std::optional, containers, std::function) the way hosts do.
// GCC 12 at -O3 warned -Wmaybe-uninitialized through Value's std::variant here (value_or on an
// optional<Value>) before ~Value and Value::operator= were written out. It also registers typed
// host functions (integer parameters are range-checked in the header), and is compiled once more
// with -Wconversion -Wsign-conversion -Wshadow -Wfloat-equal, flags hosts commonly build with.
#include <glimmer/glimmer.hpp>

#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

using glimmer::Value;

namespace {

struct Holder {
    Value v;
    int n;
};

Value make(int i) {
    return i ? Value("a") : Value(1.0);
}

Value pick(int i) {
    Value v;
    if (i == 1) {
        v = Value(std::string("hello"));
    } else if (i == 2) {
        v = 3.5;
    } else if (i == 3) {
        v = Value::list({1, "two", true});
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    std::function<Value()> f = [argc] { return make(argc); };
    std::map<std::string, Value> m;
    m.emplace("k", f());
    m["j"] = Value(argv[0]);
    Holder h{make(argc - 1), 2};
    Holder h2 = h;
    h2 = Holder{Value::list({h.v, h.v}), 3};
    std::optional<Value> o = argc > 2 ? std::optional<Value>(make(0)) : std::nullopt;
    Value x = o.value_or(Value());
    std::vector<Value> vs(3, x);
    vs.insert(vs.begin(), Value(std::string_view("sv")));
    vs.push_back(pick(argc));
    vs.erase(vs.begin() + 1);
    std::swap(vs[0], vs[1]);
    Value lv(Value::List(vs.begin(), vs.end()));
    Value map = Value::Map{{"a", 1}, {"b", "x"}};
    std::cout << lv << h2.v << m.size() << x.type_name() << (lv == map) << "\n";
    if (argc > 5) {  // compiled, not run: the engine's library need not be linked
        glimmer::Engine e;
        e.register_function("scale", [](int n, std::uint64_t k, std::int8_t b, double d) {
            return static_cast<double>(n) * static_cast<double>(k) * b * d;
        });
        e.register_function("name", [](std::string_view s, bool b) { return b ? s.size() : 0u; });
    }
    return 0;
}
