// A small seeded random source with platform-independent output: std::mt19937_64 is fully specified
// by the standard, but std::*_distribution are not, so uniform/normal are derived here by hand.
// Every synthetic generator takes its seed through this, so a seed means the same data everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace kinepose {

class SeededRandom {
 public:
  // `stream` separates generators that share a user seed (motion vs noise) so they do not correlate.
  explicit SeededRandom(uint64_t seed, uint64_t stream = 0)
      : engine_(mix(seed) ^ mix(stream + 0x5851F42D4C957F2Dull)) {}

  // [0, 1)
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Integer in [lo, hi], inclusive.
  int integer(int lo, int hi) {
    return lo + static_cast<int>(uniform() * static_cast<double>(hi - lo + 1));
  }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller; the spare value is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 0.0;
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * 3.14159265358979323846 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  // splitmix64 finaliser: nearby seeds (0, 1, 2, ...) give unrelated engine states.
  static uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  }

  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace kinepose
