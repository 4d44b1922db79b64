# `assetflow check` on a manifest instantiating hackernews/top_stories with config CONFIG:
# expects exit code EXPECT_RC and, when given, EXPECT_MESSAGE in the output. The range and the
# unknown-key errors come from the plugin's JSON Schema, validated by the host.
# cmake -DAF=<assetflow> -DPLUGIN_DIR=<dir> -DWORK=<dir> -DCONFIG=<yaml flow map>
#       -DEXPECT_RC=<n> [-DEXPECT_MESSAGE=<text>] -P check_config.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/hn.yaml
"resources:
  io_manager:
    type: fs_io/fs_io_manager
    config: { base_dir: \"${WORK}/storage\" }
assets:
  hackernews_source_data:
    type: hackernews/top_stories
    config: ${CONFIG}
")
execute_process(
  COMMAND ${AF} --home ${WORK}/home --manifest ${WORK}/hn.yaml --plugin-dir ${PLUGIN_DIR} check
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL EXPECT_RC)
  message(FATAL_ERROR "assetflow check exited ${rc}, expected ${EXPECT_RC}\n${out}${err}")
endif()
if(NOT "${EXPECT_MESSAGE}" STREQUAL "")
  string(FIND "${out}${err}" "${EXPECT_MESSAGE}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "assetflow check did not say '${EXPECT_MESSAGE}':\n${out}${err}")
  endif()
endif()
message(STATUS "${out}${err}")
