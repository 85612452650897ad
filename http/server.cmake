# Inbound HTTP: the evhttp server with triggerd's limits, the router, request contexts and the
# JSON response helpers.
target_sources(triggerd_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/server.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/router.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/request_context.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/responses.cpp)
