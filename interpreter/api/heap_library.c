/* heap_library.c — libgwheap.so is the assembly heap (gw_asm) and its C++ face (glimmer_heap)
 * linked whole; this file gives the library its one C translation unit and checks that
 * gw_heap.h, as installed, compiles as plain C. */
#include "gw_heap.h"

/* The version of the heap library, "MAJOR.MINOR.PATCH" of the glimmer package. */
const char* gw_heap_library_version(void);
const char* gw_heap_library_version(void) {
    return GLIMMER_VERSION;
}
