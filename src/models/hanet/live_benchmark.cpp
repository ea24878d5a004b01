// `kinepose bench live` (see live_benchmark.h).
#include "models/hanet/live_benchmark.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "kinepose/error.h"
#include "kinepose/filters.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_fast.h"
#include "models/hanet/hanet_refiner.h"
#include "models/hanet/hanet_stream.h"
#include "models/hanet/hanet_weights.h"

namespace kinepose::hanet {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())) - 1));
  return v[i];
}

Hanet random_model(const HanetConfig& c, uint64_t seed) {
  at::manual_seed(seed);
  Hanet m(c);
  m->eval();
  return m;
}

// Detector-like 2D/3D input: a drifting pose with jitter, in pixels (frames x joints*dims).
std::vector<float> synthetic_track(int frames, int joints, int dims, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.f, 1.f);
  std::vector<float> base(static_cast<size_t>(joints * dims));
  for (auto& b : base) b = 300.f + 60.f * n(rng);
  std::vector<float> out(static_cast<size_t>(frames) * base.size());
  for (int t = 0; t < frames; ++t)
    for (size_t k = 0; k < base.size(); ++k)
      out[t * base.size() + k] = base[k] + 2.f * t * (k % static_cast<size_t>(dims) == 0) + 3.f * n(rng);
  return out;
}

LiveLatencyRow live_row(const std::shared_ptr<HanetImpl>& model, int latency, int tracks,
                        const LiveBenchmarkOptions& o) {
  const HanetConfig& c = model->config();
  const int J = c.joints, D = c.dims, C = J * D, T = o.warmup + o.frames;
  std::vector<std::vector<float>> input;
  for (int k = 0; k < tracks; ++k) input.push_back(synthetic_track(T, J, D, o.seed + 100 + k));
  StreamOptions so;
  so.latency = latency;
  StreamRefiner live(model, so);
  FilterParams fp;
  fp.fps = 30;
  std::vector<std::unique_ptr<StreamFilter>> euro;
  for (int k = 0; k < tracks; ++k) euro.push_back(make_stream_filter("one_euro", fp, J, D));
  std::vector<double> t_live, t_euro, cpu_live;
  std::vector<StreamInput> batch(static_cast<size_t>(tracks));
  std::vector<float> out(static_cast<size_t>(C));
  for (int f = 0; f < T; ++f) {
    for (int k = 0; k < tracks; ++k) batch[k] = StreamInput{k, f, input[k].data() + static_cast<size_t>(f) * C};
    const double c0 = thread_cpu_ms();
    auto t0 = Clock::now();
    const auto res = live.push_many(batch);
    const double a = ms_since(t0);
    const double cpu = thread_cpu_ms() - c0;
    t0 = Clock::now();
    for (int k = 0; k < tracks; ++k) euro[k]->push(f / 30.0, input[k].data() + static_cast<size_t>(f) * C, nullptr, out.data());
    const double b = ms_since(t0);
    if (f >= o.warmup) {
      t_live.push_back(a);
      cpu_live.push_back(cpu);
      t_euro.push_back(b);
    }
    (void)res;
  }
  LiveLatencyRow r;
  r.latency = latency;
  r.tracks = tracks;
  r.frames = o.frames;
  r.median_ms = percentile(t_live, 0.5);
  r.p99_ms = percentile(t_live, 0.99);
  r.cpu_median_ms = percentile(cpu_live, 0.5);
  r.cpu_p99_ms = percentile(cpu_live, 0.99);
  r.one_euro_median_ms = percentile(t_euro, 0.5);
  r.one_euro_p99_ms = percentile(t_euro, 0.99);
  return r;
}

// Calls per second of f within `seconds` (after one warm-up call; at least one timed call).
template <class F>
double rate(F&& f, double seconds) {
  f();
  int n = 0;
  const auto t0 = Clock::now();
  double el = 0;
  do {
    f();
    ++n;
    el = ms_since(t0) / 1000.0;
  } while (el < seconds);
  return n / el;
}

}  // namespace

void LiveBenchmarkOptions::validate() const {
  auto fail = [](const std::string& what) { throw Error("bench live", what); };
  for (int k : latencies)
    if (k < 0) fail(fmt::format("--latencies: {} is negative", k));
  for (int t : tracks)
    if (t < 1) fail(fmt::format("--tracks: {} is not >= 1", t));
  for (int b : batches)
    if (b < 1) fail(fmt::format("--batches: {} is not >= 1", b));
  if (frames < 1) fail("--frames: must be >= 1");
  if (warmup < 0) fail("--warmup: must be >= 0");
  if (!(seconds > 0)) fail("--seconds: must be > 0");
  for (const std::string& c : configs) (void)HanetConfig::preset(c);
  (void)HanetConfig::preset(live_config);
}

LiveBenchmarkResult run_live_benchmark(const LiveBenchmarkOptions& o) {
  o.validate();
  const auto start = Clock::now();
  LiveBenchmarkResult r;
  r.cores = static_cast<int>(std::thread::hardware_concurrency());
  {
    std::ifstream in("/proc/loadavg");
    double load = -1;
    if (in >> load) r.load_average = load;
  }
  set_threads(o.threads);
  r.threads = at::get_num_threads();

  if (o.live) {
    std::shared_ptr<HanetImpl> model;
    if (!o.model.empty()) {
      model = load_hanet(o.model).ptr();
      r.live_model = o.model;
    } else {
      HanetConfig c = HanetConfig::preset(o.live_config);
      c.memory_mask = "masked";
      c.input_normalization = "person_box";
      model = random_model(c, o.seed).ptr();
      r.live_model = "random " + o.live_config + " (masked, person_box)";
    }
    r.live_window = model->config().window();
    for (int k : o.latencies) {
      if (k > r.live_window - 1) continue;
      for (int t : o.tracks) {
        r.live.push_back(live_row(model, k, t, o));
        if (o.progress)
          std::cerr << fmt::format("live K={} tracks={}: median {:.3f} ms, p99 {:.3f} ms\n", k, t, r.live.back().median_ms,
                                   r.live.back().p99_ms);
      }
    }
  }

  if (o.offline) {
    for (const std::string& name : o.configs) {
      std::map<int, double> additive_fast;  // batch -> frames/s
      for (const char* mask : {"additive", "masked"}) {
        HanetConfig c = HanetConfig::preset(name);
        c.memory_mask = mask;
        Hanet model = random_model(c, o.seed);
        FastHanet fast(model);
        int64_t params = 0;
        for (const auto& p : model->parameters()) params += p.numel();
        for (int b : o.batches) {
          at::manual_seed(o.seed + 1);
          const at::Tensor x = at::randn({b, c.window(), c.input_dim()});
          OfflineSpeedRow row;
          row.config = name;
          row.memory_mask = mask;
          row.parameters = params;
          row.window = c.window();
          row.stride = c.sample_interval;
          row.batch = b;
          at::Tensor ref_out;
          const double ref_rate = rate(
              [&] {
                torch::NoGradGuard g;
                ref_out = model->forward(x).final_out;
              },
              o.seconds);
          at::Tensor fast_out;
          const double fast_rate = rate([&] { fast_out = fast.forward(x); }, o.seconds);
          {
            c10::InferenceMode g;
            row.max_abs_diff = (fast_out - ref_out).abs().max().item<double>();
          }
          row.reference_frames_per_s = ref_rate * b * c.sample_interval;
          row.fast_frames_per_s = fast_rate * b * c.sample_interval;
          row.speedup = row.fast_frames_per_s / row.reference_frames_per_s;
          if (std::string(mask) == "additive") additive_fast[b] = row.fast_frames_per_s;
          else if (additive_fast.count(b)) row.skip_speedup = row.fast_frames_per_s / additive_fast[b];
          if (o.progress)
            std::cerr << fmt::format("{} {} batch {}: reference {:.0f} frames/s, fast {:.0f} frames/s\n", name, mask, b,
                                     row.reference_frames_per_s, row.fast_frames_per_s);
          r.offline.push_back(row);
        }
      }
    }
  }
  r.total_seconds = ms_since(start) / 1000.0;
  return r;
}

namespace {

std::string header(const LiveBenchmarkResult& r) {
  return fmt::format("{} intra-op thread(s), {} cores{}", r.threads, r.cores,
                     r.load_average >= 0 ? fmt::format(", load average {:.2f} before the run", r.load_average) : "");
}

std::vector<std::vector<std::string>> live_table(const LiveBenchmarkResult& r) {
  std::vector<std::vector<std::string>> t{{"K", "tracks", "HANet median ms", "HANet p99 ms", "per track p99 ms",
                                           "CPU median ms", "CPU p99 ms", "One-Euro median ms", "One-Euro p99 ms"}};
  for (const auto& w : r.live)
    t.push_back({std::to_string(w.latency), std::to_string(w.tracks), fmt::format("{:.3f}", w.median_ms),
                 fmt::format("{:.3f}", w.p99_ms), fmt::format("{:.3f}", w.p99_ms / w.tracks),
                 fmt::format("{:.3f}", w.cpu_median_ms), fmt::format("{:.3f}", w.cpu_p99_ms),
                 fmt::format("{:.4f}", w.one_euro_median_ms), fmt::format("{:.4f}", w.one_euro_p99_ms)});
  return t;
}

std::vector<std::vector<std::string>> offline_table(const LiveBenchmarkResult& r) {
  std::vector<std::vector<std::string>> t{{"config", "memory_mask", "params", "L", "N", "batch", "reference frames/s",
                                           "fast frames/s", "fast/reference", "skip (masked/additive)", "max |diff|"}};
  for (const auto& w : r.offline)
    t.push_back({w.config, w.memory_mask, fmt::format("{:.2f} M", w.parameters / 1e6), std::to_string(w.window),
                 std::to_string(w.stride), std::to_string(w.batch), fmt::format("{:.0f}", w.reference_frames_per_s),
                 fmt::format("{:.0f}", w.fast_frames_per_s), fmt::format("{:.2f}x", w.speedup),
                 w.skip_speedup > 0 ? fmt::format("{:.2f}x", w.skip_speedup) : "", fmt::format("{:.1e}", w.max_abs_diff)});
  return t;
}

std::string text_table(const std::vector<std::vector<std::string>>& t) {
  std::vector<size_t> width(t[0].size(), 0);
  for (const auto& row : t)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string s;
  for (const auto& row : t) {
    for (size_t c = 0; c < row.size(); ++c) s += (c ? "  " : "") + fmt::format("{:>{}}", row[c], width[c]);
    s += "\n";
  }
  return s;
}

std::string md_table(const std::vector<std::vector<std::string>>& t) {
  std::string s;
  for (size_t i = 0; i < t.size(); ++i) {
    s += "| " + fmt::format("{}", fmt::join(t[i], " | ")) + " |\n";
    if (i == 0) {
      s += "|";
      for (size_t c = 0; c < t[0].size(); ++c) s += "---|";
      s += "\n";
    }
  }
  return s;
}

}  // namespace

std::string live_benchmark_text(const LiveBenchmarkResult& r) {
  std::string s = header(r) + "\n";
  if (!r.live.empty())
    s += fmt::format("\nlive path ({}, window {}): latency per frame, all tracks in one batched forward\n", r.live_model,
                     r.live_window) +
         text_table(live_table(r));
  if (!r.offline.empty()) s += "\noffline refined frames/s (windows/s x N)\n" + text_table(offline_table(r));
  s += fmt::format("total {:.1f} s\n", r.total_seconds);
  return s;
}

std::string live_benchmark_markdown(const LiveBenchmarkResult& r) {
  std::string s = header(r) + "\n\n";
  if (!r.live.empty())
    s += fmt::format("Live path ({}, window {}), latency per frame:\n\n", r.live_model, r.live_window) +
         md_table(live_table(r)) + "\n";
  if (!r.offline.empty()) s += "Offline refined frames/s:\n\n" + md_table(offline_table(r));
  return s;
}

std::string live_benchmark_json(const LiveBenchmarkResult& r) {
  nlohmann::json j;
  j["threads"] = r.threads;
  j["cores"] = r.cores;
  j["load_average"] = r.load_average >= 0 ? nlohmann::json(r.load_average) : nlohmann::json();
  j["live_model"] = r.live_model;
  j["live_window"] = r.live_window;
  j["live"] = nlohmann::json::array();
  for (const auto& w : r.live)
    j["live"].push_back({{"latency", w.latency},
                         {"tracks", w.tracks},
                         {"frames", w.frames},
                         {"median_ms", w.median_ms},
                         {"p99_ms", w.p99_ms},
                         {"cpu_median_ms", w.cpu_median_ms},
                         {"cpu_p99_ms", w.cpu_p99_ms},
                         {"one_euro_median_ms", w.one_euro_median_ms},
                         {"one_euro_p99_ms", w.one_euro_p99_ms}});
  j["offline"] = nlohmann::json::array();
  for (const auto& w : r.offline)
    j["offline"].push_back({{"config", w.config},
                            {"memory_mask", w.memory_mask},
                            {"parameters", w.parameters},
                            {"window", w.window},
                            {"stride", w.stride},
                            {"batch", w.batch},
                            {"reference_frames_per_s", w.reference_frames_per_s},
                            {"fast_frames_per_s", w.fast_frames_per_s},
                            {"speedup", w.speedup},
                            {"skip_speedup", w.skip_speedup},
                            {"max_abs_diff", w.max_abs_diff}});
  j["total_seconds"] = r.total_seconds;
  return j.dump(2) + "\n";
}

}  // namespace kinepose::hanet
