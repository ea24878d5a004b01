// DeciWatch forward pass (see deciwatch.h for the published architecture this follows).
#include "models/peers/deciwatch.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/nn/init.h>

#include <limits>

#include "kinepose/error.h"

namespace kinepose::peers {

namespace {

const char* kConfigWhere = "deciwatch config";

void validate(const HanetConfig& c) {
  auto fail = [](const std::string& field, const std::string& what) { throw Error(kConfigWhere, field + ": " + what); };
  if (c.joints < 1 || c.dims < 1) fail("joints", fmt::format("C = joints*dims = {}x{} must be >= 1", c.joints, c.dims));
  if (c.sample_interval < 1) fail("sample_interval", fmt::format("N = {} must be >= 1", c.sample_interval));
  if (c.q < 1) fail("Q", fmt::format("Q = {} must be >= 1 (a window needs at least two seen frames)", c.q));
  if (static_cast<long long>(c.sample_interval) * c.q + 1 > 100000)
    fail("window", fmt::format("L = N*Q+1 = {} is absurdly long", static_cast<long long>(c.sample_interval) * c.q + 1));
  if (c.hidden_dim < 2 || c.hidden_dim > 65536 || c.hidden_dim % 2 != 0)
    fail("hidden_dim", fmt::format("d = {} must be even and in 2..65536 (sine position encoding)", c.hidden_dim));
  if (c.nheads < 1 || c.hidden_dim % c.nheads != 0)
    fail("nheads", fmt::format("{} heads do not divide the hidden width d = {}", c.nheads, c.hidden_dim));
  if (c.dim_feedforward < 1 || c.dim_feedforward > 262144)
    fail("dim_feedforward", fmt::format("{} is not in 1..262144", c.dim_feedforward));
  if (c.enc_layers < 1 || c.enc_layers > 64) fail("enc_layers", fmt::format("{} is not in 1..64", c.enc_layers));
  if (c.dec_layers < 1 || c.dec_layers > 64) fail("dec_layers", fmt::format("{} is not in 1..64", c.dec_layers));
  if (!(c.dropout >= 0.0 && c.dropout < 1.0)) fail("dropout", fmt::format("{} is not in [0, 1)", c.dropout));
  if (c.activation != "leaky_relu" && c.activation != "relu" && c.activation != "gelu")
    fail("activation", "'" + c.activation + "' is not one of leaky_relu, relu, gelu");
  if (c.interp != "linear") fail("interp", "'" + c.interp + "' is not supported (only linear)");
  if (c.memory_mask != "additive" && c.memory_mask != "masked")
    fail("memory_mask", "'" + c.memory_mask + "' is not one of additive, masked");
}

hanet::LayerOptions layer_options(const HanetConfig& c) {
  hanet::LayerOptions o;
  o.width = c.hidden_dim;
  o.heads = c.nheads;
  o.feedforward = c.dim_feedforward;
  o.dropout = c.dropout;
  o.activation = c.activation;
  o.pre_norm = c.pre_norm;
  return o;
}

}  // namespace

DeciWatchEncoderImpl::DeciWatchEncoderImpl(const hanet::LayerOptions& o, int num_layers) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int i = 0; i < num_layers; ++i) {
    typed_.emplace_back(o);
    layers->push_back(typed_.back());
  }
  if (o.pre_norm) norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.width}).eps(1e-5)));
}

at::Tensor DeciWatchEncoderImpl::forward(const at::Tensor& src, const at::Tensor& pos, const at::Tensor& mask) {
  at::Tensor out = src;
  for (auto& layer : typed_) out = layer->forward(out, pos, mask);
  // Unlike HANet's per-level encoder norms, DeciWatch applies its final encoder LayerNorm.
  return norm.is_empty() ? out : norm->forward(out);
}

DeciWatchTransformerImpl::DeciWatchTransformerImpl(const HanetConfig& c) : c_(c) {
  using torch::nn::Conv1d;
  using torch::nn::Conv1dOptions;
  using torch::nn::Linear;
  const int64_t C = c.input_dim(), d = c.hidden_dim;
  const hanet::LayerOptions o = layer_options(c);
  decoder_embed = register_module("decoder_embed", Conv1d(Conv1dOptions(C, d, 5).stride(1).padding(2)));
  encoder_embed = register_module("encoder_embed", Linear(C, d));
  encoder = register_module("encoder", DeciWatchEncoder(o, c.enc_layers));
  decoder = register_module("decoder", hanet::Decoder(o, c.dec_layers));
  decoder_joints_embed = register_module("decoder_joints_embed", Linear(d, C));
  encoder_joints_embed = register_module("encoder_joints_embed", Linear(d, C));
}

hanet::Output DeciWatchTransformerImpl::forward(const at::Tensor& x) {
  const int64_t n = c_.sample_interval, L = c_.window();
  const auto fopts = x.options();
  const auto iopts = at::TensorOptions().dtype(at::kLong).device(x.device());
  const double inf = std::numeric_limits<double>::infinity();

  // 1. Uniform sampling: unseen frames are zeroed (the published input_seq).
  const at::Tensor t = at::arange(L, iopts);
  const at::Tensor seen = (t.remainder(n) == 0);  // (L,)
  const at::Tensor s = x * seen.to(fopts.dtype()).view({1, L, 1});

  // 2. DenoiseNet. The published masks: boolean diagonal OR integer key padding (1 = unseen), so a
  //    frame attends to the other seen frames only.
  const at::Tensor pos = hanet::sine_position_encoding(L, c_.hidden_dim).to(x.device()).unsqueeze(0);
  const at::Tensor blocked = at::eye(L, iopts).to(at::kBool) | at::logical_not(seen).view({1, L});
  const at::Tensor enc_mask = at::zeros({L, L}, fopts).masked_fill(blocked, -inf);
  const at::Tensor mem = encoder->forward(encoder_embed->forward(s), pos, enc_mask);  // (B, L, d)
  const at::Tensor denoised = encoder_joints_embed->forward(mem) + s;                // meaningful at seen frames

  // 3. Linear (align-corners) interpolation of the denoised seen frames to every frame.
  const at::Tensor seen_idx = at::arange(0, L, n, iopts);
  const at::Tensor at_seen = denoised.index_select(1, seen_idx).transpose(1, 2).contiguous();  // (B, C, Q+1)
  const at::Tensor center = at::upsample_linear1d(at_seen, at::IntArrayRef{L}, true, c10::nullopt).transpose(1, 2);

  // 4. RecoverNet. The published decoder gets the integer key-padding mask as memory mask: without
  //    another mask it is *added* (+1.0 on unseen memory frames); "masked" = -inf instead. The decoder
  //    self-attention mask is all zeros (no effect).
  const at::Tensor queries = decoder_embed->forward(center.transpose(1, 2)).transpose(1, 2);  // (B, L, d)
  const at::Tensor unseen_keys = at::logical_not(seen).view({1, L}).expand({L, L});
  const at::Tensor memory_mask = c_.memory_mask == "masked"
                                     ? at::zeros({L, L}, fopts).masked_fill(unseen_keys, -inf)
                                     : unseen_keys.to(fopts.dtype());
  const at::Tensor dec = decoder->forward(queries, mem, pos, memory_mask);

  hanet::Output out;
  out.final_out = decoder_joints_embed->forward(dec) + center;
  // encoder_out: the denoised poses exactly at the seen frames, their interpolation elsewhere (the
  // published model returns encoder_joints_embed(memory) + input at every frame; only the seen
  // frames are ever used, by the denoising loss).
  out.encoder_out = center.index_copy(1, seen_idx, denoised.index_select(1, seen_idx));
  return out;
}

DeciWatchImpl::DeciWatchImpl(const HanetConfig& c) : config_(c) {
  validate(c);
  transformer = register_module("transformer", DeciWatchTransformer(config_));
  // Published initialisation: PyTorch defaults, then xavier-uniform on every matrix / kernel.
  torch::NoGradGuard guard;
  for (auto& p : parameters())
    if (p.dim() > 1) torch::nn::init::xavier_uniform_(p);
}

hanet::Output DeciWatchImpl::forward(const at::Tensor& x) {
  const int64_t L = config_.window(), C = config_.input_dim();
  if (x.dim() != 3 || x.size(1) != L || x.size(2) != C)
    throw Error("deciwatch",
                fmt::format("input has shape {}, expected (batch, L = {}, C = {})", fmt::join(x.sizes(), "x"), L, C));
  if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble)
    throw Error("deciwatch", "input must be float32 or float64");
  const auto dtype = transformer->encoder_embed->weight.scalar_type();
  if (x.scalar_type() == dtype) return transformer->forward(x);
  hanet::Output out = transformer->forward(x.to(dtype));
  out.final_out = out.final_out.to(x.scalar_type());
  out.encoder_out = out.encoder_out.to(x.scalar_type());
  return out;
}

}  // namespace kinepose::peers
