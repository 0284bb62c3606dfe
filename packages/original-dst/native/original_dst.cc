// The native calls transparent capture needs: getsockopt(SO_ORIGINAL_DST) on an accepted socket's fd, which
// returns the destination the client dialled before an iptables REDIRECT rewrote it, and a TCP socket bound with
// IP_TRANSPARENT to an address that is not this host's, to connect from as the original source (Linux only). Also
// TCP keepalive in full (idle, interval, probe count) and TCP_USER_TIMEOUT, which Node's setKeepAlive cannot set.
#include <napi.h>

#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

// Values from <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>; defined here because the ip6_tables
// header drags kernel-internal declarations into C++ translation units.
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif
// <linux/in.h>, Linux 4.2 and later; older C libraries do not define it.
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

// Failures come back as { errno, syscall, message } rather than as exceptions: ENOENT (no conntrack entry) is an
// ordinary answer, and a thrown error costs more than the two syscalls.
Napi::Value Failure(Napi::Env env, const char* syscall, int err) {
  Napi::Object failure = Napi::Object::New(env);
  failure.Set("errno", Napi::Number::New(env, err));
  failure.Set("syscall", Napi::String::New(env, syscall));
  failure.Set("message", Napi::String::New(env, std::strerror(err)));
  return failure;
}

// A JavaScript number as a setsockopt int; false for a fraction or a value outside int's range, which the caller
// answers with EINVAL as the kernel does for values outside an option's own range.
bool ToInt(const Napi::Value& value, int* out) {
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::trunc(number) != number || number < INT_MIN || number > INT_MAX) return false;
  *out = static_cast<int>(number);
  return true;
}

Napi::Object Describe(Napi::Env env, const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {0};
  Napi::Object result = Napi::Object::New(env);
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    result.Set("port", Napi::Number::New(env, ntohs(in6->sin6_port)));
    result.Set("family", Napi::Number::New(env, 6));
  } else {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text);
    result.Set("port", Napi::Number::New(env, ntohs(in4->sin_port)));
    result.Set("family", Napi::Number::New(env, 4));
  }
  result.Set("address", Napi::String::New(env, text));
  return result;
}

// The one descriptor argument of `name(fd)`: false, with a TypeError thrown to JavaScript, when it is not a number.
bool FdArgument(const Napi::CallbackInfo& info, const char* name, int* fd) {
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string(name) + "(fd): fd must be a number").ThrowAsJavaScriptException();
    return false;
  }
  *fd = info[0].As<Napi::Number>().Int32Value();
  return true;
}

// originalDst(fd) -> { address, port, family } or { errno, syscall, message } when the kernel refuses.
Napi::Value OriginalDst(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!FdArgument(info, "originalDst", &fd)) return env.Undefined();

  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return Failure(env, "getsockname", errno);

  // An IPv4 client on a dual-stack listener shows up as ::ffff:a.b.c.d; its conntrack entry is an IPv4 one.
  bool ipv6 = local.ss_family == AF_INET6 &&
              !IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6*>(&local)->sin6_addr);
  sockaddr_storage original{};
  length = sizeof original;
  int rc = ipv6 ? getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &original, &length)
                : getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &original, &length);
  if (rc != 0) return Failure(env, "getsockopt(SO_ORIGINAL_DST)", errno);
  return Describe(env, original);
}

// transparentSocket(ip) -> fd of a non-blocking TCP socket bound to ip with IP_TRANSPARENT (IPV6_TRANSPARENT) and its
// port left to connect() (IP_BIND_ADDRESS_NO_PORT), not connected; or { errno, syscall, message } (EPERM without
// CAP_NET_ADMIN, EINVAL for a malformed address).
Napi::Value TransparentSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "transparentSocket(ip): ip must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string ip = info[0].As<Napi::String>().Utf8Value();
  sockaddr_storage addr{};
  socklen_t length = 0;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, ip.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    length = sizeof(sockaddr_in6);
  } else {
    return Failure(env, "inet_pton", EINVAL);
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Failure(env, "socket", errno);
  int one = 1;
  int rc = addr.ss_family == AF_INET6 ? setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one)
                                      : setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one);
  if (rc != 0) {
    int err = errno;
    close(fd);
    return Failure(env, "setsockopt(IP_TRANSPARENT)", err);
  }
  // The port is left to connect(), which only needs the 4-tuple to be free: bind(ip, 0) would search for a port no
  // other socket on ip holds, TIME_WAIT ones included, and a busy proxy leaves thousands of those on a borrowed ip.
  if (setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return Failure(env, "setsockopt(IP_BIND_ADDRESS_NO_PORT)", err);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), length) != 0) {
    int err = errno;
    close(fd);
    return Failure(env, "bind", err);
  }
  return Napi::Number::New(env, fd);
}

// setTcpKeepalive(fd, enabled, idleSeconds, intervalSeconds, count, userTimeoutMs) -> undefined, or
// { errno, syscall, message } from the first setsockopt the kernel refuses (EINVAL for a value out of its range).
// With enabled false only SO_KEEPALIVE is cleared; userTimeoutMs < 0 leaves TCP_USER_TIMEOUT as it is.
Napi::Value SetTcpKeepalive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6 || !info[0].IsNumber() || !info[1].IsBoolean() || !info[2].IsNumber() || !info[3].IsNumber() ||
      !info[4].IsNumber() || !info[5].IsNumber()) {
    Napi::TypeError::New(env, "setTcpKeepalive(fd, enabled, idleSeconds, intervalSeconds, count, userTimeoutMs): wrong argument types")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  int enabled = info[1].As<Napi::Boolean>().Value() ? 1 : 0;
  struct Option {
    int level;
    int name;
    int argument;
    const char* syscall;
  };
  const Option options[] = {
      {IPPROTO_TCP, TCP_KEEPIDLE, 2, "setsockopt(TCP_KEEPIDLE)"},
      {IPPROTO_TCP, TCP_KEEPINTVL, 3, "setsockopt(TCP_KEEPINTVL)"},
      {IPPROTO_TCP, TCP_KEEPCNT, 4, "setsockopt(TCP_KEEPCNT)"},
      {IPPROTO_TCP, TCP_USER_TIMEOUT, 5, "setsockopt(TCP_USER_TIMEOUT)"},
  };
  int values[4] = {0};
  for (int i = 0; i < 4; i++) {
    if (!ToInt(info[options[i].argument], &values[i])) return Failure(env, options[i].syscall, EINVAL);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &enabled, sizeof enabled) != 0) return Failure(env, "setsockopt(SO_KEEPALIVE)", errno);
  // Disabled: the probe settings are left alone (they only matter with SO_KEEPALIVE on); a negative user timeout
  // leaves TCP_USER_TIMEOUT alone.
  for (int i = 0; i < 4; i++) {
    bool probe = options[i].name != TCP_USER_TIMEOUT;
    if ((probe && !enabled) || (!probe && values[i] < 0)) continue;
    if (setsockopt(fd, options[i].level, options[i].name, &values[i], sizeof values[i]) != 0) return Failure(env, options[i].syscall, errno);
  }
  return env.Undefined();
}

// getTcpKeepalive(fd) -> { enabled, idleSeconds, intervalSeconds, count, userTimeoutMs } as the kernel holds them, or
// { errno, syscall, message }.
Napi::Value GetTcpKeepalive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!FdArgument(info, "getTcpKeepalive", &fd)) return env.Undefined();
  struct Option {
    int level;
    int name;
    const char* key;
    const char* syscall;
  };
  const Option options[] = {
      {SOL_SOCKET, SO_KEEPALIVE, "enabled", "getsockopt(SO_KEEPALIVE)"},
      {IPPROTO_TCP, TCP_KEEPIDLE, "idleSeconds", "getsockopt(TCP_KEEPIDLE)"},
      {IPPROTO_TCP, TCP_KEEPINTVL, "intervalSeconds", "getsockopt(TCP_KEEPINTVL)"},
      {IPPROTO_TCP, TCP_KEEPCNT, "count", "getsockopt(TCP_KEEPCNT)"},
      {IPPROTO_TCP, TCP_USER_TIMEOUT, "userTimeoutMs", "getsockopt(TCP_USER_TIMEOUT)"},
  };
  Napi::Object result = Napi::Object::New(env);
  for (const Option& o : options) {
    int value = 0;
    socklen_t length = sizeof value;
    if (getsockopt(fd, o.level, o.name, &value, &length) != 0) return Failure(env, o.syscall, errno);
    if (o.name == SO_KEEPALIVE) result.Set(o.key, Napi::Boolean::New(env, value != 0));
    else result.Set(o.key, Napi::Number::New(env, static_cast<unsigned int>(value)));
  }
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("originalDst", Napi::Function::New(env, OriginalDst, "originalDst"));
  exports.Set("transparentSocket", Napi::Function::New(env, TransparentSocket, "transparentSocket"));
  exports.Set("setTcpKeepalive", Napi::Function::New(env, SetTcpKeepalive, "setTcpKeepalive"));
  exports.Set("getTcpKeepalive", Napi::Function::New(env, GetTcpKeepalive, "getTcpKeepalive"));
  return exports;
}

}  // namespace

NODE_API_MODULE(original_dst, Init)
