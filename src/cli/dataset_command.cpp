// `kinepose dataset ...`: training-pair builders and the fitted detector-noise model.
//   dataset build h36m  [--data DIR] --out DIR [--train S1,..] [--val S9] [--cameras C,..] [--actions A,..] [--lifter W [--fold-lifter S=W ..]]
//   dataset build penn  [--data DIR] --noise MODEL.json --out DIR [--seed S]
//   dataset build mocap --data FILE_OR_FOLDER --noise MODEL.json --out DIR [--cameras-per-clip K] [--seed S]
//   dataset fit-noise   [--data DIR] [--subjects S1,..] -o MODEL.json
//   dataset noise-report [--data DIR] --model MODEL.json [--subjects S9] [--seed S] [--markdown]
// Usage and the noise-model report: docs/datasets.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "kinepose/error.h"
#include "synthetic/noise_model.h"
#include "training/dataset_builder.h"
#include "util/progress.h"

namespace kinepose::cli {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

struct DatasetArgs {
  std::string data, out, noise, model, lifter;
  std::vector<std::string> train{"S1", "S5", "S6", "S7", "S8"}, val{"S9"}, cameras, actions, fold_lifters;
  std::vector<std::string> fit_subjects{"S1", "S5", "S6", "S7", "S8"}, report_subjects{"S9"};
  int cameras_per_clip = 4;
  uint64_t seed = 0;
  double outlier_k = kOutlierK;
  bool markdown = false, quiet = false, swap_errors = false;
};

// Drops empty entries, so `--val ''` means "no validation split".
std::vector<std::string> non_empty(const std::vector<std::string>& v) {
  std::vector<std::string> r;
  for (const auto& s : v)
    if (!s.empty()) r.push_back(s);
  return r;
}

const char* kDefaultH36m = "../shared/data/h36m_sh";
const char* kDefaultPenn = "../shared/data/penn_action";

void print_summary(const DatasetArgs& a, const std::string& out, const DatasetSummary& s) {
  if (a.quiet) return;
  std::printf("wrote %s (%lld files, %lld sequences, %lld frames)\n", out.c_str(), static_cast<long long>(s.files / 2),
              static_cast<long long>(s.sequences), static_cast<long long>(s.frames));
}

}  // namespace

void add_dataset_command(CLI::App& app) {
  auto a = std::make_shared<DatasetArgs>();
  CLI::App* cmd = app.add_subcommand("dataset", "Build training pairs; fit / report the detector-noise model");
  cmd->require_subcommand(1);
  CLI::App* build = cmd->add_subcommand("build", "Write (input, target) pose pairs for `kinepose train`");
  build->require_subcommand(1);

  // build h36m
  CLI::App* h36m = build->add_subcommand("h36m", "Human3.6M: real Stacked-Hourglass detections vs projected ground truth");
  h36m->add_option("--data", a->data, std::string("Human3.6M folder (default ") + kDefaultH36m + ")");
  h36m->add_option("--out", a->out, "Output folder (train/, val/, dataset.json)")->required();
  h36m->add_option("--train", a->train, "Training subjects (comma-separated)")->delimiter(',');
  h36m->add_option("--val", a->val, "Validation subjects (comma-separated)")->delimiter(',');
  h36m->add_option("--cameras", a->cameras, "Cameras (comma-separated; default all four)")->delimiter(',');
  h36m->add_option("--actions", a->actions, "Only these actions (comma-separated, e.g. Walking,Eating; default all)")
      ->delimiter(',');
  h36m->add_option("--lifter", a->lifter,
                   "Lifter weights: build 3D refinement pairs instead (the lifter's 3D on the detections vs root-relative "
                   "camera-frame ground truth, h36m17 mm)");
  h36m->add_flag("--swap-errors", a->swap_errors,
                 "With --lifter: training inputs = ground truth + another sequence's lifting error (docs/lifting.md)");
  h36m->add_option("--fold-lifter", a->fold_lifters,
                   "With --lifter: SUBJECT=WEIGHTS, lift that training subject with a lifter trained without it "
                   "(out-of-fold inputs; repeat per subject)");
  h36m->add_flag("-q,--quiet", a->quiet, "No summary line");
  h36m->callback([a] {
    H36mBuildOptions o;
    o.data_dir = a->data.empty() ? kDefaultH36m : a->data;
    o.out_dir = a->out;
    o.train = non_empty(a->train);
    o.val = non_empty(a->val);
    o.cameras = non_empty(a->cameras);
    o.actions = non_empty(a->actions);
    o.lifter = a->lifter;
    o.swap_errors = a->swap_errors;
    if (o.swap_errors && o.lifter.empty()) throw Error("--swap-errors", "only with --lifter");
    std::string folds;
    for (const auto& f : a->fold_lifters) {
      const size_t eq = f.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == f.size())
        throw Error("--fold-lifter", "expected SUBJECT=WEIGHTS, got '" + f + "'");
      if (!o.fold_lifters.emplace(f.substr(0, eq), f.substr(eq + 1)).second)
        throw Error("--fold-lifter", "subject " + f.substr(0, eq) + " given twice");
      folds += " --fold-lifter " + f;
    }
    o.command_line = fmt::format("kinepose dataset build h36m --data {} --out {} --train '{}' --val '{}'{}", o.data_dir,
                                 o.out_dir, join(o.train), join(o.val), (o.cameras.empty() ? "" : " --cameras " + join(o.cameras)) +
                                     (o.actions.empty() ? "" : " --actions " + join(o.actions)) +
                                     (o.lifter.empty() ? "" : " --lifter " + o.lifter) +
                                     (o.swap_errors ? " --swap-errors" : "") + folds);
    print_summary(*a, o.out_dir, build_h36m_dataset(o));
  });

  // build penn
  CLI::App* penn = build->add_subcommand("penn", "Penn Action train split: ground truth + fitted detector noise");
  penn->add_option("--data", a->data, std::string("Penn Action folder or penn_action_train.npz (default ") + kDefaultPenn + ")");
  penn->add_option("--noise", a->noise, "Noise model JSON (e.g. models/noise/h36m_sh_mpii16.json)")->required();
  penn->add_option("--out", a->out, "Output folder (input/, target/, dataset.json)")->required();
  penn->add_option("--seed", a->seed, "Noise seed");
  penn->add_flag("-q,--quiet", a->quiet, "No summary line");
  penn->callback([a] {
    PennBuildOptions o;
    o.data = a->data.empty() ? kDefaultPenn : a->data;
    o.noise_model = a->noise;
    o.out_dir = a->out;
    o.seed = a->seed;
    o.command_line = fmt::format("kinepose dataset build penn --data {} --noise {} --out {} --seed {}", o.data, o.noise_model,
                                 o.out_dir, o.seed);
    print_summary(*a, o.out_dir, build_penn_dataset(o));
  });

  // build mocap
  CLI::App* mocap = build->add_subcommand("mocap", "Mocap (BVH, ASF/AMC) through random virtual cameras + fitted noise");
  mocap->add_option("--data", a->data, "A .bvh / .amc file or a folder of them")->required();
  mocap->add_option("--noise", a->noise, "Noise model JSON")->required();
  mocap->add_option("--out", a->out, "Output folder (input/, target/, dataset.json)")->required();
  mocap->add_option("--cameras-per-clip", a->cameras_per_clip, "Virtual cameras per clip (default 4)");
  mocap->add_option("--seed", a->seed, "Camera and noise seed");
  mocap->add_flag("-q,--quiet", a->quiet, "No summary line");
  mocap->callback([a] {
    MocapBuildOptions o;
    o.data = a->data;
    o.noise_model = a->noise;
    o.out_dir = a->out;
    o.cameras_per_clip = a->cameras_per_clip;
    o.seed = a->seed;
    o.command_line = fmt::format("kinepose dataset build mocap --data {} --noise {} --out {} --cameras-per-clip {} --seed {}",
                                 o.data, o.noise_model, o.out_dir, o.cameras_per_clip, o.seed);
    print_summary(*a, o.out_dir, build_mocap_dataset(o));
  });

  // fit-noise
  CLI::App* fit = cmd->add_subcommand("fit-noise", "Fit the detector-noise model to Human3.6M residuals");
  fit->add_option("--data", a->data, std::string("Human3.6M folder (default ") + kDefaultH36m + ")");
  fit->add_option("--subjects", a->fit_subjects, "Subjects to fit on (default S1,S5,S6,S7,S8)")->delimiter(',');
  fit->add_option("-o,--out", a->out, "Output model JSON")->required();
  fit->add_option("--outlier-k", a->outlier_k, "Outlier threshold in robust sigmas (default 5)");
  fit->callback([a] {
    const std::string data = a->data.empty() ? kDefaultH36m : a->data;
    const auto t0 = std::chrono::steady_clock::now();
    const PosePairs pairs = load_h36m_pairs(data, a->fit_subjects, {}, ProgressBar::should_draw());
    NoiseModel m = fit_noise_model(pairs, a->outlier_k);
    m.source = fmt::format("Human3.6M Stacked-Hourglass detections vs gt2d_mpii, subjects {}, all cameras", join(a->fit_subjects));
    save_noise_model(m, a->out);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("wrote %s (%zu joints, %lld sequences, %lld frames, %.1f s)\n", a->out.c_str(), m.joints.size(),
                static_cast<long long>(m.sequences), static_cast<long long>(m.frames), sec);
  });

  // noise-report
  CLI::App* rep = cmd->add_subcommand("noise-report", "Real vs synthetic noise statistics on Human3.6M subjects");
  rep->add_option("--data", a->data, std::string("Human3.6M folder (default ") + kDefaultH36m + ")");
  rep->add_option("--model", a->model, "Noise model JSON")->required();
  rep->add_option("--subjects", a->report_subjects, "Subjects to compare on (default S9)")->delimiter(',');
  rep->add_option("--seed", a->seed, "Noise seed");
  rep->add_flag("--markdown", a->markdown, "Markdown table");
  rep->callback([a] {
    const std::string data = a->data.empty() ? kDefaultH36m : a->data;
    const NoiseModel m = load_noise_model(a->model);
    PosePairs real = load_h36m_pairs(data, a->report_subjects, {}, ProgressBar::should_draw());
    const NoiseStats rs = noise_stats(real);
    PosePairs syn;
    syn.reserve(real.size());
    for (size_t i = 0; i < real.size(); ++i) {
      PoseSequence gt = std::move(real[i].second);
      PoseSequence noisy = apply_noise(gt, m, a->seed * 1000003ull + i);
      syn.emplace_back(std::move(noisy), std::move(gt));
      real[i].first = PoseSequence();
    }
    const NoiseStats ss = noise_stats(syn);
    std::printf("Real (Stacked-Hourglass detections) vs synthetic (model %s applied to the ground truth), subjects %s, "
                "all cameras, %lld frames; px, accel px/frame^2, outl%% = |err| > %.2f person size, swap%% = outliers "
                "nearer the mirrored joint's ground truth\n\n",
                a->model.c_str(), join(a->report_subjects).c_str(), static_cast<long long>(rs.joints.empty() ? 0 : rs.overall.count / static_cast<int64_t>(rs.joints.size())),
                kStatsOutlier);
    std::fputs(noise_report_table(rs, ss, a->markdown).c_str(), stdout);
  });
}

}  // namespace kinepose::cli
