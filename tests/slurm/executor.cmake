# The Slurm executor's tests (slurm_executor_test.cc): the real `assetflow` binary, hn-replay
# and the build's plugins, on the fixture's cluster (af_slurm_test).
if(NOT TARGET assetflow OR NOT TARGET hn-replay)
  return()
endif()
add_executable(slurm_executor_test ${PROJECT_SOURCE_DIR}/tests/doctest_main.cc
  ${CMAKE_CURRENT_LIST_DIR}/slurm_executor_test.cc ${PROJECT_SOURCE_DIR}/tests/hackernews/replay_server.cc)
target_link_libraries(slurm_executor_test PRIVATE doctest::doctest OpenSSL::Crypto assetflow_sdk
  CURL::libcurl ${CMAKE_DL_LIBS})
target_include_directories(slurm_executor_test PRIVATE /usr/include ${PROJECT_SOURCE_DIR}/tests)
target_compile_definitions(slurm_executor_test PRIVATE
  AF_ASSETFLOW="$<TARGET_FILE:assetflow>" AF_PLUGIN_DIR="${ASSETFLOW_PLUGIN_OUTPUT_DIR}"
  AF_HOSTILE_PLUGIN_DIR="${CMAKE_CURRENT_BINARY_DIR}"
  HN_REPLAY_PATH="$<TARGET_FILE:hn-replay>" HN_PLUGIN_PATH="$<TARGET_FILE:hackernews>"
  HN_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/hn-data"
  MOTO_LAUNCHER="${PROJECT_SOURCE_DIR}/tests/s3/moto_server.py"
  S3_CHECK="${PROJECT_SOURCE_DIR}/tests/s3/s3_check.py")
add_dependencies(slurm_executor_test assetflow hn-replay examples fs_io hackernews wordcloud)
if(TARGET s3_io)
  add_dependencies(slurm_executor_test s3_io)
endif()
add_test(NAME slurm_executor COMMAND slurm_executor_test --test-case-exclude=worker*,resume:*)
af_slurm_test(slurm_executor TIMEOUT 900)
# The worker's attempt files and fencing: no cluster needed.
add_test(NAME slurm_worker_files COMMAND slurm_executor_test --test-case=worker*,resume:*)
set_tests_properties(slurm_worker_files PROPERTIES TIMEOUT 120)
