// DeciWatch (Zeng et al., "DeciWatch: A Simple Baseline for 10x Efficient 2D and 3D Pose Estimation",
// ECCV 2022) in LibTorch, following the authors' code (cure-lab/DeciWatch, lib/models/deciwatch.py),
// which HANet (src/models/hanet) extends; the attention layers are HANet's (hanet::EncoderLayer,
// hanet::Decoder), which compute the same DETR-style layers. Sample-denoise-recover on a window of
// L = N*Q + 1 frames (B, L, C), batch-first:
//   1. s = x with unseen frames (t % N != 0) zeroed;
//   2. DenoiseNet: encoder_embed Linear(C -> d) + sine position encoding (queries / keys only),
//      `enc_layers` encoder layers where a frame attends to the *other seen* frames (-inf on itself
//      and on unseen frames, the published mask), the final encoder LayerNorm when pre-norm;
//      denoised = encoder_joints_embed Linear(d -> C)(memory) + s;
//   3. linear (align-corners) interpolation of the denoised seen frames to all L frames;
//   4. RecoverNet: decoder_embed Conv1d(C -> d, kernel 5, padding 2) over time of the interpolation,
//      `dec_layers` decoder layers (self-attention, cross-attention to the encoder memory; unseen
//      memory frames get +1.0 on their logits with memory_mask "additive" = published, or -inf with
//      "masked"), decoder LayerNorm; final = decoder_joints_embed Linear(d -> C) + interpolation.
// Parameter names equal the published state_dict keys (transformer.encoder_embed.weight,
// transformer.encoder.layers.0.self_attn.in_proj_weight, transformer.encoder.norm.weight,
// transformer.decoder.layers.0.multihead_attn.out_proj.bias, transformer.decoder.norm.bias, ...).
// Published initialisation: PyTorch defaults, then xavier-uniform on every parameter with > 1 dim.
// HanetConfig mapping: N = sample_interval, Q = q, C = joints*dims, d = hidden_dim (encoder and decoder
// width), nheads, dim_feedforward, enc_layers, dec_layers, dropout, pre_norm, activation, memory_mask.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <vector>

#include "models/hanet/hanet.h"
#include "models/hanet/hanet_config.h"

namespace kinepose::peers {

// `transformer.encoder`: DenoiseNet's layers and, with pre-norm, the final LayerNorm (applied).
class DeciWatchEncoderImpl : public torch::nn::Module {
 public:
  DeciWatchEncoderImpl(const hanet::LayerOptions& o, int num_layers);
  at::Tensor forward(const at::Tensor& src, const at::Tensor& pos, const at::Tensor& mask);

  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm norm{nullptr};  // pre-norm only

 private:
  std::vector<hanet::EncoderLayer> typed_;
};
TORCH_MODULE(DeciWatchEncoder);

// `transformer`: every learned part of DeciWatch, registered in the published state_dict order.
class DeciWatchTransformerImpl : public torch::nn::Module {
 public:
  explicit DeciWatchTransformerImpl(const HanetConfig& c);
  hanet::Output forward(const at::Tensor& x);

  torch::nn::Conv1d decoder_embed{nullptr};  // C -> d, kernel 5, padding 2 over time
  torch::nn::Linear encoder_embed{nullptr};  // C -> d
  DeciWatchEncoder encoder{nullptr};
  hanet::Decoder decoder{nullptr};
  torch::nn::Linear decoder_joints_embed{nullptr}, encoder_joints_embed{nullptr};  // d -> C

 private:
  HanetConfig c_;
};
TORCH_MODULE(DeciWatchTransformer);

class DeciWatchImpl : public torch::nn::Module {
 public:
  // Validates the fields it uses; throws Error("deciwatch config", "<field>: ...").
  explicit DeciWatchImpl(const HanetConfig& c);
  // x: (B, L, C) float32 windows in model space. Throws Error("deciwatch", ...) for a wrong shape.
  // final_out: recovered poses at all L frames. encoder_out: the denoised poses at the seen frames
  // t % N == 0 and, at the other frames, their linear interpolation (what RecoverNet starts from).
  // Unseen input frames never influence encoder_out.
  hanet::Output forward(const at::Tensor& x);
  const HanetConfig& config() const { return config_; }

  DeciWatchTransformer transformer{nullptr};

 private:
  HanetConfig config_;
};
TORCH_MODULE(DeciWatch);

}  // namespace kinepose::peers
