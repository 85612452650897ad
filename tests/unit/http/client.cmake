# Outbound side: CurlMultiClient against a real FakeHttpServer, the address guard, rate limits.
triggerd_add_test(unit_http_client ${CMAKE_CURRENT_LIST_DIR}/curl_multi_client_test.cpp
                  ${CMAKE_CURRENT_LIST_DIR}/address_guard_test.cpp
                  ${CMAKE_CURRENT_LIST_DIR}/rate_limit_test.cpp)
