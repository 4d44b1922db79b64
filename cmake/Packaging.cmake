# Installation layout and the Debian packages (CPack), one layout for both:
#
#   component cli  -> package assetflow      bin/assetflow, lib/assetflow/plugins/*.so (the
#                                            system plugin directory, searched by default),
#                                            share/assetflow/manifests
#   component sdk  -> package assetflow-sdk  include/assetflow/..., lib/cmake/AssetflowSDK/...
#                                            (installed by sdk/CMakeLists.txt)
#
# `cmake --install build --prefix P` installs both under P; `cpack --config
# build/CPackConfig.cmake` builds assetflow_<v>_<arch>.deb and assetflow-sdk_<v>_all.deb with
# prefix /usr. tests/packaging/deb_install_test.sh installs them into a clean Debian root.
install(TARGETS assetflow RUNTIME DESTINATION bin COMPONENT cli)
foreach(plugin c_example examples fs_io hackernews wordcloud)
  if(TARGET ${plugin})
    install(TARGETS ${plugin} LIBRARY DESTINATION lib/assetflow/plugins COMPONENT cli)
  endif()
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/manifests/ DESTINATION share/assetflow/manifests
        COMPONENT cli)
install(FILES ${PROJECT_SOURCE_DIR}/docs/plugin-guide.md DESTINATION share/doc/assetflow-sdk
        COMPONENT sdk)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME assetflow)
set(CPACK_PACKAGE_VENDOR "assetflow")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "assetflow developers <assetflow@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL cli sdk)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME assetflow)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
# Library dependencies come from dpkg-shlibdeps; the wordcloud plugin also needs a font.
set(CPACK_DEBIAN_CLI_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "fonts-dejavu-core")
set(CPACK_COMPONENT_CLI_DESCRIPTION
    "software-defined assets, native: the assetflow CLI and its shipped plugins\n"
    "Materializes the assets YAML manifests declare, with plugins from\n"
    "/usr/lib/assetflow/plugins and any --plugin-dir.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME assetflow-sdk)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_PACKAGE_ARCHITECTURE all)
# Header-only; the harness uses RapidJSON, and find_package(AssetflowSDK) needs CMake.
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "rapidjson-dev, cmake (>= 3.17)")
set(CPACK_COMPONENT_SDK_DESCRIPTION
    "assetflow plugin SDK: C ABI headers, C++17 layer, test harness, CMake package\n"
    "find_package(AssetflowSDK) and assetflow_add_plugin() build a plugin; the\n"
    "harness loads the built .so and materializes it in memory.")
include(CPack)
