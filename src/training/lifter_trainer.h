// Training a 2D -> 3D lifter (`kinepose train` with "task": "lift"; docs/lifting.md): FCN
// (Martinez) per frame or DG-Net over windows, on Human3.6M detections vs camera-frame ground truth
// (subjects chosen in the configuration) or on any (2D input, 3D target) file pairs. Standardisation
// statistics come from the training data and are stored in the weights. Adam, exponential decay
// per epoch, gradient norm clipped to 1, best weights by validation MPJPE. Torch-free interface.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kinepose/pose.h"
#include "models/lifting/lifter_config.h"
#include "training/training_data.h"

namespace kinepose {

struct LifterTrainConfig {
  LifterConfig model;
  // Human3.6M source (the h36m_sh folder): detections (MPII-16) vs gt3d_camera (H36M-17), one pair
  // per subject x trial x camera.
  std::string h36m;
  std::vector<std::string> train_subjects{"S1", "S5", "S6", "S7", "S8"}, val_subjects{"S9"};
  std::vector<std::string> cameras, actions;  // empty = all
  // Or file pairs: 2D input of model.in_skeleton (with image size) and 3D target of out_skeleton.
  std::vector<TrainPair> train, val;
  int epochs = 10;
  int batch_size = 256;        // frames (fcn) or windows (dgnet) per step
  double lr = 1e-3;
  double lr_decay = 0.96;      // per epoch
  double weight_decay = 0.0;
  std::string loss = "";       // "mse" (standardised, Martinez) | "mpjpe" (mean joint distance); "" = by arch
  int frame_stride = 4;        // fcn: an epoch uses every frame_stride-th frame (the offset rotates)
  int window_stride = 0;       // dgnet: windows start every window_stride frames, random offset; 0 = window
  bool flip = false;           // dgnet/fcn: mirror half of the samples (x -> -x, left/right swapped)
  // Start from these lifter weights (parameters, BatchNorm statistics and standardisation) instead
  // of a fresh initialisation, e.g. to train a shipped lifter longer; its architecture and skeletons
  // must equal `model`'s. The optimiser state starts fresh (set `lr` to continue a decay).
  std::string init;
  int val_max_frames = 0;      // validation uses the first N frames of each sequence, 0 = all
  int max_steps_per_epoch = 0; // 0 = no limit
  uint64_t seed = 0;
  int threads = 0;             // 0 = all cores
  std::string out_dir = "train_out";
  bool progress = true;
  bool quiet = false;

  void validate(const std::string& where) const;
};

// Parses a lifter training configuration (JSON text; keys in docs/lifting.md); relative paths
// resolve against base_dir. Errors name `where` and the field.
LifterTrainConfig parse_lifter_config(const std::string& json_text, const std::string& where,
                                      const std::string& base_dir = "");

// The "task" of a training configuration file (JSON or YAML): "refine" (default) or "lift".
std::string training_task(const std::string& path);
LifterTrainConfig load_lifter_config(const std::string& path);

struct LifterEpochLog {
  int epoch = 0;
  int64_t step = 0;
  double loss = 0;
  double val_mpjpe = 0;  // NaN without validation data
  double lr = 0, seconds = 0;
  bool best = false;
};

struct LifterTrainResult {
  std::vector<LifterEpochLog> epochs;
  int best_epoch = 0;
  double best_val = 0;
  std::string best_path, last_path;
  int64_t train_frames = 0, val_frames = 0;
};

// Trains; writes out_dir/{best.safetensors, last.safetensors, log.jsonl}.
LifterTrainResult train_lifter(const LifterTrainConfig& config,
                               const std::function<void(const LifterEpochLog&)>& on_epoch = {});
// The same on tracks already in memory (inputs[i] 2D, targets[i] 3D, same frames).
LifterTrainResult train_lifter_on(const LifterTrainConfig& config, const Tracks& train_in, const Tracks& train_gt,
                                  const Tracks& val_in, const Tracks& val_gt,
                                  const std::function<void(const LifterEpochLog&)>& on_epoch = {});

// Human3.6M (detections, gt3d_camera) tracks of the given subjects, paired by name.
void load_h36m_lifting_pairs(const std::string& h36m, const std::vector<std::string>& subjects,
                             const std::vector<std::string>& cameras, const std::vector<std::string>& actions,
                             Tracks& inputs, Tracks& targets);

}  // namespace kinepose
