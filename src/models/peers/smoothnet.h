// SmoothNet (Zeng et al., "SmoothNet: A Plug-and-Play Network for Refining Human Poses in Videos",
// ECCV 2022) in LibTorch, following the authors' code (cure-lab/SmoothNet, lib/models/smoothnet.py).
// A temporal-only network: every coordinate channel of a window is refined on its own, as a length-L
// signal, by fully-connected layers over time (the same weights for every channel):
//   encoder.0      Linear(L -> H), LeakyReLU(0.1)
//   res_blocks.i   x + LeakyReLU0.2(Dropout(Linear2(LeakyReLU0.2(Dropout(Linear1(x))))))   (H -> R -> H)
//   decoder        Linear(H -> L)             (the output is NOT residual w.r.t. the input)
// Parameter names equal the published state_dict keys (encoder.0.weight, res_blocks.0.linear1.weight,
// decoder.bias, ...); initialisation is PyTorch's default, as published.
// HanetConfig mapping: L = c.window() (N = 1, L = Q + 1), H = c.hidden_dim (published 512),
// R = c.dim_feedforward (published 256), blocks = c.enc_layers (published 3), dropout = c.dropout
// (published 0.5); every other field is ignored.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include <vector>

#include "models/hanet/hanet_config.h"

namespace kinepose::peers {

// One residual block (`res_blocks.{i}`).
class SmoothNetResBlockImpl : public torch::nn::Module {
 public:
  SmoothNetResBlockImpl(int64_t channels, int64_t hidden, double dropout);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear linear1{nullptr}, linear2{nullptr};

 private:
  double dropout_;
};
TORCH_MODULE(SmoothNetResBlock);

class SmoothNetImpl : public torch::nn::Module {
 public:
  // Validates the fields it uses; throws Error("smoothnet config", "<field>: ...").
  explicit SmoothNetImpl(const HanetConfig& c);
  // x: (B, L, C) float32/float64 windows in model space -> (B, L, C). Throws Error("smoothnet", ...)
  // for a wrong shape.
  at::Tensor forward(const at::Tensor& x);
  const HanetConfig& config() const { return config_; }

  torch::nn::ModuleList encoder{nullptr};     // [0] = Linear(L -> H)
  torch::nn::ModuleList res_blocks{nullptr};  // SmoothNetResBlock per block
  torch::nn::Linear decoder{nullptr};         // Linear(H -> L)

 private:
  HanetConfig config_;
  torch::nn::Linear encoder_linear_{nullptr};
  std::vector<SmoothNetResBlock> blocks_;
};
TORCH_MODULE(SmoothNet);

}  // namespace kinepose::peers
