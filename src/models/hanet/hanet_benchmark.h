// Speed and memory of HANet on this machine (`kinepose bench hanet`, bench/hanet_bench.cpp): per
// configuration the parameter count, inference throughput at batch 1 and at a large batch
// (windows/s, and refined frames/s = windows/s * N because refinement at the default stride N
// advances the sequence by N frames per window), training steps/s (forward + hanet_loss + backward
// + AdamW/amsgrad step, as `kinepose train`) and the peak resident memory while the configuration
// was measured. Models get a seeded random initialisation (speed does not depend on the weights).
// Torch-free interface so the CLI and the Google Benchmark program do not pay LibTorch's compile cost.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/hanet/hanet_config.h"

namespace kinepose::hanet {

struct HanetBenchmarkOptions {
  std::vector<std::string> configs = {"h36m_3d", "jhmdb_2d", "compact"};  // HanetConfig presets
  int threads = 0;        // intra-op threads; 0 = one per core
  double seconds = 1.5;   // time budget of each measurement (after one warm-up call); at least one call is timed
  int batch = 64;         // the large batch of the inference and training measurements
  uint64_t seed = 0;      // model initialisation and random windows
  bool train = true;      // measure training steps
  bool progress = false;  // one line per measurement on stderr

  void validate() const;  // Error("bench hanet", "<option>: ...")
};

struct HanetBenchmarkRow {
  std::string config;
  int64_t parameters = 0;
  int window = 0;     // L
  int stride = 0;     // N: frames a window advances refinement by, at the default stride
  int batch = 0;      // the large batch
  double windows_per_s_1 = 0, frames_per_s_1 = 0;  // batch 1
  double windows_per_s_b = 0, frames_per_s_b = 0;  // batch `batch`
  double train_steps_per_s = 0;                    // NaN when not measured (see note)
  double peak_rss_mib = 0;      // peak resident memory of the process while this config was measured
  double rss_increase_mib = 0;  // that peak minus the resident memory just before the model was built
  bool peak_is_per_config = true;  // false: the kernel's peak could not be reset, so this is the process peak so far
  double seconds = 0;           // wall time of this row
  std::string note;             // e.g. why training was skipped
};

struct HanetBenchmarkResult {
  int threads = 0;  // intra-op threads actually used
  int cores = 0;    // std::thread::hardware_concurrency()
  double load_average = -1;  // 1-minute load average before the run (/proc/loadavg), -1 = unknown;
                             // other busy processes make multi-threaded timings meaningless
  double seconds_per_measurement = 0;
  int batch = 0;
  std::vector<HanetBenchmarkRow> rows;
  double total_seconds = 0;
};

// Runs the benchmark for options.configs (preset names; an unknown one is an Error before any
// measurement). Sets LibTorch's intra-op thread count.
HanetBenchmarkResult run_hanet_benchmark(const HanetBenchmarkOptions& options);
// Measures one configuration (the name is only a label); does not change the thread count.
HanetBenchmarkRow benchmark_hanet_config(const std::string& name, const HanetConfig& config,
                                         const HanetBenchmarkOptions& options);

std::string hanet_benchmark_text(const HanetBenchmarkResult& r);
std::string hanet_benchmark_markdown(const HanetBenchmarkResult& r);
std::string hanet_benchmark_json(const HanetBenchmarkResult& r);

// One model with fixed random inputs, for timing loops (bench/hanet_bench.cpp and the function
// above). forward() runs one eval-mode, no-grad pass over `batch` windows; train_step() one
// training step on them (train mode, dropout on).
class HanetBenchRunner {
 public:
  HanetBenchRunner(const HanetConfig& config, int batch, uint64_t seed);
  ~HanetBenchRunner();
  HanetBenchRunner(const HanetBenchRunner&) = delete;
  HanetBenchRunner& operator=(const HanetBenchRunner&) = delete;

  void forward();
  void train_step();
  int64_t parameters() const;
  int batch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kinepose::hanet
