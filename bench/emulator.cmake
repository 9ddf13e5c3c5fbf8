# bench-emulator: records/s served by ReadRecords for the typical row (docs/emulator.md).
ts_add_bench(emulator SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_emulator.cc
             LIBS tunnel_emulator tunnel_protocol PkgConfig::HTTPLIB)
