// HANet's published training objective (docs/hanet-spec.md, "Loss"): per coordinate channel an L1
// term on the final output over all frames, an L1 term on the encoder output over the seen frames,
// and the online mutual learning (OML) term between the two outputs over the seen frames, all
// divided by the same count B*L*C; the channel losses are summed and online hard keypoint mining
// (OHKM: the mean of the 2*floor(C/4) largest channel losses) is added.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace kinepose::hanet {

struct HanetLossOptions {
  double lambda = 5.0;     // weight of the final-output term (published: 5 for 2D, 1 for 3D; "LAMADA")
  double w_encoder = 1.0;  // weight of the encoder term and of the OML term (published "W_DECODER": 1)
  // false = the published arithmetic: neither output is detached in the OML term, so it pulls both
  // outputs towards each other. true = the paper's intent: per channel, the output with the larger
  // error learns from the other one, which is detached (a fixed target).
  bool detach = false;
  bool ohkm = true;  // add the OHKM term (published: on)
};

struct HanetLossTerms {
  at::Tensor total;       // scalar: sum of the channel losses + OHKM (what training back-propagates)
  at::Tensor l1;          // scalar: sum of the channel losses (the published "l1_loss")
  at::Tensor per_channel; // (C): lambda*l_final + w*l_enc + w*l_oml per channel
  at::Tensor l_final;     // (C): L1 of the final output, all frames, / (B*L*C)
  at::Tensor l_encoder;   // (C): L1 of the encoder output, seen frames, / (B*L*C)
  at::Tensor l_oml;       // (C): L1 between the outputs, seen frames, / (B*L*C)
};

// final_out, encoder_out, gt: (B, L, C) float; seen: (B, L) or (L), 1 at frames the encoder saw
// (t % N == 0), 0 elsewhere. Differentiable with respect to both outputs. Throws Error for
// mismatching shapes or an empty batch.
HanetLossTerms hanet_loss(const at::Tensor& final_out, const at::Tensor& encoder_out, const at::Tensor& gt,
                          const at::Tensor& seen, const HanetLossOptions& options = {});

// The seen-frame mask (L) of a window of length L with sample interval N: 1 where t % N == 0.
at::Tensor hanet_seen_mask(int64_t window, int64_t sample_interval);

}  // namespace kinepose::hanet
