// Shared by the HANet model, fast-path and streaming tests: a non-default configuration and a model
// with random weights everywhere.
#pragma once

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <cstdint>

#include "models/hanet/hanet.h"

namespace kinepose::testing {

// Every non-default choice at once: 3D MPII-16, N = 4, Q = 3 (L = 13), narrow, post-norm, GELU,
// masked memory, more decoder than encoder layers.
inline HanetConfig post_norm_config() {
  HanetConfig c;
  c.joints = 16;
  c.dims = 3;
  c.skeleton = "mpii16";
  c.sample_interval = 4;
  c.q = 3;
  c.hidden_dim = 32;
  c.nheads = 2;
  c.dim_feedforward = 48;
  c.enc_layers = 2;
  c.dec_layers = 4;
  c.pre_norm = false;
  c.activation = "gelu";
  c.memory_mask = "masked";
  return c;
}

// Random weights everywhere (the published initialisation leaves attention biases at zero and
// LayerNorms at identity, which would hide mistakes in those terms). Small perturbations: larger ones
// make the model so ill-conditioned that the reference alone moves by > 1e-4 between batch sizes.
inline hanet::Hanet random_model(const HanetConfig& c, uint64_t seed) {
  at::manual_seed(seed);
  hanet::Hanet m(c);
  torch::NoGradGuard g;
  for (auto& p : m->parameters()) p.add_(at::randn_like(p) * 0.05);
  m->eval();
  return m;
}

}  // namespace kinepose::testing
