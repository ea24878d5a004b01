// FCN and DG-Net lifters, the standardising wrapper, and their weights files (lifter_modules.h).
#include "models/lifting/lifter_modules.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/nn/init.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kinepose/error.h"
#include "kinepose/safetensors.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet_refiner.h"
#include "models/module_weights.h"

namespace kinepose::lifting {

namespace {

at::Tensor maybe_dropout(const at::Tensor& x, double p, bool training) { return p > 0 ? at::dropout(x, p, training) : x; }

torch::nn::Linear he_linear(int64_t in, int64_t out) {
  torch::nn::Linear l(in, out);
  torch::nn::init::kaiming_normal_(l->weight, 0.0, torch::kFanIn, torch::kReLU);
  return l;
}

// D^-1/2 (A + I) D^-1/2 of the skeleton's bones.
at::Tensor skeleton_adjacency(const std::string& skeleton) {
  const SkeletonPtr s = get_skeleton(skeleton);
  const int J = s->num_joints();
  at::Tensor a = at::eye(J, at::kFloat);
  for (int j = 0; j < J; ++j)
    if (s->parents[j] >= 0) {
      a[j][s->parents[j]] = 1.f;
      a[s->parents[j]][j] = 1.f;
    }
  const at::Tensor d = a.sum(1).rsqrt();
  return d.unsqueeze(1) * a * d.unsqueeze(0);
}

// Squared distances between the rows of x (..., N, E) divided by E: (..., N, N).
at::Tensor mean_sq_distance(const at::Tensor& x) {
  const at::Tensor sq = (x * x).sum(-1);
  const at::Tensor d = sq.unsqueeze(-1) + sq.unsqueeze(-2) - 2 * at::matmul(x, x.transpose(-1, -2));
  return d.clamp_min(0) / x.size(-1);
}

std::string summary(const LifterConfig& c) {
  std::string s = "";
  for (const auto& [k, v] : c.to_metadata())
    if (k != "format") s += (s.empty() ? "" : " ") + k + "=" + v;
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FCN (Martinez et al.)

FcnBlockImpl::FcnBlockImpl(int64_t width, double dropout) : dropout_(dropout) {
  linear1 = register_module("linear1", he_linear(width, width));
  bn1 = register_module("bn1", torch::nn::BatchNorm1d(width));
  linear2 = register_module("linear2", he_linear(width, width));
  bn2 = register_module("bn2", torch::nn::BatchNorm1d(width));
}

at::Tensor FcnBlockImpl::forward(const at::Tensor& x) {
  at::Tensor y = maybe_dropout(at::relu(bn1(linear1(x))), dropout_, is_training());
  y = maybe_dropout(at::relu(bn2(linear2(y))), dropout_, is_training());
  return x + y;
}

FcnLifterImpl::FcnLifterImpl(const LifterConfig& c) : dropout_(c.dropout) {
  input = register_module("input", he_linear(c.in_values(), c.linear_size));
  input_bn = register_module("input_bn", torch::nn::BatchNorm1d(c.linear_size));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.stages; ++i) {
    blocks_.emplace_back(c.linear_size, c.dropout);
    blocks->push_back(blocks_.back());
  }
  output = register_module("output", he_linear(c.linear_size, c.out_values()));
}

at::Tensor FcnLifterImpl::forward(const at::Tensor& x) {
  at::Tensor y = maybe_dropout(at::relu(input_bn(input(x))), dropout_, is_training());
  for (auto& b : blocks_) y = b(y);
  return output(y);
}

// ---------------------------------------------------------------------------------------------
// DG-Net

DgBlockImpl::DgBlockImpl(const LifterConfig& c, const at::Tensor& skeleton)
    : neighbours_(c.neighbours), radius_(c.radius), dropout_(c.dropout), skeleton_(skeleton) {
  const int64_t H = c.hidden, E = std::max(1, c.hidden / 2), J = c.in_joints;
  spatial_embed = register_module("spatial_embed", torch::nn::Linear(H, E));
  skeleton_proj = register_module("skeleton_proj", torch::nn::Linear(H, H));
  dynamic_proj = register_module("dynamic_proj", torch::nn::Linear(H, H));
  adjacency_bias = register_parameter("adjacency_bias", at::zeros({J, J}));
  motion_embed = register_module("motion_embed", torch::nn::Linear(H, E));
  temporal_proj = register_module("temporal_proj", torch::nn::Linear(H, H));
  temporal_conv = register_module("temporal_conv",
                                  torch::nn::Conv1d(torch::nn::Conv1dOptions(H, H, 3).padding(1)));
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({H})));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({H})));
}

at::Tensor DgBlockImpl::spatial_affinity(const at::Tensor& h) {
  const int64_t J = h.size(2);
  at::Tensor d = mean_sq_distance(spatial_embed(h.mean(1)));  // (B, J, J)
  d = d.masked_fill(at::eye(J, d.options().dtype(at::kBool)), 1e9);
  const at::Tensor nearest = std::get<1>(d.topk(std::min<int64_t>(neighbours_, J - 1 > 0 ? J - 1 : 1), -1, false));
  const at::Tensor keep = at::zeros_like(d, d.options().dtype(at::kBool)).scatter_(-1, nearest, true);
  return at::softmax((-d).masked_fill(keep.logical_not(), -1e9), -1);
}

at::Tensor DgBlockImpl::temporal_affinity(const at::Tensor& h) {
  const int64_t T = h.size(1);
  const at::Tensor prev = at::cat({h.narrow(1, 0, 1), h.narrow(1, 0, T - 1)}, 1);
  const at::Tensor f = motion_embed(h - prev).permute({0, 2, 1, 3});  // (B, J, T, E)
  const at::Tensor d = mean_sq_distance(f);                          // (B, J, T, T)
  const at::Tensor t = at::arange(T, h.options().dtype(at::kLong));
  const at::Tensor outside = (t.unsqueeze(0) - t.unsqueeze(1)).abs() > radius_;
  return at::softmax((-d).masked_fill(outside, -1e9), -1);
}

at::Tensor DgBlockImpl::forward(const at::Tensor& h) {
  const int64_t B = h.size(0), T = h.size(1), J = h.size(2), H = h.size(3);
  // DSG: fixed skeleton graph (with a learned correction) + the per-video dynamical graph.
  const at::Tensor a_skel = skeleton_.to(h.options()) + adjacency_bias;
  at::Tensor s = at::matmul(a_skel, skeleton_proj(h)) + at::matmul(spatial_affinity(h).unsqueeze(1), dynamic_proj(h));
  const at::Tensor h1 = norm1(h + maybe_dropout(at::relu(s), dropout_, is_training()));
  // DTG: per-joint dynamical temporal graph + a fixed temporal convolution.
  const at::Tensor g = at::matmul(temporal_affinity(h1), temporal_proj(h1).permute({0, 2, 1, 3})).permute({0, 2, 1, 3});
  const at::Tensor conv_in = h1.permute({0, 2, 3, 1}).reshape({B * J, H, T});
  const at::Tensor c = temporal_conv(conv_in).reshape({B, J, H, T}).permute({0, 3, 1, 2});
  return norm2(h1 + maybe_dropout(at::relu(g + c), dropout_, is_training()));
}

DgNetLifterImpl::DgNetLifterImpl(const LifterConfig& c) : config_(c) {
  const int64_t H = c.hidden, J = c.in_joints;
  embed = register_module("embed", torch::nn::Linear(2, H));
  joint_embedding = register_parameter("joint_embedding", at::randn({J, H}) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  const at::Tensor adjacency = skeleton_adjacency(c.in_skeleton);
  for (int i = 0; i < c.blocks; ++i) {
    blocks_.emplace_back(c, adjacency);
    blocks->push_back(blocks_.back());
  }
  const int64_t S = c.head_hidden;
  if (S > 0) {
    const auto ln = [S] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({S})); };
    head_in = register_module("head_in", torch::nn::Linear(J * H, S));
    head_norm0 = register_module("head_norm0", ln());
    head_block1 = register_module("head_block1", torch::nn::Linear(S, S));
    head_norm1 = register_module("head_norm1", ln());
    head_block2 = register_module("head_block2", torch::nn::Linear(S, S));
    head_norm2 = register_module("head_norm2", ln());
    if (c.head_frame) {
      head_frame_in = register_module("head_frame_in", torch::nn::Linear(torch::nn::LinearOptions(c.in_values(), S).bias(false)));
      at::NoGradGuard g;
      head_frame_in->weight.zero_();
    }
  }
  head = register_module("head", torch::nn::Linear(S > 0 ? S : J * H, c.out_values()));
}

at::Tensor DgNetLifterImpl::forward(const at::Tensor& x) {
  const int64_t B = x.size(0), T = x.size(1), J = config_.in_joints;
  at::Tensor h = embed(x.reshape({B, T, J, 2})) + joint_embedding;
  for (auto& b : blocks_) h = b(h);
  at::Tensor f = h.reshape({B, T, -1});
  if (head_in) {
    const bool train = is_training();
    const double p = config_.dropout;
    auto act = [&](torch::nn::LayerNorm& norm, const at::Tensor& z) { return maybe_dropout(at::relu(norm(z)), p, train); };
    at::Tensor z = head_in(f);
    if (head_frame_in) z = z + head_frame_in(x);
    f = act(head_norm0, z);
    f = f + act(head_norm2, head_block2(act(head_norm1, head_block1(f))));
  }
  return head(f);
}

// ---------------------------------------------------------------------------------------------
// wrapper and weights

LifterImpl::LifterImpl(const LifterConfig& c) : config_(c) {
  c.validate();
  in_mean = register_buffer("in_mean", at::zeros({c.in_values()}));
  in_std = register_buffer("in_std", at::ones({c.in_values()}));
  out_mean = register_buffer("out_mean", at::zeros({c.out_values()}));
  out_std = register_buffer("out_std", at::ones({c.out_values()}));
  if (c.arch == "fcn") fcn = register_module("fcn", FcnLifter(c));
  else dgnet = register_module("dgnet", DgNetLifter(c));
}

at::Tensor LifterImpl::forward(const at::Tensor& x) {
  if (x.dim() != 3 || x.size(2) != config_.in_values())
    throw Error("lifter", fmt::format("expected (batch, frames, {}) input, got {}", config_.in_values(),
                                      fmt::format("[{}]", fmt::join(x.sizes(), ", "))));
  if (fcn) return fcn(x.reshape({-1, config_.in_values()})).reshape({x.size(0), x.size(1), config_.out_values()});
  return dgnet(x);
}

Lifter load_lifter(const std::string& path) {
  const SafeTensors st = read_safetensors(path);
  const LifterConfig c = LifterConfig::from_metadata(st.metadata, path);
  Lifter model(c);
  load_module_weights(*model, st, path, summary(c), /*buffers=*/true);
  const at::Tensor s = at::cat({model->in_std, model->out_std});
  if ((s <= 0).any().item<bool>()) throw Error(path, "standardisation statistics (in_std / out_std) must be > 0");
  model->eval();
  return model;
}

void save_lifter(const std::string& path, Lifter& model) {
  write_safetensors(path, module_to_safetensors(*model, model->config().to_metadata(), /*buffers=*/true));
}

}  // namespace kinepose::lifting

namespace kinepose::lifting {

namespace {

// Column permutation and signs that mirror rows of `s`'s joints x `dims`, with joint `skip` absent
// from the rows when >= 0.
void mirror_map(const Skeleton& s, int dims, int skip, std::vector<int64_t>& perm, std::vector<float>& sign) {
  const std::vector<int> flip = s.flip_permutation();
  std::vector<int> row_of(s.num_joints(), -1);
  int r = 0;
  for (int j = 0; j < s.num_joints(); ++j)
    if (j != skip) row_of[j] = r++;
  perm.clear();
  sign.clear();
  for (int j = 0; j < s.num_joints(); ++j) {
    if (j == skip) continue;
    for (int d = 0; d < dims; ++d) {
      perm.push_back(static_cast<int64_t>(row_of[flip[j]]) * dims + d);
      sign.push_back(d == 0 ? -1.f : 1.f);
    }
  }
}

}  // namespace

RowMirror::RowMirror(const LifterConfig& c) {
  std::vector<int64_t> perm;
  std::vector<float> sign;
  mirror_map(*get_skeleton(c.in_skeleton), 2, -1, perm, sign);
  in_perm = at::tensor(perm, at::kLong);
  in_sign = at::tensor(sign);
  mirror_map(*get_skeleton(c.out_skeleton), 3, c.root, perm, sign);
  out_perm = at::tensor(perm, at::kLong);
  out_sign = at::tensor(sign);
}

at::Tensor RowMirror::input(const at::Tensor& x) const { return x.index_select(x.dim() - 1, in_perm) * in_sign; }
at::Tensor RowMirror::output(const at::Tensor& y) const { return y.index_select(y.dim() - 1, out_perm) * out_sign; }

namespace {

// Input rows (frames x I, data units) -> output rows (frames x O, data units), one pass; the model
// works on standardised values.
at::Tensor lift_pass(Lifter& model, const at::Tensor& raw, int stride, int64_t* windows) {
  const at::Tensor x = (raw - model->in_mean) / model->in_std;
  const LifterConfig& c = model->config();
  const int64_t I = c.in_values(), O = c.out_values(), frames = x.size(0);
  if (c.arch == "fcn") {
    std::vector<at::Tensor> parts;
    for (int64_t s = 0; s < frames; s += 8192) {
      const int64_t n = std::min<int64_t>(8192, frames - s);
      parts.push_back(model->forward(x.narrow(0, s, n).unsqueeze(0)).squeeze(0));
    }
    if (windows) *windows = 0;
    return at::cat(parts, 0) * model->out_std + model->out_mean;
  }
  const int64_t W = c.window, S = stride > 0 ? stride : std::max<int64_t>(1, W / 3);
  if (S > W) throw Error("--stride", fmt::format("{} exceeds the window of {} frames", S, W));
  at::Tensor xp = x;
  if (frames < W) xp = at::cat({x, x.narrow(0, frames - 1, 1).expand({W - frames, I})}, 0);
  const int64_t F = xp.size(0);
  const std::vector<int64_t> starts = hanet::window_starts(F, W, S);  // the refinement's stitching rule
  at::Tensor sum = at::zeros({F, O}), count = at::zeros({F, 1});
  const int64_t batch = 64;
  for (size_t b = 0; b < starts.size(); b += batch) {
    std::vector<at::Tensor> wins;
    for (size_t k = b; k < std::min(starts.size(), b + batch); ++k) wins.push_back(xp.narrow(0, starts[k], W));
    const at::Tensor out = model->forward(at::stack(wins));
    for (size_t k = 0; k < wins.size(); ++k) {
      sum.narrow(0, starts[b + k], W).add_(out[static_cast<int64_t>(k)]);
      count.narrow(0, starts[b + k], W).add_(1);
    }
  }
  if (windows) *windows = static_cast<int64_t>(starts.size());
  return (sum / count).narrow(0, 0, frames) * model->out_std + model->out_mean;
}

}  // namespace

std::vector<float> lift_rows(Lifter& model, const std::vector<float>& rows, int64_t frames, int stride,
                             int64_t* windows, bool flip) {
  const LifterConfig& c = model->config();
  const int64_t I = c.in_values();
  if (frames < 1) throw Error("lift", "empty sequence (0 frames)");
  if (static_cast<int64_t>(rows.size()) != frames * I)
    throw Error("lift", fmt::format("{} values do not make {} frames of {}", rows.size(), frames, I));
  c10::InferenceMode guard;
  const bool was_training = model->is_training();
  model->eval();
  const at::Tensor x = at::from_blob(const_cast<float*>(rows.data()), {frames, I}, at::kFloat);
  at::Tensor y = lift_pass(model, x, stride, windows);
  if (flip) {
    const RowMirror mirror(c);
    y = (y + mirror.output(lift_pass(model, mirror.input(x), stride, nullptr))) * 0.5;
  }
  y = y.contiguous();
  if (was_training) model->train();
  return std::vector<float>(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
}

}  // namespace kinepose::lifting
