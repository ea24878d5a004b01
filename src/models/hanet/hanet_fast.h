// Fast inference path of HANet (issue #7): the same final outputs as the reference forward
// (HanetImpl::forward, docs/hanet-spec.md) within 1e-4 in float32, computing only what the final
// output needs:
//   - with memory_mask = "masked", encoder tokens of unseen frames cannot influence the output (their
//     keys are masked in the encoder, their memory is masked in the decoder, and the interpolation
//     reads the encoder output at seen frames only), so the encoder, the memory and the decoder's
//     keys/values run on the Q+1 seen frames only (about N x less encoder work);
//   - with memory_mask = "additive" (published), every token is still a query of the encoder, but
//     keys / values are computed at the seen frames only (unseen keys are masked in the encoder);
//   - with pre-norm, the last encoder level's output only feeds its offset_refine, so that level's
//     feed-forward output projection and the offset are one (F, d) product (folded weights);
//   - the encoder head (encoder_joints_embed) runs at seen frames only, the last level's projection
//     and the pre-norm encoder_norm.* are skipped, dropout is gone (inference);
//   - position encodings are folded into per-token q/k biases, 1/sqrt(head dim) into the q weights,
//     q/k/v into one matrix product, the keys/values of every decoder layer into one product, and
//     the interpolation + the decoder's temporal convolution into one interpolation-im2col matrix.
// Runs under c10::InferenceMode with reused buffers (one workspace whose tensors keep their storage
// between calls; a larger batch grows them once). Windows of any number of tracks / sequences are
// batched by the caller into one (B, L, C) tensor. Threads: hanet::set_threads (hanet_refiner.h).
// Architectures other than "hanet" (smoothnet, deciwatch) fall back to the reference forward.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>

#include "models/hanet/hanet.h"

namespace kinepose::hanet {

class FastHanet {
 public:
  // Shares `model`'s parameters; the derived (fused / transposed / scaled) weights are one copy made
  // here, so call refresh() if the model's parameters change afterwards.
  explicit FastHanet(Hanet model);
  ~FastHanet();
  FastHanet(const FastHanet&) = delete;
  FastHanet& operator=(const FastHanet&) = delete;

  const HanetConfig& config() const;
  Hanet model() const;
  bool fast() const;  // false: arch without a fast path (reference forward)
  void refresh();     // recompute the derived weights from the model

  // x: (B, L, C) windows in model space (float32; made contiguous if needed). Returns the final
  // outputs (B, L, C). The result is an internal buffer, valid until the next call: copy it to keep
  // it. Not thread-safe (one workspace); use one FastHanet per thread.
  at::Tensor forward(const at::Tensor& x);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kinepose::hanet
