// Training HANet in C++ (`kinepose train`): the published objective (hanet_loss), AdamW with amsgrad,
// linear warm-up then exponential decay per epoch, dropout in train mode, seeded augmentation, and
// checkpoints that resume exactly. Torch-free interface so the CLI does not pay LibTorch's compile
// cost.
//
// Data: pairs of (noisy input, ground truth) pose files, or folders whose files pair up by file
// stem; tracks inside a pair pair up by sequence name (one track on each side always pairs).
// Windows of L frames are drawn at every start offset of every training sequence (sequences
// shorter than L are padded by repeating the last frame, as in refinement). Both sides are mapped
// into model space with the normalisation of the *input* (make_normalization of the refiner, after
// filling missing joints exactly as refinement does), so training sees what inference will feed.
//
// Exact resume: the model is initialised from `seed`; at the start of epoch e the torch generator
// (dropout) and the std::mt19937_64 (shuffling, augmentation) are re-seeded from (seed, e), and the
// learning rate is a pure function of (epoch, step). So weights + optimiser state + epoch, written
// after every epoch (out_dir/last.safetensors, last.optim, last.json), are the whole state of a run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/hanet/hanet_config.h"
#include "training/training_data.h"

namespace kinepose::hanet {

using kinepose::TrainPair;  // training/training_data.h

struct AugmentOptions {
  bool flip = false;       // with probability 1/2: mirror x about the window's centre, swap left/right joints
  double scale = 0.0;      // factor uniform in [1 - scale, 1 + scale] about the window's centre
  double rotate_deg = 0.0; // in-plane (x, y) rotation uniform in [-rotate_deg, rotate_deg] about the centre
};

struct TrainConfig {
  HanetConfig model;  // preset + overrides (skeleton, dims, input_normalization, dropout, ...)
  std::vector<TrainPair> train, val;
  int epochs = 10;
  int batch_size = 32;
  double lr = 1e-3;
  double weight_decay = 0.01;
  double warmup_epochs = 0.0;  // linear warm-up over this many epochs' steps
  double lr_decay = 1.0;       // multiplied in once per epoch after the warm-up
  // Loss (HanetLossOptions): published 2D defaults.
  double loss_lambda = 5.0;
  double loss_w_encoder = 1.0;
  bool loss_detach = false;
  bool loss_ohkm = true;
  // kinepose's extension (0 = the published objective): + w_accel * mean |second difference in time
  // of the final output - that of the ground truth| over the window, for every architecture.
  double loss_w_accel = 0.0;
  uint64_t seed = 0;
  int threads = 0;               // 0 = all cores
  AugmentOptions augment;
  int max_steps_per_epoch = 0;   // 0 = every window once per epoch
  int val_stride = 0;            // refinement stride for validation, 0 = N (as `kinepose refine`)
  std::string out_dir = "train_out";
  bool resume = false;           // continue from out_dir/last.* when present
  bool progress = true;          // progress bar (only drawn on a terminal)
  bool quiet = false;            // no per-epoch summary on stdout

  void validate(const std::string& where) const;  // Error(where, "<field>: ...")
};

// Parses the JSON text of a training configuration (see docs/training.md). Unknown keys, wrong
// types and out-of-range values are an Error naming `where` and the field. Relative paths
// (pairs, out_dir) are resolved against `base_dir` when it is not empty.
TrainConfig parse_train_config(const std::string& json_text, const std::string& where, const std::string& base_dir = "");
// Reads FILE (JSON) and parses it with its folder as base_dir.
TrainConfig load_train_config(const std::string& path);

struct EpochLog {
  int epoch = 0;           // 1-based, completed epochs
  int64_t step = 0;        // optimiser steps so far
  double loss = 0, l1 = 0, l_final = 0, l_encoder = 0, l_oml = 0;  // epoch means (sums over channels)
  double val_error = 0;    // NaN when there is no validation data
  double input_error = 0;  // the raw validation inputs' error (NaN without validation data)
  std::string metric;      // "error_2d" | "mpjpe" | "l2"
  std::string units;
  double lr = 0;           // learning rate of the epoch's last step
  double seconds = 0;
  bool best = false;
};

struct TrainResult {
  std::vector<EpochLog> epochs;  // epochs run by this call (not those before a resume)
  int best_epoch = 0;
  double best_val = 0;
  std::string best_path, last_path;
  int64_t train_windows = 0, val_sequences = 0;
};

// Runs the training; writes out_dir/{best.safetensors, last.safetensors, last.optim, last.json,
// log.jsonl}. `on_epoch` (optional) sees every epoch's log line.
TrainResult train_hanet(const TrainConfig& config, const std::function<void(const EpochLog&)>& on_epoch = {});

}  // namespace kinepose::hanet
