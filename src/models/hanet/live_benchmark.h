// `kinepose bench live` (issue #7): speed of the live and fast HANet paths on this machine.
//   - live: per-frame latency (median and 99th percentile) of StreamRefiner::push_many at latency
//     K in {0, 2, 5} with 1 and 8 concurrent tracks (one batched forward per frame for all tracks),
//     next to the streaming One-Euro filter (make_stream_filter("one_euro")) on the same input;
//   - offline: refined frames/s (windows/s x N, the default stride) of the fast path and of the
//     reference forward, per configuration (compact and the published h36m_3d / jhmdb_2d), batch 1
//     and 64, memory_mask additive and masked; "skip" = masked fast / additive fast, the speed-up of
//     skipping unseen-frame encoder tokens.
// Models are random (speed does not depend on the weights) unless a weights file is given for the
// live rows. Torch-free interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kinepose::hanet {

struct LiveBenchmarkOptions {
  std::string model;                 // live rows: weights file; "" = random `live_config` model
  std::string live_config = "compact";  // preset of the random live model (memory_mask masked, person_box)
  std::vector<int> latencies = {0, 2, 5};
  std::vector<int> tracks = {1, 8};
  int frames = 300;                  // frames per track and live row (after `warmup` frames)
  int warmup = 20;
  std::vector<std::string> configs = {"compact", "h36m_3d", "jhmdb_2d"};  // offline rows
  std::vector<int> batches = {1, 64};
  double seconds = 0.5;              // time budget of each offline measurement (at least one call)
  int threads = 1;                   // intra-op threads (0 = one per core)
  uint64_t seed = 0;
  bool live = true, offline = true;
  bool progress = false;             // one line per measurement on stderr

  void validate() const;  // Error("bench live", "<option>: ...")
};

struct LiveLatencyRow {
  int latency = 0, tracks = 0, frames = 0;
  double median_ms = 0, p99_ms = 0;                    // HANet live: one push_many (all tracks) per frame
  // The same in CPU time of the calling thread (meaningful with 1 intra-op thread; robust to other
  // processes competing for the cores, which inflate wall-clock percentiles on a shared machine).
  double cpu_median_ms = 0, cpu_p99_ms = 0;
  double one_euro_median_ms = 0, one_euro_p99_ms = 0;  // One-Euro: every track's push for that frame
};

struct OfflineSpeedRow {
  std::string config, memory_mask;
  int64_t parameters = 0;
  int window = 0, stride = 0, batch = 0;
  double reference_frames_per_s = 0, fast_frames_per_s = 0;
  double speedup = 0;  // fast / reference
  double skip_speedup = 0;  // masked rows: fast masked / fast additive at the same batch (0 = not measured)
  double max_abs_diff = 0;  // fast vs reference on the timed input
};

struct LiveBenchmarkResult {
  int threads = 0, cores = 0;
  double load_average = -1;
  std::string live_model;  // file or "random <preset>"
  int live_window = 0;
  std::vector<LiveLatencyRow> live;
  std::vector<OfflineSpeedRow> offline;
  double total_seconds = 0;
};

LiveBenchmarkResult run_live_benchmark(const LiveBenchmarkOptions& options);
std::string live_benchmark_text(const LiveBenchmarkResult& r);
std::string live_benchmark_markdown(const LiveBenchmarkResult& r);
std::string live_benchmark_json(const LiveBenchmarkResult& r);

}  // namespace kinepose::hanet
