# bench-storage: mirror write rates next to a raw prepared-statement loop (contracts.md §4).
ts_add_bench(storage SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_storage.cc
             LIBS storage tunnel_client tunnel_protocol SQLite::SQLite3)
