# bench-client (contracts.md §4): records/s from the in-process emulator through
# TunnelClient (libcurl, signing, retry, protobuf + PlainBuffer decode) into a no-op sink.
if(TARGET tunnel_emulator)
  ts_add_bench(client SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_client.cc
               LIBS tunnel_client tunnel_emulator tunnel_protocol)
endif()
