# GlimmerInstall.cmake — what `cmake --install <build> --prefix P` puts in P (included from the
# top CMakeLists.txt after every part was added):
#   include/glimmer/glimmer.hpp, glimmer.h, gw_heap.h   the C++ API, the C API, the heap's C API
#   include/glimmer/heap.hpp                            the heap's C++ face (glimmer::heap::Heap,
#                                                       HeapResource, HeapAllocator; libgwheap.so)
#   lib/libglimmer.so                                   glimmer::runtime (API + whole runtime)
#   lib/libgwheap.so                                    glimmer::heap (the assembly heap alone)
#   lib/cmake/glimmer/glimmerConfig.cmake (+ Version, Targets)   find_package(glimmer)
#   lib/pkgconfig/glimmer.pc, glimmer-heap.pc           pkg-config glimmer / glimmer-heap
#   bin/glimmer                                         the command line (component `cli`)
# A host links glimmer::runtime (C or C++) or glimmer::heap (the heap only, from C or C++).
if(NOT TARGET glimmer_embed OR NOT TARGET glimmer_heap_shared)
  message(STATUS "install: the embedding libraries are not built; nothing to install")
  return()
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_glimmer_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/glimmer")

install(TARGETS glimmer_embed glimmer_heap_shared
  EXPORT glimmerTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT glimmer
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES
  "${PROJECT_SOURCE_DIR}/interpreter/api/glimmer.hpp"
  "${PROJECT_SOURCE_DIR}/interpreter/api/glimmer.h"
  "${PROJECT_SOURCE_DIR}/asm/gw_heap.h"
  "${PROJECT_SOURCE_DIR}/heap/heap.hpp"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/glimmer" COMPONENT glimmer)
install(EXPORT glimmerTargets
  NAMESPACE glimmer::
  FILE glimmerTargets.cmake
  DESTINATION "${_glimmer_cmake_dir}" COMPONENT glimmer)

# (file(CONFIGURE) would expand @PACKAGE_INIT@ itself: pass it through for the helper below.)
set(_glimmer_package_init "@PACKAGE_INIT@")
file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/install/glimmerConfig.cmake.in" @ONLY CONTENT [=[
# glimmerConfig.cmake — imported targets of an installed Glimmer:
#   glimmer::runtime   libglimmer.so: <glimmer/glimmer.hpp> (C++) and <glimmer/glimmer.h> (C)
#   glimmer::heap      libgwheap.so: <glimmer/gw_heap.h>, the assembly heap on its own, and
#                      <glimmer/heap.hpp>, its C++ face (glimmer::heap::Heap, HeapResource)
@_glimmer_package_init@
include("${CMAKE_CURRENT_LIST_DIR}/glimmerTargets.cmake")
check_required_components(glimmer)
]=])
configure_package_config_file(
  "${PROJECT_BINARY_DIR}/install/glimmerConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/install/glimmerConfig.cmake"
  INSTALL_DESTINATION "${_glimmer_cmake_dir}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/install/glimmerConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/install/glimmerConfig.cmake"
  "${PROJECT_BINARY_DIR}/install/glimmerConfigVersion.cmake"
  DESTINATION "${_glimmer_cmake_dir}" COMPONENT glimmer)

# pkg-config files find their prefix from their own place, so the tree can be moved.
foreach(_pc glimmer glimmer-heap)
  if(_pc STREQUAL "glimmer")
    set(_pc_description "Glimmer-Weave embeddable runtime (C and C++ API)")
    set(_pc_lib glimmer)
  else()
    set(_pc_description "Glimmer's x86-64 assembly heap on its own (C API)")
    set(_pc_lib gwheap)
  endif()
  file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/install/${_pc}.pc" @ONLY CONTENT [=[
prefix=${pcfiledir}/../..
libdir=${prefix}/@CMAKE_INSTALL_LIBDIR@
includedir=${prefix}/@CMAKE_INSTALL_INCLUDEDIR@

Name: @_pc@
Description: @_pc_description@
Version: @PROJECT_VERSION@
Libs: -L${libdir} -l@_pc_lib@
Cflags: -I${includedir}
]=])
  install(FILES "${PROJECT_BINARY_DIR}/install/${_pc}.pc"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT glimmer)
endforeach()

if(TARGET glimmer)
  install(TARGETS glimmer RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT cli)
endif()
