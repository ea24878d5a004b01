// HANet <-> safetensors.
#include "models/hanet/hanet_weights.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "kinepose/error.h"

namespace kinepose::hanet {

namespace {

std::string shape_str(at::IntArrayRef s) { return fmt::format("[{}]", fmt::join(s, ", ")); }
std::string shape_str(const std::vector<int64_t>& s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

std::string architecture_summary(const HanetConfig& c) {
  return fmt::format("joints={} dims={} window={} encoder_hidden_dim={} nheads={} dim_feedforward={} enc_layers={} "
                     "dec_layers={} pre_norm={}",
                     c.joints, c.dims, c.window(), c.hidden_dim, c.nheads, c.dim_feedforward, c.enc_layers,
                     c.dec_layers, c.pre_norm ? "true" : "false");
}

}  // namespace

void load_hanet_weights(Hanet& model, const SafeTensors& weights, const std::string& where) {
  const HanetConfig& c = model->config();
  auto params = model->named_parameters(true);
  std::set<std::string> wanted;
  for (const auto& item : params) wanted.insert(item.key());
  for (const auto& [name, t] : weights.tensors)
    if (!wanted.count(name)) {
      std::string hint;
      if (name.rfind("module.", 0) == 0) hint = " (a DataParallel 'module.' prefix: convert the checkpoint with tools/)";
      throw Error(where, "unexpected tensor '" + name + "': not a parameter of the HANet the metadata describes (" +
                             architecture_summary(c) + ")" + hint);
    }
  torch::NoGradGuard guard;
  for (auto& item : params) {
    const std::string& name = item.key();
    const SafeTensor* t = weights.find(name);
    if (!t) throw Error(where, "missing tensor '" + name + "'");
    at::Tensor& p = item.value();
    if (t->shape != p.sizes().vec())
      throw Error(where, "tensor '" + name + "' has shape " + shape_str(t->shape) + " but the metadata (" +
                             architecture_summary(c) + ") implies " + shape_str(p.sizes()));
    if (t->dtype != "F32" && t->dtype != "F64")
      throw Error(where, "tensor '" + name + "' has dtype " + t->dtype + "; expected F32 (or F64)");
    std::vector<float> v = t->to_float32(where + ": tensor '" + name + "'");
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]))
        throw Error(where, fmt::format("tensor '{}' holds a non-finite value at element {}", name, i));
    p.copy_(at::from_blob(v.data(), p.sizes(), at::TensorOptions().dtype(at::kFloat)).to(p.options()));
  }
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
  SafeTensors st;
  st.metadata = model->config().to_metadata();
  for (const auto& item : model->named_parameters(true)) {
    const at::Tensor t = item.value().detach().to(at::kCPU, at::kFloat).contiguous();
    std::vector<float> v(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    st.tensors.emplace_back(item.key(), SafeTensor::from_float32(v, t.sizes().vec()));
  }
  return st;
}

void save_hanet(const std::string& path, Hanet& model) { write_safetensors(path, hanet_to_safetensors(model)); }

}  // namespace kinepose::hanet
