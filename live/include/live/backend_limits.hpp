// The backend's HTTP limits (live/backend.hpp): what one client may cost it. Stated here so the
// tests and docs/reliability.md can refer to them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chaoslab::live {

// The request head (request line and header fields): beyond these, 414 (a request line this long)
// or 431, and the connection is closed.
inline constexpr std::size_t kHeaderLimitBytes = 16 * 1024;
inline constexpr std::size_t kMaxHeaderFields = 100;
// Request bodies (only POST /admin/faults takes one): beyond it, 413. Chunked bodies: 411.
inline constexpr std::uint64_t kBodyLimitBytes = 64 * 1024;

// Deadlines: the whole head of a connection's first request (a kept-alive connection waits for
// the next head no longer than the keep-alive timeout), the whole body, and writing an answer.
// A client that misses one is disconnected without an answer.
inline constexpr std::chrono::seconds kHeadTimeout{5};
inline constexpr std::chrono::seconds kBodyTimeout{5};
inline constexpr std::chrono::seconds kWriteTimeout{5};

// After an answer that ends the connection, what the client still sends is read and dropped for
// at most this long and this much, so the answer is not lost to a reset.
inline constexpr std::chrono::seconds kLingerTime{1};
inline constexpr std::size_t kLingerBytes = 1 << 20;
inline constexpr std::size_t kScratchBytes = 4096;

// Accepting: the listen backlog absorbs bursts; out of descriptors, accept again after a pause.
inline constexpr int kListenBacklog = 4096;
inline constexpr std::chrono::milliseconds kAcceptRetry{50};
// Descriptors kept for everything that is not a client connection (listeners, files, pipes).
inline constexpr long kReservedDescriptors = 64;

}  // namespace chaoslab::live
