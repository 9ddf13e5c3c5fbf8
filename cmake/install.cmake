# Install rules (issue 10: the replicator as an embeddable library). Included at the end of
# the root CMakeLists.txt. `cmake --install BUILD [--prefix DIR]` installs:
#   lib/libtablestore_replicator.a     every library the public API needs, in one archive
#                                      (base, tunnel_protocol incl. the generated protobuf
#                                      code, tunnel_client, tunnel_worker, storage, config,
#                                      replicator)
#   include/tablestore/...             the public headers (include/tablestore)
#   bin/replicator                     the command-line tool
#   lib/cmake/TablestoreReplicator/    find_package(TablestoreReplicator) → tablestore::replicator
#   lib/pkgconfig/tablestore-replicator.pc
# Never the emulator, the tests, the benchmarks or the examples. See docs/api.md.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TS_INSTALL_LIBS base tunnel_protocol tunnel_client tunnel_worker storage config replicator)

# One static archive made of the objects of the project's libraries (no recompilation).
# Users get a single library and cannot clash with names like libbase.a or libconfig.a.
add_library(tablestore_replicator STATIC)
foreach(lib IN LISTS TS_INSTALL_LIBS)
  target_sources(tablestore_replicator PRIVATE $<TARGET_OBJECTS:${lib}>)
endforeach()
add_dependencies(tablestore_replicator ${TS_INSTALL_LIBS})
set_target_properties(tablestore_replicator PROPERTIES
  OUTPUT_NAME tablestore_replicator
  EXPORT_NAME replicator
  LINKER_LANGUAGE CXX)
target_include_directories(tablestore_replicator INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(tablestore_replicator INTERFACE cxx_std_20)
# The Debian system libraries the archive's objects use (found again by the package config
# file with find_dependency).
target_link_libraries(tablestore_replicator INTERFACE
  protobuf::libprotobuf OpenSSL::SSL OpenSSL::Crypto CURL::libcurl SQLiteCpp SQLite::SQLite3
  toml11::toml11 spdlog::spdlog Threads::Threads)
add_library(tablestore::replicator ALIAS tablestore_replicator)

install(TARGETS tablestore_replicator EXPORT TablestoreReplicatorTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS replicator_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tablestore
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

# CMake package: find_package(TablestoreReplicator) gives tablestore::replicator.
set(TS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/TablestoreReplicator)
install(EXPORT TablestoreReplicatorTargets
  NAMESPACE tablestore::
  DESTINATION ${TS_CMAKE_DIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/TablestoreReplicatorConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/TablestoreReplicatorConfig.cmake
  INSTALL_DESTINATION ${TS_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/TablestoreReplicatorConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/TablestoreReplicatorConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/TablestoreReplicatorConfigVersion.cmake
  DESTINATION ${TS_CMAKE_DIR})

# pkg-config: relocatable (prefix relative to the .pc file, so --prefix at install time works).
set(TS_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH TS_PC_TO_PREFIX /prefix/${TS_PC_DIR} /prefix)
set(TS_PC_PREFIX "\${pcfiledir}/${TS_PC_TO_PREFIX}")
string(REGEX REPLACE "/$" "" TS_PC_PREFIX "${TS_PC_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/tablestore-replicator.pc.in
  ${PROJECT_BINARY_DIR}/cmake/tablestore-replicator.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/tablestore-replicator.pc DESTINATION ${TS_PC_DIR})
