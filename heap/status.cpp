// heap/status.cpp - names and sentences for the GW_* status codes (C linkage).
#include "gw_heap.h"

namespace {

struct StatusText {
    const char* name;
    const char* message;
};

constexpr StatusText kStatusText[GW_STATUS_COUNT] = {
    {"GW_OK", "success"},
    {"GW_E_NOMEM", "the chunk source has no memory left"},
    {"GW_E_LIMIT", "the heap's memory limit would be exceeded"},
    {"GW_E_DOUBLE_FREE", "the block was already freed"},
    {"GW_E_INVALID_POINTER",
     "the pointer is not a block this heap handed out (interior, foreign, or its header is "
     "damaged)"},
    {"GW_E_CORRUPT", "the heap's structure is damaged (overwritten header or list)"},
    {"GW_E_INVALID_ARGUMENT", "invalid argument (alignment, size or heap)"},
};

}  // namespace

extern "C" const char* gw_heap_status_name(int status) {
    if (status < 0 || status >= GW_STATUS_COUNT) return "GW_E_UNKNOWN";
    return kStatusText[status].name;
}

extern "C" const char* gw_heap_status_message(int status) {
    if (status < 0 || status >= GW_STATUS_COUNT) return "unknown status code";
    return kStatusText[status].message;
}
