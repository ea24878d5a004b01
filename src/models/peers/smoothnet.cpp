// SmoothNet forward pass (see smoothnet.h for the published architecture this follows).
#include "models/peers/smoothnet.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "kinepose/error.h"

namespace kinepose::peers {

namespace {

const char* kConfigWhere = "smoothnet config";

void validate(const HanetConfig& c) {
  auto fail = [](const std::string& field, const std::string& what) { throw Error(kConfigWhere, field + ": " + what); };
  if (c.joints < 1 || c.dims < 1) fail("joints", fmt::format("C = joints*dims = {}x{} must be >= 1", c.joints, c.dims));
  if (c.sample_interval < 1) fail("sample_interval", fmt::format("N = {} must be >= 1", c.sample_interval));
  if (c.q < 1) fail("Q", fmt::format("Q = {} must be >= 1", c.q));
  if (c.window() < 2 || c.window() > 100000) fail("window", fmt::format("L = {} is not in 2..100000", c.window()));
  if (c.hidden_dim < 1 || c.hidden_dim > 65536)
    fail("hidden_dim", fmt::format("hidden size {} is not in 1..65536", c.hidden_dim));
  if (c.dim_feedforward < 1 || c.dim_feedforward > 65536)
    fail("dim_feedforward", fmt::format("residual hidden size {} is not in 1..65536", c.dim_feedforward));
  if (c.enc_layers < 0 || c.enc_layers > 64)
    fail("enc_layers", fmt::format("{} residual blocks is not in 0..64", c.enc_layers));
  if (!(c.dropout >= 0.0 && c.dropout < 1.0)) fail("dropout", fmt::format("{} is not in [0, 1)", c.dropout));
}

}  // namespace

SmoothNetResBlockImpl::SmoothNetResBlockImpl(int64_t channels, int64_t hidden, double dropout) : dropout_(dropout) {
  linear1 = register_module("linear1", torch::nn::Linear(channels, hidden));
  linear2 = register_module("linear2", torch::nn::Linear(hidden, channels));
}

at::Tensor SmoothNetResBlockImpl::forward(const at::Tensor& x) {
  // Published order: linear -> dropout -> LeakyReLU(0.2), twice, then the skip connection.
  const bool train = is_training();
  at::Tensor y = at::leaky_relu(at::dropout(linear1->forward(x), dropout_, train), 0.2);
  y = at::leaky_relu(at::dropout(linear2->forward(y), dropout_, train), 0.2);
  return y + x;
}

SmoothNetImpl::SmoothNetImpl(const HanetConfig& c) : config_(c) {
  validate(c);
  const int64_t L = c.window(), H = c.hidden_dim, R = c.dim_feedforward;
  encoder_linear_ = torch::nn::Linear(L, H);
  encoder = register_module("encoder", torch::nn::ModuleList(encoder_linear_));
  res_blocks = register_module("res_blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.enc_layers; ++i) {
    blocks_.emplace_back(H, R, c.dropout);
    res_blocks->push_back(blocks_.back());
  }
  decoder = register_module("decoder", torch::nn::Linear(H, L));
}

at::Tensor SmoothNetImpl::forward(const at::Tensor& x) {
  const int64_t L = config_.window(), C = config_.input_dim();
  if (x.dim() != 3 || x.size(1) != L || x.size(2) != C)
    throw Error("smoothnet",
                fmt::format("input has shape {}, expected (batch, L = {}, C = {})", fmt::join(x.sizes(), "x"), L, C));
  if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble)
    throw Error("smoothnet", "input must be float32 or float64");
  // (B, L, C) -> (B, C, L): each channel's time signal is one row of the fully-connected layers.
  at::Tensor h = x.to(decoder->weight.scalar_type()).transpose(1, 2);
  h = at::leaky_relu(encoder_linear_->forward(h), 0.1);
  for (auto& block : blocks_) h = block->forward(h);
  h = decoder->forward(h);
  return h.transpose(1, 2).contiguous().to(x.scalar_type());
}

}  // namespace kinepose::peers
