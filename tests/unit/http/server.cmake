# Inbound side: the router alone, then HttpServer over real sockets (a loop thread per test).
triggerd_add_test(unit_http_server ${CMAKE_CURRENT_LIST_DIR}/router_test.cpp
                  ${CMAKE_CURRENT_LIST_DIR}/server_test.cpp)
