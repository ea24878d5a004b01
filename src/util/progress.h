// A progress bar for long work (training, batch refinement). Drawn on stderr only when stderr is a
// terminal and the CI environment variable is unset; otherwise every call is a no-op, so logs of
// piped or CI runs get no carriage-return spam. Redraws are throttled (at most ~10 per second).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace kinepose {

class ProgressBar {
 public:
  // total <= 0: unknown total (shows a count instead of a bar).
  ProgressBar(int64_t total, std::string label);
  ~ProgressBar();  // finishes if finish() was not called
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Sets the amount done so far (absolute, not an increment). Thread-safe.
  void update(int64_t done);
  // Adds `n` to the amount done. Thread-safe.
  void advance(int64_t n = 1);
  // Draws the final state and ends the line. Later calls do nothing.
  void finish();

  bool enabled() const { return enabled_; }
  // The rule used for `enabled`: stderr is a terminal and $CI is unset.
  static bool should_draw();

 private:
  void draw_locked(bool final);

  int64_t total_;
  std::string label_;
  bool enabled_;
  bool finished_ = false;
  int64_t done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
  std::mutex mutex_;
};

}  // namespace kinepose
