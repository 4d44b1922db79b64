# assetflow_add_plugin(<target> [C] [OUTPUT_DIRECTORY <dir>] SOURCES <files...>)
#
# Builds a plugin: a MODULE library named <target>.so that exports only
# `assetflow_plugin_entry` (hidden visibility plus a linker version script), so plugins never
# resolve each other's symbols. `C` marks a plugin written in plain C (C11, no C++ runtime).
#
# A C++ plugin built with libc++ (clang++ -stdlib=libc++) gets its own C++ runtime: libc++ and
# libc++abi are linked statically and their symbols hidden (--exclude-libs,ALL), so its
# operator new/delete, exceptions and RTTI resolve inside the plugin, never to the host's
# libstdc++ (which a shared libc++ plugin would silently bind to). Costs ~0.5 MB per plugin;
# ASSETFLOW_PLUGIN_SHARED_LIBCXX=ON opts out. A libstdc++ plugin shares the host's libstdc++:
# one runtime, the same ABI.
# Used in-tree and, installed, by third parties through find_package(AssetflowSDK); the
# version script is found next to this file in both cases.
include_guard(GLOBAL)
# Not cmake_minimum_required(): that would reset the including project's policies.
if(CMAKE_VERSION VERSION_LESS 3.17)
  message(FATAL_ERROR "assetflow_add_plugin needs CMake >= 3.17 (CMAKE_CURRENT_FUNCTION_LIST_DIR)")
endif()

# True when the C++ compiler, with the project's flags, uses libc++.
function(_assetflow_uses_libcxx out)
  if(NOT DEFINED CACHE{ASSETFLOW_PLUGIN_LIBCXX})
    include(CheckCXXSourceCompiles)
    check_cxx_source_compiles("#include <cstddef>
#ifndef _LIBCPP_VERSION
#error not libc++
#endif
int main() { return 0; }" ASSETFLOW_PLUGIN_LIBCXX)
  endif()
  set(${out} ${ASSETFLOW_PLUGIN_LIBCXX} PARENT_SCOPE)
endfunction()

function(assetflow_add_plugin target)
  cmake_parse_arguments(P "C" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES} ${P_UNPARSED_ARGUMENTS})
  if(TARGET AssetflowSDK::sdk)
    target_link_libraries(${target} PRIVATE AssetflowSDK::sdk)
  else()
    target_link_libraries(${target} PRIVATE assetflow_sdk)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(P_C)
    set_target_properties(${target} PROPERTIES
      LINKER_LANGUAGE C C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  endif()
  if(P_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIRECTORY})
  elseif(DEFINED ASSETFLOW_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ASSETFLOW_PLUGIN_OUTPUT_DIR})
  endif()
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${target} PRIVATE
      "LINKER:--version-script=${CMAKE_CURRENT_FUNCTION_LIST_DIR}/plugin.version"
      "LINKER:--no-undefined")
    set_property(TARGET ${target} APPEND PROPERTY
      LINK_DEPENDS ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/plugin.version)
    if(NOT P_C AND CMAKE_CXX_COMPILER_LOADED AND NOT ASSETFLOW_PLUGIN_SHARED_LIBCXX)
      _assetflow_uses_libcxx(libcxx)
      if(libcxx)
        target_link_options(${target} PRIVATE -static-libstdc++ "LINKER:--exclude-libs,ALL")
      endif()
    endif()
  endif()
endfunction()

# assetflow_define_harness_target(<name> <sdk target> <rapidjson include dirs>)
#
# The interface target a plugin's unit test links to use assetflow/testing/harness.hpp: the SDK
# headers, RapidJSON's and libdl (the harness can dlopen the built plugin). Defined here so the
# build tree (assetflow_sdk_harness) and the installed package (AssetflowSDK::harness) agree.
function(assetflow_define_harness_target name sdk rapidjson_dirs)
  if(TARGET ${name})
    return()
  endif()
  # A system include directory passed as -isystem would reorder libc++'s #include_next chain.
  list(REMOVE_ITEM rapidjson_dirs /usr/include /usr/local/include)
  if(name MATCHES "::")
    add_library(${name} INTERFACE IMPORTED)
  else()
    add_library(${name} INTERFACE)
  endif()
  target_link_libraries(${name} INTERFACE ${sdk} ${CMAKE_DL_LIBS})
  if(rapidjson_dirs)
    target_include_directories(${name} INTERFACE ${rapidjson_dirs})
  endif()
  target_compile_features(${name} INTERFACE cxx_std_17)
endfunction()
