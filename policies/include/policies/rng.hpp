// The project's random numbers: xoshiro256** seeded through SplitMix64, with distributions written
// here from raw 64-bit draws (std:: distributions differ between standard libraries and would make
// runs irreproducible across machines).
#pragma once

#include <cmath>
#include <cstdint>

namespace chaoslab {

// SplitMix64 step (Steele, Lea, Flood 2014): used to expand seeds and to derive sub-seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A child seed that depends on (parent, index) only: run seeds from (base seed, run index), and
// component streams from (run seed, stream id), so adding a draw in one place moves no other.
constexpr std::uint64_t derive_seed(std::uint64_t parent, std::uint64_t index) {
  std::uint64_t s = parent ^ splitmix64(index);
  return splitmix64(s);
}

// Fixed stream ids of a run's components; clients use client_base + client index.
enum class Stream : std::uint64_t {
  backend = 1,
  network = 2,
  kubernetes = 3,
  chaos = 4,
  breaker = 5,
  client_base = 1000,
};

constexpr std::uint64_t stream_seed(std::uint64_t run_seed, Stream s, std::uint64_t offset = 0) {
  return derive_seed(run_seed, static_cast<std::uint64_t>(s) + offset);
}

// The draws are defined here, inline: the simulator makes several per request and a call into
// another translation unit cost more than the draw itself (callgrind, docs/performance.md).
// always_inline: left to itself GCC kept uniform_int out of line (about 40 instructions a call).
class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  [[gnu::always_inline]] std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform on [0, 1) with 53 random bits.
  [[gnu::always_inline]] double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // a + (b - a) * uniform01(), the formula tenacity and Python's random.uniform use.
  [[gnu::always_inline]] double uniform(double a, double b) { return a + (b - a) * uniform01(); }
  // Uniform integer on [lo, hi], both ends included, without modulo bias (Lemire).
  [[gnu::always_inline]] std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    // Unsigned arithmetic: hi - lo overflows int64 for ranges wider than 2^63.
    const std::uint64_t range =
        static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;  // 0 means all 2^64
    if (range == 0) return static_cast<std::int64_t>(next_u64());
    // Lemire's nearly divisionless method.
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * range;
    if (static_cast<std::uint64_t>(m) < range) [[unlikely]] reject(m, range);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) +
                                     static_cast<std::uint64_t>(m >> 64));
  }
  bool bernoulli(double p) { return uniform01() < p; }
  // 1 - u is in (0, 1], so the log is finite.
  double exponential(double mean) { return -mean * std::log(1.0 - uniform01()); }
  double normal(double mean, double stddev);
  double lognormal(double mu, double sigma);

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  // Lemire's rare rejection loop (the low word fell below the range): redraws into m.
  void reject(unsigned __int128& m, std::uint64_t range);

  std::uint64_t s_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace chaoslab
