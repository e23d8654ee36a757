// host-cpp — a C++ program embedding Glimmer-Weave: it gives a script two host functions (a
// price list and a logger that counts its calls), runs a script that uses them, calls the
// script's `invoice` from C++, then shows the memory and step limits stopping runaway scripts
// while the engine stays usable. Last, the heap on its own through its C++ face
// (<glimmer/heap.hpp>, glimmer::heap): a std::pmr container in a heap with a limit. Exits 1 if
// anything is not as expected.
#include <glimmer/glimmer.hpp>
#include <glimmer/heap.hpp>

#include <iostream>
#include <map>
#include <memory_resource>
#include <new>
#include <string>
#include <vector>

namespace {

constexpr const char* kScript = R"(
chant line_total(item) then
    yield price_of(item.name) * item.count
end

chant invoice(items) then
    weave total as 0
    for each item in items then
        set total to total + line_total(item)
    end
    log("invoice of " + to_text(list_length(items)) + " lines: " + to_text(total))
    yield total
end

println("script loaded, a tea costs", price_of("tea"))
)";

int failures = 0;

void check(bool ok, const std::string& what) {
    std::cout << (ok ? "ok:   " : "FAIL: ") << what << "\n";
    if (!ok) ++failures;
}

}  // namespace

int main() {
    const std::map<std::string, double> prices{{"tea", 2.5}, {"cake", 4}, {"scone", 3}};
    int log_calls = 0;

    glimmer::Engine engine({.memory_limit = 16u << 20, .step_limit = 1'000'000});

    // Host functions: a plain lookup (a TypeError in the script for a non-Text argument) and a
    // capturing lambda.
    engine.register_function("price_of", [&prices](std::string name) {
        auto it = prices.find(name);
        if (it == prices.end()) throw std::runtime_error("no price for '" + name + "'");
        return it->second;
    });
    engine.register_function("log", [&log_calls](std::string message) {
        ++log_calls;
        std::cout << "[host log] " << message << "\n";
    });

    engine.run(kScript, "shop.gw");

    // Call a script function from C++ with a list of maps.
    glimmer::Value order = glimmer::Value::list({
        glimmer::Value::Map{{"name", "tea"}, {"count", 2}},
        glimmer::Value::Map{{"name", "cake"}, {"count", 1}},
    });
    double total = engine.call("invoice", {order}).as_number();
    check(total == 9, "invoice(tea x2, cake) = " + std::to_string(total));
    check(log_calls == 1, "the script called the host's log once");

    // A host function's exception is a script error with a location.
    try {
        engine.call("invoice",
                    {glimmer::Value::list({glimmer::Value::Map{{"name", "pie"}, {"count", 1}}})});
        check(false, "an unknown item fails");
    } catch (const glimmer::Error& e) {
        std::cout << "       " << e.what() << "\n";
        check(e.kind() == glimmer::ErrorKind::CustomError, "an unknown item is a CustomError");
    }

    // The memory limit: the heap refuses past 16 MiB, the script gets OutOfMemory.
    try {
        // The list lives in a chant's frame: once the error unwinds it, it is garbage (a global
        // would stay reachable, and so stay in memory, after the error).
        engine.run(
            "chant hog() then\n  weave xs as []\n"
            "  whilst true then set xs to list_push(xs, [list_length(xs), 2, 3]) end\nend\nhog()",
            "hog.gw");
        check(false, "the memory hog stops");
    } catch (const glimmer::Error& e) {
        std::cout << "       " << e.what() << "\n";
        check(e.kind() == glimmer::ErrorKind::OutOfMemory, "the memory hog stops with OutOfMemory");
    }
    check(engine.memory_stats().peak_footprint_bytes <= (16u << 20),
          "the heap never held more than the limit (peak " +
              std::to_string(engine.memory_stats().peak_footprint_bytes) + " bytes)");

    // The step limit: whilst true stops, and attempt/harmonize cannot catch it.
    try {
        engine.run(
            "attempt\n  whilst true then end\nharmonize on _ then\n  println(\"caught?\")\nend",
            "spin.gw");
        check(false, "the endless loop stops");
    } catch (const glimmer::Error& e) {
        std::cout << "       " << e.what() << "\n";
        check(e.kind() == glimmer::ErrorKind::StepLimitExceeded,
              "the endless loop stops with StepLimitExceeded");
    }

    // ... and the same engine still works.
    check(
        engine.call("invoice",
                    {glimmer::Value::list({glimmer::Value::Map{{"name", "scone"}, {"count", 3}}})})
                .as_number() == 9,
        "the engine runs normally after both limits");

    // The heap alone, from C++: a pmr vector in a heap limited to 1 MiB. Growing it past the
    // limit is a std::bad_alloc (glimmer::heap::HeapOutOfMemory, with the heap's status).
    {
        GwHeapConfig config{};
        config.memory_limit = 1u << 20;
        glimmer::heap::Heap heap(&config);
        glimmer::heap::HeapResource resource(heap);
        std::pmr::vector<double> numbers(&resource);
        for (int i = 0; i < 1000; ++i)
            numbers.push_back(i * 0.5);
        check(heap.stats().live_bytes >= 1000 * sizeof(double),
              "a std::pmr::vector lives in a glimmer::heap::Heap");
        try {
            numbers.resize(1u << 20);  // 8 MiB
            check(false, "the heap's limit stops the vector");
        } catch (const std::bad_alloc& e) {
            std::cout << "       " << e.what() << "\n";
            check(numbers.size() == 1000, "past the heap's limit the vector gets std::bad_alloc");
        }
    }

    std::cout << (failures ? "host-cpp: FAILED\n" : "host-cpp: all good\n");
    return failures ? 1 : 0;
}
