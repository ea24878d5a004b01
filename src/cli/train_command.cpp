// `kinepose train --config FILE [--epochs N] [--out DIR] [--resume]`: trains a HANet model on pairs
// of (noisy input, ground truth) pose files; see docs/training.md for the configuration keys.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "kinepose/error.h"
#include "training/hanet_trainer.h"
#include "training/lifter_trainer.h"

namespace kinepose::cli {

namespace {

struct TrainArgs {
  std::string config, out;
  int epochs = 0, threads = -1;
  bool resume = false, no_progress = false, quiet = false;
};

// "task": "lift" configurations: a 2D -> 3D lifter (docs/lifting.md).
void run_lifter_training(const TrainArgs& a) {
  LifterTrainConfig c = load_lifter_config(a.config);
  if (a.epochs > 0) c.epochs = a.epochs;
  if (!a.out.empty()) c.out_dir = a.out;
  if (a.resume) throw Error("--resume", "lifter training does not resume (it restarts from the configuration)");
  if (a.threads >= 0) c.threads = a.threads;
  if (a.no_progress) c.progress = false;
  c.quiet = a.quiet;
  c.validate(a.config);
  const LifterTrainResult r = train_lifter(c);
  if (a.quiet) return;
  fmt::print("best epoch {}: {} {:.4g}{}; wrote {}\n", r.best_epoch, r.val_frames > 0 ? "val MPJPE" : "train loss",
             r.best_val, r.val_frames > 0 ? " " + c.model.units : "", r.best_path);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a refinement model (HANet, SmoothNet, DeciWatch) or a 2D-to-3D lifter (FCN, DG-Net)");
  cmd->footer(
      "The configuration (JSON) names a preset (compact, jhmdb_2d, h36m_3d), model overrides, the train / val pairs "
      "and the optimisation settings; see docs/training.md. With \"task\": \"lift\" it trains a lifter instead "
      "(presets fcn, dgnet; docs/lifting.md). Writes OUT/best.safetensors (usable with `kinepose refine "
      "--model`), OUT/last.* (resumable checkpoint) and OUT/log.jsonl.");
  cmd->add_option("--config", a->config, "Training configuration (JSON or YAML; docs/training.md)")->required();
  cmd->add_option("--epochs", a->epochs, "Total epochs (overrides the configuration)")->check(CLI::PositiveNumber);
  cmd->add_option("--out", a->out, "Output folder (overrides out_dir)");
  cmd->add_flag("--resume", a->resume, "Continue from OUT/last.* when present");
  cmd->add_option("--threads", a->threads, "CPU threads (default: the configuration's, else all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-progress", a->no_progress, "No progress bar");
  cmd->add_flag("-q,--quiet", a->quiet, "No per-epoch summary");

  cmd->callback([a] {
    if (training_task(a->config) == "lift") {
      run_lifter_training(*a);
      return;
    }
    hanet::TrainConfig c = hanet::load_train_config(a->config);
    if (a->epochs > 0) c.epochs = a->epochs;
    if (!a->out.empty()) c.out_dir = a->out;
    if (a->resume) c.resume = true;
    if (a->threads >= 0) c.threads = a->threads;
    if (a->no_progress) c.progress = false;
    c.quiet = a->quiet;
    c.validate(a->config);
    const hanet::TrainResult r = hanet::train_hanet(c);
    if (a->quiet) return;
    if (r.epochs.empty()) {
      fmt::print("nothing to do: the checkpoint in {} already has {} epochs\n", c.out_dir, c.epochs);
      return;
    }
    const hanet::EpochLog& last = r.epochs.back();
    if (std::isfinite(last.val_error))
      fmt::print("best epoch {}: val {} {:.4g} {} (raw input {:.4g}); wrote {}\n", r.best_epoch, last.metric, r.best_val,
                 last.units, last.input_error, r.best_path);
    else
      fmt::print("best epoch {} (train loss {:.5g}, no validation data); wrote {}\n", r.best_epoch, r.best_val,
                 r.best_path);
  });
}

}  // namespace kinepose::cli
