// The classic-filter benchmark (see filter_benchmark.h and docs/benchmarks.md).
#include "evaluation/filter_benchmark.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "kinepose/error.h"
#include "kinepose/h36m.h"
#include "util/progress.h"

namespace kinepose {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kWhere = "bench filters";

using Clock = std::chrono::steady_clock;

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

// Runs fn(0..n-1) on `threads` workers pulling indices from a shared counter. The first exception
// stops the others from taking new work and is rethrown here.
template <typename Fn>
void parallel_for(size_t n, int threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    while (!stop.load()) {
      const size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  const size_t workers = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), n);
  if (workers <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < workers; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ",") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string num(double v) { return fmt::format("{:g}", v); }

void check_pair(const Tracks& pred, const Tracks& gt) {
  if (pred.empty()) throw Error(kWhere, "no sequences to score");
  if (pred.size() != gt.size())
    throw Error(kWhere, fmt::format("{} predicted sequences but {} ground-truth ones", pred.size(), gt.size()));
}

// "S1__Walking_1__54138969" -> "S1__Walking_1".
std::string trial_of(const std::string& name) {
  const size_t pos = name.rfind("__");
  return pos == std::string::npos ? name : name.substr(0, pos);
}

// Both kinds of one subject set, paired by name (read_h36m sorts both the same way; pairing by name
// guards against that ever changing).
int64_t total_frames(const Tracks& t) {
  int64_t n = 0;
  for (const auto& s : t) n += s.frames;
  return n;
}

PoseSequence apply_filter(const SequenceFilter* filter, const PoseSequence& in) { return filter->apply(in); }

}  // namespace

// ---- grids ----------------------------------------------------------------------------------------

FilterGrid default_filter_grid(const std::string& filter, double fps) {
  const std::string name = filter_info(filter).name;  // canonical; throws for unknown names
  FilterParams base;
  base.fps = fps;
  FilterGrid g;
  g.filter = name;
  if (name == "one_euro") {
    // min_cutoff in Hz (up to 30, where little smoothing is left at 50 fps); beta in person sizes / s
    // (scale invariant).
    for (double mc : {0.05, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0})
      for (double beta : {0.0, 1.0, 4.0, 10.0, 40.0, 100.0}) {
        FilterParams p = base;
        p.min_cutoff = mc;
        p.beta = beta;
        g.settings.push_back(p);
      }
  } else if (name == "savgol") {
    for (int window : {5, 7, 9, 11, 15, 21, 31, 41})
      for (int order : {1, 2, 3, 4}) {
        if (order >= window) continue;
        FilterParams p = base;
        p.window = window;
        p.order = order;
        g.settings.push_back(p);
      }
  } else if (name == "gaussian") {
    for (double sigma : {1.0, 2.0, 3.0, 4.0, 6.0, 8.0})
      for (int window : {11, 21, 41})
        for (int median : {0, 5}) {
          FilterParams p = base;
          p.sigma = sigma;
          p.window = window;
          p.median_window = median;
          g.settings.push_back(p);
        }
  } else {
    // Kalman: only process / measurement noise matters, so measurement_noise stays 1 and the
    // process noise sweeps the ratio over three decades.
    for (double q : {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0}) {
      FilterParams p = base;
      p.process_noise = q;
      p.measurement_noise = 1.0;
      g.settings.push_back(p);
    }
  }
  return g;
}

std::string describe_setting(const std::string& filter, const FilterParams& p) {
  const std::string name = filter == "raw" || filter.empty() ? std::string("raw") : filter_info(filter).name;
  if (name == "raw") return "";
  if (name == "one_euro")
    return fmt::format("min_cutoff={} beta={} d_cutoff={}", num(p.min_cutoff), num(p.beta), num(p.d_cutoff));
  if (name == "savgol") return fmt::format("window={} order={}", p.window, p.order);
  if (name == "gaussian")
    return fmt::format("sigma={} window={} median_window={}", num(p.sigma), p.window, p.median_window);
  return fmt::format("process_noise={} measurement_noise={}", num(p.process_noise), num(p.measurement_noise));
}

// ---- fast scores ------------------------------------------------------------------------------------

void ErrorSums::add(const ErrorSums& o) {
  error_sum += o.error_sum;
  error_count += o.error_count;
  accel_sum += o.accel_sum;
  accel_frames += o.accel_frames;
}

double ErrorSums::mean_error() const { return error_count ? error_sum / static_cast<double>(error_count) : kNaN; }
double ErrorSums::accel_error() const { return accel_frames ? accel_sum / static_cast<double>(accel_frames) : kNaN; }

ErrorSums score_sequence(const PoseSequence& pred, const PoseSequence& gt) {
  if (pred.frames != gt.frames || pred.joints() != gt.joints() || pred.dims != gt.dims)
    throw Error(kWhere, fmt::format("{}: prediction {}x{}x{} vs ground truth {}x{}x{}", gt.name, pred.frames,
                                    pred.joints(), pred.dims, gt.frames, gt.joints(), gt.dims));
  const int T = gt.frames, J = gt.joints(), D = gt.dims;
  const float* P = pred.keypoints.data();
  const float* G = gt.keypoints.data();
  auto present = [D](const float* v) {
    for (int d = 0; d < D; ++d)
      if (std::isnan(v[d])) return false;
    return true;
  };
  ErrorSums s;
  for (int64_t e = 0; e < static_cast<int64_t>(T) * J; ++e) {
    const float* p = P + e * D;
    const float* g = G + e * D;
    if (!present(g) || !present(p)) continue;
    double sq = 0.0;
    for (int d = 0; d < D; ++d) sq += (static_cast<double>(p[d]) - g[d]) * (static_cast<double>(p[d]) - g[d]);
    s.error_sum += std::sqrt(sq);
    ++s.error_count;
  }
  const int64_t stride = static_cast<int64_t>(J) * D;
  for (int t = 1; t + 1 < T; ++t) {
    double frame_sum = 0.0;
    int used = 0;
    for (int j = 0; j < J; ++j) {
      const int64_t o = static_cast<int64_t>(t) * stride + static_cast<int64_t>(j) * D;
      if (!present(G + o - stride) || !present(G + o) || !present(G + o + stride) || !present(P + o - stride) ||
          !present(P + o) || !present(P + o + stride))
        continue;
      double sq = 0.0;
      for (int d = 0; d < D; ++d) {
        const double ap = static_cast<double>(P[o - stride + d]) - 2.0 * P[o + d] + P[o + stride + d];
        const double ag = static_cast<double>(G[o - stride + d]) - 2.0 * G[o + d] + G[o + stride + d];
        sq += (ap - ag) * (ap - ag);
      }
      frame_sum += std::sqrt(sq);
      ++used;
    }
    if (used) {
      s.accel_sum += frame_sum / used;
      ++s.accel_frames;
    }
  }
  return s;
}

// ---- tuning ---------------------------------------------------------------------------------------

std::vector<FilterTuning> tune_filters(const std::vector<FilterGrid>& grids, const Tracks& pred, const Tracks& gt,
                                       int threads, ProgressBar* progress) {
  check_pair(pred, gt);
  struct Item {
    size_t grid, setting;
  };
  std::vector<Item> settings;
  std::vector<FilterTuning> out;
  for (size_t g = 0; g < grids.size(); ++g) {
    if (grids[g].settings.empty()) throw Error(kWhere, "empty grid for filter " + grids[g].filter);
    FilterTuning t;
    t.filter = filter_info(grids[g].filter).name;
    for (size_t s = 0; s < grids[g].settings.size(); ++s) {
      make_filter(t.filter, grids[g].settings[s]);  // invalid settings fail here, before any work
      GridPoint gp;
      gp.params = grids[g].settings[s];
      gp.setting = describe_setting(t.filter, gp.params);
      t.grid.push_back(gp);
      settings.push_back({g, s});
    }
    out.push_back(std::move(t));
  }
  const size_t nseq = pred.size();
  std::vector<ErrorSums> sums(settings.size() * nseq);
  parallel_for(sums.size(), resolve_threads(threads), [&](size_t i) {
    const Item& it = settings[i / nseq];
    const size_t q = i % nseq;
    const auto filter = make_filter(out[it.grid].filter, out[it.grid].grid[it.setting].params);
    sums[i] = score_sequence(filter->apply(pred[q]), gt[q]);
    if (progress) progress->advance(1);
  });
  // Reduced in sequence order, so the result does not depend on the thread count.
  for (size_t k = 0; k < settings.size(); ++k) {
    ErrorSums total;
    for (size_t q = 0; q < nseq; ++q) total.add(sums[k * nseq + q]);
    GridPoint& gp = out[settings[k].grid].grid[settings[k].setting];
    gp.mean_error = total.mean_error();
    gp.accel_error = total.accel_error();
  }
  // NaN (nothing scored) never wins.
  auto better = [](double a, double b) { return !std::isnan(a) && (std::isnan(b) || a < b); };
  for (auto& t : out) {
    for (size_t s = 1; s < t.grid.size(); ++s) {
      if (better(t.grid[s].mean_error, t.grid[t.best].mean_error)) t.best = s;
      if (better(t.grid[s].accel_error, t.grid[t.best_accel].accel_error)) t.best_accel = s;
    }
  }
  return out;
}

// ---- test rows ------------------------------------------------------------------------------------

namespace {

FilterBenchmarkRow score_row_impl(const std::string& filter, const std::string& variant, const FilterParams& params,
                                  const Tracks& pred, const Tracks& gt, const std::vector<double>& pck_alphas,
                                  ProgressBar* progress) {
  check_pair(pred, gt);
  const bool raw = filter.empty() || filter == "raw";
  FilterBenchmarkRow row;
  row.filter = raw ? "raw" : filter_info(filter).name;
  row.variant = raw ? "raw" : variant;
  row.setting = describe_setting(row.filter, params);
  row.params = params;
  std::unique_ptr<SequenceFilter> f;
  if (!raw) f = make_filter(row.filter, params);
  MetricsOptions mo;
  mo.pck_alphas = pck_alphas;
  mo.pck_box = true;
  mo.pck_torso = false;
  Evaluator ev(mo);
  double filter_seconds = 0.0;
  for (size_t q = 0; q < pred.size(); ++q) {
    const std::string name = gt[q].name.empty() ? fmt::format("sequence {}", q) : gt[q].name;
    if (raw) {
      ev.add(pred[q], gt[q], name);
    } else {
      const auto t0 = Clock::now();
      PoseSequence out = apply_filter(f.get(), pred[q]);
      filter_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
      ev.add(out, gt[q], name);
    }
    row.frames += pred[q].frames;
    if (progress) progress->advance(1);
  }
  const MetricsReport r = ev.report();
  row.mean_px = r.error_2d.value;
  row.median_px = r.median_error_2d.value;
  for (const Metric& m : r.pck_box) row.pck_box.push_back(m.value);
  row.accel_px = r.accel_error.value;
  row.frames_per_second = raw || filter_seconds <= 0.0 ? kNaN : static_cast<double>(row.frames) / filter_seconds;
  return row;
}

}  // namespace

void load_h36m_pairs(const FilterBenchmarkOptions& o, const std::vector<std::string>& subjects, Tracks& pred, Tracks& gt) {
  H36mSelection sel;
  sel.subjects = subjects;
  sel.actions = o.actions;
  sel.cameras = o.cameras;
  sel.kind = "detections";
  Tracks det = read_h36m(o.data_dir, sel);
  sel.kind = "gt2d_mpii";
  Tracks target = read_h36m(o.data_dir, sel);
  const SequenceMatching m = match_sequences(det, target);
  if (!m.pred_only.empty() || !m.gt_only.empty() || m.matched.size() != det.size())
    throw Error(o.data_dir, "detections and projected ground truth do not pair up by name for subjects " + join(subjects));
  pred.clear();
  gt.clear();
  for (const auto& p : m.matched) {
    pred.push_back(std::move(det[p.pred]));
    gt.push_back(std::move(target[p.gt]));
  }
}

FilterBenchmarkRow score_row(const std::string& filter, const std::string& variant, const FilterParams& params,
                             const Tracks& pred, const Tracks& gt, const std::vector<double>& pck_alphas) {
  return score_row_impl(filter, variant, params, pred, gt, pck_alphas, nullptr);
}

// ---- the whole run ----------------------------------------------------------------------------------

FilterBenchmarkResult run_filter_benchmark(const FilterBenchmarkOptions& options) {
  const auto start = Clock::now();
  FilterBenchmarkResult res;
  res.options = options;
  const FilterBenchmarkOptions& o = res.options;
  if (o.tune_stride < 1) throw Error("--tune-stride", fmt::format("must be >= 1, got {}", o.tune_stride));
  if (!(o.fps > 0.0) || !std::isfinite(o.fps)) throw Error("--fps", fmt::format("must be > 0, got {}", o.fps));
  if (o.tune_subjects.empty()) throw Error("--tune-subjects", "no tuning subject given");
  if (o.test_subjects.empty()) throw Error("--test-subjects", "no test subject given");
  for (const auto& s : o.test_subjects)
    if (std::find(o.tune_subjects.begin(), o.tune_subjects.end(), s) != o.tune_subjects.end())
      throw Error("--test-subjects", "subject " + s + " is also a tuning subject: tuning must not see the test data");
  std::vector<std::string> filters = o.filters;
  if (filters.empty())
    for (const auto& i : filter_infos()) filters.push_back(i.name);
  std::set<std::string> seen;
  for (auto& f : filters) {
    f = filter_info(f).name;
    if (!seen.insert(f).second) throw Error("--filters", "filter " + f + " listed twice");
  }
  res.threads = resolve_threads(o.threads);

  Tracks tune_pred, tune_gt, test_pred, test_gt;
  {
    Tracks all_pred, all_gt;
    load_h36m_pairs(o, o.tune_subjects, all_pred, all_gt);
    int trial = -1, camera = 0;
    std::string last;
    for (size_t i = 0; i < all_pred.size(); ++i) {
      const std::string t = trial_of(all_gt[i].name);
      if (t != last) {
        ++trial;
        camera = 0;
        last = t;
      } else {
        ++camera;
      }
      if ((trial + camera) % o.tune_stride != 0) continue;
      tune_pred.push_back(std::move(all_pred[i]));
      tune_gt.push_back(std::move(all_gt[i]));
    }
  }
  load_h36m_pairs(o, o.test_subjects, test_pred, test_gt);
  for (Tracks* ts : {&tune_pred, &test_pred})
    for (auto& s : *ts) s.fps = o.fps;
  res.tune_sequences = static_cast<int>(tune_pred.size());
  res.tune_frames = total_frames(tune_pred);
  res.test_sequences = static_cast<int>(test_pred.size());
  res.test_frames = total_frames(test_pred);

  std::vector<FilterGrid> grids;
  size_t grid_items = 0;
  for (const auto& f : filters) {
    grids.push_back(default_filter_grid(f, o.fps));
    grid_items += grids.back().settings.size();
  }
  {
    std::unique_ptr<ProgressBar> bar;
    if (o.progress)
      bar = std::make_unique<ProgressBar>(static_cast<int64_t>(grid_items * tune_pred.size()), "tuning");
    res.tunings = tune_filters(grids, tune_pred, tune_gt, res.threads, bar.get());
  }

  // Rows: raw, then per filter its default and its tuned setting.
  struct RowSpec {
    std::string filter, variant;
    FilterParams params;
  };
  std::vector<RowSpec> specs;
  FilterParams defaults;
  defaults.fps = o.fps;
  specs.push_back({"raw", "raw", defaults});
  for (const auto& t : res.tunings) {
    specs.push_back({t.filter, "default", defaults});
    specs.push_back({t.filter, "tuned", t.grid[t.best].params});
  }
  res.rows.resize(specs.size());
  {
    std::unique_ptr<ProgressBar> bar;
    if (o.progress) bar = std::make_unique<ProgressBar>(static_cast<int64_t>(specs.size() * test_pred.size()), "test");
    parallel_for(specs.size(), res.threads, [&](size_t i) {
      res.rows[i] = score_row_impl(specs[i].filter, specs[i].variant, specs[i].params, test_pred, test_gt, o.pck_alphas,
                                   bar.get());
    });
  }
  res.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return res;
}

// ---- renderings -------------------------------------------------------------------------------------

namespace {

std::string fixed(double v, int decimals) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : "-"; }

std::vector<std::string> header(const FilterBenchmarkResult& r) {
  std::vector<std::string> h{"filter", "variant", "setting", "mean px", "median px"};
  for (double a : r.options.pck_alphas) h.push_back(fmt::format("PCK@{:g}", a));
  h.push_back("accel px/frame^2");
  h.push_back("frames/s");
  return h;
}

std::vector<std::string> cells(const FilterBenchmarkRow& row) {
  std::vector<std::string> c{row.filter == "raw" ? "raw detections" : row.filter, row.variant,
                             row.setting.empty() ? "-" : row.setting, fixed(row.mean_px, 3), fixed(row.median_px, 3)};
  for (double p : row.pck_box) c.push_back(fixed(p, 4));
  c.push_back(fixed(row.accel_px, 3));
  c.push_back(fixed(row.frames_per_second, 0));
  return c;
}

std::string stride_text(int stride) {
  if (stride == 1) return "all sequences";
  if (stride == 2) return "every 2nd sequence";
  return fmt::format("every {}th sequence", stride);
}

std::vector<std::string> summary_lines(const FilterBenchmarkResult& r) {
  const auto& o = r.options;
  std::vector<std::string> l;
  l.push_back(fmt::format("data: {} — Stacked-Hourglass detections vs projected ground truth (gt2d_mpii, MPII-16 joints), "
                          "{:g} fps; each sequence (subject x trial x camera) filtered on its own",
                          o.data_dir, o.fps));
  std::string sel;
  if (!o.actions.empty()) sel += "; actions " + join(o.actions);
  if (!o.cameras.empty()) sel += "; cameras " + join(o.cameras);
  l.push_back(fmt::format("tuning: {} ({}: {} sequences, {} frames){}; criterion: lowest mean error", join(o.tune_subjects),
                          stride_text(o.tune_stride), r.tune_sequences, r.tune_frames, sel));
  l.push_back(fmt::format("test: {} ({} sequences, {} frames); PCK with the ground-truth box (alpha x max side); "
                          "frames/s = filtered frames per second of one core",
                          join(o.test_subjects), r.test_sequences, r.test_frames));
  l.push_back(fmt::format("threads: {}; elapsed: {:.1f} s", r.threads, r.seconds));
  l.insert(l.end(), r.notes.begin(), r.notes.end());
  return l;
}

}  // namespace

std::string filter_benchmark_text(const FilterBenchmarkResult& r) {
  std::string out;
  for (const auto& l : summary_lines(r)) out += l + "\n";
  std::vector<std::vector<std::string>> table{header(r)};
  for (const auto& row : r.rows) table.push_back(cells(row));
  std::vector<size_t> w(table[0].size(), 0);
  for (const auto& row : table)
    for (size_t c = 0; c < row.size(); ++c) w[c] = std::max(w[c], row[c].size());
  out += "\n";
  for (const auto& row : table) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      // Text columns left-aligned, numbers right-aligned.
      line += c < 3 ? fmt::format("{:<{}}", row[c], w[c]) : fmt::format("{:>{}}", row[c], w[c]);
      if (c + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += "\ntuning set (mean px / accel px/frame^2):\n";
  for (const auto& t : r.tunings) {
    const GridPoint& b = t.grid[t.best];
    const GridPoint& a = t.grid[t.best_accel];
    out += fmt::format("  {}: {} settings; best mean: {} ({} / {}); best accel: {} ({} / {})\n", t.filter, t.grid.size(),
                       b.setting, fixed(b.mean_error, 3), fixed(b.accel_error, 3), a.setting, fixed(a.mean_error, 3),
                       fixed(a.accel_error, 3));
  }
  return out;
}

std::string filter_benchmark_markdown(const FilterBenchmarkResult& r) {
  std::string out;
  for (const auto& l : summary_lines(r)) out += "- " + l + "\n";
  out += "\n";
  const auto h = header(r);
  std::string line = "|", rule = "|";
  for (size_t c = 0; c < h.size(); ++c) {
    line += " " + h[c] + " |";
    rule += c < 3 ? "---|" : "---:|";
  }
  out += line + "\n" + rule + "\n";
  for (const auto& row : r.rows) {
    auto c = cells(row);
    line = "|";
    for (size_t k = 0; k < c.size(); ++k) line += " " + (k == 2 && c[k] != "-" ? "`" + c[k] + "`" : c[k]) + " |";
    out += line + "\n";
  }
  out += "\nTuning set (mean px / accel px/frame²):\n\n| filter | settings | best mean error | mean / accel | best accel error | mean / accel |\n|---|---:|---|---:|---|---:|\n";
  for (const auto& t : r.tunings) {
    const GridPoint& b = t.grid[t.best];
    const GridPoint& a = t.grid[t.best_accel];
    out += fmt::format("| {} | {} | `{}` | {} / {} | `{}` | {} / {} |\n", t.filter, t.grid.size(), b.setting,
                       fixed(b.mean_error, 3), fixed(b.accel_error, 3), a.setting, fixed(a.mean_error, 3),
                       fixed(a.accel_error, 3));
  }
  return out;
}

std::string filter_benchmark_json(const FilterBenchmarkResult& r) {
  auto jnum = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  const auto& o = r.options;
  nlohmann::json j;
  j["data"] = o.data_dir;
  j["pred_kind"] = "detections";
  j["gt_kind"] = "gt2d_mpii";
  j["fps"] = o.fps;
  j["tune_subjects"] = o.tune_subjects;
  j["test_subjects"] = o.test_subjects;
  j["actions"] = o.actions;
  j["cameras"] = o.cameras;
  j["tune_stride"] = o.tune_stride;
  j["tune_sequences"] = r.tune_sequences;
  j["tune_frames"] = r.tune_frames;
  j["test_sequences"] = r.test_sequences;
  j["test_frames"] = r.test_frames;
  j["criterion"] = "mean_error";
  j["pck_alphas"] = o.pck_alphas;
  j["threads"] = r.threads;
  j["seconds"] = r.seconds;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    nlohmann::json pck = nlohmann::json::array();
    for (double p : row.pck_box) pck.push_back(jnum(p));
    rows.push_back({{"filter", row.filter},
                    {"variant", row.variant},
                    {"setting", row.setting},
                    {"mean_px", jnum(row.mean_px)},
                    {"median_px", jnum(row.median_px)},
                    {"pck_box", pck},
                    {"accel_px", jnum(row.accel_px)},
                    {"frames_per_second", jnum(row.frames_per_second)},
                    {"frames", row.frames}});
  }
  j["rows"] = rows;
  nlohmann::json tunings = nlohmann::json::array();
  for (const auto& t : r.tunings) {
    nlohmann::json grid = nlohmann::json::array();
    for (const auto& g : t.grid)
      grid.push_back({{"setting", g.setting}, {"mean_px", jnum(g.mean_error)}, {"accel_px", jnum(g.accel_error)}});
    tunings.push_back({{"filter", t.filter},
                       {"best", t.grid[t.best].setting},
                       {"best_accel", t.grid[t.best_accel].setting},
                       {"grid", grid}});
  }
  j["tuning"] = tunings;
  return j.dump(2) + "\n";
}

}  // namespace kinepose
