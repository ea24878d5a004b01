// SmoothNet and DeciWatch (src/models/peers), HANet's published peers: shapes and input errors,
// published parameter names and counts, the structural properties of each network (SmoothNet never
// mixes channels but uses every frame; DeciWatch's denoised frames see only sampled inputs), eval-mode
// determinism, tiny overfits, and the two training objectives on hand-computed cases.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "kinepose/error.h"
#include "models/hanet/hanet_config.h"
#include "models/peers/deciwatch.h"
#include "models/peers/peer_losses.h"
#include "models/peers/smoothnet.h"

using namespace kinepose;
using namespace kinepose::peers;

namespace {

// The kinepose::Error message f throws, or "(no error)" / "(other exception)".
std::string error_text(const std::function<void()>& f) {
  try {
    f();
  } catch (const kinepose::Error& e) {
    return e.what();
  } catch (...) {
    return "(other exception)";
  }
  return "(no error)";
}

HanetConfig smoothnet_config(int joints, int dims, int window, int hidden, int res_hidden, int blocks,
                             double dropout = 0.5) {
  HanetConfig c;
  c.arch = "smoothnet";
  c.joints = joints;
  c.dims = dims;
  c.sample_interval = 1;
  c.q = window - 1;
  c.hidden_dim = hidden;
  c.dim_feedforward = res_hidden;
  c.enc_layers = blocks;
  c.dropout = dropout;
  return c;
}

HanetConfig deciwatch_config(int joints, int dims, int n, int q, int d, int heads, int ff, int enc, int dec,
                             double dropout = 0.1) {
  HanetConfig c;
  c.arch = "deciwatch";
  c.joints = joints;
  c.dims = dims;
  c.sample_interval = n;
  c.q = q;
  c.hidden_dim = d;
  c.nheads = heads;
  c.dim_feedforward = ff;
  c.enc_layers = enc;
  c.dec_layers = dec;
  c.dropout = dropout;
  c.pre_norm = true;
  return c;
}

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::set<std::string> parameter_names(const torch::nn::Module& m) {
  std::set<std::string> names;
  for (const auto& item : m.named_parameters()) names.insert(item.key());
  return names;
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

// 8 windows (B, L, C) of smooth sinusoids (different phases / frequencies per channel and window)
// and the same plus fixed Gaussian noise.
std::pair<at::Tensor, at::Tensor> smooth_noisy_windows(int64_t L, int64_t C, double noise) {
  const auto f = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor t = at::arange(L, f).view({1, L, 1}) / static_cast<double>(L);
  const at::Tensor b = at::arange(8, f).view({8, 1, 1});
  const at::Tensor c = at::arange(C, f).view({1, 1, C});
  const at::Tensor clean = at::sin(2.0 * M_PI * (0.5 + 0.15 * c) * t + 0.7 * b + 0.3 * c) * (0.5 + 0.1 * c);
  const at::Tensor noisy = clean + noise * at::randn({8, L, C}, f);
  return {noisy, clean};
}

}  // namespace

// ---- SmoothNet ------------------------------------------------------------------------------------

TEST(Peers, SmoothNetShapesAndErrors) {
  at::manual_seed(1);
  struct Case {
    int joints, dims, window, hidden, res, blocks;
  };
  for (const Case& k : {Case{17, 2, 8, 32, 16, 1}, Case{17, 3, 32, 64, 32, 3}, Case{1, 1, 2, 8, 4, 0},
                        Case{24, 6, 16, 16, 8, 2}}) {
    SmoothNet net(smoothnet_config(k.joints, k.dims, k.window, k.hidden, k.res, k.blocks));
    net->eval();
    const int64_t C = k.joints * k.dims;
    const at::Tensor y = net->forward(at::randn({3, k.window, C}));
    EXPECT_EQ(y.sizes().vec(), (std::vector<int64_t>{3, k.window, C}));
    EXPECT_TRUE(at::isfinite(y).all().item<bool>());
    EXPECT_EQ(net->forward(at::randn({1, k.window, C}, at::kDouble)).scalar_type(), at::kDouble);
    // Wrong window length, channel count, rank.
    EXPECT_EQ(error_text([&] { net->forward(at::randn({3, k.window + 1, C})); }).rfind("smoothnet: input has shape", 0), 0u);
    EXPECT_NE(error_text([&] { net->forward(at::randn({3, k.window, C + 1})); }).find("expected (batch, L"), std::string::npos);
    EXPECT_NE(error_text([&] { net->forward(at::randn({k.window, C})); }).find("smoothnet:"), std::string::npos);
    EXPECT_NE(error_text([&] { net->forward(at::zeros({1, k.window, C}, at::kLong)); }).find("float32"), std::string::npos);
  }
  HanetConfig bad = smoothnet_config(17, 2, 8, 32, 16, 1);
  bad.dropout = 1.0;
  EXPECT_EQ(error_text([&] { SmoothNet net(bad); }).rfind("smoothnet config: dropout", 0), 0u);
  bad = smoothnet_config(17, 2, 8, 0, 16, 1);
  EXPECT_EQ(error_text([&] { SmoothNet net(bad); }).rfind("smoothnet config: hidden_dim", 0), 0u);
  bad = smoothnet_config(17, 2, 8, 32, 16, -1);
  EXPECT_EQ(error_text([&] { SmoothNet net(bad); }).rfind("smoothnet config: enc_layers", 0), 0u);
}

TEST(Peers, SmoothNetPublishedNamesAndParameterCount) {
  // Published setting: window 32, hidden 512, residual hidden 256, 3 blocks; C = 32.
  SmoothNet net(smoothnet_config(16, 2, 32, 512, 256, 3));
  const int64_t expected = (32 * 512 + 512) + 3 * (512 * 256 + 256 + 256 * 512 + 512) + (512 * 32 + 32);
  EXPECT_EQ(count_parameters(*net), expected);
  EXPECT_EQ(expected, 822048);
  const auto names = parameter_names(*net);
  EXPECT_EQ(names, (std::set<std::string>{"encoder.0.weight", "encoder.0.bias", "res_blocks.0.linear1.weight",
                                          "res_blocks.0.linear1.bias", "res_blocks.0.linear2.weight",
                                          "res_blocks.0.linear2.bias", "res_blocks.1.linear1.weight",
                                          "res_blocks.1.linear1.bias", "res_blocks.1.linear2.weight",
                                          "res_blocks.1.linear2.bias", "res_blocks.2.linear1.weight",
                                          "res_blocks.2.linear1.bias", "res_blocks.2.linear2.weight",
                                          "res_blocks.2.linear2.bias", "decoder.weight", "decoder.bias"}));
  std::printf("SmoothNet published (L = 32, C = 32): %lld parameters\n", static_cast<long long>(count_parameters(*net)));
}

TEST(Peers, SmoothNetUsesEveryFrameButNeverMixesChannels) {
  at::manual_seed(2);
  const int64_t L = 12, C = 8;
  SmoothNet net(smoothnet_config(4, 2, L, 32, 16, 2));
  net->eval();
  const at::Tensor x = at::randn({2, L, C});
  const at::Tensor y = net->forward(x);
  for (int64_t t = 0; t < L; ++t) {
    at::Tensor xp = x.clone();
    xp.select(1, t).select(1, 3).add_(0.5);  // frame t, channel 3, both windows
    const at::Tensor yp = net->forward(xp);
    const at::Tensor d = (yp - y).abs();
    // Channel 3 changes (at every output frame); the other channels are bit-identical.
    EXPECT_GT(d.select(2, 3).min().item<double>(), 0.0) << "frame " << t;
    EXPECT_EQ(d.index_select(2, at::tensor(std::vector<int64_t>{0, 1, 2, 4, 5, 6, 7})).max().item<double>(), 0.0) << "frame " << t;
  }
  // The same weights serve every channel: swapping two channels of the input swaps them in the output.
  const at::Tensor swapped = x.index_select(2, at::tensor(std::vector<int64_t>{1, 0, 2, 3, 4, 5, 6, 7}));
  const at::Tensor ys = net->forward(swapped);
  EXPECT_LT(max_abs(ys.select(2, 0) - y.select(2, 1)), 1e-6);
  // Eval mode is deterministic, train mode applies dropout.
  EXPECT_TRUE(at::equal(net->forward(x), y));
  net->train();
  EXPECT_FALSE(at::equal(net->forward(x), y));
}

TEST(Peers, SmoothNetOverfitsNoisyWindows) {
  at::manual_seed(3);
  const int64_t L = 16, C = 6;
  SmoothNet net(smoothnet_config(3, 2, L, 64, 32, 2, 0.0));
  auto [noisy, clean] = smooth_noisy_windows(L, C, 0.1);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  net->train();
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    const at::Tensor loss = smoothnet_loss(net->forward(noisy), clean);
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  std::printf("SmoothNet overfit: loss %.4g -> %.4g\n", first, last);
  EXPECT_LT(last * 5.0, first);
}

// ---- DeciWatch ------------------------------------------------------------------------------------

TEST(Peers, DeciWatchShapesAndErrors) {
  at::manual_seed(4);
  std::vector<HanetConfig> configs{deciwatch_config(17, 2, 5, 2, 32, 4, 64, 2, 2),
                                   deciwatch_config(16, 3, 4, 3, 16, 2, 48, 1, 3),
                                   deciwatch_config(2, 1, 1, 4, 8, 1, 16, 1, 1)};
  configs[1].pre_norm = false;
  configs[1].activation = "gelu";
  configs[1].memory_mask = "masked";
  configs[2].activation = "relu";
  for (const HanetConfig& c : configs) {
    DeciWatch net(c);
    net->eval();
    const int64_t L = c.window(), C = c.input_dim();
    const hanet::Output out = net->forward(at::randn({3, L, C}));
    EXPECT_EQ(out.final_out.sizes().vec(), (std::vector<int64_t>{3, L, C}));
    EXPECT_EQ(out.encoder_out.sizes().vec(), (std::vector<int64_t>{3, L, C}));
    EXPECT_TRUE(at::isfinite(out.final_out).all().item<bool>());
    EXPECT_TRUE(at::isfinite(out.encoder_out).all().item<bool>());
    EXPECT_EQ(net->forward(at::randn({1, L, C}, at::kDouble)).final_out.scalar_type(), at::kDouble);
    EXPECT_EQ(error_text([&] { net->forward(at::randn({3, L - 1, C})); }).rfind("deciwatch: input has shape", 0), 0u);
    EXPECT_NE(error_text([&] { net->forward(at::randn({3, L, C + 2})); }).find("expected (batch, L"), std::string::npos);
    EXPECT_NE(error_text([&] { net->forward(at::randn({L, C})); }).find("deciwatch:"), std::string::npos);
  }
  HanetConfig bad = deciwatch_config(17, 2, 5, 2, 30, 4, 64, 2, 2);  // 4 heads do not divide 30
  EXPECT_EQ(error_text([&] { DeciWatch net(bad); }).rfind("deciwatch config: nheads", 0), 0u);
  bad = deciwatch_config(17, 2, 5, 0, 32, 4, 64, 2, 2);
  EXPECT_EQ(error_text([&] { DeciWatch net(bad); }).rfind("deciwatch config: Q", 0), 0u);
  bad = deciwatch_config(17, 2, 5, 2, 32, 4, 64, 2, 2);
  bad.memory_mask = "none";
  EXPECT_EQ(error_text([&] { DeciWatch net(bad); }).rfind("deciwatch config: memory_mask", 0), 0u);
  bad = deciwatch_config(17, 2, 5, 2, 7, 1, 64, 2, 2);  // odd width: no sine position encoding
  EXPECT_EQ(error_text([&] { DeciWatch net(bad); }).rfind("deciwatch config: hidden_dim", 0), 0u);
}

TEST(Peers, DeciWatchPublishedNamesAndParameterCount) {
  // Published setting: N = 10, Q = 10 (L = 101), d = 128, 4 heads, F = 256, 5 + 5 layers, pre-norm; C = 32.
  DeciWatch net(deciwatch_config(16, 2, 10, 10, 128, 4, 256, 5, 5));
  const int64_t d = 128, F = 256, C = 32;
  const int64_t mha = 3 * d * d + 3 * d + d * d + d, ffn = d * F + F + F * d + d, ln = 2 * d;
  const int64_t expected = (C * d * 5 + d) + (C * d + d) + 5 * (mha + ffn + 2 * ln) + ln +
                           5 * (2 * mha + ffn + 3 * ln) + ln + 2 * (d * C + C);
  EXPECT_EQ(count_parameters(*net), expected);
  EXPECT_EQ(expected, 1689920);
  const auto names = parameter_names(*net);
  for (const char* key : {"transformer.decoder_embed.weight", "transformer.encoder_embed.bias",
                          "transformer.encoder.layers.0.self_attn.in_proj_weight",
                          "transformer.encoder.layers.4.self_attn.out_proj.bias", "transformer.encoder.layers.4.linear2.weight",
                          "transformer.encoder.norm.weight", "transformer.decoder.layers.4.multihead_attn.in_proj_bias",
                          "transformer.decoder.layers.0.norm3.weight", "transformer.decoder.norm.bias",
                          "transformer.decoder_joints_embed.weight", "transformer.encoder_joints_embed.bias"})
    EXPECT_TRUE(names.count(key)) << key;
  EXPECT_EQ(names.size(), 4u + 5u * 12u + 2u + 5u * 18u + 2u + 4u);
  std::printf("DeciWatch published (L = 101, C = 32): %lld parameters\n", static_cast<long long>(count_parameters(*net)));
  // Post-norm: no final encoder LayerNorm (as published).
  HanetConfig post = deciwatch_config(16, 2, 10, 10, 128, 4, 256, 5, 5);
  post.pre_norm = false;
  EXPECT_EQ(count_parameters(*DeciWatch(post)), expected - ln);
}

TEST(Peers, DeciWatchDenoisedFramesSeeOnlySampledInputs) {
  at::manual_seed(5);
  for (const std::string mode : {"additive", "masked"}) {
    HanetConfig c = deciwatch_config(4, 2, 4, 3, 32, 4, 64, 2, 2);  // L = 13, seen 0, 4, 8, 12
    c.memory_mask = mode;
    DeciWatch net(c);
    net->eval();
    const int64_t L = c.window(), C = c.input_dim();
    const at::Tensor seen = at::arange(0, L, 4, at::kLong);
    const at::Tensor x = at::randn({2, L, C});
    const hanet::Output out = net->forward(x);
    // Deterministic in eval mode.
    const hanet::Output again = net->forward(x);
    EXPECT_TRUE(at::equal(again.final_out, out.final_out));
    EXPECT_TRUE(at::equal(again.encoder_out, out.encoder_out));
    // encoder_out between seen frames is the linear interpolation of the seen ones.
    const at::Tensor e = out.encoder_out;
    EXPECT_LT(max_abs(e.select(1, 2) - 0.5 * (e.select(1, 0) + e.select(1, 4))), 1e-5);
    EXPECT_LT(max_abs(e.select(1, 9) - (0.75 * e.select(1, 8) + 0.25 * e.select(1, 12))), 1e-5);
    for (int64_t t = 0; t < L; ++t) {
      at::Tensor xp = x.clone();
      xp.select(1, t).add_(1.0);
      const hanet::Output o = net->forward(xp);
      const double enc_change = max_abs(o.encoder_out.index_select(1, seen) - out.encoder_out.index_select(1, seen));
      if (t % 4 != 0) {
        EXPECT_EQ(enc_change, 0.0) << mode << ": unseen frame " << t << " changed the denoised seen frames";
        EXPECT_EQ(max_abs(o.final_out - out.final_out), 0.0) << mode << ": unseen frame " << t;
      } else {
        // A seen frame moves the denoised poses of the *other* seen frames too (attention).
        for (int64_t s = 0; s < L; s += 4)
          EXPECT_GT(max_abs(o.encoder_out.select(1, s) - out.encoder_out.select(1, s)), 0.0) << mode << " " << t << " " << s;
        EXPECT_GT(max_abs(o.final_out - out.final_out), 0.0);
      }
    }
    net->train();
    EXPECT_FALSE(at::equal(net->forward(x).final_out, out.final_out));
  }
}

TEST(Peers, DeciWatchOverfitsNoisyWindows) {
  at::manual_seed(6);
  HanetConfig c = deciwatch_config(3, 2, 4, 3, 32, 4, 64, 2, 2, 0.0);  // L = 13
  DeciWatch net(c);
  auto [noisy, clean] = smooth_noisy_windows(c.window(), c.input_dim(), 0.1);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3).amsgrad(true));
  net->train();
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 200; ++step) {
    opt.zero_grad();
    const at::Tensor loss = deciwatch_loss(net->forward(noisy), clean, c.sample_interval);
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  std::printf("DeciWatch overfit: loss %.4g -> %.4g\n", first, last);
  EXPECT_LT(last * 5.0, first);
}

// ---- losses ---------------------------------------------------------------------------------------

TEST(Peers, SmoothNetLossHandComputed) {
  // One window, L = 3, C = 2: out = [[0, 1], [1, 1], [4, 1]] (frames x channels), gt = 0.
  // Positions: (0 + 1 + 4 + 1 + 1 + 1) / 6 = 4/3. Accelerations: channel 0: 0 - 2 + 4 = 2,
  // channel 1: 1 - 2 + 1 = 0 -> mean 1.
  const at::Tensor out = at::tensor(std::vector<float>{0.f, 1.f, 1.f, 1.f, 4.f, 1.f}).view({1, 3, 2});
  const at::Tensor gt = at::zeros({1, 3, 2});
  EXPECT_NEAR(smoothnet_loss(out, gt).item<double>(), 4.0 / 3.0 + 1.0, 1e-6);
  EXPECT_NEAR(smoothnet_loss(out, gt, 0.1).item<double>(), 4.0 / 3.0 + 0.1, 1e-6);
  EXPECT_NEAR(smoothnet_loss(gt, out, 0.0).item<double>(), 4.0 / 3.0, 1e-6);
  // A constant offset costs positions only; a linear drift also costs nothing in acceleration.
  const at::Tensor ramp = at::arange(5, at::kFloat).view({1, 5, 1}) * 0.5;
  EXPECT_NEAR(smoothnet_loss(ramp + 2.0, ramp).item<double>(), 2.0, 1e-6);
  EXPECT_NEAR(smoothnet_loss(ramp * 3.0, ramp).item<double>(), (0 + 1 + 2 + 3 + 4) / 5.0, 1e-6);
  // Gradients flow.
  at::Tensor o = out.clone().requires_grad_(true);
  smoothnet_loss(o, gt).backward();
  EXPECT_TRUE(o.grad().defined());
  EXPECT_NE(error_text([&] { smoothnet_loss(out, at::zeros({1, 3, 3})); }).find("smoothnet loss:"), std::string::npos);
  EXPECT_NE(error_text([&] { smoothnet_loss(at::zeros({1, 2, 2}), at::zeros({1, 2, 2})); }).find(">= 3"), std::string::npos);
}

TEST(Peers, DeciWatchLossHandComputed) {
  // L = 5, N = 2 (seen 0, 2, 4), C = 1, gt = 0. encoder_out = [1, 100, 2, 100, 3]: the unseen
  // frames do not count, denoise = (1 + 2 + 3) / 3 = 2. final_out = [1, 2, 3, 4, 5]: recover = 3.
  hanet::Output out;
  out.encoder_out = at::tensor(std::vector<float>{1.f, 100.f, 2.f, 100.f, 3.f}).view({1, 5, 1});
  out.final_out = at::tensor(std::vector<float>{1.f, 2.f, 3.f, 4.f, 5.f}).view({1, 5, 1});
  const at::Tensor gt = at::zeros({1, 5, 1});
  EXPECT_NEAR(deciwatch_loss(out, gt, 2).item<double>(), 5.0, 1e-6);
  EXPECT_NEAR(deciwatch_loss(out, gt, 2, 0.5, 2.0).item<double>(), 1.0 + 6.0, 1e-6);
  // N = 4: seen 0 and 4 -> denoise (1 + 3) / 2 = 2, same recover.
  EXPECT_NEAR(deciwatch_loss(out, gt, 4, 1.0, 0.0).item<double>(), 2.0, 1e-6);
  // Two channels, two windows: means over every seen element.
  hanet::Output two;
  two.encoder_out = at::ones({2, 3, 2});
  two.final_out = at::zeros({2, 3, 2});
  at::Tensor g = at::zeros({2, 3, 2});
  g.select(1, 2).fill_(-3.0);  // seen frame 2: |1 - (-3)| = 4; frame 0: 1 -> denoise 2.5; recover: 3 * 4 / 12 = 1
  EXPECT_NEAR(deciwatch_loss(two, g, 2).item<double>(), 2.5 + 1.0, 1e-6);
  EXPECT_NE(error_text([&] { deciwatch_loss(out, at::zeros({1, 4, 1}), 2); }).find("deciwatch loss:"), std::string::npos);
  EXPECT_NE(error_text([&] { deciwatch_loss(out, gt, 0); }).find("sample interval"), std::string::npos);
}
