#include "util/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace kinepose {

bool ProgressBar::should_draw() {
  const char* ci = std::getenv("CI");
  return isatty(fileno(stderr)) != 0 && ci == nullptr;
}

ProgressBar::ProgressBar(int64_t total, std::string label)
    : total_(total), label_(std::move(label)), enabled_(should_draw()), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int64_t done) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw_locked(false);
}

void ProgressBar::advance(int64_t n) {
  if (!enabled_) return;
  int64_t done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done = done_ + n;
  }
  update(done);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (total_ > 0) done_ = std::max(done_, total_);
  draw_locked(true);
}

void ProgressBar::draw_locked(bool final) {
  drawn_ = true;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (total_ > 0) {
    const double frac = std::clamp(static_cast<double>(done_) / static_cast<double>(total_), 0.0, 1.0);
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(filled, '#');
    bar += std::string(kWidth - filled, '-');
    std::fprintf(stderr, "\r%s [%s] %3d%% %lld/%lld %.1fs", label_.c_str(), bar.c_str(),
                 static_cast<int>(frac * 100.0), static_cast<long long>(done_), static_cast<long long>(total_), secs);
  } else {
    std::fprintf(stderr, "\r%s %lld %.1fs", label_.c_str(), static_cast<long long>(done_), secs);
  }
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace kinepose
