# The newcomer's journey, run by CTest (tests/packaging/CMakeLists.txt), for a C plugin with the
# project's compiler and a C++ plugin with clang++/libc++: `assetflow new plugin` -> configure
# against the installed SDK alone -> build -> its own test (the harness loads the built .so) ->
# `assetflow plugins` loads it -> `assetflow materialize` stores its asset. No file is edited.
cmake_minimum_required(VERSION 3.17)

include(${CMAKE_CURRENT_LIST_DIR}/steps.cmake)

file(REMOVE_RECURSE ${AF_WORK_DIR})
file(MAKE_DIRECTORY ${AF_WORK_DIR})
set(prefix ${AF_WORK_DIR}/prefix)
run_step("cmake --install --component sdk"
  ${CMAKE_COMMAND} --install ${AF_BUILD_DIR} --component sdk --prefix ${prefix})
set(ENV{ASSETFLOW_PLUGIN_PATH} "")

set(variants "c_plugin\;c\;")
if(AF_CLANGXX)
  list(APPEND variants "cpp_plugin\;cpp\;libcxx")
endif()
foreach(variant IN LISTS variants)
  list(GET variant 0 name)
  list(GET variant 1 lang)
  list(GET variant 2 toolchain)
  string(TIMESTAMP started "%s")
  run_step("assetflow new plugin ${name} --lang ${lang}"
    ${AF_CLI} new plugin ${name} --lang ${lang} --dir ${AF_WORK_DIR})
  expect_contains("new plugin" "${step_output}" "created ${AF_WORK_DIR}/${name}")
  set(project ${AF_WORK_DIR}/${name})
  foreach(f CMakeLists.txt README.md test/${name}_test.cc manifests/${name}.yaml)
    if(NOT EXISTS ${project}/${f})
      message(FATAL_ERROR "the scaffold lacks ${f}")
    endif()
  endforeach()
  set(args -S ${project} -B ${project}/build -G ${AF_GENERATOR} -DCMAKE_BUILD_TYPE=Release
           -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  if(toolchain STREQUAL "libcxx")
    list(APPEND args -DCMAKE_CXX_COMPILER=${AF_CLANGXX} -DCMAKE_CXX_FLAGS=-stdlib=libc++)
  endif()
  run_step("configure ${name}" ${CMAKE_COMMAND} ${args})
  run_step("build ${name}" ${CMAKE_COMMAND} --build ${project}/build -j 2)
  run_step("ctest ${name}" ${CMAKE_CTEST_COMMAND} --test-dir ${project}/build --output-on-failure)
  expect_contains("ctest ${name}" "${step_output}" "100% tests passed")

  run_step("assetflow plugins (${name})" ${AF_CLI} plugins -p ${project}/build/plugins)
  expect_contains("assetflow plugins (${name})" "${step_output}" "${name}/greeting (asset)")
  if(toolchain STREQUAL "libcxx")
    # Its own C++ runtime: libc++ linked in, not a dependency.
    run_step("ldd ${name}" ldd ${project}/build/plugins/${name}.so)
    string(FIND "${step_output}" "libc++" shared_libcxx)
    if(NOT shared_libcxx EQUAL -1)
      message(FATAL_ERROR "${name}.so links the shared libc++:\n${step_output}")
    endif()
  endif()

  set(home ${AF_WORK_DIR}/home_${name})
  execute_process(COMMAND ${AF_CLI} materialize --all -m ${project}/manifests
                          -p ${project}/build/plugins --home ${home}
                  WORKING_DIRECTORY ${project} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "assetflow materialize (${name}) failed (${rc}):\n${out}\n${err}")
  endif()
  file(READ ${home}/storage/${name}_greeting stored)
  if(NOT stored STREQUAL "hello, ${name}")
    message(FATAL_ERROR "stored asset of ${name} is '${stored}', expected 'hello, ${name}'")
  endif()
  string(TIMESTAMP finished "%s")
  math(EXPR seconds "${finished} - ${started}")
  message(STATUS "journey ${name} (${lang}${toolchain}): new -> materialized in ${seconds} s")
endforeach()
message(STATUS "scaffold: ok")
