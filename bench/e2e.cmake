# bench-e2e (contracts.md §4, docs/performance.md): the `replicator` binary as its own
# process against a `tunnel-emulator` process: full-load rows/s next to a raw SQLite insert
# loop on the same rows, the replicator's peak RSS at two table sizes, the stream apply rate
# and the write→commit lag at a steady 2,000 changes/s. It finds both binaries next to
# itself in the build tree (../replicator/replicator, ../tunnel/emulator/tunnel-emulator).
ts_add_bench(e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_e2e.cc
             LIBS SQLite::SQLite3 PkgConfig::HTTPLIB nlohmann_json::nlohmann_json)
foreach(dep replicator_cli tunnel_emulator_bin)
  if(TARGET ${dep})
    add_dependencies(bench_e2e ${dep})
  endif()
endforeach()
