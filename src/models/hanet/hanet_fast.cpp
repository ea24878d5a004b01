// Fast HANet inference (see hanet_fast.h). The computation follows HanetImpl / TransformerImpl::forward
// (hanet.cpp) step by step; the comments name the spec step each block reproduces. Layout: every
// activation is token-major within a window, (B * tokens, width), so that linear layers are one
// addmm each; attention copies q / k / v once into head-major buffers for two bmm's.
#include "models/hanet/hanet_fast.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "kinepose/error.h"

namespace kinepose::hanet {

namespace {

// Workspace roles: each is one tensor resized in place per use (storage kept between calls).
enum Role {
  kS, kP, kN, kVol, kFeat, kX, kY, kQkv, kQkvH, kLogits, kProbs, kCtxH, kCtx, kTmp, kFf, kMem, kMemSeen, kSSeen,
  kR, kIm, kTgt, kMemory, kKv, kKvH, kQc, kQcH, kOut, kEq, kEqH, kEin, kEkv, kEkvH, kRoles
};

struct Attn {
  at::Tensor in_wT;    // (w, 3w): [q * scale | k | v] (self-attention) or (w, w) q only (cross)
  at::Tensor in_bias;  // (tokens, 3w) or (tokens, w): position-encoding terms + biases, q part scaled
  at::Tensor out_wT, out_b;
};
struct Norm {
  at::Tensor w, b;
};
struct Ffn {
  at::Tensor w1T, b1, w2T, b2;
};
struct EncLevel {
  int64_t width = 0;
  Attn attn;
  Norm n1, n2;
  Ffn ff;
  at::Tensor projT, proj_b;  // unused for the last level
  at::Tensor offT;           // offset_refine as (width, d)
  // Additive mask with unseen tokens: queries of every token, keys / values of the seen ones only
  // (unseen keys are masked in the encoder): q_wT (w, w), q_bias (tokens, w), kv_wT (w, 2w),
  // kv_bias (seen, 2w). Undefined when every token is seen or unseen tokens are skipped (masked).
  at::Tensor q_wT, q_bias, kv_wT, kv_bias;
  // Pre-norm last level: its output only feeds offset_refine, so the feed-forward's second linear
  // and the offset are one (F, d) product (the bias term is in off_bsum). Undefined otherwise.
  at::Tensor ff_offT;
};
struct DecLayer {
  Attn self_attn, cross;  // cross: q only; keys / values of every layer come from kv_wT
  Norm n1, n2, n3;
  Ffn ff;
};

at::Tensor wt(const at::Tensor& t) { return t.detach(); }

Norm norm_of(const torch::nn::LayerNorm& n) { return {wt(n->weight), wt(n->bias)}; }

Ffn ffn_of(const torch::nn::Linear& l1, const torch::nn::Linear& l2) {
  return {wt(l1->weight).t(), wt(l1->bias), wt(l2->weight).t(), wt(l2->bias)};
}

// q/k/v of one attention block with the position encoding `pe` (tokens, w) folded in.
Attn self_attn_of(MultiheadAttentionImpl& m, const at::Tensor& pe, int64_t heads) {
  const int64_t w = m.in_proj_weight.size(1), T = pe.size(0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(w / heads));
  const at::Tensor W = wt(m.in_proj_weight), b = wt(m.in_proj_bias);
  const at::Tensor Wq = W.slice(0, 0, w), Wk = W.slice(0, w, 2 * w), Wv = W.slice(0, 2 * w, 3 * w);
  const at::Tensor bq = b.slice(0, 0, w), bk = b.slice(0, w, 2 * w), bv = b.slice(0, 2 * w, 3 * w);
  Attn a;
  a.in_wT = at::cat({Wq * scale, Wk, Wv}, 0).t();
  a.in_bias = at::cat({(at::matmul(pe, Wq.t()) + bq) * scale, at::matmul(pe, Wk.t()) + bk, bv.unsqueeze(0).expand({T, w})}, 1)
                  .contiguous();
  a.out_wT = wt(m.out_proj->weight).t();
  a.out_b = wt(m.out_proj->bias);
  return a;
}

void activate_(at::Tensor& x, const std::string& name) {
  if (name == "relu") at::relu_(x);
  else if (name == "gelu") at::gelu_(x);
  else at::leaky_relu_(x, 0.01);
}

}  // namespace

struct FastHanet::Impl {
  Hanet model{nullptr};
  HanetConfig c;
  bool fast = false, masked = false, temporal = false;
  int64_t L = 0, C = 0, N = 0, d = 0, heads = 0, Sn = 0, Lt = 0, D = 0;
  at::Tensor tok_idx, prev_idx, next_idx, seen_idx;  // seen_idx: seen frames among the tokens (additive)
  at::Tensor keep;                                    // (1, Lt, 1), additive only
  at::Tensor enc_mask, cross_mask;                    // (Lt, Lt); (1, 1, Lt) additive only
  at::Tensor enc_mask_seen;                           // (Lt, Sn): enc_mask at the seen keys, additive only
  at::Tensor emb_wT, emb_b, a1, b1, a2, b2, a3, b3;
  std::vector<EncLevel> enc;
  at::Tensor off_bsum;
  at::Tensor ej_wT, ej_b;
  at::Tensor seen_w;  // (1, Sn, 1): correction = temporal
  at::Tensor A5;  // (5L, Q+1): interpolation rows of the padded, unfolded (kernel 5) centre sequence
  at::Tensor conv_wT, conv_b, mot_wT, mot_b, kv_wT, kv_bias;
  std::vector<DecLayer> dec;
  Norm final_norm;
  at::Tensor dj_wT, dj_b;
  std::array<at::Tensor, kRoles> buf;

  at::Tensor& b(Role r, at::IntArrayRef shape) {
    at::Tensor& t = buf[r];
    if (!t.defined()) t = at::empty(shape, at::TensorOptions().dtype(at::kFloat));
    else t.resize_(shape);
    return t;
  }

  void derive();
  at::Tensor run(const at::Tensor& x);
  void self_attention(const at::Tensor& in, const Attn& a, int64_t B, int64_t T, int64_t w, const at::Tensor& mask);
  void attend(const at::Tensor& qh, const at::Tensor& kh, const at::Tensor& vh, const at::Tensor& mask, int64_t B,
              int64_t Lq, int64_t w, const Attn& a);
  void encoder_attention(const at::Tensor& in, const EncLevel& e, int64_t B);
  void feedforward(const at::Tensor& in, const Ffn& f, int64_t rows, int64_t width);
};

void FastHanet::Impl::derive() {
  at::NoGradGuard no_grad;
  c = model->config();
  fast = c.arch == "hanet" && model->transformer;
  if (!fast) return;
  TransformerImpl& tr = *model->transformer;
  masked = c.memory_mask == "masked";
  temporal = c.correction == "temporal";
  L = c.window();
  C = c.input_dim();
  N = c.sample_interval;
  d = c.hidden_dim;
  heads = c.nheads;
  Sn = c.q + 1;
  if (temporal) seen_w = seen_mean_weights(Sn, L);
  D = c.dec_layers;
  const auto lopts = at::TensorOptions().dtype(at::kLong);
  const auto fopts = at::TensorOptions().dtype(at::kFloat);

  // Tokens of the encoder and of the decoder's memory: seen frames only when their unseen
  // neighbours cannot matter (masked), every frame otherwise.
  std::vector<int64_t> toks, prev, next, seen;
  for (int64_t t = 0; t < L; ++t) {
    if (masked && t % N != 0) continue;
    toks.push_back(t);
    prev.push_back(std::max<int64_t>(t - 1, 0));
    next.push_back(std::min<int64_t>(t + 1, L - 1));
  }
  Lt = static_cast<int64_t>(toks.size());
  for (int64_t i = 0; i < Lt; ++i)
    if (toks[i] % N == 0) seen.push_back(i);
  tok_idx = at::tensor(toks, lopts);
  prev_idx = at::tensor(prev, lopts);
  next_idx = at::tensor(next, lopts);
  seen_idx = at::tensor(seen, lopts);
  const double inf = std::numeric_limits<double>::infinity();
  enc_mask = at::zeros({Lt, Lt}, fopts);
  {
    auto m = enc_mask.accessor<float, 2>();
    for (int64_t i = 0; i < Lt; ++i)
      for (int64_t j = 0; j < Lt; ++j)
        if (i == j || toks[j] % N != 0) m[i][j] = static_cast<float>(-inf);
  }
  const bool split_kv = !masked && static_cast<int64_t>(seen.size()) < Lt;
  enc_mask_seen = split_kv ? enc_mask.index_select(1, seen_idx).contiguous() : at::Tensor();
  if (!masked) {
    keep = at::zeros({1, Lt, 1}, fopts);
    cross_mask = at::zeros({1, 1, Lt}, fopts);
    for (int64_t i = 0; i < Lt; ++i) {
      const bool s = toks[i] % N == 0;
      keep[0][i][0] = s ? 1.f : 0.f;
      cross_mask[0][0][i] = s ? 0.f : 1.f;  // published arithmetic: +1.0 on unseen memory keys
    }
  } else {
    keep = at::Tensor();
    cross_mask = at::Tensor();
  }

  emb_wT = wt(tr.encoder_embed->weight).t();
  emb_b = wt(tr.encoder_embed->bias);
  a1 = wt(tr.prev_v_embed->weight).reshape({C});
  b1 = wt(tr.prev_v_embed->bias);
  a2 = wt(tr.next_v_embed->weight).reshape({C});
  b2 = wt(tr.next_v_embed->bias);
  a3 = wt(tr.acc_embed->weight).reshape({C});
  b3 = wt(tr.acc_embed->bias);

  enc.clear();
  off_bsum = at::zeros({d}, fopts);
  for (int i = 0; i < c.enc_layers; ++i) {
    auto level = tr.encoder[i]->as<EncoderLevelImpl>();
    EncoderLayerImpl& layer = *level->layer;
    EncLevel e;
    e.width = c.level_width(i);
    const at::Tensor pe = sine_position_encoding(L, e.width).index_select(0, tok_idx);
    e.attn = self_attn_of(*layer.self_attn, pe, heads);
    if (split_kv) {
      const int64_t w = e.width;
      e.q_wT = e.attn.in_wT.slice(1, 0, w).contiguous();
      e.q_bias = e.attn.in_bias.slice(1, 0, w).contiguous();
      e.kv_wT = e.attn.in_wT.slice(1, w, 3 * w).contiguous();
      e.kv_bias = e.attn.in_bias.slice(1, w, 3 * w).index_select(0, seen_idx).contiguous();
    }
    e.n1 = norm_of(layer.norm1);
    e.n2 = norm_of(layer.norm2);
    e.ff = ffn_of(layer.linear1, layer.linear2);
    if (i + 1 < c.enc_layers) {
      auto proj = tr.projection[i]->as<torch::nn::LinearImpl>();
      e.projT = wt(proj->weight).t();
      e.proj_b = wt(proj->bias);
    }
    auto off = tr.offset_refine[i]->as<torch::nn::Conv1dImpl>();
    e.offT = wt(off->weight).squeeze(-1).t();
    off_bsum = off_bsum + wt(off->bias);
    if (c.pre_norm && i + 1 == c.enc_layers) {
      e.ff_offT = at::matmul(e.ff.w2T, e.offT).contiguous();
      off_bsum = off_bsum + at::matmul(e.ff.b2, e.offT);
    }
    enc.push_back(std::move(e));
  }
  ej_wT = wt(tr.encoder_joints_embed->weight).t();
  ej_b = wt(tr.encoder_joints_embed->bias);

  // Interpolation (align corners) of the Q+1 seen frames to L frames, zero-padded by 2 and unfolded
  // for the kernel-5 convolution: row t*5+k = centre frame t+k-2.
  std::vector<float> A(static_cast<size_t>(5 * L * Sn), 0.f);
  for (int64_t t = 0; t < L; ++t)
    for (int64_t k = 0; k < 5; ++k) {
      const int64_t u = t + k - 2;
      if (u < 0 || u >= L) continue;
      const int64_t s0 = u / N, j = u % N;
      float* row = &A[static_cast<size_t>((t * 5 + k) * Sn)];
      if (j == 0) row[s0] = 1.f;
      else {
        const double lam = static_cast<double>(j) / static_cast<double>(N);
        row[s0] = static_cast<float>(1.0 - lam);
        row[s0 + 1] = static_cast<float>(lam);
      }
    }
  A5 = at::tensor(A, fopts).view({5 * L, Sn});
  conv_wT = wt(tr.decoder_embed->weight).permute({2, 1, 0}).reshape({5 * C, d}).contiguous();
  conv_b = wt(tr.decoder_embed->bias);
  mot_wT = wt(tr.motion_embed->weight).t();
  mot_b = wt(tr.motion_embed->bias);

  const at::Tensor pe0 = sine_position_encoding(L, d);
  const at::Tensor pe0_tok = pe0.index_select(0, tok_idx);
  dec.clear();
  std::vector<at::Tensor> kv_w, kv_b;
  const double scale = 1.0 / std::sqrt(static_cast<double>(d / heads));
  for (int j = 0; j < D; ++j) {
    DecoderLayerImpl& layer = *tr.decoder->layers[j]->as<DecoderLayerImpl>();
    DecLayer l;
    l.self_attn = self_attn_of(*layer.self_attn, pe0, heads);
    MultiheadAttentionImpl& m = *layer.multihead_attn;
    const at::Tensor W = wt(m.in_proj_weight), bias = wt(m.in_proj_bias);
    const at::Tensor Wq = W.slice(0, 0, d), Wk = W.slice(0, d, 2 * d), Wv = W.slice(0, 2 * d, 3 * d);
    const at::Tensor bq = bias.slice(0, 0, d), bk = bias.slice(0, d, 2 * d), bv = bias.slice(0, 2 * d, 3 * d);
    l.cross.in_wT = (Wq * scale).t();
    l.cross.in_bias = ((at::matmul(pe0, Wq.t()) + bq) * scale).contiguous();
    l.cross.out_wT = wt(m.out_proj->weight).t();
    l.cross.out_b = wt(m.out_proj->bias);
    kv_w.push_back(Wk);
    kv_w.push_back(Wv);
    kv_b.push_back(at::matmul(pe0_tok, Wk.t()) + bk);
    kv_b.push_back(bv.unsqueeze(0).expand({Lt, d}));
    l.n1 = norm_of(layer.norm1);
    l.n2 = norm_of(layer.norm2);
    l.n3 = norm_of(layer.norm3);
    l.ff = ffn_of(layer.linear1, layer.linear2);
    dec.push_back(std::move(l));
  }
  kv_wT = at::cat(kv_w, 0).t();  // (d, D*2d): columns [k_0 | v_0 | k_1 | v_1 | ...]
  kv_bias = at::cat(kv_b, 1).contiguous();
  final_norm = norm_of(tr.decoder->norm);
  dj_wT = wt(tr.decoder_joints_embed->weight).t();
  dj_b = wt(tr.decoder_joints_embed->bias);
}

void FastHanet::Impl::attend(const at::Tensor& qh, const at::Tensor& kh, const at::Tensor& vh, const at::Tensor& mask,
                             int64_t B, int64_t Lq, int64_t w, const Attn& a) {
  const int64_t Lk = kh.size(1), hd = w / heads;
  at::Tensor& logits = b(kLogits, {B * heads, Lq, Lk});
  at::bmm_out(logits, qh, kh.transpose(1, 2));
  if (mask.defined()) logits.add_(mask);
  at::Tensor& probs = b(kProbs, {B * heads, Lq, Lk});
  at::_softmax_out(probs, logits, -1, false);
  at::Tensor& ctxh = b(kCtxH, {B * heads, Lq, hd});
  at::bmm_out(ctxh, probs, vh);
  at::Tensor& ctx = b(kCtx, {B, Lq, heads, hd});
  ctx.copy_(ctxh.view({B, heads, Lq, hd}).permute({0, 2, 1, 3}));
  at::Tensor& tmp = b(kTmp, {B * Lq, w});
  at::addmm_out(tmp, a.out_b, ctx.view({B * Lq, w}), a.out_wT);
}

// Self-attention of `in` (B*T, w) (position encoding already folded into a.in_bias); result in kTmp.
void FastHanet::Impl::self_attention(const at::Tensor& in, const Attn& a, int64_t B, int64_t T, int64_t w,
                                     const at::Tensor& mask) {
  const int64_t hd = w / heads;
  at::Tensor& qkv = b(kQkv, {B * T, 3 * w});
  at::mm_out(qkv, in, a.in_wT);
  qkv.view({B, T, 3 * w}).add_(a.in_bias);
  at::Tensor& qkvh = b(kQkvH, {3, B, heads, T, hd});
  qkvh.copy_(qkv.view({B, T, 3, heads, hd}).permute({2, 0, 3, 1, 4}));
  attend(qkvh.select(0, 0).view({B * heads, T, hd}), qkvh.select(0, 1).view({B * heads, T, hd}),
         qkvh.select(0, 2).view({B * heads, T, hd}), mask, B, T, w, a);
}

// Encoder self-attention of `in` (B*Lt, w) at level `e` with the encoder mask; result in kTmp.
void FastHanet::Impl::encoder_attention(const at::Tensor& in, const EncLevel& e, int64_t B) {
  const int64_t w = e.width;
  if (!e.q_wT.defined()) {
    self_attention(in, e.attn, B, Lt, w, enc_mask);
    return;
  }
  const int64_t hd = w / heads;
  at::Tensor& q = b(kEq, {B * Lt, w});
  at::mm_out(q, in, e.q_wT);
  q.view({B, Lt, w}).add_(e.q_bias);
  at::Tensor& qh = b(kEqH, {B, heads, Lt, hd});
  qh.copy_(q.view({B, Lt, heads, hd}).permute({0, 2, 1, 3}));
  at::Tensor& seen_in = b(kEin, {B, Sn, w});
  at::index_select_out(seen_in, in.view({B, Lt, w}), 1, seen_idx);
  at::Tensor& kv = b(kEkv, {B * Sn, 2 * w});
  at::mm_out(kv, seen_in.view({B * Sn, w}), e.kv_wT);
  kv.view({B, Sn, 2 * w}).add_(e.kv_bias);
  at::Tensor& kvh = b(kEkvH, {2, B, heads, Sn, hd});
  kvh.copy_(kv.view({B, Sn, 2, heads, hd}).permute({2, 0, 3, 1, 4}));
  attend(qh.view({B * heads, Lt, hd}), kvh.select(0, 0).view({B * heads, Sn, hd}),
         kvh.select(0, 1).view({B * heads, Sn, hd}), enc_mask_seen, B, Lt, w, e.attn);
}

// Feed-forward of `in` (rows, width); result in kTmp.
void FastHanet::Impl::feedforward(const at::Tensor& in, const Ffn& f, int64_t rows, int64_t width) {
  at::Tensor& h = b(kFf, {rows, f.w1T.size(1)});
  at::addmm_out(h, f.b1, in, f.w1T);
  activate_(h, c.activation);
  at::Tensor& tmp = b(kTmp, {rows, width});
  at::addmm_out(tmp, f.b2, h, f.w2T);
}

at::Tensor FastHanet::Impl::run(const at::Tensor& x) {
  const int64_t B = x.size(0);
  auto ln = [](const at::Tensor& in, const Norm& n) { return at::layer_norm(in, {in.size(-1)}, n.w, n.b, 1e-5); };

  // 1. Masked input and raw neighbours at the tokens.
  at::Tensor& S = b(kS, {B, Lt, C});
  at::Tensor& P = b(kP, {B, Lt, C});
  at::Tensor& Nx = b(kN, {B, Lt, C});
  at::index_select_out(S, x, 1, tok_idx);
  at::index_select_out(P, x, 1, prev_idx);
  at::index_select_out(Nx, x, 1, next_idx);
  if (keep.defined()) {
    S.mul_(keep);
    P.mul_(keep);
    Nx.mul_(keep);
  }
  // 2. Kinematic features: position volume [f, s, p, n]; motion [vp, vn, ac] after the memory slot.
  at::Tensor& vol = b(kVol, {B, Lt, 4 * C});
  vol.narrow(2, 0, C).copy_(P).add_(S).add_(Nx).div_(3.0);
  vol.narrow(2, C, C).copy_(S);
  vol.narrow(2, 2 * C, C).copy_(P);
  vol.narrow(2, 3 * C, C).copy_(Nx);
  at::Tensor& feat = b(kFeat, {B, Lt, d + 3 * C});
  at::Tensor vp = feat.narrow(2, d, C), vn = feat.narrow(2, d + C, C), ac = feat.narrow(2, d + 2 * C, C);
  vp.copy_(S).sub_(P).mul_(a1).add_(b1);
  vn.copy_(Nx).sub_(S).mul_(a2).add_(b2);
  ac.copy_(vn).sub_(vp).pow_(2).mul_(a3).add_(b3);

  // 3-4. Embedding and hierarchical encoder.
  const int64_t rows = B * Lt;
  at::Tensor& e0 = b(kX, {rows, d});
  at::addmm_out(e0, emb_b, vol.view({rows, 4 * C}), emb_wT);
  at::Tensor xs = e0;
  at::Tensor& mem = b(kMem, {rows, d});
  mem.copy_(off_bsum.expand({rows, d}));
  for (size_t i = 0; i < enc.size(); ++i) {
    const EncLevel& e = enc[i];
    const int64_t w = e.width;
    if (c.pre_norm) {
      encoder_attention(ln(xs, e.n1), e, B);
      xs.add_(buf[kTmp]);
      if (e.ff_offT.defined()) {  // last level: offset(xs + ff(xs)) without the (rows, w) ff output
        at::Tensor& h = b(kFf, {rows, e.ff.w1T.size(1)});
        at::addmm_out(h, e.ff.b1, ln(xs, e.n2), e.ff.w1T);
        activate_(h, c.activation);
        mem.addmm_(h, e.ff_offT);
      } else {
        feedforward(ln(xs, e.n2), e.ff, rows, w);
        xs.add_(buf[kTmp]);
      }
    } else {
      encoder_attention(xs, e, B);
      xs = ln(buf[kTmp].add_(xs), e.n1);
      feedforward(xs, e.ff, rows, w);
      xs = ln(buf[kTmp].add_(xs), e.n2);
    }
    mem.addmm_(xs, e.offT);
    if (i + 1 < enc.size()) {  // the last level's projection is unused (published)
      const Role target = xs.is_same(buf[kX]) ? kY : kX;
      at::Tensor& next = b(target, {rows, 2 * w});
      at::addmm_out(next, e.proj_b, xs, e.projT);
      xs = next;
    }
  }
  mem.mul_(1.0 / static_cast<double>(enc.size()));

  // 5. Refined poses at the seen frames only (the interpolation reads nothing else).
  at::Tensor mem_seen = mem, s_seen = S;
  if (!masked) {
    mem_seen = b(kMemSeen, {B, Sn, d});
    at::index_select_out(mem_seen, mem.view({B, Lt, d}), 1, seen_idx);
    s_seen = b(kSSeen, {B, Sn, C});
    at::index_select_out(s_seen, S, 1, seen_idx);
  }
  at::Tensor& r = b(kR, {B * Sn, C});
  at::addmm_out(r, ej_b, mem_seen.view({B * Sn, d}), ej_wT);
  if (temporal) r.view({B, Sn, C}).sub_((r.view({B, Sn, C}) * seen_w).sum(1, true));
  r.view({B, Sn, C}).add_(s_seen);

  // 6-7. Interpolated centre, already unfolded for the kernel-5 convolution: queries in one product.
  at::Tensor& im = b(kIm, {B, 5 * L, C});
  at::bmm_out(im, A5.unsqueeze(0).expand({B, 5 * L, Sn}), r.view({B, Sn, C}));
  const at::Tensor center = im.view({B, L, 5, C}).select(2, 2);
  at::Tensor& tgt0 = b(kTgt, {B * L, d});
  at::addmm_out(tgt0, conv_b, im.view({B * L, 5 * C}), conv_wT);

  // Memory M' = Linear([M, vp, vn, ac]) and the keys / values of every decoder layer at once.
  feat.narrow(2, 0, d).copy_(mem.view({B, Lt, d}));
  at::Tensor& memory = b(kMemory, {rows, d});
  at::addmm_out(memory, mot_b, feat.view({rows, d + 3 * C}), mot_wT);
  at::Tensor& kv = b(kKv, {rows, 2 * D * d});
  at::mm_out(kv, memory, kv_wT);
  kv.view({B, Lt, 2 * D * d}).add_(kv_bias);
  const int64_t hd = d / heads;
  at::Tensor& kvh = b(kKvH, {D, 2, B, heads, Lt, hd});
  kvh.copy_(kv.view({B, Lt, D, 2, heads, hd}).permute({2, 3, 0, 4, 1, 5}));

  // Decoder layers.
  at::Tensor t = tgt0;
  const int64_t drows = B * L;
  auto cross = [&](const at::Tensor& in, const DecLayer& l, int64_t j) {
    at::Tensor& qc = b(kQc, {drows, d});
    at::mm_out(qc, in, l.cross.in_wT);
    qc.view({B, L, d}).add_(l.cross.in_bias);
    at::Tensor& qch = b(kQcH, {B, heads, L, hd});
    qch.copy_(qc.view({B, L, heads, hd}).permute({0, 2, 1, 3}));
    attend(qch.view({B * heads, L, hd}), kvh[j][0].view({B * heads, Lt, hd}), kvh[j][1].view({B * heads, Lt, hd}),
           cross_mask, B, L, d, l.cross);
  };
  for (int64_t j = 0; j < D; ++j) {
    const DecLayer& l = dec[j];
    if (c.pre_norm) {
      self_attention(ln(t, l.n1), l.self_attn, B, L, d, at::Tensor());
      t.add_(buf[kTmp]);
      cross(ln(t, l.n2), l, j);
      t.add_(buf[kTmp]);
      feedforward(ln(t, l.n3), l.ff, drows, d);
      t.add_(buf[kTmp]);
    } else {
      self_attention(t, l.self_attn, B, L, d, at::Tensor());
      t = ln(buf[kTmp].add_(t), l.n1);
      cross(t, l, j);
      t = ln(buf[kTmp].add_(t), l.n2);
      feedforward(t, l.ff, drows, d);
      t = ln(buf[kTmp].add_(t), l.n3);
    }
  }

  // 8. Final poses.
  at::Tensor& out = b(kOut, {drows, C});
  at::addmm_out(out, dj_b, ln(t, final_norm), dj_wT);
  at::Tensor y = out.view({B, L, C});
  if (temporal) y.sub_(y.mean(1, true));
  y.add_(center);
  return y;
}

FastHanet::FastHanet(Hanet model) : impl_(std::make_unique<Impl>()) {
  impl_->model = std::move(model);
  c10::InferenceMode guard;
  impl_->derive();
}

FastHanet::~FastHanet() = default;

const HanetConfig& FastHanet::config() const { return impl_->model->config(); }
Hanet FastHanet::model() const { return impl_->model; }
bool FastHanet::fast() const { return impl_->fast; }

void FastHanet::refresh() {
  c10::InferenceMode guard;
  impl_->derive();
}

at::Tensor FastHanet::forward(const at::Tensor& x_in) {
  const HanetConfig& c = config();
  const int64_t L = c.window(), C = c.input_dim();
  if (x_in.dim() != 3 || x_in.size(1) != L || x_in.size(2) != C)
    throw Error("hanet", fmt::format("input has shape {}, expected (batch, L = {}, C = {})", fmt::join(x_in.sizes(), "x"),
                                     L, C));
  c10::InferenceMode guard;
  if (!impl_->fast) return impl_->model->forward(x_in).final_out;
  if (x_in.size(0) == 0) return at::empty({0, L, C}, at::TensorOptions().dtype(at::kFloat));
  return impl_->run(x_in.to(at::kFloat).contiguous());
}

}  // namespace kinepose::hanet
