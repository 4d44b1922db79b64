# assetflow_add_plugin(<target> [C] [OUTPUT_DIRECTORY <dir>] SOURCES <files...>)
#
# Builds a plugin: a MODULE library named <target>.so that exports only
# `assetflow_plugin_entry` (hidden visibility plus a linker version script), so plugins never
# resolve each other's symbols. `C` marks a plugin written in plain C (C11, no C++ runtime).
# Used in-tree and, installed, by third parties through find_package(AssetflowSDK); the
# version script is found next to this file in both cases.
include_guard(GLOBAL)
# Not cmake_minimum_required(): that would reset the including project's policies.
if(CMAKE_VERSION VERSION_LESS 3.17)
  message(FATAL_ERROR "assetflow_add_plugin needs CMake >= 3.17 (CMAKE_CURRENT_FUNCTION_LIST_DIR)")
endif()

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
  endif()
endfunction()
