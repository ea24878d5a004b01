// Sequence-level HANet refinement (see hanet_refiner.h).
#include "models/hanet/hanet_refiner.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

#include "kinepose/error.h"
#include "kinepose/filters.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_fast.h"
#include "models/hanet/hanet_weights.h"

namespace kinepose::hanet {

namespace {

constexpr int64_t kMaxFrames = 10'000'000;

int root_joint(const Skeleton& s) {
  for (const char* name : {"pelvis", "hip", "root"}) {
    const int j = s.find(name);
    if (j >= 0) return j;
  }
  for (int j = 0; j < s.num_joints(); ++j)
    if (j < static_cast<int>(s.parents.size()) && s.parents[j] < 0) return j;
  return 0;
}

}  // namespace

std::vector<int64_t> window_starts(int64_t frames, int64_t window, int64_t stride) {
  if (frames < window) return {0};
  std::vector<int64_t> starts;
  for (int64_t s = 0; s + window <= frames; s += stride) starts.push_back(s);
  if (starts.back() + window != frames) starts.push_back(frames - window);
  return starts;
}

int set_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  return threads;
}

int64_t fill_missing_joints(PoseSequence& seq, std::vector<std::string>* never_seen, const std::string& where) {
  const int T = seq.frames, J = seq.joints(), D = seq.dims;
  int64_t filled = 0;
  std::vector<bool> seen_joint(J, false);
  std::vector<int> valid;
  for (int j = 0; j < J; ++j) {
    valid.clear();
    for (int t = 0; t < T; ++t)
      if (!seq.missing(t, j)) valid.push_back(t);
    if (valid.empty()) continue;
    seen_joint[j] = true;
    if (static_cast<int>(valid.size()) == T) continue;
    size_t k = 0;  // valid[k] = next observed frame >= t
    for (int t = 0; t < T; ++t) {
      while (k < valid.size() && valid[k] < t) ++k;
      if (k < valid.size() && valid[k] == t) continue;
      ++filled;
      const int after = k < valid.size() ? valid[k] : -1, before = k > 0 ? valid[k - 1] : -1;
      for (int d = 0; d < D; ++d) {
        float v;
        if (before < 0) v = seq.at(after, j, d);
        else if (after < 0) v = seq.at(before, j, d);
        else {
          const double a = static_cast<double>(t - before) / (after - before);
          v = static_cast<float>((1.0 - a) * seq.at(before, j, d) + a * seq.at(after, j, d));
        }
        seq.at(t, j, d) = v;
      }
    }
  }
  if (std::none_of(seen_joint.begin(), seen_joint.end(), [](bool b) { return b; }))
    throw Error(where, "every joint is missing in every frame; nothing to refine");
  for (int j = 0; j < J; ++j) {
    if (seen_joint[j]) continue;
    if (never_seen) never_seen->push_back(seq.skeleton->joints[j]);
    for (int t = 0; t < T; ++t) {
      ++filled;
      for (int d = 0; d < D; ++d) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < J; ++i)
          if (seen_joint[i]) sum += seq.at(t, i, d), ++n;
        seq.at(t, j, d) = static_cast<float>(sum / n);
      }
    }
  }
  return filled;
}

void Normalization::apply(PoseSequence& seq) const {
  const int T = seq.frames, J = seq.joints(), D = seq.dims;
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < J; ++j)
      for (int d = 0; d < D; ++d) {
        const float o = offset.empty() ? 0.f : offset[static_cast<size_t>(t) * D + d];
        seq.at(t, j, d) = (seq.at(t, j, d) - o) / scale[d];
      }
}

void Normalization::invert(PoseSequence& seq) const {
  const int T = seq.frames, J = seq.joints(), D = seq.dims;
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < J; ++j)
      for (int d = 0; d < D; ++d) {
        const float o = offset.empty() ? 0.f : offset[static_cast<size_t>(t) * D + d];
        seq.at(t, j, d) = seq.at(t, j, d) * scale[d] + o;
      }
}

namespace {

// Median over frames of the largest per-axis extent of the frame's joints (1 when degenerate): the
// person's size, robust to a few bad frames.
float median_extent(const PoseSequence& seq) {
  const int T = seq.frames, J = seq.joints(), D = seq.dims;
  std::vector<float> sizes;
  sizes.reserve(T);
  for (int t = 0; t < T; ++t) {
    float size = 0;
    for (int d = 0; d < D; ++d) {
      float lo = INFINITY, hi = -INFINITY;
      for (int j = 0; j < J; ++j) {
        lo = std::min(lo, seq.at(t, j, d));
        hi = std::max(hi, seq.at(t, j, d));
      }
      size = std::max(size, hi - lo);
    }
    sizes.push_back(size);
  }
  std::nth_element(sizes.begin(), sizes.begin() + sizes.size() / 2, sizes.end());
  const float size = sizes[sizes.size() / 2];
  return size > 0 && std::isfinite(size) ? size : 1.f;
}

}  // namespace

Normalization make_normalization(const std::string& mode, const PoseSequence& seq, const std::string& where) {
  const int T = seq.frames, J = seq.joints(), D = seq.dims;
  Normalization n;
  n.scale.assign(D, 1.f);
  if (mode == "none") return n;
  if (mode == "image_size") {
    if (!seq.image_size || (*seq.image_size)[0] <= 0 || (*seq.image_size)[1] <= 0)
      throw Error(where, "the model expects coordinates divided by the image size, but the input does not say its image "
                         "size");
    if (D != 2) throw Error(where, "image_size normalisation needs 2D poses");
    n.scale[0] = static_cast<float>((*seq.image_size)[0]);
    n.scale[1] = static_cast<float>((*seq.image_size)[1]);
    return n;
  }
  if (mode == "person_box") {
    if (D != 2) throw Error(where, "person_box normalisation needs 2D poses");
    std::vector<float> lo(D, INFINITY), hi(D, -INFINITY);
    for (int t = 0; t < T; ++t)
      for (int j = 0; j < J; ++j)
        for (int d = 0; d < D; ++d) {
          lo[d] = std::min(lo[d], seq.at(t, j, d));
          hi[d] = std::max(hi[d], seq.at(t, j, d));
        }
    const float size = median_extent(seq);
    n.offset.resize(static_cast<size_t>(T) * D);
    for (int t = 0; t < T; ++t)
      for (int d = 0; d < D; ++d) n.offset[static_cast<size_t>(t) * D + d] = 0.5f * (lo[d] + hi[d]);
    n.scale.assign(D, size);
    return n;
  }
  if (mode == "root_relative" || mode == "root_box") {
    const int r = root_joint(*seq.skeleton);
    n.offset.resize(static_cast<size_t>(T) * D);
    for (int t = 0; t < T; ++t)
      for (int d = 0; d < D; ++d) n.offset[static_cast<size_t>(t) * D + d] = seq.at(t, r, d);
    if (mode == "root_box") n.scale.assign(D, median_extent(seq));
    return n;
  }
  throw Error(where, "unknown input normalisation '" + mode + "'");
}

struct HanetRefiner::Impl {
  Hanet model{nullptr};
  std::string path;
  std::unique_ptr<FastHanet> fast;  // shares the model's weights
  std::mutex fast_mutex;            // the fast path's workspace is not shareable between threads
};

HanetRefiner::HanetRefiner(const std::string& weights_path) : impl_(std::make_unique<Impl>()) {
  impl_->model = load_hanet(weights_path);
  impl_->model->eval();
  impl_->path = weights_path;
  impl_->fast = std::make_unique<FastHanet>(impl_->model);
}

HanetRefiner::~HanetRefiner() = default;

const HanetConfig& HanetRefiner::config() const { return impl_->model->config(); }

std::vector<float> HanetRefiner::refine_model_space(const std::vector<float>& x, int64_t frames,
                                                    const RefineOptions& options, RefineReport* report) const {
  const HanetConfig& c = config();
  const int64_t L = c.window(), C = c.input_dim();
  const int64_t stride = options.stride > 0 ? options.stride : c.default_stride();
  if (frames < 1) throw Error("refine", "empty sequence (0 frames)");
  if (frames > kMaxFrames) throw Error("refine", fmt::format("{} frames is more than the limit of {}", frames, kMaxFrames));
  if (static_cast<int64_t>(x.size()) != frames * C)
    throw Error("refine", fmt::format("{} values do not make {} frames of {} channels", x.size(), frames, C));
  if (stride > L) throw Error("--stride", fmt::format("{} exceeds the window length L = {} (frames would be skipped)", stride, L));
  if (options.batch_size < 1) throw Error("batch size", "must be >= 1");

  at::NoGradGuard no_grad;
  const auto fopts = at::TensorOptions().dtype(at::kFloat);
  at::Tensor seq = at::from_blob(const_cast<float*>(x.data()), {frames, C}, fopts);
  const int64_t T = std::max(frames, L);
  if (frames < L)  // pad by repeating the last frame
    seq = at::cat({seq, seq.slice(0, frames - 1, frames).expand({L - frames, C})}, 0);
  const std::vector<int64_t> starts = window_starts(T, L, stride);
  at::Tensor sum = at::zeros({T, C}, at::TensorOptions().dtype(at::kDouble));
  std::vector<int> count(static_cast<size_t>(T), 0);
  for (size_t b0 = 0; b0 < starts.size(); b0 += static_cast<size_t>(options.batch_size)) {
    const size_t b1 = std::min(starts.size(), b0 + static_cast<size_t>(options.batch_size));
    std::vector<at::Tensor> windows;
    for (size_t w = b0; w < b1; ++w) windows.push_back(seq.slice(0, starts[w], starts[w] + L));
    at::Tensor out;
    if (options.reference || !impl_->fast->fast()) {
      out = impl_->model->forward(at::stack(windows, 0)).final_out.to(at::kDouble);
    } else {
      const std::lock_guard<std::mutex> lock(impl_->fast_mutex);
      out = impl_->fast->forward(at::stack(windows, 0)).to(at::kDouble);
    }
    for (size_t w = b0; w < b1; ++w) {
      sum.slice(0, starts[w], starts[w] + L).add_(out[static_cast<int64_t>(w - b0)]);
      for (int64_t t = starts[w]; t < starts[w] + L; ++t) ++count[static_cast<size_t>(t)];
    }
  }
  const at::Tensor counts = at::from_blob(count.data(), {T, 1}, at::TensorOptions().dtype(at::kInt)).to(at::kDouble);
  const at::Tensor mean = (sum / counts).slice(0, 0, frames).to(at::kFloat).contiguous();
  if (report) report->windows += static_cast<int64_t>(starts.size());
  return std::vector<float>(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
}

PoseSequence HanetRefiner::refine(const PoseSequence& input, const RefineOptions& options, RefineReport* report,
                                  const std::string& where) const {
  const HanetConfig& c = config();
  if (!input.skeleton) throw Error(where, "sequence has no skeleton");
  if (!c.skeleton.empty()) {
    const std::string want = has_skeleton(c.skeleton) ? get_skeleton(c.skeleton)->name : c.skeleton;
    if (input.skeleton->name != want)
      throw Error(where, "skeleton '" + input.skeleton->name + "' does not match the model's '" + want +
                             "' (convert the input to " + want + " first)");
  }
  if (input.joints() != c.joints)
    throw Error(where, fmt::format("{} joints per frame, the model expects {}", input.joints(), c.joints));
  if (input.dims != c.dims) throw Error(where, fmt::format("{}D poses, the model expects {}D", input.dims, c.dims));
  if (input.frames < 1) throw Error(where, "empty sequence (0 frames)");

  // Frames before the first / after the last observation (e.g. a track that starts late, or NaN
  // padding of a multi-track file) stay missing: refine only the observed span.
  int first = input.frames, last = -1;
  for (int t = 0; t < input.frames; ++t)
    for (int j = 0; j < input.joints(); ++j)
      if (!input.missing(t, j)) {
        first = std::min(first, t);
        last = std::max(last, t);
      }
  if (last < 0) throw Error(where, "no joint is observed in any frame");
  if (first > 0 || last < input.frames - 1) {
    const PoseSequence span = refine(input.slice(first, last + 1), options, report, where);
    PoseSequence out = input;
    std::copy(span.keypoints.begin(), span.keypoints.end(),
              out.keypoints.begin() + static_cast<size_t>(first) * input.joints() * input.dims);
    return out;
  }

  PoseSequence seq = input;
  RefineReport local;
  local.filled_entries = fill_missing_joints(seq, &local.never_seen_joints, where);
  const Normalization norm = make_normalization(c.input_normalization, seq, where);
  norm.apply(seq);
  seq.keypoints = refine_model_space(seq.keypoints, seq.frames, options, &local);
  norm.invert(seq);
  if (c.post_sigma > 0) {  // the model's post smoother (HanetConfig::post_sigma), in the data's units
    FilterParams fp;
    fp.sigma = c.post_sigma;
    fp.window = c.post_window();
    fp.fps = seq.fps > 0 ? seq.fps : (c.fps > 0 ? c.fps : 30.0);
    seq = make_filter("gaussian", fp)->apply(seq);
  }
  for (const std::string& name : local.never_seen_joints) {
    const int j = seq.skeleton->index_of(name);
    for (int t = 0; t < seq.frames; ++t)
      for (int d = 0; d < seq.dims; ++d) seq.at(t, j, d) = NAN;
  }
  if (report) {
    report->windows += local.windows;
    report->filled_entries += local.filled_entries;
    report->never_seen_joints.insert(report->never_seen_joints.end(), local.never_seen_joints.begin(),
                                     local.never_seen_joints.end());
  }
  return seq;
}

}  // namespace kinepose::hanet
