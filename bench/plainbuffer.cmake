# bench-plainbuffer (contracts.md §4): protobuf parse + PlainBuffer decode of ReadRecords
# pages with every CRC check, into the row model.
ts_add_bench(plainbuffer SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_plainbuffer.cc
             LIBS tunnel_client tunnel_protocol)
