// The 3D protocol table of issue #6 behind `kinepose bench lifting` (docs/benchmarks.md): Human3.6M
// Stacked-Hourglass detections -> each lifter (FCN per frame, DG-Net) -> root-relative camera-frame
// 3D, scored against the ground truth on the test subjects (MPJPE, PA-MPJPE, acceleration error);
// then the first lifter's output through the classic filters (each tuned on the lifter's output on
// the tuning subjects) and through every 3D refiner given (HANet, SmoothNet, DeciWatch weights
// trained on lifted outputs); HANet refiners run on the other lifters' outputs too. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kinepose {

struct LiftingBenchmarkOptions {
  std::string data = "../shared/data/h36m_sh";
  std::vector<std::string> test_subjects{"S9"}, tune_subjects{"S8"};
  std::vector<std::string> cameras, actions;  // empty = all
  std::vector<std::string> lifters;           // weights, a row each; the first one feeds the filter rows
  // 3D h36m17 weights: a row each on the first lifter's output; HANet models also get a row on
  // every other lifter's output (the protocol table's "DG-Net + HANet").
  std::vector<std::string> refiners;
  std::vector<std::string> filters{"one_euro", "savgol", "gaussian"};
  bool flip_rows = false;                     // also a row per lifter with the other test-time flip setting
  int threads = 0;                            // LibTorch threads and filter workers (0 = one per core)
  bool progress = true;
};

struct LiftingBenchmarkRow {
  std::string pipeline;  // "FCN", "FCN + gaussian (tuned)", "FCN + HANet", ...
  std::string setting;   // weights file / filter setting
  double mpjpe = 0, pa_mpjpe = 0, accel = 0;  // mm, mm, mm/frame^2
  double frames_per_second = 0;               // of the row's last step (lifting, filtering or refining)
};

struct LiftingBenchmarkResult {
  std::vector<LiftingBenchmarkRow> rows;
  int64_t test_sequences = 0, test_frames = 0, tune_frames = 0;
  int threads = 0;
  std::vector<std::string> notes;
};

// Throws Error naming the file for unreadable weights, a refiner that is not h36m17 3D, or data
// that does not match the lifters.
LiftingBenchmarkResult run_lifting_benchmark(const LiftingBenchmarkOptions& options);
std::string lifting_benchmark_markdown(const LiftingBenchmarkResult& result, const LiftingBenchmarkOptions& options);
std::string lifting_benchmark_json(const LiftingBenchmarkResult& result);

}  // namespace kinepose
