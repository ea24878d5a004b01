// HANet weights in safetensors: the published state_dict names, the hyper-parameters in the
// metadata (HanetConfig::to_metadata). Loading is strict: a missing, extra or mis-shaped tensor, a
// non-finite value, or metadata that contradicts the tensors ends in an Error naming the file and
// the tensor or field.
#pragma once

#include <string>

#include "kinepose/safetensors.h"
#include "models/hanet/hanet.h"

namespace kinepose::hanet {

// Builds the model the metadata describes and copies the tensors into it (eval mode).
Hanet load_hanet(const std::string& path);
Hanet load_hanet(const SafeTensors& weights, const std::string& where);
// Copies every parameter from `weights` into `model`; `where` names the source in errors.
void load_hanet_weights(Hanet& model, const SafeTensors& weights, const std::string& where);

SafeTensors hanet_to_safetensors(Hanet& model);  // float32, state_dict order, metadata from config
void save_hanet(const std::string& path, Hanet& model);  // atomic

}  // namespace kinepose::hanet
