// The fast HANet inference path (hanet_fast.h) against the reference forward (HanetImpl::forward) on
// random weights and inputs: several configurations (compact, pre/post norm, additive and masked
// memory mask, different N / Q / d / levels / activations, full and temporal correction), batch 1 and 7, buffer reuse across
// batch sizes, and HanetRefiner's routing (fast by default, RefineOptions::reference on request).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/utils.h>

#include <string>
#include <vector>

#include "models/hanet/hanet.h"
#include "models/hanet/hanet_fast.h"
#include "models/hanet/hanet_refiner.h"
#include "models/hanet/hanet_weights.h"
#include "hanet_test_helpers.h"
#include "test_helpers.h"

using namespace kinepose;

namespace {

using kinepose::testing::random_model;

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

struct Case {
  std::string name;
  HanetConfig c;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  HanetConfig compact;  // pre-norm, additive, N = 5, Q = 2
  out.push_back({"compact", compact});
  HanetConfig m = compact;
  m.memory_mask = "masked";
  out.push_back({"compact_masked", m});
  HanetConfig post = kinepose::testing::post_norm_config();
  out.push_back({"post_norm_masked_gelu", post});
  post.memory_mask = "additive";
  post.activation = "relu";
  out.push_back({"post_norm_additive_relu", post});
  HanetConfig tiny;
  tiny.joints = 5;
  tiny.dims = 2;
  tiny.skeleton = "";
  tiny.sample_interval = 3;
  tiny.q = 1;  // L = 4: two seen frames
  tiny.hidden_dim = 16;
  tiny.nheads = 4;
  tiny.dim_feedforward = 24;
  tiny.enc_layers = 4;
  tiny.dec_layers = 1;
  tiny.memory_mask = "masked";
  out.push_back({"tiny_q1_masked", tiny});
  HanetConfig n1 = tiny;  // N = 1: every frame seen
  n1.sample_interval = 1;
  n1.q = 6;
  n1.memory_mask = "additive";
  n1.enc_layers = 1;
  n1.dec_layers = 2;
  out.push_back({"n1_additive", n1});
  HanetConfig n2 = compact;
  n2.sample_interval = 2;
  n2.q = 5;
  n2.pre_norm = false;
  n2.memory_mask = "masked";
  out.push_back({"n2_post_norm_masked", n2});
  HanetConfig t = compact;  // correction = temporal, both memory masks
  t.correction = "temporal";
  out.push_back({"compact_temporal", t});
  n2.correction = "temporal";
  out.push_back({"n2_post_norm_masked_temporal", n2});
  return out;
}

}  // namespace

TEST(HanetFast, EqualsReferenceOnRandomModels) {
  uint64_t seed = 1;
  for (const Case& k : cases()) {
    SCOPED_TRACE(k.name);
    hanet::Hanet model = random_model(k.c, seed++);
    hanet::FastHanet fast(model);
    ASSERT_TRUE(fast.fast());
    for (int64_t batch : {1, 7}) {
      SCOPED_TRACE(batch);
      const at::Tensor x = at::randn({batch, k.c.window(), k.c.input_dim()}) * 0.5;  // normalised coordinates
      at::Tensor ref;
      {
        torch::NoGradGuard g;
        ref = model->forward(x).final_out;
      }
      const at::Tensor got = fast.forward(x).clone();
      at::Tensor ref1;
      {
        torch::NoGradGuard g;
        ref1 = model->forward(x.slice(0, batch - 1, batch)).final_out;
      }
      EXPECT_LE(max_abs_diff(got, ref), 1e-4) << "max |ref| " << ref.abs().max().item<double>() << " reference batch-1 vs batch: " << max_abs_diff(ref1, ref.slice(0, batch - 1, batch));
      EXPECT_GT(ref.abs().max().item<double>(), 1e-2);  // not trivially zero
    }
  }
}

TEST(HanetFast, BuffersAreReusedAcrossBatchSizes) {
  HanetConfig c;
  c.memory_mask = "masked";
  hanet::Hanet model = random_model(c, 42);
  hanet::FastHanet fast(model);
  const at::Tensor x7 = at::randn({7, c.window(), c.input_dim()});
  const at::Tensor a = fast.forward(x7).clone();
  const at::Tensor one = fast.forward(x7.slice(0, 2, 3)).clone();  // smaller batch after a larger one
  const at::Tensor b = fast.forward(x7).clone();
  EXPECT_LE(max_abs_diff(a, b), 0.0);
  EXPECT_LE(max_abs_diff(one, a.slice(0, 2, 3)), 1e-5);  // windows are independent in a batch
}

TEST(HanetFast, MaskedOutputIgnoresFramesNoSeenFrameReads) {
  // With memory_mask = masked, only seen frames and their raw neighbours can influence the result.
  HanetConfig c;
  c.memory_mask = "masked";
  c.sample_interval = 5;
  hanet::Hanet model = random_model(c, 7);
  hanet::FastHanet fast(model);
  at::Tensor x = at::randn({2, c.window(), c.input_dim()});
  const at::Tensor a = fast.forward(x).clone();
  x.select(1, 2).normal_();  // frame 2: not seen, not next to a seen frame (0, 5, 10)
  const at::Tensor b = fast.forward(x).clone();
  EXPECT_LE(max_abs_diff(a, b), 1e-6);
  x.select(1, 4).normal_();  // frame 4: the previous frame of seen frame 5
  EXPECT_GT(max_abs_diff(fast.forward(x).clone(), a), 1e-4);
}

TEST(HanetFast, RefinerUsesFastPathAndCanForceReference) {
  for (const char* mask : {"additive", "masked"}) {
    SCOPED_TRACE(mask);
    HanetConfig c;
    c.memory_mask = mask;
    hanet::Hanet model = random_model(c, 3);
    const std::string path = kinepose::testing::scratch_dir(std::string("hanet_fast_refiner_") + mask) + "/m.safetensors";
    hanet::save_hanet(path, model);
    const hanet::HanetRefiner refiner(path);
    const int64_t T = 37;
    at::manual_seed(5);
    const at::Tensor x = at::randn({T, c.input_dim()});
    const std::vector<float> in(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
    hanet::RefineOptions fast_opts, ref_opts;
    fast_opts.batch_size = 4;  // several batch sizes through the same workspace
    ref_opts.reference = true;
    const std::vector<float> a = refiner.refine_model_space(in, T, fast_opts);
    const std::vector<float> b = refiner.refine_model_space(in, T, ref_opts);
    ASSERT_EQ(a.size(), b.size());
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
    EXPECT_LE(m, 1e-4);
  }
}

TEST(HanetFast, TemporalCorrectionKeepsTheWindowMean) {
  // correction = temporal: the output's mean over the window equals the mean of the input's seen
  // frames linearly interpolated to every frame (what the model would output with zero corrections);
  // with full correction it does not.
  for (const char* corr : {"temporal", "full"}) {
    SCOPED_TRACE(corr);
    HanetConfig c;
    c.q = 4;
    c.correction = corr;
    hanet::Hanet model = random_model(c, 11);
    const at::Tensor x = at::randn({3, c.window(), c.input_dim()}) * 0.5;
    const at::Tensor seen = x.slice(1, 0, c.window(), c.sample_interval).transpose(1, 2).contiguous();
    const at::Tensor interp =
        at::upsample_linear1d(seen, at::IntArrayRef{c.window()}, true, c10::nullopt).transpose(1, 2);
    hanet::FastHanet fast(model);
    const at::Tensor got = fast.forward(x).clone();
    const double d = max_abs_diff(got.mean(1), interp.mean(1));
    if (std::string(corr) == "temporal") EXPECT_LE(d, 1e-5);
    else EXPECT_GT(d, 1e-3);
    EXPECT_GT(max_abs_diff(got, interp), 1e-2);  // it does change the motion
  }
}
