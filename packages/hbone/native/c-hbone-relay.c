// A benchmark baseline, not part of the mesh: an HBONE relay in C (HTTP/2 CONNECT over mutual TLS 1.3, nghttp2 and
// OpenSSL), the data path a native HBONE engine would have, to set beside the Node proxies in the same run. One
// thread per connection, blocking sockets and poll(2); one CONNECT per TLS connection, no pool.
//   c-hbone-relay client ACCEPT SERVER TARGET CERTDIR   plain TCP in at ACCEPT, HBONE to SERVER, CONNECT TARGET
//   c-hbone-relay server ACCEPT TARGET CERTDIR          HBONE in at ACCEPT, plain TCP to TARGET
// ACCEPT, SERVER and TARGET are IPv4 HOST:PORT; CERTDIR holds client.{crt,key,ca} and server.{crt,key,ca}
// (@ambient/hbone/testing writeBenchCertificates). Peer certificates must chain to the CA file; SPIFFE IDs are not
// checked. Built by buildCHboneRelay() (c-hbone.ts): cc -O2 … -lssl -lcrypto -lnghttp2 -lpthread.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF (256 * 1024)

static void die(const char *what) {
  fprintf(stderr, "c-hbone-relay: %s: %s\n", what, strerror(errno));
  ERR_print_errors_fp(stderr);
  exit(1);
}

/** HOST:PORT (IPv4) into `sa`; exits naming the argument when it is not one. */
static void parse(const char *hp, struct sockaddr_in *sa) {
  char host[INET_ADDRSTRLEN];
  const char *colon = strrchr(hp, ':');
  char *end;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  size_t n = colon ? (size_t)(colon - hp) : 0;
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  if (colon && n > 0 && n < sizeof host && *end == 0 && end != colon + 1 && port > 0 && port < 65536) {
    memcpy(host, hp, n);
    host[n] = 0;
    sa->sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) == 1) return;
  }
  fprintf(stderr, "c-hbone-relay: \"%s\" is not an IPv4 HOST:PORT\n", hp);
  exit(2);
}

static void nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int dial(const char *hp) {
  struct sockaddr_in sa;
  parse(hp, &sa);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    perror("c-hbone-relay: connect");
    close(fd);
    return -1;
  }
  nodelay(fd);
  return fd;
}

struct conn {
  SSL *ssl;
  int tls_fd, plain_fd;
  nghttp2_session *h2;
  int32_t stream;
  unsigned char pending[BUF];
  size_t pending_len;
  int plain_eof, plain_ready, done, status_ok;
  const char *target;
};

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static ssize_t send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *u) {
  (void)s, (void)flags;
  struct conn *c = u;
  int w = SSL_write(c->ssl, data, (int)len);
  if (w <= 0) return NGHTTP2_ERR_CALLBACK_FAILURE;
  return w;
}

static int data_chunk_cb(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *u) {
  (void)s, (void)flags, (void)id;
  struct conn *c = u;
  if (c->plain_fd >= 0 && write_all(c->plain_fd, data, len) < 0) return NGHTTP2_ERR_CALLBACK_FAILURE;
  return 0;
}

static ssize_t read_cb(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags, nghttp2_data_source *src, void *u) {
  (void)s, (void)id, (void)src;
  struct conn *c = u;
  if (c->pending_len == 0) {
    if (c->plain_eof) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    return NGHTTP2_ERR_DEFERRED;
  }
  size_t n = c->pending_len < len ? c->pending_len : len;
  memcpy(buf, c->pending, n);
  memmove(c->pending, c->pending + n, c->pending_len - n);
  c->pending_len -= n;
  return (ssize_t)n;
}

static int stream_close_cb(nghttp2_session *s, int32_t id, uint32_t code, void *u) {
  (void)s, (void)id, (void)code;
  ((struct conn *)u)->done = 1;
  return 0;
}

static int header_cb(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *u) {
  (void)s, (void)f, (void)flags;
  struct conn *c = u;
  if (namelen == 7 && memcmp(name, ":status", 7) == 0) c->status_ok = valuelen == 3 && memcmp(value, "200", 3) == 0;
  return 0;
}

// Client: the CONNECT's 200 opens the plain side. Server: a CONNECT request dials the target and answers 200.
static int frame_recv_cb(nghttp2_session *s, const nghttp2_frame *f, void *u) {
  struct conn *c = u;
  if (f->hd.type == NGHTTP2_DATA && (f->hd.flags & NGHTTP2_FLAG_END_STREAM) && c->plain_fd >= 0) shutdown(c->plain_fd, SHUT_WR);
  if (f->hd.type != NGHTTP2_HEADERS || !(f->hd.flags & NGHTTP2_FLAG_END_HEADERS)) return 0;
  if (f->headers.cat == NGHTTP2_HCAT_RESPONSE) {
    c->plain_ready = c->status_ok;
  } else if (f->headers.cat == NGHTTP2_HCAT_REQUEST) {
    c->stream = f->hd.stream_id;
    c->plain_fd = dial(c->target);
    int up = c->plain_fd >= 0;
    c->plain_ready = up;
    nghttp2_nv nv[] = {{(uint8_t *)":status", (uint8_t *)(up ? "200" : "503"), 7, 3, NGHTTP2_NV_FLAG_NONE}};
    nghttp2_data_provider dp = {.read_callback = read_cb};
    nghttp2_submit_response(s, c->stream, nv, 1, up ? &dp : NULL);
  }
  return 0;
}

static SSL_CTX *context(const char *dir, const char *side, int server) {
  char path[512];
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  snprintf(path, sizeof path, "%s/%s.crt", dir, side);
  if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1) die(path);
  snprintf(path, sizeof path, "%s/%s.key", dir, side);
  if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1) die(path);
  snprintf(path, sizeof path, "%s/%s.ca", dir, side);
  if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1) die(path);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  return ctx;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned inlen, void *arg) {
  (void)ssl, (void)arg;
  for (unsigned i = 0; i < inlen; i += in[i] + 1u)
    if (in[i] == 2 && memcmp(in + i + 1, "h2", 2) == 0) {
      *out = in + i + 1;
      *outlen = 2;
      return SSL_TLSEXT_ERR_OK;
    }
  return SSL_TLSEXT_ERR_NOACK;
}

static void pump(struct conn *c) {
  unsigned char buf[BUF];
  nghttp2_session_send(c->h2);
  while (!c->done) {
    struct pollfd p[2] = {{c->tls_fd, POLLIN, 0}, {c->plain_fd, POLLIN, 0}};
    int watch_plain = c->plain_ready && !c->plain_eof && c->pending_len < BUF / 2;
    if (SSL_pending(c->ssl) == 0 && poll(p, watch_plain ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (SSL_pending(c->ssl) > 0 || (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      int n = SSL_read(c->ssl, buf, sizeof buf);
      if (n <= 0) break;
      if (nghttp2_session_mem_recv(c->h2, buf, (size_t)n) < 0) break;
    }
    if (watch_plain && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(c->plain_fd, c->pending + c->pending_len, BUF - c->pending_len);
      if (n <= 0) c->plain_eof = 1;
      else c->pending_len += (size_t)n;
      nghttp2_session_resume_data(c->h2, c->stream);
    }
    if (nghttp2_session_send(c->h2) != 0) break;
    if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2)) break;
  }
}

static int is_server;
static char **args;
static SSL_CTX *tls;
static nghttp2_session_callbacks *callbacks;

/** One connection, in its own thread: the handshake, the CONNECT, then bytes both ways until the stream closes. */
static void *serve(void *arg) {
  struct conn *c = calloc(1, sizeof *c);
  c->plain_fd = -1;
  if (is_server) {
    c->tls_fd = (int)(intptr_t)arg;
    c->target = args[3];
  } else {
    c->plain_fd = (int)(intptr_t)arg;
    c->tls_fd = dial(args[3]);
  }
  if (c->tls_fd >= 0) {
    c->ssl = SSL_new(tls);
    SSL_set_fd(c->ssl, c->tls_fd);
    if ((is_server ? SSL_accept(c->ssl) : SSL_connect(c->ssl)) == 1) {
      if (is_server) nghttp2_session_server_new(&c->h2, callbacks, c);
      else nghttp2_session_client_new(&c->h2, callbacks, c);
      nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4 << 20}, {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 1 << 20}};
      nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 2);
      nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, 16 << 20);
      if (!is_server) {
        const char *authority = args[4];
        nghttp2_nv nv[] = {{(uint8_t *)":method", (uint8_t *)"CONNECT", 7, 7, NGHTTP2_NV_FLAG_NONE},
                           {(uint8_t *)":authority", (uint8_t *)authority, 10, strlen(authority), NGHTTP2_NV_FLAG_NONE}};
        nghttp2_data_provider dp = {.read_callback = read_cb};
        c->stream = nghttp2_submit_request(c->h2, NULL, nv, 2, &dp, NULL);
      }
      pump(c);
      nghttp2_session_del(c->h2);
      SSL_shutdown(c->ssl);
    } else {
      ERR_print_errors_fp(stderr);
    }
    SSL_free(c->ssl);
    close(c->tls_fd);
  }
  if (c->plain_fd >= 0) close(c->plain_fd);
  free(c);
  return NULL;
}

int main(int argc, char **argv) {
  is_server = argc == 5 && strcmp(argv[1], "server") == 0;
  if (!is_server && !(argc == 6 && strcmp(argv[1], "client") == 0)) {
    fprintf(stderr, "usage: c-hbone-relay client ACCEPT SERVER TARGET CERTDIR | server ACCEPT TARGET CERTDIR\n");
    return 2;
  }
  args = argv;
  struct sockaddr_in sa;
  for (int i = 2; i < argc - 1; i++) parse(argv[i], &sa); // every address checked before listening
  signal(SIGPIPE, SIG_IGN);
  tls = context(is_server ? argv[4] : argv[5], is_server ? "server" : "client", is_server);
  if (is_server) SSL_CTX_set_alpn_select_cb(tls, alpn_select, NULL);
  else SSL_CTX_set_alpn_protos(tls, (const unsigned char *)"\x02h2", 3);
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_send_callback(callbacks, send_cb);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, data_chunk_cb);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, frame_recv_cb);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, header_cb);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, stream_close_cb);
  parse(argv[2], &sa);
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 128) < 0) die("listen");
  for (;;) {
    int fd = accept(l, NULL, NULL);
    if (fd < 0) continue;
    nodelay(fd);
    pthread_t t;
    if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) close(fd);
    else pthread_detach(t);
  }
}
