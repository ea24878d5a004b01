// HANet forward pass (docs/hanet-spec.md, steps 1-8). Comments point out where the published
// arithmetic is unusual, since those are the places a re-implementation drifts.
#include "models/hanet/hanet.h"
#include "models/peers/deciwatch.h"
#include "models/peers/smoothnet.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/nn/init.h>

#include <cmath>
#include <limits>

#include "kinepose/error.h"

namespace kinepose::hanet {

namespace {

at::Tensor activate(const at::Tensor& x, const std::string& name) {
  if (name == "relu") return at::relu(x);
  if (name == "gelu") return at::gelu(x);
  return at::leaky_relu(x, 0.01);
}

torch::nn::LayerNorm layer_norm(int64_t width) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5));
}

// Depthwise 1x1 convolution over channels-last data: z * w[c] + b[c].
at::Tensor depthwise(const at::Tensor& z, const torch::nn::Conv1d& conv) {
  const int64_t c = conv->weight.size(0);
  return z * conv->weight.view({1, 1, c}) + conv->bias.view({1, 1, c});
}

}  // namespace

at::Tensor seen_mean_weights(int64_t seen, int64_t length) {
  const at::Tensor basis = at::eye(seen, at::TensorOptions().dtype(at::kFloat)).unsqueeze(0);  // (1, Q+1, Q+1)
  return at::upsample_linear1d(basis, at::IntArrayRef{length}, true, c10::nullopt).mean(2).view({1, seen, 1});
}

at::Tensor sine_position_encoding(int64_t length, int64_t width) {
  // Float32 throughout, as the published PositionEmbeddingSine_1D (normalize=True, scale 2*pi).
  const int64_t f = width / 2;
  const auto opts = at::TensorOptions().dtype(at::kFloat);
  at::Tensor pos = at::arange(length, opts);
  pos = pos / (static_cast<float>(length - 1) + 1e-6f) * static_cast<float>(2.0 * M_PI);
  at::Tensor dim_t = at::arange(f, opts);
  dim_t = at::pow(10000.0, 2.0 * dim_t / static_cast<double>(f));
  const at::Tensor arg = pos.unsqueeze(1) / dim_t.unsqueeze(0);  // (L, f)
  // Interleave: column 2k = sin, 2k+1 = cos.
  return at::stack({at::sin(arg), at::cos(arg)}, 2).reshape({length, 2 * f});
}

// ---- attention ----------------------------------------------------------------------------------

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t embed_dim, int64_t heads, double dropout)
    : embed_dim_(embed_dim), heads_(heads), dropout_(dropout) {
  in_proj_weight = register_parameter("in_proj_weight", at::empty({3 * embed_dim, embed_dim}));
  in_proj_bias = register_parameter("in_proj_bias", at::empty({3 * embed_dim}));
  out_proj = register_module("out_proj", torch::nn::Linear(embed_dim, embed_dim));
  reset_published();
}

void MultiheadAttentionImpl::reset_published() {
  torch::NoGradGuard guard;
  torch::nn::init::xavier_uniform_(in_proj_weight);
  in_proj_bias.zero_();
  out_proj->bias.zero_();
}

at::Tensor MultiheadAttentionImpl::forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                                           const at::Tensor& mask) {
  const int64_t b = query.size(0), lq = query.size(1), lk = key.size(1), e = embed_dim_, hd = e / heads_;
  const at::Tensor w = in_proj_weight, bias = in_proj_bias;
  at::Tensor q = at::linear(query, w.slice(0, 0, e), bias.slice(0, 0, e));
  at::Tensor k = at::linear(key, w.slice(0, e, 2 * e), bias.slice(0, e, 2 * e));
  at::Tensor v = at::linear(value, w.slice(0, 2 * e, 3 * e), bias.slice(0, 2 * e, 3 * e));
  q = q.view({b, lq, heads_, hd}).transpose(1, 2) / std::sqrt(static_cast<double>(hd));  // (B, h, Lq, hd)
  k = k.view({b, lk, heads_, hd}).transpose(1, 2);
  v = v.view({b, lk, heads_, hd}).transpose(1, 2);
  at::Tensor logits = at::matmul(q, k.transpose(-2, -1));  // (B, h, Lq, Lk)
  if (mask.defined()) logits = logits + mask;
  at::Tensor attn = at::dropout(at::softmax(logits, -1), dropout_, is_training());
  at::Tensor out = at::matmul(attn, v).transpose(1, 2).reshape({b, lq, e});
  return out_proj->forward(out);
}

// ---- encoder ------------------------------------------------------------------------------------

EncoderLayerImpl::EncoderLayerImpl(const LayerOptions& o) : o_(o) {
  self_attn = register_module("self_attn", MultiheadAttention(o.width, o.heads, o.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(o.width, o.feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(o.feedforward, o.width));
  norm1 = register_module("norm1", layer_norm(o.width));
  norm2 = register_module("norm2", layer_norm(o.width));
}

at::Tensor EncoderLayerImpl::forward(const at::Tensor& src_in, const at::Tensor& pos, const at::Tensor& mask) {
  const bool train = is_training();
  at::Tensor src = src_in;
  auto feedforward = [&](const at::Tensor& t) {
    return linear2->forward(at::dropout(activate(linear1->forward(t), o_.activation), o_.dropout, train));
  };
  if (o_.pre_norm) {
    at::Tensor s2 = norm1->forward(src);
    const at::Tensor qk = s2 + pos;
    src = src + at::dropout(self_attn->forward(qk, qk, s2, mask), o_.dropout, train);
    s2 = norm2->forward(src);
    return src + at::dropout(feedforward(s2), o_.dropout, train);
  }
  const at::Tensor qk = src + pos;
  src = norm1->forward(src + at::dropout(self_attn->forward(qk, qk, src, mask), o_.dropout, train));
  return norm2->forward(src + at::dropout(feedforward(src), o_.dropout, train));
}

EncoderLevelImpl::EncoderLevelImpl(const LayerOptions& o) {
  layer = EncoderLayer(o);
  layers = register_module("layers", torch::nn::ModuleList(layer));
}

at::Tensor EncoderLevelImpl::forward(const at::Tensor& src, const at::Tensor& pos, const at::Tensor& mask) {
  return layer->forward(src, pos, mask);
}

// ---- decoder ------------------------------------------------------------------------------------

DecoderLayerImpl::DecoderLayerImpl(const LayerOptions& o) : o_(o) {
  self_attn = register_module("self_attn", MultiheadAttention(o.width, o.heads, o.dropout));
  multihead_attn = register_module("multihead_attn", MultiheadAttention(o.width, o.heads, o.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(o.width, o.feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(o.feedforward, o.width));
  norm1 = register_module("norm1", layer_norm(o.width));
  norm2 = register_module("norm2", layer_norm(o.width));
  norm3 = register_module("norm3", layer_norm(o.width));
}

at::Tensor DecoderLayerImpl::forward(const at::Tensor& tgt_in, const at::Tensor& memory, const at::Tensor& pos,
                                     const at::Tensor& memory_mask) {
  const bool train = is_training();
  at::Tensor tgt = tgt_in;
  // Memory keys carry the position encoding, memory values do not (DETR-style layer).
  const at::Tensor mem_k = memory + pos;
  auto feedforward = [&](const at::Tensor& t) {
    return linear2->forward(at::dropout(activate(linear1->forward(t), o_.activation), o_.dropout, train));
  };
  if (o_.pre_norm) {
    at::Tensor t2 = norm1->forward(tgt);
    const at::Tensor qk = t2 + pos;
    tgt = tgt + at::dropout(self_attn->forward(qk, qk, t2), o_.dropout, train);
    t2 = norm2->forward(tgt);
    tgt = tgt + at::dropout(multihead_attn->forward(t2 + pos, mem_k, memory, memory_mask), o_.dropout, train);
    t2 = norm3->forward(tgt);
    return tgt + at::dropout(feedforward(t2), o_.dropout, train);
  }
  const at::Tensor qk = tgt + pos;
  tgt = norm1->forward(tgt + at::dropout(self_attn->forward(qk, qk, tgt), o_.dropout, train));
  tgt = norm2->forward(
      tgt + at::dropout(multihead_attn->forward(tgt + pos, mem_k, memory, memory_mask), o_.dropout, train));
  return norm3->forward(tgt + at::dropout(feedforward(tgt), o_.dropout, train));
}

DecoderImpl::DecoderImpl(const LayerOptions& o, int num_layers) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int j = 0; j < num_layers; ++j) {
    typed_.emplace_back(o);
    layers->push_back(typed_.back());
  }
  norm = register_module("norm", layer_norm(o.width));
}

at::Tensor DecoderImpl::forward(const at::Tensor& tgt, const at::Tensor& memory, const at::Tensor& pos,
                                const at::Tensor& memory_mask) {
  at::Tensor out = tgt;
  for (auto& layer : typed_) out = layer->forward(out, memory, pos, memory_mask);
  return norm->forward(out);
}

// ---- whole model --------------------------------------------------------------------------------

TransformerImpl::TransformerImpl(const HanetConfig& c) : c_(c) {
  using torch::nn::Conv1d;
  using torch::nn::Conv1dOptions;
  using torch::nn::Linear;
  const int64_t C = c.input_dim(), d = c.hidden_dim;
  if (c.correction == "temporal") seen_w_ = seen_mean_weights(c.q + 1, c.window());
  decoder_embed = register_module("decoder_embed", Conv1d(Conv1dOptions(C, d, 5).padding(2)));
  encoder_embed = register_module("encoder_embed", Linear(4 * C, d));
  motion_embed = register_module("motion_embed", Linear(d + 3 * C, d));
  prev_v_embed = register_module("prev_v_embed", Conv1d(Conv1dOptions(C, C, 1).groups(C)));
  next_v_embed = register_module("next_v_embed", Conv1d(Conv1dOptions(C, C, 1).groups(C)));
  acc_embed = register_module("acc_embed", Conv1d(Conv1dOptions(C, C, 1).groups(C)));
  encoder = register_module("encoder", torch::nn::ModuleList());
  projection = register_module("projection", torch::nn::ModuleList());
  offset_refine = register_module("offset_refine", torch::nn::ModuleList());
  for (int i = 0; i < c.enc_layers; ++i) {
    LayerOptions o;
    o.width = c.level_width(i);
    o.heads = c.nheads;
    o.feedforward = static_cast<int64_t>(c.dim_feedforward) << i;
    o.dropout = c.dropout;
    o.activation = c.activation;
    o.pre_norm = c.pre_norm;
    levels_.emplace_back(o);
    encoder->push_back(levels_.back());
  }
  for (int i = 0; i < c.enc_layers; ++i) {
    projections_.emplace_back(c.level_width(i), 2 * c.level_width(i));
    projection->push_back(projections_.back());
  }
  for (int i = 0; i < c.enc_layers; ++i) {
    offsets_.emplace_back(Conv1dOptions(c.level_width(i), d, 1));
    offset_refine->push_back(offsets_.back());
  }
  if (c.pre_norm) {
    encoder_norm = register_module("encoder_norm", torch::nn::ModuleList());
    for (int i = 0; i < c.enc_layers; ++i) encoder_norm->push_back(layer_norm(c.level_width(i)));
  }
  LayerOptions o;
  o.width = d;
  o.heads = c.nheads;
  o.feedforward = c.dim_feedforward;
  o.dropout = c.dropout;
  o.activation = c.activation;
  o.pre_norm = c.pre_norm;
  decoder = register_module("decoder", Decoder(o, c.dec_layers));
  decoder_joints_embed = register_module("decoder_joints_embed", Linear(d, C));
  encoder_joints_embed = register_module("encoder_joints_embed", Linear(d, C));
}

Output TransformerImpl::forward(const at::Tensor& x) {
  const int64_t n = c_.sample_interval, L = c_.window(), C = c_.input_dim();
  const bool temporal = seen_w_.defined();
  const auto fopts = x.options();
  const auto iopts = at::TensorOptions().dtype(at::kLong).device(x.device());

  // 1. Masked input and raw neighbours (read from the raw detections, then zeroed at unseen frames).
  const at::Tensor t = at::arange(L, iopts);
  const at::Tensor seen = (t.remainder(n) == 0);                  // (L,)
  const at::Tensor keep = seen.to(fopts.dtype()).view({1, L, 1});
  const at::Tensor s = x * keep;
  const at::Tensor p = x.index_select(1, at::clamp_min(t - 1, 0)) * keep;
  const at::Tensor nx = x.index_select(1, at::clamp_max(t + 1, L - 1)) * keep;

  // 2. Kinematic features.
  const at::Tensor flow = (p + s + nx) / 3.0;
  const at::Tensor volume = at::cat({flow, s, p, nx}, 2);  // (B, L, 4C)
  const at::Tensor vp = depthwise(s - p, prev_v_embed);
  const at::Tensor vn = depthwise(nx - s, next_v_embed);
  const at::Tensor ac = depthwise((vn - vp).pow(2), acc_embed);

  // 3-4. Embedding and hierarchical encoder. A frame attends only to *other seen* frames.
  const double inf = std::numeric_limits<double>::infinity();
  const at::Tensor blocked = at::eye(L, iopts).to(at::kBool) | at::logical_not(seen).view({1, L});
  const at::Tensor enc_mask = at::zeros({L, L}, fopts).masked_fill(blocked, -inf);
  at::Tensor e = encoder_embed->forward(volume);
  at::Tensor mem;
  for (size_t i = 0; i < levels_.size(); ++i) {
    const int64_t w = c_.level_width(static_cast<int>(i));
    const at::Tensor pos = sine_position_encoding(L, w).to(x.device()).unsqueeze(0);
    const at::Tensor z = levels_[i]->forward(e, pos, enc_mask);
    const auto& off = offsets_[i];
    const at::Tensor o = at::linear(z, off->weight.squeeze(-1), off->bias);  // 1x1 Conv1d = Linear
    mem = mem.defined() ? mem + o : o;
    // The published model also projects the last level and discards it; skipping it changes nothing.
    if (i + 1 < levels_.size()) e = projections_[i]->forward(z);
  }
  mem = mem / static_cast<double>(levels_.size());

  // 5. Refined seen poses.
  // "temporal" correction: zero interpolated window mean (weights of the seen frames in it).
  const at::Tensor seen_idx = at::arange(0, L, n, iopts);
  at::Tensor de = encoder_joints_embed->forward(mem);
  if (temporal)
    de = de - (de.index_select(1, seen_idx) * seen_w_.to(x.device())).sum(1, true);
  const at::Tensor r = de + s;

  // 6. Recovery: align-corners linear interpolation between seen frames.
  const at::Tensor at_seen = r.index_select(1, seen_idx).transpose(1, 2).contiguous();  // (B, C, Q+1)
  const at::Tensor center = at::upsample_linear1d(at_seen, at::IntArrayRef{L}, true, c10::nullopt).transpose(1, 2);

  // 7. Decoder. Unseen memory frames get +1.0 on their logits (published) or are masked.
  const at::Tensor queries = decoder_embed->forward(center.transpose(1, 2)).transpose(1, 2);  // (B, L, d)
  const at::Tensor memory = motion_embed->forward(at::cat({mem, vp, vn, ac}, 2));
  const at::Tensor unseen_keys = at::logical_not(seen).view({1, L}).expand({L, L});
  const at::Tensor memory_mask = c_.memory_mask == "masked"
                                     ? at::zeros({L, L}, fopts).masked_fill(unseen_keys, -inf)
                                     : unseen_keys.to(fopts.dtype());
  const at::Tensor pos0 = sine_position_encoding(L, c_.hidden_dim).to(x.device()).unsqueeze(0);
  const at::Tensor dec = decoder->forward(queries, memory, pos0, memory_mask);

  // 8. Both outputs.
  Output out;
  at::Tensor dd = decoder_joints_embed->forward(dec);
  if (temporal) dd = dd - dd.mean(1, true);
  out.final_out = dd + center;
  out.encoder_out = r;
  (void)C;
  return out;
}

HanetImpl::HanetImpl(const HanetConfig& config) : config_(config) {
  config_.validate();
  if (config_.arch == "smoothnet") {
    smoothnet = register_module("smoothnet", std::make_shared<peers::SmoothNetImpl>(config_));
    return;
  }
  if (config_.arch == "deciwatch") {
    deciwatch = register_module("deciwatch", std::make_shared<peers::DeciWatchImpl>(config_));
    return;
  }
  transformer = register_module("transformer", Transformer(config_));
  // Published initialisation: PyTorch defaults, then xavier-uniform on every matrix / kernel.
  torch::NoGradGuard guard;
  for (auto& p : parameters())
    if (p.dim() > 1) torch::nn::init::xavier_uniform_(p);
}

Output HanetImpl::forward(const at::Tensor& x) {
  const int64_t L = config_.window(), C = config_.input_dim();
  if (x.dim() != 3 || x.size(1) != L || x.size(2) != C)
    throw Error("hanet", fmt::format("input has shape {}, expected (batch, L = {}, C = {})", fmt::join(x.sizes(), "x"), L, C));
  if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble)
    throw Error("hanet", "input must be float32 or float64");
  if (smoothnet) {
    const at::Tensor y = smoothnet->forward(x);
    return Output{y, y};
  }
  if (deciwatch) return deciwatch->forward(x);
  return transformer->forward(x);
}

}  // namespace kinepose::hanet
