// Training objectives of HANet's peers, as in the authors' code:
// - smoothnet_loss (cure-lab/SmoothNet, lib/core/loss.py SmoothNetLoss; paper eq. 3):
//     w_pos * mean|out - gt| + w_accel * mean|A(out) - A(gt)|, with A(y)[t] = y[t] - 2 y[t+1] + y[t+2]
//     over time, both means over every element (B x (L or L-2) x C). The paper weighs both terms 1
//     (the code's default W_ACCEL = W_POS = 1.0); the published H36M-FCN config uses W_ACCEL = 0.1.
//     w_pos is fixed to 1 here.
// - deciwatch_loss (cure-lab/DeciWatch, lib/core/loss.py DeciWatchLoss.forward_lr1):
//     w_denoise * mean over seen frames (t % N == 0) of |encoder_out - gt|
//   + w_recover * mean over all frames of |final_out - gt|
//     (the code's "lamada" = w_recover; published configs use W_DENOISE = 1.0 and LAMADA = 1.0,
//     the code's default LAMADA is 2.0).
// Tensors are (B, L, C); both return a scalar. Throw Error("smoothnet loss" / "deciwatch loss", ...)
// for mismatched shapes.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "models/hanet/hanet.h"

namespace kinepose::peers {

at::Tensor smoothnet_loss(const at::Tensor& out, const at::Tensor& gt, double w_accel = 1.0);

at::Tensor deciwatch_loss(const hanet::Output& out, const at::Tensor& gt, int64_t sample_interval,
                          double w_denoise = 1.0, double w_recover = 1.0);

}  // namespace kinepose::peers
