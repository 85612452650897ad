#include "http/curl_multi_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "common/encoding.h"
#include "common/log.h"

namespace triggerd {
namespace {

using CurlUrlPtr = CPtr<CURLU, curl_url_cleanup>;

constexpr const char* kLog = "http";

// min(request, ceiling); a request value of 0 (or less) means "the ceiling".
template <typename T>
T effective(T requested, T ceiling) {
  if (requested <= T{}) return ceiling;
  if (ceiling <= T{}) return requested;
  return std::min(requested, ceiling);
}

std::string urlPart(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

bool validMethod(std::string_view method) {
  if (method.empty() || method.size() > 16) return false;
  return std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool validHeaderName(std::string_view name) {
  if (name.empty()) return false;
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

bool validHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string_view stripBrackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

Status parseProxy(const std::string& proxy, std::optional<IpAddress>* ip, uint16_t* port) {
  if (proxy.empty()) return okStatus();
  CurlUrlPtr url(curl_url());
  if (!url || curl_url_set(url.get(), CURLUPART_URL, proxy.c_str(), 0) != CURLUE_OK)
    return Error{422, "outbound.proxy", "not a URL: give http://IP:port"};
  *ip = IpAddress::parse(stripBrackets(urlPart(url.get(), CURLUPART_HOST)));
  std::string p = urlPart(url.get(), CURLUPART_PORT);
  if (!*ip || p.empty())
    return Error{422, "outbound.proxy", "give the proxy as http://IP:port (an IP literal)"};
  *port = static_cast<uint16_t>(std::stoi(p));
  return okStatus();
}

}  // namespace

// One request from send() until its callback runs or it is cancelled.
struct CurlMultiClient::Transfer {
  CurlMultiClient* client = nullptr;
  HttpRequestId id = 0;
  HttpRequest request;
  HttpCallback cb;
  CurlEasyPtr easy;  // null once detached from the multi handle
  CurlUrlPtr url;    // curl parses the URL once; the guard and the transfer see the same host
  CurlSlistPtr headers;
  std::string host;      // as curl parsed it, for messages
  std::string safe_url;  // scheme://host[:port]/path: no userinfo, no query
  size_t max_bytes = 0;
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds total_timeout{0};
  size_t header_bytes = 0;
  bool too_large = false;                 // the write or header callback hit the cap
  std::optional<AddressRefusal> refusal;  // the first address the guard refused
  std::string port;                       // the destination port, explicit or the scheme's
  bool cleartext = false;                 // http:// with a credential (cleartext_needs_...)
  bool cleartext_refused = false;         // ... and the address was outside allowed_networks
  CurlSlistPtr connect_to;                // through a proxy: host:port -> the judged address
  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::optional<Result<HttpResponse>> result;  // set once finished, until delivered
};

// One libevent event per socket curl watches, replaced when curl changes the interest set.
struct CurlMultiClient::SocketWatch {
  CurlMultiClient* client = nullptr;
  EventPtr ev;
};

CurlMultiClient::CurlMultiClient(EventLoop& loop, Options options)
    : loop_(loop), options_(std::move(options)) {
  // Reference counted and thread-safe in libcurl >= 7.84; main() also calls it once.
  curl_global_init(CURL_GLOBAL_DEFAULT);
  multi_.reset(curl_multi_init());
  if (!multi_) std::abort();  // out of memory: nothing sane to do
  if (auto st = parseProxy(options_.proxy, &proxy_ip_, &proxy_port_); !st.ok()) {
    // Config validation refuses such a value; a direct caller gets no proxy rather than env's.
    TLOG_ERROR(kLog, "proxy=%s reason=%s proxy ignored", log::logValue(options_.proxy).c_str(),
               st.error().message.c_str());
    options_.proxy.clear();
  }
  timer_ = loop_.createTimer([this] { onTimeout(); });
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &CurlMultiClient::onSocket);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &CurlMultiClient::onTimer);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
}

CurlMultiClient::~CurlMultiClient() {
  // No callback may run from here on: pending deliveries check alive_, transfers are dropped.
  alive_.reset();
  for (auto& [id, t] : transfers_) {
    if (t->easy) detach(*t);
  }
  transfers_.clear();
  // Closing cached connections may still call onSocket(REMOVE): members are alive until here.
  multi_.reset();
  sockets_.clear();
  timer_.reset();
  curl_global_cleanup();
}

HttpRequestId CurlMultiClient::send(HttpRequest request, HttpCallback cb) {
  HttpRequestId id = next_id_++;
  auto owned = std::make_unique<Transfer>();
  Transfer& t = *owned;
  t.client = this;
  t.id = id;
  t.request = std::move(request);
  t.cb = std::move(cb);
  transfers_.emplace(id, std::move(owned));

  Status configured = configure(t);
  if (configured.ok()) {
    bool literal = IpAddress::parse(stripBrackets(t.host)).has_value();
    if (!options_.proxy.empty() && !literal) {
      resolveThenStart(t);
      return id;
    }
    start(t);
    return id;
  }
  if (!configured.ok()) {
    t.easy.reset();
    t.result = configured.error();
    TLOG_WARN(kLog, "request=%llu url=%s refused: %s", static_cast<unsigned long long>(id),
              log::logValue(t.safe_url.empty() ? t.request.url : t.safe_url).c_str(),
              configured.error().message.c_str());
    scheduleDelivery(id);
  }
  // Otherwise curl has asked for a 0 ms timer; the transfer starts on a later turn.
  return id;
}

void CurlMultiClient::start(Transfer& t) {
  CURLMcode mc = curl_multi_add_handle(multi_.get(), t.easy.get());
  if (mc == CURLM_OK) return;  // curl asked for a 0 ms timer; the transfer starts on a later turn
  t.easy.reset();
  t.result = Error{502, "",
                   "could not start the request to " + t.safe_url + ": " + curl_multi_strerror(mc)};
  scheduleDelivery(t.id);
}

void CurlMultiClient::resolveThenStart(Transfer& t) {
  // getaddrinfo blocks: it runs on a short-lived thread and its answer comes back to the loop.
  std::weak_ptr<char> alive = alive_;
  std::thread([this, alive, id = t.id, host = t.host, port = t.port] {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    std::vector<IpAddress> addresses;
    std::string error = rc == 0 ? "" : gai_strerror(rc);
    for (addrinfo* a = res; a != nullptr; a = a->ai_next)
      if (auto ip = IpAddress::fromSockaddr(a->ai_addr, a->ai_addrlen)) addresses.push_back(*ip);
    if (res != nullptr) freeaddrinfo(res);
    if (alive.expired()) return;
    loop_.postFromAnyThread(
        [this, alive, id, addresses = std::move(addresses), error = std::move(error)]() mutable {
          if (!alive.expired()) onResolved(id, std::move(addresses), std::move(error));
        });
  }).detach();
}

void CurlMultiClient::onResolved(HttpRequestId id, std::vector<IpAddress> addresses,
                                 std::string error) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;  // cancelled while resolving
  Transfer& t = *it->second;
  auto fail = [&](Error e) {
    t.easy.reset();
    t.result = std::move(e);
    scheduleDelivery(id);
  };
  if (addresses.empty()) {
    return fail(Error{
        502, "",
        "could not resolve host '" + t.host + "': " + (error.empty() ? "no address" : error)});
  }
  // Every address must pass: the proxy may otherwise be steered to a refused one.
  for (const IpAddress& ip : addresses) {
    if (auto refusal = options_.address_guard.check(ip)) {
      if (options_.metrics != nullptr) {
        options_.metrics->inc("triggerd_ssrf_refusals_total",
                              {{"class", addressClassName(refusal->classification.cls)}});
      }
      return fail(Error{502, "url", refusal->message(t.host)});
    }
  }
  std::string target = addresses.front().v6 ? "[" + addresses.front().toString() + "]"
                                            : addresses.front().toString();
  t.connect_to.reset(
      curl_slist_append(nullptr, (t.host + ":" + t.port + ":" + target + ":" + t.port).c_str()));
  if (curl_easy_setopt(t.easy.get(), CURLOPT_CONNECT_TO, t.connect_to.get()) != CURLE_OK)
    return fail(Error{502, "", "could not configure the request to " + t.safe_url});
  start(t);
}

void CurlMultiClient::cancel(HttpRequestId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  std::unique_ptr<Transfer> t = std::move(it->second);
  transfers_.erase(it);
  if (t->easy) detach(*t);
  TLOG_DEBUG(kLog, "request=%llu cancelled", static_cast<unsigned long long>(id));
}

Status CurlMultiClient::configure(Transfer& t) {
  const HttpRequest& req = t.request;
  t.url.reset(curl_url());
  if (!t.url) std::abort();
  if (curl_url_set(t.url.get(), CURLUPART_URL, req.url.c_str(), 0) != CURLUE_OK) {
    return Error{422, "url",
                 "'" + log::logValue(req.url) + "' is not an absolute http or https URL"};
  }
  std::string scheme = toLower(urlPart(t.url.get(), CURLUPART_SCHEME));
  t.host = urlPart(t.url.get(), CURLUPART_HOST);
  std::string port = urlPart(t.url.get(), CURLUPART_PORT);
  t.safe_url = scheme + "://" + t.host + (port.empty() ? "" : ":" + port) +
               urlPart(t.url.get(), CURLUPART_PATH);
  t.port = port.empty() ? (toLower(scheme) == "https" ? "443" : "80") : port;
  t.cleartext = scheme == "http" && req.cleartext_needs_allowed_network;
  if (scheme != "http" && scheme != "https") {
    return Error{422, "url",
                 "unsupported URL scheme '" + log::logValue(scheme, 20) +
                     "': only http and https are allowed"};
  }
  if (t.host.empty()) return Error{422, "url", "the URL has no host"};
  // A literal address is judged now too, so the guard holds even when a proxy would hide the
  // destination from the socket-open check. curl has already normalised 0x7f.1, 2130706433, ...
  if (auto literal = IpAddress::parse(stripBrackets(t.host))) {
    if (auto refusal = options_.address_guard.check(*literal)) {
      if (options_.metrics != nullptr) {
        options_.metrics->inc("triggerd_ssrf_refusals_total",
                              {{"class", addressClassName(refusal->classification.cls)}});
      }
      return Error{502, "url", refusal->message(t.host)};
    }
  }
  if (!validMethod(req.method)) {
    return Error{422, "method", "'" + log::logValue(req.method, 20) + "' is not an HTTP method"};
  }

  curl_slist* list = nullptr;
  for (const auto& [name, value] : req.headers) {
    if (!validHeaderName(name) || !validHeaderValue(value)) {
      curl_slist_free_all(list);
      return Error{422, "headers",
                   "header '" + log::logValue(name, 40) +
                       "' has an invalid name or a value with CR, LF or NUL"};
    }
    // "Name;" is curl's spelling of a header with an empty value ("Name:" would remove it).
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  t.headers.reset(list);

  t.max_bytes = effective(req.max_response_bytes, options_.max_response_bytes);
  t.connect_timeout = effective(req.connect_timeout, options_.connect_timeout);
  t.total_timeout = effective(req.total_timeout, options_.total_timeout);

  t.easy.reset(curl_easy_init());
  if (!t.easy) std::abort();
  CURL* easy = t.easy.get();
  CURLcode rc = CURLE_OK;
  auto set = [&rc, easy](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(easy, option, value);
  };
  set(CURLOPT_CURLU, t.url.get());
  set(CURLOPT_PRIVATE, static_cast<void*>(&t));
  set(CURLOPT_ERRORBUFFER, t.error_buffer);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(t.total_timeout.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max_bytes));
  set(CURLOPT_ACCEPT_ENCODING, "");
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, t.headers.get());
  set(CURLOPT_WRITEFUNCTION, &CurlMultiClient::onWrite);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
  set(CURLOPT_HEADERFUNCTION, &CurlMultiClient::onHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
  set(CURLOPT_OPENSOCKETFUNCTION, &CurlMultiClient::onOpenSocket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&t));
  // Always set: an empty proxy makes curl ignore http_proxy, HTTPS_PROXY, ALL_PROXY...
  set(CURLOPT_PROXY, options_.proxy.c_str());
  if (!options_.proxy.empty()) set(CURLOPT_HTTPPROXYTUNNEL, 1L);  // CONNECT, for http too
  if (req.ca_pem) {
    curl_blob blob{const_cast<char*>(req.ca_pem->data()), req.ca_pem->size(), CURL_BLOB_COPY};
    set(CURLOPT_CAINFO_BLOB, &blob);
    // The private bundle alone: drop the system bundle file and directory.
    set(CURLOPT_CAINFO, static_cast<char*>(nullptr));
    set(CURLOPT_CAPATH, static_cast<char*>(nullptr));
  }
  const std::string& method = req.method;
  bool has_body = !req.body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (method == "GET" && !has_body) {
    set(CURLOPT_HTTPGET, 1L);
  } else {
    if (has_body) {
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      set(CURLOPT_POSTFIELDS, req.body.data());
    }
    if (method != "POST") set(CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (rc != CURLE_OK) {
    return Error{
        502, "",
        "could not configure the request to " + t.safe_url + ": " + curl_easy_strerror(rc)};
  }
  return okStatus();
}

void CurlMultiClient::detach(Transfer& t) {
  // Legal here: callers are never inside a curl callback (pitfall C4).
  curl_multi_remove_handle(multi_.get(), t.easy.get());
  t.easy.reset();
}

int CurlMultiClient::onSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) noexcept {
  auto* self = static_cast<CurlMultiClient*>(userp);
  try {
    if (what == CURL_POLL_REMOVE) {
      // Free our event only; curl owns the fd and may reuse it (pitfall C2).
      self->sockets_.erase(fd);
      return 0;
    }
    auto& watch = self->sockets_[fd];
    if (!watch) {
      watch = std::make_unique<SocketWatch>();
      watch->client = self;
      curl_multi_assign(self->multi_.get(), fd, watch.get());  // allowed from this callback
    }
    auto kind = static_cast<short>(EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
                                   ((what & CURL_POLL_OUT) ? EV_WRITE : 0));
    // A new event for the new interest set; resetting frees (and deletes) the old one.
    watch->ev.reset(
        event_new(self->loop_.base(), fd, kind, &CurlMultiClient::onSocketEvent, watch.get()));
    if (!watch->ev || event_add(watch->ev.get(), nullptr) != 0) {
      TLOG_ERROR(kLog, "could not watch socket fd=%d", static_cast<int>(fd));
      return -1;
    }
    return 0;
  } catch (...) {
    TLOG_ERROR(kLog, "socket callback failed");
    return -1;
  }
}

int CurlMultiClient::onTimer(CURLM*, long timeout_ms, void* userp) noexcept {
  auto* self = static_cast<CurlMultiClient*>(userp);
  // -1: delete the timer. 0: fire on the next turn; never socket_action from here (C1).
  if (timeout_ms < 0) {
    self->timer_->disarm();
  } else {
    self->timer_->arm(std::chrono::milliseconds(timeout_ms));
  }
  return 0;
}

void CurlMultiClient::onSocketEvent(evutil_socket_t fd, short events, void* arg) noexcept {
  // Copy what we need: socket_action may free this watch (CURL_POLL_REMOVE).
  CurlMultiClient* self = static_cast<SocketWatch*>(arg)->client;
  int mask =
      ((events & EV_READ) ? CURL_CSELECT_IN : 0) | ((events & EV_WRITE) ? CURL_CSELECT_OUT : 0);
  try {
    self->socketAction(static_cast<curl_socket_t>(fd), mask);
  } catch (const std::exception& e) {
    TLOG_ERROR(kLog, "socket event handling threw: %s", e.what());
  } catch (...) {
    TLOG_ERROR(kLog, "socket event handling threw");
  }
}

void CurlMultiClient::onTimeout() {
  socketAction(CURL_SOCKET_TIMEOUT, 0);
}

void CurlMultiClient::socketAction(curl_socket_t fd, int ev_bitmask) {
  int running = 0;
  CURLMcode mc = curl_multi_socket_action(multi_.get(), fd, ev_bitmask, &running);
  if (mc != CURLM_OK) TLOG_ERROR(kLog, "curl_multi_socket_action: %s", curl_multi_strerror(mc));
  drainCompletions();
}

void CurlMultiClient::drainCompletions() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // msg dies with remove_handle: copy it out first.
    CURL* easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    void* priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    auto* t = static_cast<Transfer*>(priv);
    assert(t != nullptr && t->easy.get() == easy);  // every easy handle we add carries its owner
    finish(*t, code);
    detach(*t);  // before the user callback, which runs on a later turn (C3)
    scheduleDelivery(t->id);
  }
}

void CurlMultiClient::scheduleDelivery(HttpRequestId id) {
  loop_.post([this, alive = std::weak_ptr<char>(alive_), id] {
    if (alive.expired()) return;  // the client is gone, and with it every callback
    deliver(id);
  });
}

void CurlMultiClient::countOutcome(const Result<HttpResponse>& result) {
  if (options_.metrics == nullptr) return;
  std::string outcome;
  if (result.ok()) {
    outcome = std::to_string(result->status / 100) + "xx";
  } else if (result.error().is(Error::Kind::kUpstreamTimeout)) {
    outcome = "timeout";
  } else if (result.error().field == "url") {
    outcome = "refused";  // the address guard or the URL check said no
  } else {
    outcome = "failed";  // DNS, connect, TLS, size cap
  }
  options_.metrics->inc("triggerd_outbound_requests_total", {{"outcome", outcome}});
}

void CurlMultiClient::deliver(HttpRequestId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;  // cancelled after it finished
  std::unique_ptr<Transfer> t = std::move(it->second);
  transfers_.erase(it);
  assert(t->result.has_value());  // only finished transfers are scheduled
  HttpCallback cb = std::move(t->cb);
  Result<HttpResponse> result = std::move(*t->result);
  t.reset();
  countOutcome(result);
  // Last statement: the callback may destroy this client.
  if (cb) cb(std::move(result));
}

void CurlMultiClient::finish(Transfer& t, CURLcode code) {
  CURL* easy = t.easy.get();
  std::string detail = t.error_buffer[0] != '\0' ? t.error_buffer : curl_easy_strerror(code);
  auto fail = [&t](int status, std::string field, std::string message) {
    TLOG_WARN(kLog, "request=%llu method=%s url=%s failed: %s",
              static_cast<unsigned long long>(t.id), log::logValue(t.request.method, 16).c_str(),
              log::logValue(t.safe_url).c_str(), message.c_str());
    t.result = Error{status, std::move(field), std::move(message)};
  };
  if (t.cleartext_refused) {
    return fail(502, "url",
                "refusing to send a token over plain HTTP to " + t.host +
                    ", which is outside security.allowed_networks; use https, list the server's "
                    "network in security.allowed_networks, or set "
                    "security.allow_plain_http_gitlab = true");
  }
  // Through a proxy, one wording for every failure: the proxy's answer (and whether the target
  // port was open) is not passed on to callers; the log line keeps the detail for operators.
  if (!options_.proxy.empty() && code != CURLE_OK && code != CURLE_OPERATION_TIMEDOUT &&
      !t.refusal) {
    TLOG_WARN(kLog, "request=%llu url=%s proxy detail: %s", static_cast<unsigned long long>(t.id),
              log::logValue(t.safe_url).c_str(), log::logValue(detail, 200).c_str());
    return fail(502, "", "could not reach " + t.host + " through the proxy (outbound.proxy)");
  }
  switch (code) {
    case CURLE_OK: {
      HttpResponse response = std::move(t.response);
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
      char* effective_url = nullptr;
      curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective_url);
      if (effective_url != nullptr) response.effective_url = effective_url;
      TLOG_DEBUG(kLog, "request=%llu method=%s url=%s status=%ld bytes=%zu",
                 static_cast<unsigned long long>(t.id), log::logValue(t.request.method).c_str(),
                 log::logValue(t.safe_url).c_str(), response.status, response.body.size());
      t.result = std::move(response);
      return;
    }
    case CURLE_COULDNT_CONNECT:
      if (t.refusal) return fail(502, "url", t.refusal->message(t.host));
      return fail(502, "", "could not connect to " + t.safe_url + ": " + detail);
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t pretransfer_us = 0;
      curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
      if (t.refusal && pretransfer_us == 0) return fail(502, "url", t.refusal->message(t.host));
      if (pretransfer_us == 0) {
        return fail(504, "",
                    "connecting to " + t.host + " timed out (connect timeout " +
                        std::to_string(t.connect_timeout.count()) + " ms)");
      }
      return fail(504, "",
                  "no complete response from " + t.safe_url + " within " +
                      std::to_string(t.total_timeout.count()) + " ms (total timeout)");
    }
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      if (code == CURLE_FILESIZE_EXCEEDED || t.too_large) {
        return fail(502, "",
                    "response from " + t.safe_url + " larger than " + std::to_string(t.max_bytes) +
                        " bytes");
      }
      return fail(502, "", "could not store the response from " + t.safe_url + ": " + detail);
    case CURLE_COULDNT_RESOLVE_HOST:
      return fail(502, "", "could not resolve host '" + t.host + "': " + detail);
    case CURLE_COULDNT_RESOLVE_PROXY:
      return fail(502, "", "could not resolve the proxy for " + t.safe_url + ": " + detail);
    case CURLE_PEER_FAILED_VERIFICATION:
      return fail(502, "",
                  "TLS certificate of " + t.host + " could not be verified: " + detail +
                      (t.request.ca_pem ? " (checked against the given CA certificate only)"
                                        : " (if the server uses a private CA, provide its CA "
                                          "certificate)"));
    case CURLE_SSL_CACERT_BADFILE:
      return fail(502, "",
                  "the CA certificate given for " + t.host + " could not be used: " + detail);
    case CURLE_SSL_CONNECT_ERROR:
      return fail(502, "", "TLS handshake with " + t.host + " failed: " + detail);
    case CURLE_GOT_NOTHING:
      return fail(502, "", t.host + " closed the connection without answering");
    case CURLE_UNSUPPORTED_PROTOCOL:
      return fail(422, "url", "unsupported protocol for " + t.safe_url + ": " + detail);
    default:
      return fail(502, "", "request to " + t.safe_url + " failed: " + detail);
  }
}

curl_socket_t CurlMultiClient::onOpenSocket(void* clientp, curlsocktype purpose,
                                            curl_sockaddr* address) noexcept {
  auto* t = static_cast<Transfer*>(clientp);
  try {
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;  // only plain IP connections
    // curl's storage behind `addr` is sized for addrlen; copy it to properly sized storage.
    sockaddr_storage storage{};
    size_t len = std::min<size_t>(address->addrlen, sizeof storage);
    std::memcpy(&storage, &address->addr, len);
    const auto* sa = reinterpret_cast<const sockaddr*>(&storage);
    CurlMultiClient* self = t->client;
    // Through a proxy, every socket goes to the proxy, which the operator chose; the
    // destination's addresses were judged before the transfer started (onResolved).
    bool to_proxy = false;
    if (self->proxy_ip_) {
      auto ip = IpAddress::fromSockaddr(sa, static_cast<socklen_t>(len));
      uint16_t port = sa->sa_family == AF_INET6
                          ? ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port)
                          : ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
      to_proxy = ip && *ip == *self->proxy_ip_ && port == self->proxy_port_;
    }
    auto refusal = to_proxy ? std::nullopt
                            : self->options_.address_guard.check(sa, static_cast<socklen_t>(len));
    if (!refusal && t->cleartext) {
      auto ip = IpAddress::fromSockaddr(sa, static_cast<socklen_t>(len));
      if (!ip || !self->options_.address_guard.isAllowed(*ip)) {
        t->cleartext_refused = true;
        TLOG_WARN(kLog, "request=%llu host=%s plain HTTP refused outside allowed_networks",
                  static_cast<unsigned long long>(t->id), log::logValue(t->host).c_str());
        return CURL_SOCKET_BAD;
      }
    }
    if (refusal) {
      if (!t->refusal) t->refusal = refusal;
      if (self->options_.metrics != nullptr) {
        self->options_.metrics->inc("triggerd_ssrf_refusals_total",
                                    {{"class", addressClassName(refusal->classification.cls)}});
      }
      TLOG_WARN(kLog,
                "request=%llu host=%s address=%s class=%s connection refused by the address guard",
                static_cast<unsigned long long>(t->id), log::logValue(t->host).c_str(),
                refusal->address.toString().c_str(), addressClassName(refusal->classification.cls));
      return CURL_SOCKET_BAD;
    }
    int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
  } catch (...) {
    return CURL_SOCKET_BAD;
  }
}

size_t CurlMultiClient::onWrite(char* data, size_t size, size_t n, void* userp) noexcept {
  auto* t = static_cast<Transfer*>(userp);
  size_t bytes = size * n;
  try {
    if (t->response.body.size() + bytes > t->max_bytes) {
      t->too_large = true;
      return 0;  // short write: curl aborts with CURLE_WRITE_ERROR
    }
    t->response.body.append(data, bytes);
    return bytes;
  } catch (...) {
    return 0;
  }
}

size_t CurlMultiClient::onHeader(char* data, size_t size, size_t n, void* userp) noexcept {
  auto* t = static_cast<Transfer*>(userp);
  size_t bytes = size * n;
  try {
    t->header_bytes += bytes;
    if (t->header_bytes > t->max_bytes) {
      t->too_large = true;
      return 0;
    }
    std::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) return bytes;
    if (line.substr(0, 5) == "HTTP/") {
      // A new response (proxy CONNECT answer, 1xx, ...): only the last one's headers count.
      t->response.headers.clear();
    } else if (line.front() == ' ' || line.front() == '\t') {
      if (!t->response.headers.empty()) {  // obsolete line folding
        auto& value = t->response.headers.back().second;
        value += ' ';
        value += trim(line);
      }
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
      t->response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                       std::string(trim(line.substr(colon + 1))));
    }
    return bytes;
  } catch (...) {
    return 0;
  }
}

}  // namespace triggerd
