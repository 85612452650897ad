// The HTTP surface of triggerd: every route of both listeners, in one table (routes.cpp). A row
// says which listener serves it, the method and path, who may call it, and the handler; the
// handlers live in their own files (handlers.h).
#pragma once

#include <span>
#include <string>

#include "handlers/api_auth.h"
#include "handlers/services.h"
#include "http/request_context.h"
#include "http/router.h"

namespace triggerd {

enum class Listener { kPublic, kAdmin };

// A request that passed its route's access check.
struct Call {
  RequestPtr ctx;
  Services& services;
  std::string user;  // the {user} path parameter, validated; empty on routes without one
  Principal principal;
};
using RouteFn = void (*)(const Call& call);

struct Route {
  bool on_public;  // served by the public listener
  bool on_admin;   // served by the admin listener
  const char* method;
  const char* path;
  Access access;
  RouteFn handler;
};

std::span<const Route> routeTable();
// True for the rows the public listener also serves to the console under consolePath(): every
// user route of the admin API (Access::kUser), called with the console session instead of a
// bearer token.
bool consoleMounted(const Route& route);
std::string consolePath(const Route& route);  // "/console" + route.path
// Registers every route of `listener`, with the access check in front of each handler.
void registerRoutes(Router& router, Listener listener, Services& services);

}  // namespace triggerd
