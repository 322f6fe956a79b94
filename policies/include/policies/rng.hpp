// The project's random numbers: xoshiro256** seeded through SplitMix64, with distributions written
// here from raw 64-bit draws (std:: distributions differ between standard libraries and would make
// runs irreproducible across machines).
#pragma once

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

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform on [0, 1) with 53 random bits.
  double uniform01();
  // a + (b - a) * uniform01(), the formula tenacity and Python's random.uniform use.
  double uniform(double a, double b);
  // Uniform integer on [lo, hi], both ends included, without modulo bias (Lemire).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  bool bernoulli(double p);
  double exponential(double mean);
  double normal(double mean, double stddev);
  double lognormal(double mu, double sigma);

 private:
  std::uint64_t s_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace chaoslab
