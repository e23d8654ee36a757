// plot_test.cpp - the SVG of a replay (tracing/plot.cpp).
#include "plot.hpp"

#include <boost/test/unit_test.hpp>

using namespace glimmer::traces;

BOOST_AUTO_TEST_SUITE(tracing_plot)

BOOST_AUTO_TEST_CASE(draws_live_bytes_and_footprint_with_a_legend) {
    TraceBuilder b("plot<&>.gwt");
    for (std::uint64_t id = 1; id <= 2000; ++id)
        b.alloc(id, 1000);
    for (std::uint64_t id = 1; id <= 2000; ++id)
        b.free(id);
    Trace t = std::move(b).finish();
    HeapSet set;
    ReplayResult r = replay(t, HeapId::System, set, ReplayOptions{Check::Full, 100});
    std::string svg = plot_svg(t, r);
    BOOST_TEST(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    BOOST_TEST(svg.find("</svg>") != std::string::npos);
    std::size_t lines = 0;
    for (std::size_t at = 0; (at = svg.find("<polyline", at)) != std::string::npos; ++at)
        ++lines;
    BOOST_TEST(lines == 2u);
    BOOST_TEST(svg.find("plot&lt;&amp;&gt;.gwt") != std::string::npos);  // escaped title
    BOOST_TEST(svg.find("heap footprint") != std::string::npos);
    BOOST_TEST(svg.find("live bytes requested") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
