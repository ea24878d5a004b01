// Any LibTorch module <-> safetensors, by state-dict name: the tensor I/O shared by every learned
// model's weights file (the models add their metadata and their own checks).
#pragma once

#include <torch/nn/module.h>

#include <string>

#include "kinepose/safetensors.h"

namespace kinepose {

// Copies every parameter (and, with buffers, every floating-point buffer; BatchNorm's integer
// step counter is skipped) from `weights` into `module`. Each must be present with the module's
// shape, F32 or F64 and finite; a tensor the module does not have is an error too. `summary`
// describes the architecture the metadata implies (for shape errors). Errors name `where`.
void load_module_weights(torch::nn::Module& module, const SafeTensors& weights, const std::string& where,
                         const std::string& summary, bool buffers);
// The module's parameters (and floating-point buffers) as float32, in registration order.
SafeTensors module_to_safetensors(const torch::nn::Module& module, std::map<std::string, std::string> metadata,
                                  bool buffers);

}  // namespace kinepose
