# Outbound HTTP: the HttpClient seam, libcurl multi on the loop, the SSRF guard, rate limits.
target_sources(triggerd_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/client.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/curl_multi_client.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/address_guard.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/rate_limit.cpp)
