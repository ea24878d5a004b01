// `kinepose bench lifting` (lifting_benchmark.h).
#include "training/lifting_benchmark.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "evaluation/filter_benchmark.h"
#include "kinepose/error.h"
#include "kinepose/filters.h"
#include "kinepose/metrics.h"
#include "models/hanet/hanet_refiner.h"
#include "models/lifting/pose_lifter.h"
#include "training/lifter_trainer.h"
#include "util/progress.h"

namespace fs = std::filesystem;

namespace kinepose {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string lifter_label(const LifterConfig& c) { return c.arch == "fcn" ? "FCN" : "DG-Net"; }

std::string refiner_label(const HanetConfig& c) {
  if (c.arch == "smoothnet") return "SmoothNet";
  if (c.arch == "deciwatch") return "DeciWatch";
  return "HANet";
}

// Root-relative ground truth of the lifters' output skeleton (what the lifters predict).
Tracks root_relative(const Tracks& gt, const LifterConfig& c) {
  Tracks out;
  for (const PoseSequence& g : gt) out.push_back(lifter_target_pose(g, c, g.name));
  return out;
}

LiftingBenchmarkRow score(const std::string& pipeline, const std::string& setting, const Tracks& pred, const Tracks& gt,
                          double seconds) {
  const MetricsReport r = evaluate(pred, gt);
  LiftingBenchmarkRow row;
  row.pipeline = pipeline;
  row.setting = setting;
  row.mpjpe = r.mpjpe.value;
  row.pa_mpjpe = r.pa_mpjpe.value;
  row.accel = r.accel_error.value;
  int64_t frames = 0;
  for (const PoseSequence& p : pred) frames += p.frames;
  row.frames_per_second = seconds > 0 ? frames / seconds : NAN;
  return row;
}

Tracks lift_all(const PoseLifter& lifter, const Tracks& det, ProgressBar* bar) {
  Tracks out;
  for (const PoseSequence& d : det) {
    out.push_back(lifter.lift(d, d.name));
    if (bar) bar->advance();
  }
  return out;
}

// A model file's name for the table's "setting" column: the file name, or "folder/file name" when
// another listed file has the same name (e.g. several training runs' best.safetensors).
std::string file_setting(const std::string& path, const std::vector<std::string>& all) {
  const fs::path p(path);
  for (const std::string& other : all)
    if (other != path && fs::path(other).filename() == p.filename())
      return (p.parent_path().filename() / p.filename()).string();
  return p.filename().string();
}

}  // namespace

LiftingBenchmarkResult run_lifting_benchmark(const LiftingBenchmarkOptions& o) {
  if (o.lifters.empty()) throw Error("bench lifting", "no lifters (--lifters)");
  LiftingBenchmarkResult res;
  res.threads = hanet::set_threads(o.threads);
  std::vector<std::unique_ptr<PoseLifter>> lifters;
  for (const std::string& p : o.lifters) lifters.push_back(std::make_unique<PoseLifter>(p));
  std::vector<std::unique_ptr<hanet::HanetRefiner>> refiners;
  for (const std::string& p : o.refiners) {
    refiners.push_back(std::make_unique<hanet::HanetRefiner>(p));
    const HanetConfig& c = refiners.back()->config();
    if (c.dims != 3 || c.skeleton != lifters.front()->config().out_skeleton)
      throw Error(p, fmt::format("a {} {}D model; the lifting table needs refiners of the lifters' 3D {} output", c.skeleton,
                                 c.dims, lifters.front()->config().out_skeleton));
  }
  const LifterConfig& lc = lifters.front()->config();
  for (const auto& l : lifters)
    if (l->config().out_skeleton != lc.out_skeleton || l->config().in_skeleton != lc.in_skeleton)
      throw Error(l->path(), "every lifter of one table must map the same skeletons");

  Tracks det, gt;
  load_h36m_lifting_pairs(o.data, o.test_subjects, o.cameras, o.actions, det, gt);
  gt = root_relative(gt, lc);
  res.test_sequences = static_cast<int64_t>(det.size());
  for (const PoseSequence& d : det) res.test_frames += d.frames;

  size_t hanets = 0;
  for (const auto& r : refiners) hanets += r->config().arch == "hanet";
  const int64_t steps =
      static_cast<int64_t>(det.size() * (lifters.size() + refiners.size() + (lifters.size() - 1) * hanets));
  ProgressBar bar(o.progress ? steps : 0, "bench lifting");
  std::vector<Tracks> lifted;
  for (const auto& l : lifters) {
    const auto t0 = Clock::now();
    lifted.push_back(lift_all(*l, det, o.progress ? &bar : nullptr));
    const LifterConfig& c = l->config();
    const std::string label =
        lifter_label(c) + (c.arch == "fcn" ? " (per frame" : fmt::format(" ({}-frame windows", c.window));
    const auto flip_note = [](bool on) { return on ? ", flip-averaged)" : ")"; };
    res.rows.push_back(score(label + flip_note(l->flip_test()), file_setting(l->path(), o.lifters), lifted.back(), gt,
                             seconds_since(t0)));
    if (o.flip_rows) {  // the other test-time flip setting, for comparison (the file's own setting feeds the rest)
      l->set_flip_test(!l->flip_test());
      const auto t1 = Clock::now();
      const Tracks other = lift_all(*l, det, nullptr);
      res.rows.push_back(score(label + flip_note(l->flip_test()), file_setting(l->path(), o.lifters), other, gt,
                               seconds_since(t1)));
      l->set_flip_test(!l->flip_test());
    }
  }

  // Classic filters on the first lifter's output, tuned on its output on the tuning subjects.
  if (!o.filters.empty() && !o.tune_subjects.empty()) {
    Tracks tdet, tgt;
    load_h36m_lifting_pairs(o.data, o.tune_subjects, o.cameras, o.actions, tdet, tgt);
    tgt = root_relative(tgt, lc);
    const Tracks tuned_in = lift_all(*lifters.front(), tdet, nullptr);
    for (const PoseSequence& d : tdet) res.tune_frames += d.frames;
    std::vector<FilterGrid> grids;
    for (const std::string& f : o.filters) grids.push_back(default_filter_grid(f, det.front().fps > 0 ? det.front().fps : 50));
    const std::vector<FilterTuning> tuning = tune_filters(grids, tuned_in, tgt, o.threads);
    for (const FilterTuning& t : tuning) {
      const GridPoint& best = t.grid[t.best];
      const auto filter = make_filter(t.filter, best.params);
      const auto t0 = Clock::now();
      Tracks out;
      for (const PoseSequence& s : lifted.front()) out.push_back(filter->apply(s));
      res.rows.push_back(score(lifter_label(lc) + " + " + t.filter + " (tuned)", best.setting, out, gt, seconds_since(t0)));
    }
  }

  // Learned 3D refiners on the first lifter's output; HANet refiners also on the other lifters'.
  for (size_t li = 0; li < lifters.size(); ++li)
    for (size_t ri = 0; ri < refiners.size(); ++ri) {
      if (li > 0 && refiners[ri]->config().arch != "hanet") continue;
      const auto t0 = Clock::now();
      Tracks out;
      for (const PoseSequence& s : lifted[li]) {
        out.push_back(refiners[ri]->refine(s, {}, nullptr, s.name));
        if (o.progress) bar.advance();
      }
      res.rows.push_back(score(lifter_label(lifters[li]->config()) + " + " + refiner_label(refiners[ri]->config()),
                               file_setting(o.refiners[ri], o.refiners), out, gt, seconds_since(t0)));
    }
  bar.finish();
  return res;
}

std::string lifting_benchmark_markdown(const LiftingBenchmarkResult& r, const LiftingBenchmarkOptions& o) {
  std::string s = fmt::format(
      "Human3.6M, Stacked-Hourglass detections (MPII-16) lifted to H36M-17 3D; test subjects {} ({} sequences, {} "
      "frames, every frame, all listed cameras); filters tuned on {} ({} frames); {} thread(s).\n\n",
      fmt::join(o.test_subjects, ","), r.test_sequences, r.test_frames, fmt::join(o.tune_subjects, ","), r.tune_frames,
      r.threads);
  s += "| pipeline | setting | MPJPE (mm) | PA-MPJPE (mm) | accel (mm/frame²) | frames/s |\n";
  s += "|---|---|---:|---:|---:|---:|\n";
  for (const LiftingBenchmarkRow& row : r.rows)
    s += fmt::format("| {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.0f} |\n", row.pipeline, row.setting, row.mpjpe,
                     row.pa_mpjpe, row.accel, row.frames_per_second);
  for (const std::string& n : r.notes) s += "\n" + n + "\n";
  return s;
}

std::string lifting_benchmark_json(const LiftingBenchmarkResult& r) {
  nlohmann::json j;
  j["test_sequences"] = r.test_sequences;
  j["test_frames"] = r.test_frames;
  j["tune_frames"] = r.tune_frames;
  j["threads"] = r.threads;
  j["rows"] = nlohmann::json::array();
  for (const LiftingBenchmarkRow& row : r.rows)
    j["rows"].push_back({{"pipeline", row.pipeline}, {"setting", row.setting}, {"mpjpe_mm", row.mpjpe},
                         {"pa_mpjpe_mm", row.pa_mpjpe}, {"accel_mm_per_frame2", row.accel},
                         {"frames_per_second", row.frames_per_second}});
  return j.dump(2) + "\n";
}

}  // namespace kinepose
