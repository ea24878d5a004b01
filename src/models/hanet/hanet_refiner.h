// Whole-sequence refinement with a HANet weights file: the stitching rule of docs/hanet-spec.md
// (windows of L frames at stride s, default N; one extra window ending at the last frame; each
// frame = mean of the final outputs of the windows covering it; sequences shorter than L padded by
// repeating the last frame), batched windows, normalisation in and out of model space according to
// the model's metadata, and missing joints filled before the model. Torch-free interface (pimpl) so
// callers such as the CLI do not pay LibTorch's compile cost.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kinepose/pose.h"
#include "models/hanet/hanet_config.h"

namespace kinepose::hanet {

struct RefineOptions {
  int stride = 0;         // window stride in frames, 1..L; 0 = the model's sample interval N
  int batch_size = 256;   // windows per forward call (bounds memory on long sequences)
  // Use the reference forward (HanetImpl::forward) instead of the fast inference path
  // (hanet_fast.h); the two agree within 1e-4. For tests and benchmarks.
  bool reference = false;
};

struct RefineReport {
  int64_t windows = 0;         // windows refined
  int64_t filled_entries = 0;  // (frame, joint) entries that were missing and filled before the model
  std::vector<std::string> never_seen_joints;  // joints missing in every frame (left NaN in the output)
};

// Window start frames of the stitching rule (for frames >= window; {0} otherwise).
std::vector<int64_t> window_starts(int64_t frames, int64_t window, int64_t stride);

// LibTorch intra-op threads; 0 = the machine's hardware concurrency. Returns the count set.
int set_threads(int threads);

// Fills missing joints (any NaN coordinate) by linear interpolation in time between the nearest
// observed frames, holding the first/last observation at the ends; joints never observed get the
// per-frame centroid of the other joints. Returns the number of filled (frame, joint) entries;
// throws Error(where, ...) when no joint is observed at all.
int64_t fill_missing_joints(PoseSequence& seq, std::vector<std::string>* never_seen, const std::string& where);

// Model space of a sequence: model[t,j,k] = (x[t,j,k] - offset[t,k]) / scale[k].
//   none: identity; image_size: scale = (width, height) of seq.image_size (required);
//   person_box: offset = centre of the track's overall extent, scale = median per-frame box size
//   (max of width and height), so the model sees the same numbers wherever the person stands and
//   whatever the image size; root_relative: offset = the root joint at each frame; root_box: the same, divided by the
//   median per-frame extent of the pose (unit-free).
struct Normalization {
  std::vector<float> offset;  // frames * dims (empty = 0)
  std::vector<float> scale;   // dims
  void apply(PoseSequence& seq) const;
  void invert(PoseSequence& seq) const;
};
// `seq` must have no NaN (fill first). Throws Error(where, ...) when the mode needs data the
// sequence lacks (e.g. image_size without an image size).
Normalization make_normalization(const std::string& mode, const PoseSequence& seq, const std::string& where);

class HanetRefiner {
 public:
  explicit HanetRefiner(const std::string& weights_path);  // loads and validates (eval mode)
  ~HanetRefiner();
  HanetRefiner(const HanetRefiner&) = delete;
  HanetRefiner& operator=(const HanetRefiner&) = delete;

  const HanetConfig& config() const;

  // `x`: frames * C float32 values already in model space (C = joints * dims); returns the
  // stitched final outputs, same layout.
  std::vector<float> refine_model_space(const std::vector<float>& x, int64_t frames, const RefineOptions& options = {},
                                        RefineReport* report = nullptr) const;

  // Refines one track: checks skeleton and dims against the model, fills missing joints,
  // normalises, refines, maps back. Scores, boxes, fps, ... are kept. `where` names the input.
  PoseSequence refine(const PoseSequence& seq, const RefineOptions& options = {}, RefineReport* report = nullptr,
                      const std::string& where = "") const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kinepose::hanet
