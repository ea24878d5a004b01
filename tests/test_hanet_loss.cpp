// HANet's published objective: parity with the official HANetLoss on the fixture's loss case
// (../shared/fixtures/hanet-public/loss_case: value, gradients w.r.t. both outputs and the
// parameters, weights after one AdamW/amsgrad step), the detached OML option, and a tiny model that
// overfits one sequence (catches broken gradients anywhere in the model).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "fixture_helpers.h"
#include "kinepose/error.h"
#include "kinepose/npy.h"
#include "kinepose/safetensors.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_weights.h"
#include "training/hanet_loss.h"

using namespace kinepose;
using kinepose::testing::fixture_path;

namespace {

const char* kLossDir = "hanet-public/loss_case";

at::Tensor npy_tensor(const std::string& rel) {
  const NpyArray a = read_npy(fixture_path(rel));
  std::vector<float> v = a.to_float32(rel);
  return at::from_blob(v.data(), a.shape, at::TensorOptions().dtype(at::kFloat)).clone();
}

at::Tensor st_tensor(const SafeTensor& t, const std::string& name) {
  std::vector<float> v = t.to_float32(name);
  return at::from_blob(v.data(), t.shape, at::TensorOptions().dtype(at::kFloat)).clone();
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

// The fixture's loss call: HANetLoss(w_decoder=1, lamada=5) with the model's encoder mask.
hanet::HanetLossOptions fixture_options() {
  hanet::HanetLossOptions o;
  o.lambda = 5.0;
  o.w_encoder = 1.0;
  return o;
}

at::Tensor fixture_seen() {
  const NpyArray m = read_npy(fixture_path(std::string(kLossDir) + "/encoder_mask.npy"));  // 1 = unseen
  std::vector<float> v = m.to_float32("encoder_mask.npy");
  return 1.0 - at::from_blob(v.data(), m.shape, at::TensorOptions().dtype(at::kFloat)).clone();
}

nlohmann::json loss_json() {
  std::ifstream f(fixture_path(std::string(kLossDir) + "/loss.json"));
  return nlohmann::json::parse(f);
}

torch::optim::AdamWOptions published_adamw() {
  // torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=True)
  return torch::optim::AdamWOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.01).amsgrad(true);
}

}  // namespace

TEST(HanetLossParity, ValueAndOutputGradientsMatchOfficialLoss) {
  KINEPOSE_REQUIRE_FIXTURE(std::string(kLossDir) + "/loss.json");
  const std::string d = std::string(kLossDir) + "/";
  at::Tensor y = npy_tensor(d + "final_out.npy").requires_grad_(true);
  at::Tensor r = npy_tensor(d + "encoder_out.npy").requires_grad_(true);
  const at::Tensor g = npy_tensor(d + "gt.npy");
  const hanet::HanetLossTerms t = hanet::hanet_loss(y, r, g, fixture_seen(), fixture_options());
  const nlohmann::json j = loss_json();
  EXPECT_NEAR(t.total.item<double>(), j["final_loss"].get<double>(), 1e-5);
  EXPECT_NEAR(t.l1.item<double>(), j["l1_loss"].get<double>(), 1e-5);
  const auto per_channel = j["per_channel_loss_1"].get<std::vector<double>>();
  const auto l_s = j["per_channel_l_s"].get<std::vector<double>>();
  const auto l_t = j["per_channel_l_t"].get<std::vector<double>>();
  ASSERT_EQ(t.per_channel.size(0), static_cast<int64_t>(per_channel.size()));
  for (size_t c = 0; c < per_channel.size(); ++c) {
    EXPECT_NEAR(t.per_channel[c].item<double>(), per_channel[c], 1e-6) << "channel " << c;
    EXPECT_NEAR(t.l_final[c].item<double>(), l_s[c], 1e-7) << "channel " << c;
    EXPECT_NEAR(t.l_encoder[c].item<double>(), l_t[c], 1e-7) << "channel " << c;
  }
  t.total.backward();
  const double dy = max_abs_diff(y.grad(), npy_tensor(d + "dloss_dfinal_out.npy"));
  const double dr = max_abs_diff(r.grad(), npy_tensor(d + "dloss_dencoder_out.npy"));
  // The gradients are sums of a few terms of size ~1/Nv: anything but float rounding is visible.
  EXPECT_LE(dy, 1e-7);
  EXPECT_LE(dr, 1e-7);
  std::printf("loss %.8f (official %.8f); max abs diff d/dfinal %.3g, d/dencoder %.3g\n", t.total.item<double>(),
              j["final_loss"].get<double>(), dy, dr);
}

TEST(HanetLossParity, ParameterGradientsAndAdamWStepMatchOfficialTraining) {
  KINEPOSE_REQUIRE_FIXTURE(std::string(kLossDir) + "/param_grads.safetensors");
  const std::string d = std::string(kLossDir) + "/";
  hanet::Hanet model = hanet::load_hanet(fixture_path("hanet-public/weights.safetensors"));
  model->eval();  // the fixture took the loss on the eval-mode forward (no dropout)
  const hanet::Output out = model->forward(npy_tensor("hanet-public/windows_in.npy"));
  const at::Tensor seen = hanet::hanet_seen_mask(model->config().window(), model->config().sample_interval);
  const hanet::HanetLossTerms t = hanet::hanet_loss(out.final_out, out.encoder_out, npy_tensor(d + "gt.npy"), seen,
                                                    fixture_options());
  EXPECT_NEAR(t.total.item<double>(), loss_json()["final_loss"].get<double>(), 1e-4);
  t.total.backward();

  const SafeTensors grads = read_safetensors(fixture_path(d + "param_grads.safetensors"));
  double worst_rel = 0.0;
  std::string worst;
  int with_grad = 0;
  for (const auto& item : model->named_parameters(true)) {
    const SafeTensor* ref = grads.find(item.key());
    const at::Tensor& grad = item.value().grad();
    if (!ref) {  // the unused parameter groups get no gradient, in the official model as here
      EXPECT_FALSE(grad.defined() && grad.abs().max().item<double>() != 0.0) << item.key() << " has a gradient";
      continue;
    }
    ++with_grad;
    ASSERT_TRUE(grad.defined()) << item.key() << " got no gradient";
    const at::Tensor expected = st_tensor(*ref, item.key());
    // Relative to the tensor's largest gradient: the backward pass of a float32 transformer
    // accumulates in a different order than PyTorch's.
    const double scale = std::max(expected.abs().max().item<double>(), 1e-3);
    const double rel = max_abs_diff(grad, expected) / scale;
    EXPECT_LE(rel, 1e-4) << item.key();  // observed ~4e-6
    if (rel > worst_rel) worst_rel = rel, worst = item.key();
  }
  EXPECT_EQ(with_grad, static_cast<int>(grads.tensors.size()));
  std::printf("parameter gradients: %d tensors, worst relative diff %.3g (%s)\n", with_grad, worst_rel, worst.c_str());

  // One AdamW (amsgrad) step on these gradients, as train.py does.
  torch::optim::AdamW opt(model->parameters(), published_adamw());
  opt.step();
  const SafeTensors after = read_safetensors(fixture_path(d + "weights_after_adamw_step.safetensors"));
  // The first amsgrad step moves a weight by lr * g / (|g| + eps) (plus the decay): ~lr * sign(g)
  // wherever |g| >> eps = 1e-8, which is where our gradients agree with the official ones to float
  // precision. Gradients of float-noise size (|g| ~ eps) differ in relative terms between any two
  // implementations, so there the step only has to stay within its bound lr.
  double worst_big = 0.0, worst_any = 0.0;
  int64_t small = 0;
  for (const auto& item : model->named_parameters(true)) {
    const at::Tensor expected = st_tensor(after.at(item.key(), "weights_after_adamw_step"), item.key());
    const at::Tensor diff = (item.value().detach() - expected).abs();
    worst_any = std::max(worst_any, diff.max().item<double>());
    const SafeTensor* g = grads.find(item.key());
    if (!g) {  // no gradient: untouched, no weight decay either
      EXPECT_EQ(diff.max().item<double>(), 0.0) << item.key();
      continue;
    }
    const at::Tensor big = st_tensor(*g, item.key()).abs() > 1e-5;
    small += (~big).sum().item<int64_t>();
    if (big.any().item<bool>()) {
      const double d_big = diff.masked_select(big).max().item<double>();
      EXPECT_LE(d_big, 1e-6) << item.key();
      worst_big = std::max(worst_big, d_big);
    }
  }
  EXPECT_LE(worst_any, 1e-3 * 1.01);
  std::printf("after one AdamW step: worst abs diff %.3g where |grad| > 1e-5, %.3g over all (%lld weights with "
              "|grad| <= 1e-5)\n",
              worst_big, worst_any, static_cast<long long>(small));
}

TEST(HanetLossParity, AdamWStepOnOfficialGradientsMatchesOfficialWeights) {
  KINEPOSE_REQUIRE_FIXTURE(std::string(kLossDir) + "/weights_after_adamw_step.safetensors");
  const std::string d = std::string(kLossDir) + "/";
  hanet::Hanet model = hanet::load_hanet(fixture_path("hanet-public/weights.safetensors"));
  const SafeTensors grads = read_safetensors(fixture_path(d + "param_grads.safetensors"));
  for (auto& item : model->named_parameters(true))
    if (const SafeTensor* g = grads.find(item.key())) item.value().mutable_grad() = st_tensor(*g, item.key());
  torch::optim::AdamW opt(model->parameters(), published_adamw());
  opt.step();
  const SafeTensors after = read_safetensors(fixture_path(d + "weights_after_adamw_step.safetensors"));
  const SafeTensors before = read_safetensors(fixture_path("hanet-public/weights.safetensors"));
  double worst = 0.0;
  for (const auto& item : model->named_parameters(true)) {
    const at::Tensor expected = st_tensor(after.at(item.key(), "after"), item.key());
    const double diff = max_abs_diff(item.value().detach(), expected);
    EXPECT_LE(diff, 1e-6) << item.key();
    worst = std::max(worst, diff);
    if (!grads.find(item.key()))  // no gradient: untouched, no weight decay either
      EXPECT_EQ(max_abs_diff(item.value().detach(), st_tensor(before.at(item.key(), "before"), item.key())), 0.0)
          << item.key();
  }
  std::printf("AdamW step on the official gradients: worst abs diff %.3g\n", worst);
}

TEST(HanetLoss, DetachedMutualTermMovesOnlyTheWorseOutput) {
  // Two channels, one window of L = 3, N = 2 (seen frames 0 and 2). Channel 0: the final output is
  // worse than the encoder output; channel 1: the encoder output is worse.
  const at::Tensor g = at::zeros({1, 3, 2});
  at::Tensor y = at::tensor({1.0f, 0.1f, 1.0f, 0.1f, 1.0f, 0.1f}).view({1, 3, 2});
  at::Tensor r = at::tensor({0.5f, 2.0f, 9.0f, 9.0f, -0.5f, 2.0f}).view({1, 3, 2});
  const at::Tensor seen = hanet::hanet_seen_mask(3, 2);
  EXPECT_TRUE(at::equal(seen, at::tensor({1.0f, 0.0f, 1.0f})));
  hanet::HanetLossOptions o;
  o.ohkm = false;
  const double nv = 6.0;
  for (bool detach : {false, true}) {
    o.detach = detach;
    at::Tensor yy = y.clone().requires_grad_(true), rr = r.clone().requires_grad_(true);
    const hanet::HanetLossTerms t = hanet::hanet_loss(yy, rr, g, seen, o);
    EXPECT_NEAR(t.l_final[0].item<double>(), 3.0 / nv, 1e-6);
    EXPECT_NEAR(t.l_encoder[0].item<double>(), 1.0 / nv, 1e-6);  // seen frames only
    EXPECT_NEAR(t.l_oml[0].item<double>(), (0.5 + 1.5) / nv, 1e-6);
    t.total.backward();
    const at::Tensor gy = yy.grad(), gr = rr.grad();
    // Channel 0, frame 2: y = 1, r = -0.5, g = 0. d/dy = (lambda*1 + 1 [oml]) / nv always (final is worse);
    // d/dr = (-1 [enc] - 1 [oml, only without detach]) / nv.
    EXPECT_NEAR(gy[0][2][0].item<double>(), (5.0 + 1.0) / nv, 1e-6);
    EXPECT_NEAR(gr[0][2][0].item<double>(), (detach ? -1.0 : -2.0) / nv, 1e-6);
    // Channel 1, frame 0: y = 0.1, r = 2, g = 0: the encoder is worse, so with detach only r moves
    // in the OML term.
    EXPECT_NEAR(gy[0][0][1].item<double>(), (5.0 - (detach ? 0.0 : 1.0)) / nv, 1e-6);
    EXPECT_NEAR(gr[0][0][1].item<double>(), (1.0 + 1.0) / nv, 1e-6);
    // Unseen frame 1: only the final-output term.
    EXPECT_NEAR(gy[0][1][0].item<double>(), 5.0 / nv, 1e-6);
    EXPECT_EQ(gr[0][1][0].item<double>(), 0.0);
  }
}

TEST(HanetLoss, OhkmAddsTheMeanOfTheHardestChannels) {
  // C = 8 -> k = 2*floor(8/4) = 4 hardest channels.
  at::Tensor y = at::zeros({1, 1, 8});
  for (int c = 0; c < 8; ++c) y[0][0][c] = static_cast<float>(c + 1);
  const at::Tensor g = at::zeros({1, 1, 8});
  hanet::HanetLossOptions o;
  o.lambda = 1.0;
  const at::Tensor seen = at::zeros({1});  // nothing seen: only the final-output term
  const hanet::HanetLossTerms t = hanet::hanet_loss(y, y, g, seen, o);
  EXPECT_NEAR(t.l1.item<double>(), 36.0 / 8.0, 1e-6);
  EXPECT_NEAR(t.total.item<double>(), 36.0 / 8.0 + (5 + 6 + 7 + 8) / 8.0 / 4.0, 1e-6);
  o.ohkm = false;
  EXPECT_NEAR(hanet::hanet_loss(y, y, g, seen, o).total.item<double>(), 36.0 / 8.0, 1e-6);
  // Fewer than 4 channels: nothing to mine (the official code would divide by zero).
  o.ohkm = true;
  const at::Tensor y3 = at::ones({1, 1, 3});
  EXPECT_NEAR(hanet::hanet_loss(y3, y3, at::zeros({1, 1, 3}), seen, o).total.item<double>(), 3.0 / 3.0, 1e-6);
}

TEST(HanetLoss, RejectsMismatchedShapes) {
  const at::Tensor a = at::zeros({2, 5, 6});
  const at::Tensor seen = hanet::hanet_seen_mask(5, 2);
  EXPECT_THROW(hanet::hanet_loss(a, at::zeros({2, 5, 4}), a, seen), Error);
  EXPECT_THROW(hanet::hanet_loss(a, a, at::zeros({1, 5, 6}), seen), Error);
  EXPECT_THROW(hanet::hanet_loss(a, a, a, hanet::hanet_seen_mask(4, 2)), Error);
  EXPECT_THROW(hanet::hanet_loss(at::zeros({5, 6}), a, a, seen), Error);
  EXPECT_THROW(hanet::hanet_loss(at::zeros({0, 5, 6}), at::zeros({0, 5, 6}), at::zeros({0, 5, 6}), seen), Error);
  EXPECT_THROW(hanet::hanet_seen_mask(0, 2), Error);
  EXPECT_NO_THROW(hanet::hanet_loss(a, a, a, at::ones({2, 5})));
}

TEST(HanetLossTraining, TinyModelOverfitsOneSequence) {
  at::manual_seed(7);
  HanetConfig c;
  c.joints = 3;
  c.dims = 2;  // C = 6
  c.skeleton = "";
  c.sample_interval = 2;
  c.q = 3;  // L = 7
  c.hidden_dim = 16;
  c.nheads = 2;
  c.dim_feedforward = 32;
  c.enc_layers = 2;
  c.dec_layers = 1;
  c.dropout = 0.0;  // overfitting needs a deterministic function
  hanet::Hanet model(c);
  model->train();

  // One short sequence: smooth trajectories (ground truth) plus fixed noise (input); windows at
  // every start offset.
  const int64_t T = 16, L = c.window(), C = c.input_dim();
  const at::Tensor t = at::arange(T, at::kFloat).view({T, 1});
  const at::Tensor phase = at::arange(C, at::kFloat).view({1, C});
  const at::Tensor clean = at::sin(t * 0.3 + phase) * (1.0 + 0.2 * phase) + 0.5 * phase;
  const at::Tensor noisy = clean + 0.1 * at::randn({T, C});
  std::vector<at::Tensor> xs, gs;
  for (int64_t s = 0; s + L <= T; ++s) {
    xs.push_back(noisy.slice(0, s, s + L));
    gs.push_back(clean.slice(0, s, s + L));
  }
  const at::Tensor x = at::stack(xs), g = at::stack(gs);
  const at::Tensor seen = hanet::hanet_seen_mask(L, c.sample_interval);

  // Seen to reach ~160x (seeds 7-9: 155-190x); ~3 s on 2 cores.
  const double lr0 = 1e-2, final_lr_fraction = 0.01;
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(lr0).amsgrad(true).weight_decay(0.0));
  double first = 0.0, last = 0.0;
  const int steps = 800;
  for (int step = 0; step < steps; ++step) {
    // Exponential decay lets Adam settle instead of hovering at the lr scale.
    static_cast<torch::optim::AdamWOptions&>(opt.param_groups()[0].options()).lr(lr0 * std::pow(final_lr_fraction, step / double(steps)));
    opt.zero_grad();
    const hanet::Output out = model->forward(x);
    const hanet::HanetLossTerms l = hanet::hanet_loss(out.final_out, out.encoder_out, g, seen);
    l.total.backward();
    opt.step();
    const double v = l.total.item<double>();
    ASSERT_TRUE(std::isfinite(v)) << "step " << step;
    if (step == 0) first = v;
    last = v;
  }
  std::printf("tiny HANet overfitting: loss %.4g -> %.4g (x%.0f lower)\n", first, last, first / last);
  EXPECT_GE(first / last, 100.0);
}
