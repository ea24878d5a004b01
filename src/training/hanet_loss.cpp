// HANet's published objective, vectorised over channels (the official code loops over them; the
// sums per channel are the same).
#include "training/hanet_loss.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "kinepose/error.h"

namespace kinepose::hanet {

namespace {

const char* kWhere = "hanet loss";

std::string shape_str(at::IntArrayRef s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

const std::vector<int64_t> kBatchAndTime{0, 1};  // per-channel sums over (B, L)

}  // namespace

at::Tensor hanet_seen_mask(int64_t window, int64_t sample_interval) {
  if (window < 1 || sample_interval < 1)
    throw Error(kWhere, fmt::format("seen mask of window {} with sample interval {}: both must be >= 1", window,
                                    sample_interval));
  return (at::arange(window, at::kLong).remainder(sample_interval) == 0).to(at::kFloat);
}

HanetLossTerms hanet_loss(const at::Tensor& final_out, const at::Tensor& encoder_out, const at::Tensor& gt,
                          const at::Tensor& seen, const HanetLossOptions& o) {
  if (!final_out.defined() || final_out.dim() != 3)
    throw Error(kWhere, "final output must be (B, L, C), got " +
                            (final_out.defined() ? shape_str(final_out.sizes()) : std::string("nothing")));
  if (!encoder_out.defined() || encoder_out.sizes() != final_out.sizes())
    throw Error(kWhere, "encoder output " + (encoder_out.defined() ? shape_str(encoder_out.sizes()) : std::string("(none)")) +
                            " does not match the final output " + shape_str(final_out.sizes()));
  if (!gt.defined() || gt.sizes() != final_out.sizes())
    throw Error(kWhere, "ground truth " + (gt.defined() ? shape_str(gt.sizes()) : std::string("(none)")) +
                            " does not match the outputs " + shape_str(final_out.sizes()));
  const int64_t B = final_out.size(0), L = final_out.size(1), C = final_out.size(2);
  if (B * L * C == 0) throw Error(kWhere, "empty batch " + shape_str(final_out.sizes()));
  if (!seen.defined() || !((seen.dim() == 1 && seen.size(0) == L) ||
                           (seen.dim() == 2 && seen.size(0) == B && seen.size(1) == L)))
    throw Error(kWhere, "seen mask " + (seen.defined() ? shape_str(seen.sizes()) : std::string("(none)")) +
                            " must be (L) or (B, L) with B = " + std::to_string(B) + ", L = " + std::to_string(L));

  // keep: (B, L, 1) or (1, L, 1), broadcast over channels (the official not_mask repeated over C).
  const at::Tensor keep = (seen.dim() == 1 ? seen.view({1, L, 1}) : seen.view({B, L, 1})).to(final_out.options());
  // The same normaliser for every term: the number of (batch, frame, channel) entries of the final
  // output (the published code counts the ones of the all-zero decoder padding mask).
  const double nv = static_cast<double>(B * L * C);

  HanetLossTerms t;
  t.l_final = (final_out - gt).abs().sum(kBatchAndTime) / nv;
  t.l_encoder = (encoder_out * keep - gt * keep).abs().sum(kBatchAndTime) / nv;
  if (!o.detach) {
    // L1 is symmetric, so the published "which one learns" branch is a no-op without detach.
    t.l_oml = (final_out * keep - encoder_out * keep).abs().sum(kBatchAndTime) / nv;
  } else {
    const at::Tensor final_learns = (final_out * keep - encoder_out.detach() * keep).abs().sum(kBatchAndTime) / nv;
    const at::Tensor encoder_learns = (encoder_out * keep - final_out.detach() * keep).abs().sum(kBatchAndTime) / nv;
    // The branch is a per-channel decision on values, not part of the graph.
    const at::Tensor final_worse = (t.l_final > t.l_encoder).detach();
    t.l_oml = at::where(final_worse, final_learns, encoder_learns);
  }
  t.per_channel = t.l_final * o.lambda + t.l_encoder * o.w_encoder + t.l_oml * o.w_encoder;
  t.l1 = t.per_channel.sum();
  t.total = t.l1;
  // OHKM over the 2*floor(C/4) hardest channels (the official ohkm(loss, C//4) doubles its k);
  // fewer than 4 channels leave nothing to mine.
  const int64_t k = std::min<int64_t>(2 * (C / 4), C);
  if (o.ohkm && k > 0) t.total = t.l1 + std::get<0>(at::topk(t.per_channel, k, 0, true, false)).sum() / static_cast<double>(k);
  return t;
}

}  // namespace kinepose::hanet
