// SmoothNet and DeciWatch training objectives (see peer_losses.h for the published definitions).
#include "models/peers/peer_losses.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "kinepose/error.h"

namespace kinepose::peers {

namespace {

void check_pair(const char* where, const char* name, const at::Tensor& a, const at::Tensor& gt) {
  if (!a.defined() || !gt.defined()) throw Error(where, fmt::format("{} or ground truth is undefined", name));
  if (gt.dim() != 3) throw Error(where, fmt::format("ground truth has shape {}, expected (B, L, C)", fmt::join(gt.sizes(), "x")));
  if (a.sizes() != gt.sizes())
    throw Error(where, fmt::format("{} has shape {} but ground truth {}", name, fmt::join(a.sizes(), "x"),
                                   fmt::join(gt.sizes(), "x")));
}

// Second difference over time (dim 1): y[t] - 2 y[t+1] + y[t+2], (B, L-2, C).
at::Tensor accel(const at::Tensor& y) {
  const int64_t L = y.size(1);
  return y.slice(1, 0, L - 2) - 2.0 * y.slice(1, 1, L - 1) + y.slice(1, 2, L);
}

}  // namespace

at::Tensor smoothnet_loss(const at::Tensor& out, const at::Tensor& gt, double w_accel) {
  const char* where = "smoothnet loss";
  check_pair(where, "output", out, gt);
  if (gt.size(1) < 3) throw Error(where, fmt::format("window of {} frames has no acceleration (need >= 3)", gt.size(1)));
  const at::Tensor pos = (out - gt).abs().mean();
  const at::Tensor acc = (accel(out) - accel(gt)).abs().mean();
  return pos + w_accel * acc;
}

at::Tensor deciwatch_loss(const hanet::Output& out, const at::Tensor& gt, int64_t sample_interval, double w_denoise,
                          double w_recover) {
  const char* where = "deciwatch loss";
  check_pair(where, "final_out", out.final_out, gt);
  check_pair(where, "encoder_out", out.encoder_out, gt);
  if (sample_interval < 1) throw Error(where, fmt::format("sample interval {} must be >= 1", sample_interval));
  const at::Tensor seen_idx =
      at::arange(0, gt.size(1), sample_interval, at::TensorOptions().dtype(at::kLong).device(gt.device()));
  const at::Tensor denoise = (out.encoder_out.index_select(1, seen_idx) - gt.index_select(1, seen_idx)).abs().mean();
  const at::Tensor recover = (out.final_out - gt).abs().mean();
  return w_denoise * denoise + w_recover * recover;
}

}  // namespace kinepose::peers
