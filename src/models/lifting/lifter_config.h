// Hyper-parameters of kinepose's 2D -> 3D lifters, and what a lifter's weights file must say about
// the data it was trained on. Torch-free on purpose (the CLI and the trainer's interface read it).
//   fcn    Martinez et al., "A simple yet effective baseline for 3d human pose estimation", ICCV
//          2017: per frame, Linear(2J -> S) + BN + ReLU + dropout, `stages` residual blocks of two
//          such layers, Linear(S -> 3(K-1)). Published: S = 1024, 2 blocks, dropout 0.5.
//   dgnet  DG-Net (Zhang et al., "Learning Dynamical Human-Joint Affinity for 3D Pose Estimation in
//          Videos", IEEE TIP 2021): a window of `window` frames; blocks of a dynamical spatial graph
//          convolution (joint affinity per video from the distance between joint embeddings, top-k
//          neighbours, beside the skeleton graph) and a dynamical temporal graph convolution (frame
//          affinity per joint from the similarity of the joint's motion, within +-radius frames,
//          beside a fixed temporal convolution). Details and deviations: docs/lifting.md.
// Input: 2D joints of `in_skeleton` in pixels, mapped to screen coordinates (x / w * 2 - 1,
// y / w * 2 - h / w; w, h = the image size), then standardised per coordinate with statistics of
// the training data (stored in the weights). Output: root-relative 3D of `out_skeleton` in the
// camera frame (`units`), the root joint at the origin; the network predicts the other joints,
// standardised with the training data's statistics.
#pragma once

#include <map>
#include <string>

namespace kinepose {

struct LifterConfig {
  std::string arch = "fcn";             // "fcn" | "dgnet"
  std::string in_skeleton = "mpii16";
  int in_joints = 16;
  std::string out_skeleton = "h36m17";
  int out_joints = 17;
  int root = 0;                         // output joint at the origin (not predicted)
  std::string units = "mm";
  double fps = 50.0;                    // of the training data (dgnet windows are in frames)
  double dropout = 0.5;
  // Test-time flip averaging: also lift the mirrored input (x -> -x, left/right joints swapped),
  // mirror that output back and average the two (Martinez et al. / VideoPose3D's test-time
  // augmentation). A property of the weights file; `kinepose lift --flip-test` overrides it.
  bool flip_test = false;
  // fcn
  int linear_size = 1024;
  int stages = 2;
  // dgnet
  int window = 27;                      // frames per window (odd)
  int hidden = 64;                      // feature width per joint
  int blocks = 3;
  int neighbours = 4;                   // k of the dynamical spatial graph
  int radius = 4;                       // frames on each side in the dynamical temporal graph
  // Per-frame head on the flattened joint features: 0 = one Linear(J H -> outputs) (the first
  // release); S > 0 = Linear(J H -> S), LayerNorm, ReLU, dropout, one residual block of two such
  // S-wide layers, Linear(S -> outputs) -- an FCN-sized head that reasons over all joints at once.
  int head_hidden = 0;
  // With head_hidden > 0: the head also sees the frame's standardised 2D input, through a
  // Linear(2J -> S) without bias added to Linear(J H -> S) before its LayerNorm (zero-initialised,
  // so a model initialised from one without it starts with the same outputs).
  bool head_frame = false;

  int in_values() const { return in_joints * 2; }
  int out_values() const { return (out_joints - 1) * 3; }  // predicted: every joint but the root
  int frames_per_window() const { return arch == "dgnet" ? window : 1; }

  void validate() const;  // Error("lifter config", "<field>: ...")
  std::map<std::string, std::string> to_metadata() const;  // "format" = "lifter"
  static LifterConfig from_metadata(const std::map<std::string, std::string>& m, const std::string& where);
  // "fcn" (Martinez, published sizes) | "dgnet" (kinepose's CPU-sized DG-Net, docs/lifting.md).
  static LifterConfig preset(const std::string& name);
};

}  // namespace kinepose
