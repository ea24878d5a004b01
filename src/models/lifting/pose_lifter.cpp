// PoseLifter and the lifter's data mapping (pose_lifter.h).
#include "models/lifting/pose_lifter.h"

#include <fmt/format.h>

#include <cmath>

#include "kinepose/error.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet_refiner.h"
#include "models/lifting/lifter_modules.h"

namespace kinepose {

namespace {

void check_skeleton(const PoseSequence& seq, const std::string& want, int dims, const std::string& role,
                    const std::string& where) {
  if (!seq.skeleton) throw Error(where, "sequence has no skeleton");
  if (seq.dims != dims)
    throw Error(where, fmt::format("{}D poses, but the lifter's {} must be {}D{}", seq.dims, role, dims,
                                   role == "input" ? " (lift takes 2D detections; 3D needs no lifting)" : ""));
  const std::string name = get_skeleton(want)->name;
  if (seq.skeleton->name != name)
    throw Error(where, fmt::format("skeleton '{}', but the lifter's {} is {} (convert first: kinepose convert IN -o OUT "
                                   "--skeleton {})",
                                   seq.skeleton->name.empty() ? "(file-defined)" : seq.skeleton->name, role, name, name));
  if (seq.frames < 1) throw Error(where, "empty sequence (0 frames)");
}

}  // namespace

std::vector<float> lifter_input_rows(const PoseSequence& seq, const LifterConfig& c, const std::string& where) {
  check_skeleton(seq, c.in_skeleton, 2, "input", where);
  if (!seq.image_size || (*seq.image_size)[0] <= 0 || (*seq.image_size)[1] <= 0)
    throw Error(where, "the input does not say its image size, which lifting needs (pixels are mapped to screen "
                       "coordinates); give it with --image-size W,H");
  const float w = static_cast<float>((*seq.image_size)[0]), h = static_cast<float>((*seq.image_size)[1]);
  std::vector<float> rows(seq.keypoints.size());
  for (size_t i = 0; i < rows.size(); i += 2) {
    if (!std::isfinite(seq.keypoints[i]) || !std::isfinite(seq.keypoints[i + 1]))
      throw Error(where, fmt::format("missing or non-finite coordinate at frame {} (fill missing joints first)",
                                     i / 2 / seq.joints()));
    rows[i] = seq.keypoints[i] / w * 2.f - 1.f;
    rows[i + 1] = seq.keypoints[i + 1] / w * 2.f - h / w;
  }
  return rows;
}

std::vector<float> lifter_target_rows(const PoseSequence& seq, const LifterConfig& c, const std::string& where) {
  check_skeleton(seq, c.out_skeleton, 3, "output", where);
  std::vector<float> rows;
  rows.reserve(static_cast<size_t>(seq.frames) * c.out_values());
  for (int t = 0; t < seq.frames; ++t)
    for (int j = 0; j < c.out_joints; ++j) {
      if (j == c.root) continue;
      for (int d = 0; d < 3; ++d) rows.push_back(seq.at(t, j, d) - seq.at(t, c.root, d));
    }
  return rows;
}

PoseSequence lifter_rows_to_pose(const std::vector<float>& rows, int frames, const LifterConfig& c) {
  PoseSequence out(get_skeleton(c.out_skeleton), frames, 3);
  out.units = c.units;
  size_t k = 0;
  for (int t = 0; t < frames; ++t)
    for (int j = 0; j < c.out_joints; ++j)
      for (int d = 0; d < 3; ++d) out.at(t, j, d) = j == c.root ? 0.f : rows[k++];
  return out;
}

PoseSequence lifter_target_pose(const PoseSequence& gt3d, const LifterConfig& c, const std::string& where) {
  PoseSequence out = lifter_rows_to_pose(lifter_target_rows(gt3d, c, where), gt3d.frames, c);
  out.name = gt3d.name;
  out.fps = gt3d.fps;
  return out;
}

struct PoseLifter::Impl {
  lifting::Lifter model{nullptr};
  std::string path;
  bool flip = false;
};

PoseLifter::PoseLifter(const std::string& weights_path) : impl_(std::make_unique<Impl>()) {
  impl_->model = lifting::load_lifter(weights_path);
  impl_->path = weights_path;
  impl_->flip = impl_->model->config().flip_test;
}

PoseLifter::~PoseLifter() = default;

const LifterConfig& PoseLifter::config() const { return impl_->model->config(); }
const std::string& PoseLifter::path() const { return impl_->path; }
bool PoseLifter::flip_test() const { return impl_->flip; }
void PoseLifter::set_flip_test(bool on) { impl_->flip = on; }

PoseSequence PoseLifter::lift(const PoseSequence& track, const std::string& where, LiftReport* report, int stride) const {
  const LifterConfig& c = config();
  check_skeleton(track, c.in_skeleton, 2, "input", where);
  PoseSequence in = track;
  const int64_t filled = hanet::fill_missing_joints(in, nullptr, where);
  const std::vector<float> rows = lifter_input_rows(in, c, where);
  int64_t windows = 0;
  const std::vector<float> out_rows = lifting::lift_rows(impl_->model, rows, in.frames, stride, &windows, impl_->flip);
  PoseSequence out = lifter_rows_to_pose(out_rows, in.frames, c);
  out.name = track.name;
  out.fps = track.fps;
  out.track_id = track.track_id;
  if (report) {
    report->frames += in.frames;
    report->windows += windows;
    report->filled_entries += filled;
  }
  return out;
}

}  // namespace kinepose
