#include "live/peer_watch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <charconv>
#include <filesystem>
#include <system_error>

namespace chaoslab::live {

namespace {

bool endpoint(const sockaddr_storage& ss, std::string* addr, int* port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    *port = ntohs(a.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
    *port = ntohs(a.sin6_port);
  } else {
    return false;
  }
  *addr = buf;
  return true;
}

}  // namespace

int find_connection_fd(int local_port, const std::string& remote_addr, int remote_port) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::string name = entry.path().filename().string();
    int fd = -1;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (err != std::errc{} || end != name.data() + name.size()) continue;
    sockaddr_storage local{}, peer{};
    socklen_t llen = sizeof local, plen = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
    std::string la, pa;
    int lp = 0, pp = 0;
    if (!endpoint(local, &la, &lp) || !endpoint(peer, &pa, &pp)) continue;
    if (lp == local_port && pp == remote_port && pa == remote_addr) return fd;
  }
  return -1;
}

bool wait_peer_closed(int fd, std::chrono::steady_clock::time_point deadline,
                      const std::function<bool()>& stop) {
  using namespace std::chrono;
  while (!stop()) {
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return false;
    if (fd < 0) {
      poll(nullptr, 0, static_cast<int>(std::min<long long>(left.count(), 50)));
      continue;
    }
    pollfd p{fd, POLLRDHUP, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 50)));
    if (n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) return true;
  }
  return false;
}

}  // namespace chaoslab::live
