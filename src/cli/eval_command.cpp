// `kinepose eval --pred P --gt G`: accuracy and smoothness metrics of predicted pose sequences
// against ground truth (include/kinepose/metrics.h, docs/metrics.md). P and G are files or folders;
// their sequences are paired by name. Text output is a compact table; --json prints one object.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/input_options.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/io.h"
#include "kinepose/metrics.h"

namespace fs = std::filesystem;

namespace kinepose::cli {

namespace {

struct EvalArgs {
  std::string pred, gt;
  InputOptions in;     // --pred side (--in-format, --skeleton, --fps, --param)
  InputOptions gt_in;  // --gt side (--gt-format, --gt-skeleton, --gt-fps, --gt-param)
  bool json = false, per_joint = false, per_sequence = false, strict = false, allow_unmatched = false;
  std::string root;
  std::vector<double> alphas{0.05, 0.1, 0.2};
  std::string pck_ref = "box";
};

// The sequences read from one --pred/--gt argument, each remembering the file it came from.
struct Side {
  Tracks tracks;
  std::vector<std::string> files;
};

// Names sequences that have none (file stem, plus "#track" when a file holds several) and
// disambiguates names repeated inside one file (e.g. a shared npz "name" over several tracks).
void name_sequences(Tracks& tracks, const std::string& file) {
  const std::string stem = stem_of(file);
  std::map<std::string, int> uses;
  for (auto& t : tracks) {
    if (t.name.empty()) t.name = stem;
    ++uses[t.name];
  }
  for (size_t i = 0; i < tracks.size(); ++i) {
    auto& t = tracks[i];
    if (uses[t.name] > 1) t.name += "#" + std::to_string(t.track_id ? *t.track_id : static_cast<int64_t>(i));
  }
}

bool known_extension(const std::string& path) {
  const std::string ext = extension_of(path);
  for (const auto& f : formats())
    if (std::find(f.extensions.begin(), f.extensions.end(), ext) != f.extensions.end()) return true;
  return false;
}

void append(Side& side, Tracks tracks, const std::string& file) {
  name_sequences(tracks, file);
  for (auto& t : tracks) {
    side.tracks.push_back(std::move(t));
    side.files.push_back(file);
  }
}

// A file, a folder in a folder format (OpenPose frames, Human3.6M), or a folder of pose files
// (every file with a known pose extension; others, like README.txt, are ignored).
Side load(const std::string& path, const ReadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path, "no such file or folder");
  Side side;
  bool folder_of_files = false;
  if (fs::is_directory(path, ec) && options.format.empty()) {
    folder_of_files = true;
    for (const auto& f : formats())
      if (f.is_folder && f.sniff && f.sniff(path)) folder_of_files = false;
  }
  if (!folder_of_files) {
    append(side, read_poses(path, options), path);
    return side;
  }
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.is_regular_file(ec) && known_extension(e.path().string())) files.push_back(e.path().string());
  if (ec) throw Error(path, "cannot list folder: " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(path, "folder holds no pose file (no known extension, and not a folder format)");
  for (const auto& f : files) append(side, read_poses(f, options), f);
  return side;
}

std::string join_names(const std::vector<std::string>& names, size_t max_shown = 10) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max_shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > max_shown) out += fmt::format(", ... ({} in all)", names.size());
  return out;
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string fmt_value(const Metric& m, double v) {
  if (!std::isfinite(v)) return "n/a";
  return m.units == "fraction" ? fmt::format("{:.4f}", v) : fmt::format("{:.3f}", v);
}

std::string skeleton_name(const MetricsReport& r) {
  return r.skeleton->name.empty() ? std::string("file-defined") : r.skeleton->name;
}

void print_json(const EvalArgs& a, const MetricsReport& r, const std::vector<std::string>& skipped) {
  nlohmann::json j;
  j["pred"] = a.pred;
  j["gt"] = a.gt;
  j["dims"] = r.dims;
  j["units"] = r.units;
  j["skeleton"] = skeleton_name(r);
  j["root"] = r.root;
  j["sequences"] = r.sequences.size();
  j["frames"] = r.frames;
  j["entries"] = r.entries;
  j["gt_missing"] = r.gt_missing;
  j["pred_missing"] = r.pred_missing;
  j["pred_missing_policy"] = a.strict ? "error" : "excluded";
  j["unmatched_skipped"] = skipped;
  nlohmann::json metrics = nlohmann::json::object();
  for (const Metric* m : r.metrics())
    metrics[m->key] = {{"label", m->label}, {"value", num(m->value)}, {"units", m->units}, {"count", m->count}};
  j["metrics"] = metrics;
  if (a.per_joint) {
    nlohmann::json pj = nlohmann::json::object();
    for (const Metric* m : r.metrics()) {
      nlohmann::json row = nlohmann::json::object();
      for (size_t k = 0; k < m->per_joint.size(); ++k) row[r.skeleton->joints[k]] = num(m->per_joint[k]);
      pj[m->key] = row;
    }
    j["per_joint"] = pj;
  }
  if (a.per_sequence) {
    nlohmann::json ps = nlohmann::json::array();
    for (size_t s = 0; s < r.sequences.size(); ++s) {
      const SequenceStats& st = r.sequences[s];
      nlohmann::json row{{"name", st.name},
                         {"frames", st.frames},
                         {"gt_missing", st.gt_missing},
                         {"pred_missing", st.pred_missing}};
      if (r.dims == 3) row["root_missing_frames"] = st.root_missing_frames;
      nlohmann::json ms = nlohmann::json::object();
      for (const Metric* m : r.metrics()) ms[m->key] = num(m->per_sequence[s]);
      row["metrics"] = ms;
      ps.push_back(row);
    }
    j["per_sequence"] = ps;
  }
  j["notes"] = r.notes;
  std::cout << j.dump(2) << "\n";
}

// One table: a row label column, then one column per metric ("label [units]").
void print_breakdown(const std::string& title, const std::string& row_header, const std::vector<std::string>& rows,
                     const std::vector<const Metric*>& metrics, bool per_joint) {
  size_t w0 = row_header.size();
  for (const auto& r : rows) w0 = std::max(w0, r.size());
  std::vector<std::string> heads;
  std::vector<size_t> widths;
  for (const Metric* m : metrics) {
    heads.push_back(m->units == "fraction" ? m->label : m->label + " [" + m->units + "]");
    widths.push_back(std::max<size_t>(heads.back().size(), 9));
  }
  fmt::print("\n{}\n{:<{}}", title, row_header, w0);
  for (size_t c = 0; c < heads.size(); ++c) fmt::print("  {:>{}}", heads[c], widths[c]);
  fmt::print("\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    fmt::print("{:<{}}", rows[i], w0);
    for (size_t c = 0; c < metrics.size(); ++c) {
      const Metric& m = *metrics[c];
      const double v = per_joint ? m.per_joint[i] : m.per_sequence[i];
      fmt::print("  {:>{}}", fmt_value(m, v), widths[c]);
    }
    fmt::print("\n");
  }
}

void print_text(const EvalArgs& a, const MetricsReport& r, const std::vector<std::string>& skipped) {
  const std::string units = r.units.empty() ? "unknown units" : r.units;
  fmt::print("eval: {} sequence{}, {} frames, {} joints ({}), {}D, {}{}\n", r.sequences.size(),
             r.sequences.size() == 1 ? "" : "s", r.frames, r.skeleton->num_joints(), skeleton_name(r), r.dims, units,
             r.dims == 3 ? ", root " + r.root : std::string());
  const auto metrics = r.metrics();
  size_t w = 6;
  for (const Metric* m : metrics) w = std::max(w, m->label.size());
  fmt::print("  {:<{}}  {:>12}  {:<12} {}\n", "metric", w, "value", "units", "n");
  for (const Metric* m : metrics)
    fmt::print("  {:<{}}  {:>12}  {:<12} {}\n", m->label, w, fmt_value(*m, m->value), m->units, m->count);
  if (r.pred_missing)
    fmt::print("excluded: {} of {} (frame, joint) entries where the prediction is missing but the ground truth is present "
               "(--strict to fail instead)\n",
               r.pred_missing, r.entries);
  if (r.gt_missing) fmt::print("skipped: {} (frame, joint) entries without ground truth\n", r.gt_missing);
  if (!skipped.empty()) fmt::print("unmatched sequences skipped: {}\n", join_names(skipped));
  for (const auto& n : r.notes) fmt::print("note: {}\n", n);
  if (a.per_joint) print_breakdown("per joint:", "joint", r.skeleton->joints, metrics, true);
  if (a.per_sequence) {
    std::vector<std::string> names;
    for (const auto& s : r.sequences) names.push_back(s.name);
    print_breakdown("per sequence:", "sequence", names, metrics, false);
  }
}

void run_eval(const EvalArgs& a) {
  if (a.pck_ref != "box" && a.pck_ref != "torso" && a.pck_ref != "both")
    throw Error("--pck-ref", "expected box, torso or both, got '" + a.pck_ref + "'");
  ReadOptions pred_opts = a.in.to_read_options();
  ReadOptions gt_opts = a.gt_in.to_read_options();
  // The gt side inherits the skeleton / fps overrides unless it has its own.
  if (gt_opts.skeleton.empty()) gt_opts.skeleton = pred_opts.skeleton;
  if (gt_opts.fps <= 0) gt_opts.fps = pred_opts.fps;

  MetricsOptions options;
  options.root = a.root;
  options.pck_alphas = a.alphas;
  options.pck_box = a.pck_ref != "torso";
  options.pck_torso = a.pck_ref != "box";
  options.strict = a.strict;

  const Side pred = load(a.pred, pred_opts);
  const Side gt = load(a.gt, gt_opts);
  const SequenceMatching match = match_sequences(pred.tracks, gt.tracks);
  std::vector<std::string> skipped;
  if (!match.pred_only.empty() || !match.gt_only.empty()) {
    std::string what;
    if (!match.pred_only.empty()) what += "only in prediction: " + join_names(match.pred_only);
    if (!match.gt_only.empty()) what += std::string(what.empty() ? "" : "; ") + "only in ground truth: " + join_names(match.gt_only);
    if (!a.allow_unmatched || match.matched.empty())
      throw Error(a.pred, "sequences not matched by name (" + what + ")" +
                              (match.matched.empty() ? std::string() : "; --allow-unmatched to skip them"));
    skipped = match.pred_only;
    skipped.insert(skipped.end(), match.gt_only.begin(), match.gt_only.end());
  }

  Evaluator ev(options);
  for (const auto& m : match.matched) {
    std::string where = pred.files[m.pred] + " vs " + gt.files[m.gt];
    if (pred.tracks.size() > 1 || gt.tracks.size() > 1) where += " [" + m.name + "]";
    ev.add(pred.tracks[m.pred], gt.tracks[m.gt], m.name, where);
  }
  const MetricsReport r = ev.report();
  if (options.pck_torso && r.dims == 2 && r.pck_torso.empty() && !a.alphas.empty())
    throw Error("--pck-ref", "skeleton " + skeleton_name(r) + " has no left_shoulder/right_hip for the torso size");
  if (a.json) print_json(a, r, skipped);
  else print_text(a, r, skipped);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Accuracy / smoothness metrics of predictions against ground truth (MPJPE, PA-MPJPE, PCK, accel error, ...)");
  cmd->add_option("--pred", args->pred, "Predicted poses: file or folder")->required();
  cmd->add_option("--gt", args->gt, "Ground-truth poses: file or folder; sequences are paired by name")->required();
  args->in.add_to(*cmd);
  cmd->add_option("--gt-format", args->gt_in.format, "Ground-truth format (default: from the extension / folder contents)");
  cmd->add_option("--gt-skeleton", args->gt_in.skeleton, "Ground-truth skeleton, for formats that do not name one (default: --skeleton)");
  cmd->add_option("--gt-fps", args->gt_in.fps, "Ground-truth frame rate override (default: --fps)")->check(CLI::PositiveNumber);
  cmd->add_option("--gt-param", args->gt_in.params, "Ground-truth format-specific KEY=VALUE (e.g. kind=gt2d_mpii)");
  cmd->add_flag("--json", args->json, "Print one machine-readable JSON object");
  cmd->add_flag("--per-joint", args->per_joint, "Add the per-joint breakdown");
  cmd->add_flag("--per-sequence", args->per_sequence, "Add the per-sequence breakdown");
  cmd->add_option("--root", args->root,
                  "Root joint for root-relative 3D metrics: a joint name, hip_mid, or none (default: pelvis / hip midpoint)");
  cmd->add_option("--pck-alphas", args->alphas, "PCK thresholds as fractions of the reference size")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--pck-ref", args->pck_ref, "PCK reference size: box (Sub-JHMDB: max side of the gt box), torso, or both")
      ->capture_default_str();
  cmd->add_flag("--strict", args->strict, "Fail when a prediction is missing where the ground truth is present");
  cmd->add_flag("--allow-unmatched", args->allow_unmatched, "Skip sequences present on one side only instead of failing");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace kinepose::cli
