// Lifting 2D pose sequences to 3D with a trained lifter (`kinepose lift`): checks the input
// against the weights' metadata, fills missing joints, maps pixels to the model's input, runs the
// network (per frame for FCN; overlapping windows averaged for DG-Net), and returns root-relative
// camera-frame 3D of the lifter's output skeleton. Torch-free interface (pimpl).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kinepose/pose.h"
#include "models/lifting/lifter_config.h"

namespace kinepose {

// 2D track -> model input rows (frames x in_values): screen coordinates x / w * 2 - 1,
// y / w * 2 - h / w. Throws Error(where, ...) for a wrong skeleton, 3D input, no image size, or a
// NaN (fill missing joints first).
std::vector<float> lifter_input_rows(const PoseSequence& seq, const LifterConfig& c, const std::string& where);
// 3D ground truth -> target rows (frames x out_values): every joint but the root, minus the root.
// Throws Error(where, ...) for a wrong skeleton or 2D input.
std::vector<float> lifter_target_rows(const PoseSequence& seq, const LifterConfig& c, const std::string& where);
// Target rows -> a root-relative 3D sequence of the output skeleton (root at the origin).
PoseSequence lifter_rows_to_pose(const std::vector<float>& rows, int frames, const LifterConfig& c);
// 3D ground truth -> what the lifter predicts for it: root-relative (root at the origin), same
// name and fps. Throws Error(where, ...) like lifter_target_rows.
PoseSequence lifter_target_pose(const PoseSequence& gt3d, const LifterConfig& c, const std::string& where);

struct LiftReport {
  int64_t frames = 0, windows = 0;  // windows: network evaluations of `window` frames (DG-Net)
  int64_t filled_entries = 0;       // (frame, joint) entries missing in the input, filled
};

class PoseLifter {
 public:
  explicit PoseLifter(const std::string& weights_path);  // Error naming the file when invalid
  ~PoseLifter();
  PoseLifter(const PoseLifter&) = delete;
  PoseLifter& operator=(const PoseLifter&) = delete;

  const LifterConfig& config() const;
  const std::string& path() const;
  // Test-time flip averaging (LifterConfig::flip_test); starts as the weights file says.
  bool flip_test() const;
  void set_flip_test(bool on);
  // One 2D track -> its 3D (name, fps, track id kept; units = the lifter's). `where` names the
  // input in errors. stride: DG-Net window stride, 0 = a third of the window.
  PoseSequence lift(const PoseSequence& track, const std::string& where, LiftReport* report = nullptr,
                    int stride = 0) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kinepose
