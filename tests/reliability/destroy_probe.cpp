// destroy_probe.cpp — a link-time wrapper around gw_heap_destroy (-Wl,--wrap=gw_heap_destroy):
// a Runtime must free every block it allocated before it destroys its heap. If one is left, the
// probe says how many and how big, and aborts: Boost.Test then reports the failure with the last
// checkpoint (script and failure point) of alloc_failure_test.cpp. Stateless, so any number of
// heaps may come and go.
#include <cstdio>
#include <cstdlib>

#include "gw_heap.h"

extern "C" void __real_gw_heap_destroy(GwHeap* heap);

namespace {

struct LiveBlocks {
    std::size_t count = 0;
    std::size_t bytes = 0;
};

int count_block(void* user, void*, std::size_t usable) {
    auto* live = static_cast<LiveBlocks*>(user);
    live->count++;
    live->bytes += usable;
    return 0;
}

}  // namespace

extern "C" void __wrap_gw_heap_destroy(GwHeap* heap) {
    if (heap) {
        GwHeapStats stats{};
        gw_heap_stats(heap, &stats);
        LiveBlocks live;
        gw_heap_walk(heap, count_block, &live);
        int check = gw_heap_check(heap);
        if (stats.live_bytes != 0 || live.count != 0 || check != GW_OK) {
            std::fprintf(stderr,
                         "destroy_probe: heap destroyed with %zu live blocks of %zu bytes "
                         "(stats: %zu live bytes), gw_heap_check = %s\n",
                         live.count, live.bytes, stats.live_bytes, gw_heap_status_name(check));
            std::abort();
        }
    }
    __real_gw_heap_destroy(heap);
}
