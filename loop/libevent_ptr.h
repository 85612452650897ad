// unique_ptr aliases for libevent handles. Never wrap redisAsyncContext: hiredis frees it itself
// after the disconnect callback.
#pragma once

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "common/c_ptr.h"

namespace triggerd {

using EventBasePtr = CPtr<event_base, event_base_free>;
using EventPtr = CPtr<event, event_free>;
using EvhttpPtr = CPtr<evhttp, evhttp_free>;
using EvconnListenerPtr = CPtr<evconnlistener, evconnlistener_free>;
using EvhttpUriPtr = CPtr<evhttp_uri, evhttp_uri_free>;
using EvbufferPtr = CPtr<evbuffer, evbuffer_free>;

}  // namespace triggerd
