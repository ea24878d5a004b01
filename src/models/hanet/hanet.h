// HANet (Jin et al., "Kinematic-aware Hierarchical Attention Network for Human Pose Estimation in
// Videos", WACV 2023) in LibTorch, computing exactly docs/hanet-spec.md. Module and parameter names
// mirror the published PyTorch model so that named_parameters() equals its state_dict() keys
// (transformer.encoder.{i}.layers.0.self_attn.in_proj_weight, transformer.decoder.norm.weight, ...),
// including the two groups the published forward never uses (the last encoder level's projection
// and, with pre-norm, transformer.encoder_norm.*). Attention is written out by hand because the
// published mask arithmetic (an integer key-padding mask *added* to the logits) and pre-norm layers
// are not what LibTorch 1.13's modules do. Tensors are batch-first: (B, L, channels).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <string>
#include <vector>

#include "models/hanet/hanet_config.h"

namespace kinepose::peers {
class SmoothNetImpl;
class DeciWatchImpl;
}  // namespace kinepose::peers

namespace kinepose::hanet {

// nn.MultiheadAttention's parameters (in_proj_weight rows = q, k, v; in_proj_bias; out_proj).
class MultiheadAttentionImpl : public torch::nn::Module {
 public:
  MultiheadAttentionImpl(int64_t embed_dim, int64_t heads, double dropout);
  // query (B, Lq, E), key / value (B, Lk, E); `mask` (Lq, Lk) is added to the scaled logits
  // (-inf = not attended) or undefined.
  at::Tensor forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                     const at::Tensor& mask = at::Tensor());
  void reset_published();  // xavier-uniform in_proj_weight, zero biases (PyTorch's _reset_parameters)

  at::Tensor in_proj_weight, in_proj_bias;  // [3E, E], [3E]
  torch::nn::Linear out_proj{nullptr};      // self_attn.out_proj.{weight,bias}

 private:
  int64_t embed_dim_, heads_;
  double dropout_;
};
TORCH_MODULE(MultiheadAttention);

struct LayerOptions {
  int64_t width = 64, heads = 4, feedforward = 256;
  double dropout = 0.1;
  std::string activation = "leaky_relu";
  bool pre_norm = true;
};

// One encoder layer: self-attention with the position encoding added to queries and keys only,
// then feed-forward; pre- or post-norm.
class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const LayerOptions& o);
  at::Tensor forward(const at::Tensor& src, const at::Tensor& pos, const at::Tensor& mask);

  MultiheadAttention self_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  LayerOptions o_;
};
TORCH_MODULE(EncoderLayer);

// One level of the hierarchical encoder (`transformer.encoder.{i}`): a TransformerEncoder holding
// a single layer, kept as a list so that the names read `layers.0.*`.
class EncoderLevelImpl : public torch::nn::Module {
 public:
  explicit EncoderLevelImpl(const LayerOptions& o);
  at::Tensor forward(const at::Tensor& src, const at::Tensor& pos, const at::Tensor& mask);

  torch::nn::ModuleList layers{nullptr};
  EncoderLayer layer{nullptr};  // = layers[0]
};
TORCH_MODULE(EncoderLevel);

// One decoder layer: self-attention over the queries (no mask), cross-attention to the memory,
// feed-forward; pre- or post-norm.
class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const LayerOptions& o);
  at::Tensor forward(const at::Tensor& tgt, const at::Tensor& memory, const at::Tensor& pos,
                     const at::Tensor& memory_mask);

  MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};

 private:
  LayerOptions o_;
};
TORCH_MODULE(DecoderLayer);

// `transformer.decoder`: the layers and the final LayerNorm (applied in both norm modes).
class DecoderImpl : public torch::nn::Module {
 public:
  DecoderImpl(const LayerOptions& o, int num_layers);
  at::Tensor forward(const at::Tensor& tgt, const at::Tensor& memory, const at::Tensor& pos,
                     const at::Tensor& memory_mask);

  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm norm{nullptr};

 private:
  std::vector<DecoderLayer> typed_;
};
TORCH_MODULE(Decoder);

struct Output {
  at::Tensor final_out;    // (B, L, C): refined poses at every frame
  at::Tensor encoder_out;  // (B, L, C): encoder-refined poses, meaningful at seen frames t % N == 0
};

// `transformer`: every learned part of HANet.
class TransformerImpl : public torch::nn::Module {
 public:
  explicit TransformerImpl(const HanetConfig& c);
  Output forward(const at::Tensor& x);

  // Registration order = the published state_dict order.
  torch::nn::Conv1d decoder_embed{nullptr};   // C -> d, kernel 5, padding 2 over time
  torch::nn::Linear encoder_embed{nullptr};   // 4C -> d
  torch::nn::Linear motion_embed{nullptr};    // d + 3C -> d
  torch::nn::Conv1d prev_v_embed{nullptr}, next_v_embed{nullptr}, acc_embed{nullptr};  // depthwise 1x1
  torch::nn::ModuleList encoder{nullptr};        // EncoderLevel per level
  torch::nn::ModuleList projection{nullptr};     // Linear d_i -> 2 d_i (the last one unused)
  torch::nn::ModuleList offset_refine{nullptr};  // Conv1d d_i -> d, kernel 1
  torch::nn::ModuleList encoder_norm{nullptr};   // pre-norm only; never applied (published)
  Decoder decoder{nullptr};
  torch::nn::Linear decoder_joints_embed{nullptr}, encoder_joints_embed{nullptr};  // d -> C

 private:
  HanetConfig c_;
  at::Tensor seen_w_;  // correction = temporal: seen_mean_weights (not saved with the weights)
  std::vector<EncoderLevel> levels_;
  std::vector<torch::nn::Linear> projections_;
  std::vector<torch::nn::Conv1d> offsets_;
};
TORCH_MODULE(Transformer);

// The refinement network of a weights file: HANet (config.arch = "hanet", submodule
// `transformer`), or a peer trained and run through the same pipeline — SmoothNet (`smoothnet`)
// or DeciWatch (`deciwatch`), src/models/peers. One type so that weights I/O, training and
// stitched refinement are shared.
class HanetImpl : public torch::nn::Module {
 public:
  // Validates the configuration; HANet parameters get the published initialisation (PyTorch
  // defaults, then xavier-uniform on every parameter with more than one dimension), peers their own.
  explicit HanetImpl(const HanetConfig& config);
  // x: (B, L, C) float32 windows in model space. Throws Error for a wrong shape. SmoothNet has no
  // encoder output: encoder_out = final_out.
  Output forward(const at::Tensor& x);
  const HanetConfig& config() const { return config_; }

  Transformer transformer{nullptr};                  // arch hanet
  std::shared_ptr<peers::SmoothNetImpl> smoothnet;   // arch smoothnet
  std::shared_ptr<peers::DeciWatchImpl> deciwatch;   // arch deciwatch

 private:
  HanetConfig config_;
};
TORCH_MODULE(Hanet);

// correction = "temporal": weight (1, Q+1, 1) of each seen frame in the window mean of the
// align-corners linear interpolation of the seen frames to L frames. Subtracting the weighted mean
// from the encoder's correction makes the recovered centre keep the input's window mean exactly.
at::Tensor seen_mean_weights(int64_t seen, int64_t length);

// Sinusoidal position encoding (L, width) of the spec (interleaved sin/cos, normalised time).
at::Tensor sine_position_encoding(int64_t length, int64_t width);

}  // namespace kinepose::hanet
