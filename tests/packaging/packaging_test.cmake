# Run by CTest (tests/packaging/CMakeLists.txt); every step must succeed, in order.
cmake_minimum_required(VERSION 3.17)

include(${CMAKE_CURRENT_LIST_DIR}/steps.cmake)

file(REMOVE_RECURSE ${AF_WORK_DIR})
set(prefix ${AF_WORK_DIR}/prefix)

# 1. Install only the SDK component.
run_step("cmake --install --component sdk"
  ${CMAKE_COMMAND} --install ${AF_BUILD_DIR} --component sdk --prefix ${prefix})
foreach(f include/assetflow/assetflow.h include/assetflow/cpp/plugin.hpp
          include/assetflow/testing/harness.hpp
          lib/cmake/AssetflowSDK/AssetflowSDKConfig.cmake
          lib/cmake/AssetflowSDK/AssetflowSDKConfigVersion.cmake
          lib/cmake/AssetflowSDK/AssetflowPlugin.cmake lib/cmake/AssetflowSDK/plugin.version)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the SDK install lacks ${f}")
  endif()
endforeach()

# 2. Build the external plugin against the install alone, with each toolchain.
set(variants gcc)
if(AF_CLANGXX)
  list(APPEND variants clang_libcxx)
endif()
foreach(variant ${variants})
  set(build ${AF_WORK_DIR}/${variant})
  set(args -S ${AF_EXTERNAL_SOURCE} -B ${build} -G ${AF_GENERATOR} -DCMAKE_BUILD_TYPE=Release
           -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  if(variant STREQUAL "clang_libcxx")
    list(APPEND args -DCMAKE_CXX_COMPILER=${AF_CLANGXX} -DCMAKE_CXX_FLAGS=-stdlib=libc++)
    set(stdlib "libc++")
  else()
    set(stdlib "libstdc++")
  endif()
  run_step("configure external_plugin (${variant})" ${CMAKE_COMMAND} ${args})
  run_step("build external_plugin (${variant})" ${CMAKE_COMMAND} --build ${build} -j 2)
  run_step("greeter_check (${variant})" ${build}/greeter_check)
  expect_contains("greeter_check (${variant})" "${step_output}" "greeter_check: ok")

  # 3. The host's registry loads it.
  run_step("plugin_loader (${variant})" ${AF_LOADER} ${build}/plugins)
  expect_contains("plugin_loader (${variant})" "${step_output}"
    "external_greeter\t0.1.0\t1.0\t")  # built with 1.1 headers, needs only 1.0
  expect_contains("plugin_loader (${variant})" "${step_output}" "/ ${stdlib} ")
  expect_contains("plugin_loader (${variant})" "${step_output}"
    "${build}/plugins/external_greeter.so\texternal_greeter/greeting")

  # 4. And so does the CLI, when it is built.
  if(EXISTS ${AF_CLI})
    set(ENV{ASSETFLOW_PLUGIN_PATH} "")
    execute_process(COMMAND ${AF_CLI} plugins --plugin-dir ${build}/plugins
                    OUTPUT_VARIABLE out ERROR_VARIABLE err)
    expect_contains("assetflow plugins (${variant})" "${out}" "external_greeter")
    expect_contains("assetflow plugins (${variant})" "${out}" "external_greeter/greeting")
    expect_contains("assetflow plugins (${variant})" "${out}" "${build}/plugins/external_greeter.so")
  else()
    message(STATUS "${AF_CLI} not built: CLI check skipped")
  endif()
endforeach()

# 5. The package refuses another ABI major.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${AF_EXTERNAL_SOURCE} -B ${AF_WORK_DIR}/major2
                  -G ${AF_GENERATOR} -DCMAKE_PREFIX_PATH=${prefix} -DREQUIRED_SDK_VERSION=2.0
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(AssetflowSDK 2.0) unexpectedly succeeded")
endif()
expect_contains("find_package(AssetflowSDK 2.0)" "${out}${err}" "AssetflowSDK")
message(STATUS "packaging: ok (${variants})")
