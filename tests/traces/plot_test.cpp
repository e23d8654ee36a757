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

// The title names the file, and a file name is any bytes: control bytes and invalid UTF-8 made
// the SVG ill-formed XML. They are written as \xHH; well-formed characters stay as they are.
BOOST_AUTO_TEST_CASE(a_title_stays_well_formed_xml_whatever_the_file_name) {
    const std::string name = std::string("a\x01\tb\x1b[31m\xff\xc3\xa9\xc3\xed\xa0\x80") +
                             "\xc0\xaf\xf4\x90\x80\x80\xef\xbf\xbe\xf0\x9f\x98\x80<.gwt";
    TraceBuilder b(name);
    b.alloc(1, 100);
    b.free(1);
    Trace t = std::move(b).finish();
    HeapSet set;
    const std::string svg = plot_svg(t, replay(t, HeapId::System, set, {Check::Full, 1}));
    const std::string shown =
        "a\\x01\\x09b\\x1B[31m\\xFF\xc3\xa9\\xC3\\xED\\xA0\\x80\\xC0\\xAF"
        "\\xF4\\x90\\x80\\x80\\xEF\\xBF\\xBE\xf0\x9f\x98\x80&lt;.gwt";
    BOOST_TEST(svg.find(shown) != std::string::npos, svg.substr(0, 600));
    // Every byte of the SVG is printable ASCII, a line end, or part of well-formed UTF-8.
    for (std::size_t i = 0; i < svg.size();) {
        const auto byte = static_cast<unsigned char>(svg[i]);
        if (byte < 0x80) {
            BOOST_REQUIRE((byte >= 0x20 && byte != 0x7f) || byte == '\n');
            ++i;
            continue;
        }
        std::size_t n = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
        BOOST_REQUIRE(byte >= 0xc2);
        BOOST_REQUIRE(byte <= 0xf4);
        BOOST_REQUIRE(i + n <= svg.size());
        for (std::size_t k = 1; k < n; ++k)
            BOOST_REQUIRE((static_cast<unsigned char>(svg[i + k]) & 0xc0) == 0x80);
        i += n;
    }
}

// A trace with nothing live (header only) has no ratio: "n/a", not 0.000x.
BOOST_AUTO_TEST_CASE(a_trace_with_nothing_live_has_no_ratio) {
    Trace t = std::move(TraceBuilder("empty.gwt")).finish();
    HeapSet set;
    ReplayResult r = replay(t, HeapId::System, set, ReplayOptions{Check::Full, 100});
    BOOST_TEST(r.footprint_ratio_text() == "n/a");
    std::string svg = plot_svg(t, r);
    BOOST_TEST(svg.find("(n/a)") != std::string::npos, svg);
    BOOST_TEST(svg.find("0.000x") == std::string::npos, svg);  // (axis labels may hold 0.000...)
}

BOOST_AUTO_TEST_SUITE_END()
