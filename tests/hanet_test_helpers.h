// Shared by the HANet fast-path and streaming tests: a model with random weights everywhere.
#pragma once

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <cstdint>

#include "models/hanet/hanet.h"

namespace kinepose::testing {

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
