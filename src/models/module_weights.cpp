// Module <-> safetensors (module_weights.h).
#include "models/module_weights.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "kinepose/error.h"

namespace kinepose {

namespace {

std::string shape_str(at::IntArrayRef s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

std::vector<std::pair<std::string, at::Tensor>> state_tensors(const torch::nn::Module& module, bool buffers) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : module.named_parameters(true)) out.emplace_back(item.key(), item.value());
  if (buffers)
    for (const auto& item : module.named_buffers(true))
      if (at::isFloatingType(item.value().scalar_type())) out.emplace_back(item.key(), item.value());
  return out;
}

}  // namespace

void load_module_weights(torch::nn::Module& module, const SafeTensors& weights, const std::string& where,
                         const std::string& summary, bool buffers) {
  auto tensors = state_tensors(module, buffers);
  std::set<std::string> wanted;
  for (const auto& item : tensors) wanted.insert(item.first);
  for (const auto& [name, t] : weights.tensors)
    if (!wanted.count(name)) {
      std::string hint;
      if (name.rfind("module.", 0) == 0) hint = " (a DataParallel 'module.' prefix: convert the checkpoint with tools/)";
      throw Error(where, "unexpected tensor '" + name + "': not a tensor of the model the metadata describes (" +
                             summary + ")" + hint);
    }
  at::NoGradGuard guard;
  for (auto& [name, p] : tensors) {
    const SafeTensor* t = weights.find(name);
    if (!t) throw Error(where, "missing tensor '" + name + "'");
    if (t->shape != p.sizes().vec())
      throw Error(where, "tensor '" + name + "' has shape " + fmt::format("[{}]", fmt::join(t->shape, ", ")) +
                             " but the metadata (" + summary + ") implies " + shape_str(p.sizes()));
    if (t->dtype != "F32" && t->dtype != "F64")
      throw Error(where, "tensor '" + name + "' has dtype " + t->dtype + "; expected F32 (or F64)");
    std::vector<float> v = t->to_float32(where + ": tensor '" + name + "'");
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]))
        throw Error(where, fmt::format("tensor '{}' holds a non-finite value at element {}", name, i));
    p.copy_(at::from_blob(v.data(), p.sizes(), at::TensorOptions().dtype(at::kFloat)).to(p.options()));
  }
}

SafeTensors module_to_safetensors(const torch::nn::Module& module, std::map<std::string, std::string> metadata,
                                  bool buffers) {
  SafeTensors st;
  st.metadata = std::move(metadata);
  for (const auto& [name, value] : state_tensors(module, buffers)) {
    const at::Tensor t = value.detach().to(at::kCPU, at::kFloat).contiguous();
    std::vector<float> v(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    st.tensors.emplace_back(name, SafeTensor::from_float32(v, t.sizes().vec()));
  }
  return st;
}

}  // namespace kinepose
