# assetflow_add_plugin(<target> [C] SOURCES <files...>)
#
# Builds a plugin: a MODULE library named <target>.so that exports only
# `assetflow_plugin_entry` (hidden visibility plus a linker version script), so plugins never
# resolve each other's symbols. Used in-tree and, installed, by third parties through
# find_package(AssetflowSDK).
include_guard(GLOBAL)

set(_ASSETFLOW_PLUGIN_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(assetflow_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
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
  if(P_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIRECTORY})
  elseif(DEFINED ASSETFLOW_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ASSETFLOW_PLUGIN_OUTPUT_DIR})
  endif()
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${target} PRIVATE
      "LINKER:--version-script=${_ASSETFLOW_PLUGIN_CMAKE_DIR}/plugin.version"
      "LINKER:--no-undefined")
  endif()
endfunction()
