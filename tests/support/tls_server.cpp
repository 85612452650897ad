#include "tests/support/tls_server.h"

#include "http/responses.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <list>
#include <stdexcept>

#include "common/encoding.h"
#include "loop/libevent_ptr.h"

namespace triggerd::testing {
namespace {

using EvpPkeyPtr = CPtr<EVP_PKEY, EVP_PKEY_free>;
using X509Ptr = CPtr<X509, X509_free>;
using SslCtxPtr = CPtr<SSL_CTX, SSL_CTX_free>;
using BioPtr = CPtr<BIO, BIO_free_all>;

[[noreturn]] void fail(const std::string& what) {
  char detail[256] = {};
  ERR_error_string_n(ERR_get_error(), detail, sizeof detail);
  throw std::runtime_error("FakeHttpServer: " + what + ": " + detail);
}

EvpPkeyPtr newKey() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) fail("EC key generation");
  return key;
}

void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) fail(std::string("certificate extension ") + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key`, valid from an hour ago for a day, signed by issuer_key. A null
// issuer makes it self-signed.
X509Ptr newCert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                bool ca) {
  X509Ptr cert(X509_new());
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("triggerd tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    addExtension(cert.get(), signer, NID_subject_alt_name,
                 "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1");
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    fail("X509_sign");
  }
  return cert;
}

std::string toPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

std::string FakeRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return "";
}

FakeResponse FakeResponse::json(int status, std::string body) {
  FakeResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

FakeResponse FakeResponse::text(int status, std::string body) {
  FakeResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

// Everything the server thread touches. Created and destroyed on the owning thread while the
// server thread is not running.
struct FakeHttpServer::State {
  // A reply held back (delay) or never sent (hang), until it fires or its connection closes.
  struct Pending {
    State* state = nullptr;
    evhttp_request* req = nullptr;
    evhttp_connection* conn = nullptr;
    FakeResponse response;
    EventPtr timer;
  };

  FakeHttpServer* server = nullptr;
  EventBasePtr base;
  SslCtxPtr ssl_ctx;
  EvhttpPtr http;
  EventPtr wake;
  int wake_fds[2] = {-1, -1};
  std::list<std::unique_ptr<Pending>> pending;

  ~State() {
    // evhttp_free closes connections, whose close callbacks drop their pending entries.
    http.reset();
    pending.clear();
    wake.reset();
    for (int fd : wake_fds) {
      if (fd >= 0) close(fd);
    }
    ssl_ctx.reset();
    base.reset();
  }

  // One bufferevent per accepted connection: plain, or TLS in accepting state.
  static bufferevent* makeBufferevent(event_base* base, void* arg) {
    auto* self = static_cast<State*>(arg);
    self->server->connections_.fetch_add(1);
    if (!self->ssl_ctx) return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    SSL* ssl = SSL_new(self->ssl_ctx.get());
    bufferevent* bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE);
    if (bev != nullptr) bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
  }

  static void onRequest(evhttp_request* req, void* arg) {
    auto* self = static_cast<State*>(arg);
    FakeRequest record;
    record.method = httpMethodName(evhttp_request_get_command(req));
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    if (const char* path = evhttp_uri_get_path(uri)) record.path = path;
    if (const char* query = evhttp_uri_get_query(uri)) record.query = query;
    evkeyvalq* headers = evhttp_request_get_input_headers(req);
    for (evkeyval* kv = headers->tqh_first; kv != nullptr; kv = kv->next.tqe_next) {
      record.headers.emplace_back(kv->key, kv->value);
    }
    evbuffer* input = evhttp_request_get_input_buffer(req);
    record.body.resize(evbuffer_get_length(input));
    evbuffer_copyout(input, record.body.data(), record.body.size());

    Handler handler;
    {
      std::lock_guard lock(self->server->mu_);
      self->server->requests_.push_back(record);
      handler = self->server->handler_;
    }
    FakeResponse response = handler ? handler(record) : FakeResponse::text(404, "no handler\n");
    if (!response.hang && response.delay.count() <= 0) {
      reply(req, response);
      return;
    }
    auto pending = std::make_unique<Pending>();
    pending->state = self;
    pending->req = req;
    pending->conn = evhttp_request_get_connection(req);
    pending->response = std::move(response);
    evhttp_connection_set_closecb(pending->conn, &State::onConnectionClosed, self);
    if (!pending->response.hang) {
      pending->timer.reset(evtimer_new(self->base.get(), &State::onDelayed, pending.get()));
      timeval tv{};
      auto ms = pending->response.delay.count();
      tv.tv_sec = static_cast<time_t>(ms / 1000);
      tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
      evtimer_add(pending->timer.get(), &tv);
    }
    self->pending.push_back(std::move(pending));
  }

  static void reply(evhttp_request* req, const FakeResponse& response) {
    evkeyvalq* out = evhttp_request_get_output_headers(req);
    for (const auto& [key, value] : response.headers) {
      evhttp_add_header(out, key.c_str(), value.c_str());
    }
    if (!response.chunked) {
      EvbufferPtr body(evbuffer_new());
      evbuffer_add(body.get(), response.body.data(), response.body.size());
      evhttp_send_reply(req, response.status, nullptr, body.get());
      return;
    }
    evhttp_send_reply_start(req, response.status, nullptr);
    constexpr size_t kChunk = 16 * 1024;
    for (size_t at = 0; at < response.body.size(); at += kChunk) {
      EvbufferPtr chunk(evbuffer_new());
      evbuffer_add(chunk.get(), response.body.data() + at,
                   std::min(kChunk, response.body.size() - at));
      evhttp_send_reply_chunk(req, chunk.get());
    }
    evhttp_send_reply_end(req);
  }

  static void onDelayed(evutil_socket_t, short, void* arg) {
    auto* pending = static_cast<Pending*>(arg);
    State* self = pending->state;
    evhttp_request* req = pending->req;
    FakeResponse response = std::move(pending->response);
    self->pending.remove_if([pending](const auto& p) { return p.get() == pending; });
    reply(req, response);
  }

  // The client went away (or the server is shutting down): its requests are being freed.
  static void onConnectionClosed(evhttp_connection* conn, void* arg) {
    auto* self = static_cast<State*>(arg);
    self->pending.remove_if([conn](const auto& p) { return p->conn == conn; });
  }

  static void onWake(evutil_socket_t, short, void* arg) {
    event_base_loopbreak(static_cast<State*>(arg)->base.get());
  }
};

FakeHttpServer::FakeHttpServer(Handler handler, Options options)
    : options_(options), handler_(std::move(handler)), state_(std::make_unique<State>()) {
  // A client that hangs up mid-reply must not kill the test process: libevent writes with
  // plain write(2), and OpenSSL through it.
  std::signal(SIGPIPE, SIG_IGN);
  State& s = *state_;
  s.server = this;
  s.base.reset(event_base_new());
  if (!s.base) throw std::runtime_error("FakeHttpServer: event_base_new failed");

  if (options_.tls) {
    EvpPkeyPtr ca_key = newKey();
    X509Ptr ca = newCert(ca_key.get(), "triggerd test CA", nullptr, nullptr, true);
    EvpPkeyPtr leaf_key = newKey();
    X509Ptr leaf = newCert(leaf_key.get(), "localhost", ca.get(), ca_key.get(), false);
    ca_pem_ = toPem(ca.get());
    s.ssl_ctx.reset(SSL_CTX_new(TLS_server_method()));
    if (!s.ssl_ctx || SSL_CTX_use_certificate(s.ssl_ctx.get(), leaf.get()) != 1 ||
        SSL_CTX_use_PrivateKey(s.ssl_ctx.get(), leaf_key.get()) != 1) {
      fail("SSL_CTX setup");
    }
  }

  s.http.reset(evhttp_new(s.base.get()));
  if (!s.http) throw std::runtime_error("FakeHttpServer: evhttp_new failed");
  evhttp_set_allowed_methods(s.http.get(), EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                               EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                               EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
  evhttp_set_gencb(s.http.get(), &State::onRequest, &s);
  evhttp_set_bevcb(s.http.get(), &State::makeBufferevent, &s);
  evhttp_bound_socket* bound = evhttp_bind_socket_with_handle(s.http.get(), "127.0.0.1", 0);
  if (bound == nullptr) throw std::runtime_error("FakeHttpServer: cannot bind 127.0.0.1:0");
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);

  if (pipe2(s.wake_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("FakeHttpServer: pipe2 failed");
  }
  s.wake.reset(event_new(s.base.get(), s.wake_fds[0], EV_READ, &State::onWake, &s));
  event_add(s.wake.get(), nullptr);

  thread_ = std::thread([base = s.base.get()] { event_base_dispatch(base); });
}

FakeHttpServer::~FakeHttpServer() {
  char byte = 1;
  if (write(state_->wake_fds[1], &byte, 1) != 1) {
    // The pipe cannot be full (one byte, once); nothing better to do than carry on.
  }
  if (thread_.joinable()) thread_.join();
  state_.reset();  // the server thread is gone: safe to free from here
}

std::string FakeHttpServer::url(const std::string& path_and_query) const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
         path_and_query;
}

void FakeHttpServer::setHandler(Handler handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t FakeHttpServer::requestCount() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

bool FakeHttpServer::waitForRequests(size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (requestCount() < n) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace triggerd::testing
