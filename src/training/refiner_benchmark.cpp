// `kinepose bench refiners`: filter rows + learned rows on the same test sequences (see
// refiner_benchmark.h).
#include "training/refiner_benchmark.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "kinepose/error.h"
#include "models/hanet/hanet_refiner.h"
#include "models/hanet/hanet_stream.h"
#include "util/progress.h"

namespace kinepose {

namespace {

using Clock = std::chrono::steady_clock;

int64_t frames_of(const Tracks& t) {
  int64_t n = 0;
  for (const auto& s : t) n += s.frames;
  return n;
}

std::string arch_label(const std::string& arch) {
  if (arch == "hanet") return "HANet";
  if (arch == "smoothnet") return "SmoothNet";
  if (arch == "deciwatch") return "DeciWatch";
  return arch;
}

}  // namespace

FilterBenchmarkResult run_refiner_benchmark(const RefinerBenchmarkOptions& options) {
  const auto start = Clock::now();
  // Load every model first: a bad weights file fails before minutes of filter tuning.
  std::vector<std::unique_ptr<hanet::HanetRefiner>> refiners;
  for (const std::string& path : options.models) {
    refiners.push_back(std::make_unique<hanet::HanetRefiner>(path));
    const HanetConfig& c = refiners.back()->config();
    if (c.dims != 2 || c.skeleton != "mpii16")
      throw Error(path, fmt::format("the benchmark refines 2D mpii16 detections; this model expects {}D {}", c.dims,
                                    c.skeleton.empty() ? "(any skeleton)" : c.skeleton));
  }

  FilterBenchmarkResult res;
  const FilterBenchmarkOptions& o = options.filters;
  Tracks test_pred, test_gt;
  load_h36m_pairs(o, o.test_subjects, test_pred, test_gt);
  for (auto& s : test_pred) s.fps = o.fps;
  if (options.skip_filters) {
    res.options = o;
    res.threads = 1;
    res.test_sequences = static_cast<int>(test_pred.size());
    res.test_frames = frames_of(test_pred);
    res.rows.push_back(score_row("raw", "raw", FilterParams{}, test_pred, test_gt, o.pck_alphas));
  } else {
    res = run_filter_benchmark(o);
  }

  const int threads = hanet::set_threads(options.model_threads);
  for (size_t m = 0; m < refiners.size(); ++m) {
    const HanetConfig& c = refiners[m]->config();
    std::unique_ptr<ProgressBar> bar;
    if (o.progress)
      bar = std::make_unique<ProgressBar>(static_cast<int64_t>(test_pred.size()), arch_label(c.arch));
    Tracks pred;
    pred.reserve(test_pred.size());
    hanet::RefineOptions ro;
    ro.stride = options.stride;
    const int stride = ro.stride > 0 ? ro.stride : c.default_stride();
    const bool live = c.live_latency >= 0;
    const auto t0 = Clock::now();
    if (live) {  // live models run through the streaming path they ship for, one sequence at a time
      hanet::StreamOptions so;
      so.latency = c.live_latency;
      hanet::StreamRefiner stream(options.models[m], so);
      for (size_t i = 0; i < test_pred.size(); ++i) {
        pred.push_back(hanet::stream_refine_tracks(stream, {test_pred[i]}).front());
        if (bar) bar->update(static_cast<int64_t>(i + 1));
      }
    } else {
      for (size_t i = 0; i < test_pred.size(); ++i) {
        pred.push_back(refiners[m]->refine(test_pred[i], ro, nullptr, options.models[m] + " on " + test_pred[i].name));
        if (bar) bar->update(static_cast<int64_t>(i + 1));
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (bar) bar->finish();
    FilterBenchmarkRow row = score_row("raw", "learned", FilterParams{}, pred, test_gt, o.pck_alphas);
    row.filter = arch_label(c.arch);
    row.variant = live ? "live" : "learned";
    const std::string name = std::filesystem::path(options.models[m]).filename().string();
    if (live)
      row.setting = fmt::format("{} (L={}, N={}, latency K={})", name, c.window(), c.sample_interval, c.live_latency);
    else
      row.setting = fmt::format("{} (L={}, N={}, stride {}{})", name, c.window(), c.sample_interval, stride,
                                c.post_sigma > 0 ? fmt::format(", + Gaussian σ={:g}", c.post_sigma) : "");
    row.frames_per_second = seconds > 0 ? static_cast<double>(row.frames) / seconds : NAN;
    res.rows.push_back(row);
  }
  if (!refiners.empty())
    res.notes.push_back(fmt::format("learned rows: `kinepose refine` path (windows batched, LibTorch CPU; live rows: "
                                    "`refine --live`, frame by frame, K frames of look-ahead); "
                                    "frames/s with {} thread(s), filters' frames/s on one core",
                                    threads));
  res.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return res;
}

}  // namespace kinepose
