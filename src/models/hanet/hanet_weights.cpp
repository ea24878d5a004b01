// HANet <-> safetensors.
#include "models/hanet/hanet_weights.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "kinepose/error.h"
#include "models/module_weights.h"

namespace kinepose::hanet {

namespace {

std::string architecture_summary(const HanetConfig& c) {
  return fmt::format("joints={} dims={} window={} encoder_hidden_dim={} nheads={} dim_feedforward={} enc_layers={} "
                     "dec_layers={} pre_norm={}",
                     c.joints, c.dims, c.window(), c.hidden_dim, c.nheads, c.dim_feedforward, c.enc_layers,
                     c.dec_layers, c.pre_norm ? "true" : "false");
}

}  // namespace

void load_hanet_weights(Hanet& model, const SafeTensors& weights, const std::string& where) {
  load_module_weights(*model, weights, where, architecture_summary(model->config()), /*buffers=*/false);
}

Hanet load_hanet(const SafeTensors& weights, const std::string& where) {
  const HanetConfig c = HanetConfig::from_metadata(weights.metadata, where);
  Hanet model(c);
  load_hanet_weights(model, weights, where);
  model->eval();
  return model;
}

Hanet load_hanet(const std::string& path) { return load_hanet(read_safetensors(path), path); }

SafeTensors hanet_to_safetensors(Hanet& model) {
  return module_to_safetensors(*model, model->config().to_metadata(), /*buffers=*/false);
}

void save_hanet(const std::string& path, Hanet& model) { write_safetensors(path, hanet_to_safetensors(model)); }

}  // namespace kinepose::hanet
