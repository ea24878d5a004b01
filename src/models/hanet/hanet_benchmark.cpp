// HANet speed/memory benchmark (hanet_benchmark.h).
#include "models/hanet/hanet_benchmark.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <malloc.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "kinepose/error.h"
#include "models/hanet/hanet.h"
#include "training/hanet_loss.h"

namespace kinepose::hanet {

namespace {

const char* kWhere = "bench hanet";

// A field of /proc/self/status or /proc/meminfo in kB ("VmRSS:   1234 kB"); -1 when unavailable.
int64_t proc_kb(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() && line[key.size()] == ':') {
      std::istringstream fields(line.substr(key.size() + 1));
      int64_t kb = -1;
      fields >> kb;
      return kb;
    }
  }
  return -1;
}

// Resets the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0), so that the peak
// of one configuration is not hidden by an earlier, larger one. False when that is not possible.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Calls `f` once to warm up (allocations, AdamW state), then repeatedly until `budget` seconds
// have passed (at least once); returns calls per second.
double rate(const std::function<void()>& f, double budget) {
  f();
  const double t0 = now_s();
  int64_t calls = 0;
  double t = t0;
  do {
    f();
    ++calls;
    t = now_s();
  } while (t - t0 < budget);
  return static_cast<double>(calls) / (t - t0);
}

std::string human_count(int64_t n) {
  if (n >= 1000000) return fmt::format("{:.1f} M", n / 1e6);
  if (n >= 1000) return fmt::format("{:.1f} k", n / 1e3);
  return std::to_string(n);
}

std::string num(double v) {
  if (!std::isfinite(v)) return "-";
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

}  // namespace

void HanetBenchmarkOptions::validate() const {
  if (configs.empty()) throw Error(kWhere, "--configs: no configuration given");
  if (threads < 0) throw Error(kWhere, fmt::format("--threads: {} is negative", threads));
  if (!(seconds > 0) || !std::isfinite(seconds) || seconds > 3600)
    throw Error(kWhere, fmt::format("--seconds: {} is not in (0, 3600]", seconds));
  if (batch < 1 || batch > 65536) throw Error(kWhere, fmt::format("--batch: {} is not in [1, 65536]", batch));
}

// ---- runner -----------------------------------------------------------------------------------

struct HanetBenchRunner::Impl {
  HanetConfig config;
  Hanet model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  at::Tensor input, target, seen;
  int batch = 0;
};

HanetBenchRunner::HanetBenchRunner(const HanetConfig& config, int batch, uint64_t seed) : impl_(new Impl) {
  if (batch < 1) throw Error(kWhere, fmt::format("batch {} is not positive", batch));
  config.validate();
  impl_->config = config;
  impl_->batch = batch;
  at::manual_seed(seed);
  impl_->model = Hanet(config);
  const int64_t L = config.window(), C = config.input_dim();
  impl_->input = at::randn({batch, L, C});
  impl_->target = impl_->input + 0.05 * at::randn({batch, L, C});
  impl_->seen = hanet_seen_mask(L, config.sample_interval);
}

HanetBenchRunner::~HanetBenchRunner() = default;

void HanetBenchRunner::forward() {
  impl_->model->eval();
  at::NoGradGuard no_grad;
  Output out = impl_->model->forward(impl_->input);
  (void)out.final_out.data_ptr<float>();  // the result exists (no lazy work left)
}

void HanetBenchRunner::train_step() {
  Impl& m = *impl_;
  if (!m.optimizer) {
    // The optimiser of `kinepose train` (hanet_trainer.cpp).
    m.optimizer = std::make_unique<torch::optim::AdamW>(
        m.model->parameters(),
        torch::optim::AdamWOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.01).amsgrad(true));
  }
  m.model->train();
  m.optimizer->zero_grad();
  Output out = m.model->forward(m.input);
  HanetLossTerms loss = hanet_loss(out.final_out, out.encoder_out, m.target, m.seen);
  loss.total.backward();
  m.optimizer->step();
}

int64_t HanetBenchRunner::parameters() const {
  int64_t n = 0;
  for (const at::Tensor& p : impl_->model->parameters()) n += p.numel();
  return n;
}

int HanetBenchRunner::batch() const { return impl_->batch; }

// ---- benchmark ----------------------------------------------------------------------------------

HanetBenchmarkRow benchmark_hanet_config(const std::string& name, const HanetConfig& config,
                                         const HanetBenchmarkOptions& o) {
  o.validate();
  config.validate();
  const double t0 = now_s();
  HanetBenchmarkRow row;
  row.config = name;
  row.window = config.window();
  row.stride = config.sample_interval;
  row.batch = o.batch;
  row.train_steps_per_s = std::numeric_limits<double>::quiet_NaN();

  // Hand memory freed by earlier configurations back to the kernel first: glibc keeps it mapped,
  // which would otherwise count as this configuration's baseline and hide its own use.
  malloc_trim(0);
  row.peak_is_per_config = reset_peak_rss();
  const int64_t rss_before_kb = proc_kb("/proc/self/status", "VmRSS");
  auto say = [&](const std::string& what) {
    if (o.progress) std::fprintf(stderr, "bench hanet: %s: %s\n", name.c_str(), what.c_str());
  };
  {
    // Batch 1 gets its own model (same initialisation), freed before the large batch's model is
    // built, so that two copies of a large model never coexist.
    say("batch 1");
    {
      HanetBenchRunner one(config, 1, o.seed);
      row.parameters = one.parameters();
      row.windows_per_s_1 = rate([&] { one.forward(); }, o.seconds);
    }
    say(fmt::format("batch {}", o.batch));
    HanetBenchRunner big(config, o.batch, o.seed);
    row.windows_per_s_b = o.batch * rate([&] { big.forward(); }, o.seconds);
    if (o.train) {
      // Weights + gradients + AdamW/amsgrad's three moment buffers, float32; skip rather than let
      // the kernel kill the process when they cannot fit next to what is resident already.
      const double need_kb = static_cast<double>(row.parameters) * 4.0 * 4.0 / 1024.0;  // beyond the weights
      const int64_t avail_kb = proc_kb("/proc/meminfo", "MemAvailable");
      if (avail_kb > 0 && need_kb > 0.8 * static_cast<double>(avail_kb)) {
        row.note = fmt::format("training skipped: needs ~{:.0f} MiB for gradients and optimiser state, {:.0f} MiB available",
                               need_kb / 1024.0, avail_kb / 1024.0);
      } else {
        say(fmt::format("training at batch {}", o.batch));
        row.train_steps_per_s = rate([&] { big.train_step(); }, o.seconds);
      }
    }
  }
  row.frames_per_s_1 = row.windows_per_s_1 * row.stride;
  row.frames_per_s_b = row.windows_per_s_b * row.stride;
  int64_t peak_kb = proc_kb("/proc/self/status", "VmHWM");
  if (peak_kb < 0) {
    row.peak_is_per_config = false;
    peak_kb = 0;
  }
  row.peak_rss_mib = peak_kb / 1024.0;
  row.rss_increase_mib = rss_before_kb >= 0 ? std::max<int64_t>(0, peak_kb - rss_before_kb) / 1024.0 : 0.0;
  row.seconds = now_s() - t0;
  return row;
}

HanetBenchmarkResult run_hanet_benchmark(const HanetBenchmarkOptions& o) {
  o.validate();
  std::vector<HanetConfig> configs;
  for (const std::string& name : o.configs) {
    try {
      configs.push_back(HanetConfig::preset(name));
    } catch (const Error&) {
      throw Error(kWhere, "--configs: unknown configuration '" + name + "' (known: compact, jhmdb_2d, h36m_3d)");
    }
  }
  const double t0 = now_s();
  HanetBenchmarkResult r;
  r.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  {
    std::ifstream in("/proc/loadavg");
    double load = -1;
    if (in >> load) r.load_average = load;
  }
  at::set_num_threads(o.threads > 0 ? o.threads : r.cores);
  r.threads = at::get_num_threads();
  r.seconds_per_measurement = o.seconds;
  r.batch = o.batch;
  for (size_t i = 0; i < configs.size(); ++i) r.rows.push_back(benchmark_hanet_config(o.configs[i], configs[i], o));
  r.total_seconds = now_s() - t0;
  return r;
}

// ---- output -------------------------------------------------------------------------------------

namespace {

std::string header_line(const HanetBenchmarkResult& r) {
  return fmt::format(
      "HANet speed: {} threads ({} cores{}), random float32 windows, {:g} s per measurement after one warm-up call, "
      "large batch {}; refined frames/s = windows/s * N (refinement at the default stride N advances N frames per "
      "window); training step = forward + hanet_loss + backward + AdamW(amsgrad); peak RSS = process peak while "
      "the configuration was measured, +RSS = that minus the resident memory before its model was built",
      r.threads, r.cores, r.load_average >= 0 ? fmt::format(", load average {:.2f} before the run", r.load_average) : "",
      r.seconds_per_measurement, r.batch);
}

std::vector<std::string> columns(const HanetBenchmarkResult& r) {
  return {"config", "params", "L", "N", "windows/s @1", "frames/s @1", fmt::format("windows/s @{}", r.batch),
          fmt::format("frames/s @{}", r.batch), fmt::format("train steps/s @{}", r.batch), "peak RSS MiB", "+RSS MiB"};
}

std::vector<std::string> cells(const HanetBenchmarkRow& w) {
  std::string peak = fmt::format("{:.0f}", w.peak_rss_mib);
  if (!w.peak_is_per_config) peak += " (process)";
  return {w.config, human_count(w.parameters), std::to_string(w.window), std::to_string(w.stride),
          num(w.windows_per_s_1), num(w.frames_per_s_1), num(w.windows_per_s_b), num(w.frames_per_s_b),
          num(w.train_steps_per_s), peak, fmt::format("{:.0f}", w.rss_increase_mib)};
}

std::string notes(const HanetBenchmarkResult& r) {
  std::string s;
  for (const HanetBenchmarkRow& w : r.rows)
    if (!w.note.empty()) s += fmt::format("note: {}: {}\n", w.config, w.note);
  return s;
}

}  // namespace

std::string hanet_benchmark_text(const HanetBenchmarkResult& r) {
  const std::vector<std::string> head = columns(r);
  std::vector<std::vector<std::string>> body;
  for (const HanetBenchmarkRow& w : r.rows) body.push_back(cells(w));
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& b : body) width[c] = std::max(width[c], b[c].size());
  }
  auto line = [&](const std::vector<std::string>& v) {
    std::string s;
    for (size_t c = 0; c < v.size(); ++c) {
      if (c) s += "  ";
      s += c == 0 ? fmt::format("{:<{}}", v[c], width[c]) : fmt::format("{:>{}}", v[c], width[c]);
    }
    return s + "\n";
  };
  std::string s = header_line(r) + "\n" + line(head);
  for (const auto& b : body) s += line(b);
  s += notes(r);
  s += fmt::format("total {:.1f} s\n", r.total_seconds);
  return s;
}

std::string hanet_benchmark_markdown(const HanetBenchmarkResult& r) {
  const std::vector<std::string> head = columns(r);
  std::string s = header_line(r) + ".\n\n|";
  for (const auto& h : head) s += " " + h + " |";
  s += "\n|";
  for (size_t c = 0; c < head.size(); ++c) s += c == 0 ? "---|" : "---:|";
  s += "\n";
  for (const HanetBenchmarkRow& w : r.rows) {
    s += "|";
    for (const auto& c : cells(w)) s += " " + c + " |";
    s += "\n";
  }
  const std::string n = notes(r);
  if (!n.empty()) s += "\n" + n;
  s += fmt::format("\nTotal {:.1f} s.\n", r.total_seconds);
  return s;
}

std::string hanet_benchmark_json(const HanetBenchmarkResult& r) {
  auto finite = [](double v) -> nlohmann::json { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json j;
  j["threads"] = r.threads;
  j["cores"] = r.cores;
  j["load_average"] = r.load_average >= 0 ? nlohmann::json(r.load_average) : nlohmann::json();
  j["seconds_per_measurement"] = r.seconds_per_measurement;
  j["batch"] = r.batch;
  j["total_seconds"] = r.total_seconds;
  j["frames_per_s_definition"] = "windows/s * N (refinement at the default stride N)";
  j["rows"] = nlohmann::json::array();
  for (const HanetBenchmarkRow& w : r.rows) {
    j["rows"].push_back({{"config", w.config},
                         {"parameters", w.parameters},
                         {"window", w.window},
                         {"stride", w.stride},
                         {"batch", w.batch},
                         {"windows_per_s_1", finite(w.windows_per_s_1)},
                         {"frames_per_s_1", finite(w.frames_per_s_1)},
                         {"windows_per_s_batch", finite(w.windows_per_s_b)},
                         {"frames_per_s_batch", finite(w.frames_per_s_b)},
                         {"train_steps_per_s", finite(w.train_steps_per_s)},
                         {"peak_rss_mib", w.peak_rss_mib},
                         {"rss_increase_mib", w.rss_increase_mib},
                         {"peak_is_per_config", w.peak_is_per_config},
                         {"seconds", w.seconds},
                         {"note", w.note}});
  }
  return j.dump(2) + "\n";
}

}  // namespace kinepose::hanet
