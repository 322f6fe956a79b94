// Holding a request without ever answering it (the partition fault) needs to know when the client
// gave up. httplib does not expose the connection's socket to handlers, so it is found by its
// addresses among this process's descriptors (only while a partition is active).
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace chaoslab::live {

// The descriptor of the accepted TCP connection local_port <-> remote_addr:remote_port, or -1.
int find_connection_fd(int local_port, const std::string& remote_addr, int remote_port);

// Waits until the peer closed its side of `fd`, `deadline` passed, or `stop()` is true (checked
// every 50 ms). Returns true when the peer closed.
bool wait_peer_closed(int fd, std::chrono::steady_clock::time_point deadline,
                      const std::function<bool()>& stop);

}  // namespace chaoslab::live
