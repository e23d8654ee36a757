// plot.cpp - a small hand-written SVG line chart (no dependency; any browser shows it).
#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace glimmer::traces {
namespace {

constexpr double kWidth = 960, kHeight = 480;
constexpr double kLeft = 80, kRight = 30, kTop = 60, kBottom = 60;
constexpr const char* kLiveColour = "#2f6db5";
constexpr const char* kFootColour = "#d9622b";

// The length of the well-formed UTF-8 sequence at the start of `s` (1 to 4) for a character
// XML allows in text, or 0: a lone or stray byte, an overlong form, a surrogate, a code point
// past U+10FFFF, or U+FFFE/U+FFFF.
std::size_t xml_character(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return lead >= 0x20 && lead != 0x7f ? 1 : 0;
    const std::size_t length = lead >= 0xf8   ? 0
                               : lead >= 0xf0 ? 4
                               : lead >= 0xe0 ? 3
                               : lead >= 0xc0 ? 2
                                              : 0;
    if (length == 0 || s.size() < length) return 0;
    std::uint32_t code = lead & (0x7f >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xc0) != 0x80) return 0;
        code = code << 6 | (byte(i) & 0x3f);
    }
    constexpr std::uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};  // shortest form only
    if (code < kLeast[length] || code > 0x10ffff) return 0;
    if ((code >= 0xd800 && code <= 0xdfff) || code == 0xfffe || code == 0xffff) return 0;
    return length;
}

// Text for the SVG: < > & " as entities, and every byte that is not part of a character XML
// allows (control bytes, invalid UTF-8) as the four characters \xHH, as trace errors quote
// input. A file name is any bytes; the SVG must stay well-formed XML whatever it is.
std::string escape(std::string_view s) {
    std::string out;
    while (!s.empty()) {
        const std::size_t n = xml_character(s);
        if (n == 0) {
            char code[8];
            std::snprintf(code, sizeof code, "\\x%02X", static_cast<unsigned char>(s[0]));
            out += code;
            s.remove_prefix(1);
            continue;
        }
        switch (s[0]) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out.append(s.substr(0, n));
        }
        s.remove_prefix(n);
    }
    return out;
}

// A "nice" step (1, 2 or 5 times a power of ten) giving about `ticks` intervals up to `max`.
double nice_step(double max, int ticks) {
    double raw = max / ticks;
    double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * p >= raw) return m * p;
    }
    return 10 * p;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string count_label(double v) {
    char buf[32];
    if (v >= 1e6) {
        std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
    } else if (v >= 1e3) {
        std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%g", v);
    }
    return buf;
}

}  // namespace

std::string plot_svg(const Trace& trace, const ReplayResult& r) {
    const double events = std::max<double>(1, static_cast<double>(r.events));
    double top_bytes = std::max<double>(
        {1, static_cast<double>(r.peak_live), static_cast<double>(r.peak_footprint)});
    for (const Sample& s : r.samples) {
        top_bytes =
            std::max({top_bytes, static_cast<double>(s.live), static_cast<double>(s.footprint)});
    }
    const double unit = top_bytes >= (1 << 20) ? 1 << 20 : 1024;
    const char* unit_name = unit == (1 << 20) ? "MiB" : "KiB";
    const double ymax_units = top_bytes / unit * 1.08;
    const double ystep = nice_step(ymax_units, 6);
    const double ytop = std::ceil(ymax_units / ystep) * ystep;
    const double xstep = nice_step(events, 8);

    const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
    auto X = [&](double e) { return kLeft + pw * e / events; };
    auto Y = [&](double bytes) { return kTop + ph * (1 - bytes / unit / ytop); };

    std::string svg;
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" +
           num(kHeight) + "\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) +
           "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + num(kLeft) + "\" y=\"26\" font-size=\"16\" font-weight=\"bold\">" +
           escape(trace.path) + " on the " + std::string(HeapSet::name(r.heap)) + " heap</text>\n";
    char sub[256];
    std::snprintf(sub, sizeof sub,
                  "%llu events; peak live %.2f MiB, peak footprint %.2f MiB (%s%s)%s",
                  static_cast<unsigned long long>(r.events), r.peak_live / 1048576.0,
                  r.peak_footprint / 1048576.0, r.footprint_ratio_text().c_str(),
                  r.peak_live ? "x" : "", r.footprint_exact ? "" : ", footprint sampled");
    svg += "<text x=\"" + num(kLeft) + "\" y=\"44\" fill=\"#555\">" + escape(sub) + "</text>\n";

    // Grid and axes.
    for (double v = 0; v <= ytop + ystep / 2; v += ystep) {
        double y = Y(v * unit);
        svg += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kLeft + pw) +
               "\" y2=\"" + num(y) + "\" stroke=\"#e4e4e4\"/>\n";
        char label[32];
        std::snprintf(label, sizeof label, "%g", v);
        svg += "<text x=\"" + num(kLeft - 8) + "\" y=\"" + num(y + 4) +
               "\" text-anchor=\"end\" fill=\"#444\">" + label + "</text>\n";
    }
    for (double e = 0; e <= events + xstep / 2; e += xstep) {
        double x = X(std::min(e, events));
        svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(x) + "\" y2=\"" +
               num(kTop + ph) + "\" stroke=\"#f0f0f0\"/>\n";
        svg += "<text x=\"" + num(x) + "\" y=\"" + num(kTop + ph + 18) +
               "\" text-anchor=\"middle\" fill=\"#444\">" + count_label(e) + "</text>\n";
    }
    svg += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(pw) +
           "\" height=\"" + num(ph) + "\" fill=\"none\" stroke=\"#888\"/>\n";
    svg += "<text x=\"" + num(kLeft + pw / 2) + "\" y=\"" + num(kHeight - 14) +
           "\" text-anchor=\"middle\" fill=\"#222\">event</text>\n";
    svg += "<text transform=\"translate(22," + num(kTop + ph / 2) +
           ") rotate(-90)\" text-anchor=\"middle\" fill=\"#222\">" + unit_name + "</text>\n";

    // The two series; footprint under live so the requested bytes stay visible on top.
    auto series = [&](const char* colour, auto value, const char* extra) {
        std::string pts;
        for (const Sample& s : r.samples) {
            pts += num(X(static_cast<double>(s.event))) + "," +
                   num(Y(static_cast<double>(value(s)))) + " ";
        }
        svg += "<polyline fill=\"none\" stroke=\"" + std::string(colour) +
               "\" stroke-width=\"2\" stroke-linejoin=\"round\"" + extra + " points=\"" + pts +
               "\"/>\n";
    };
    series(
        kFootColour, [](const Sample& s) { return s.footprint; }, "");
    series(
        kLiveColour, [](const Sample& s) { return s.live; }, " stroke-opacity=\"0.9\"");

    // The exact peaks (samples may fall between them), as dashed lines with their values.
    auto peak_line = [&](const char* colour, std::uint64_t bytes, const char* what) {
        if (bytes == 0) return;
        double y = Y(static_cast<double>(bytes));
        char label[64];
        std::snprintf(label, sizeof label, "%s %.2f %s", what, bytes / unit, unit_name);
        svg += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kLeft + pw) +
               "\" y2=\"" + num(y) + "\" stroke=\"" + colour +
               "\" stroke-width=\"1\" stroke-dasharray=\"5,4\"/>\n";
        svg += "<text x=\"" + num(kLeft + 6) + "\" y=\"" + num(y - 4) + "\" fill=\"" + colour +
               "\">" + label + "</text>\n";
    };
    peak_line(kFootColour, r.peak_footprint, "peak footprint");
    peak_line(kLiveColour, r.peak_live, "peak live");

    // Legend, top right inside the plot.
    double lx = kLeft + pw - 210, ly = kTop + 14;
    svg +=
        "<rect x=\"" + num(lx - 10) + "\" y=\"" + num(ly - 12) +
        "\" width=\"214\" height=\"44\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n";
    svg += "<line x1=\"" + num(lx) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(lx + 24) + "\" y2=\"" +
           num(ly) + "\" stroke=\"" + kFootColour + "\" stroke-width=\"3\"/>\n";
    svg += "<text x=\"" + num(lx + 30) + "\" y=\"" + num(ly + 4) + "\">heap footprint</text>\n";
    svg += "<line x1=\"" + num(lx) + "\" y1=\"" + num(ly + 20) + "\" x2=\"" + num(lx + 24) +
           "\" y2=\"" + num(ly + 20) + "\" stroke=\"" + kLiveColour + "\" stroke-width=\"3\"/>\n";
    svg +=
        "<text x=\"" + num(lx + 30) + "\" y=\"" + num(ly + 24) + "\">live bytes requested</text>\n";
    svg += "</svg>\n";
    return svg;
}

}  // namespace glimmer::traces
