// HANet in LibTorch: parity with the authors' model on the published-style fixture
// (../shared/fixtures/hanet-public), parameter names, other configurations, and weights I/O errors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "fixture_helpers.h"
#include "hanet_test_helpers.h"
#include "kinepose/error.h"
#include "kinepose/npy.h"
#include "kinepose/safetensors.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_weights.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::fixture_path;

namespace {

const char* kFixture = "hanet-public/weights.safetensors";

at::Tensor load_npy_tensor(const std::string& rel) {
  const NpyArray a = read_npy(fixture_path(rel));
  std::vector<float> v = a.to_float32(rel);
  return at::from_blob(v.data(), a.shape, at::TensorOptions().dtype(at::kFloat)).clone();
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

using kinepose::testing::error_of;
using kinepose::testing::post_norm_config;

}  // namespace

TEST(HanetParity, WindowOutputsMatchPublishedModel) {
  KINEPOSE_REQUIRE_FIXTURE(kFixture);
  hanet::Hanet model = hanet::load_hanet(fixture_path(kFixture));
  const at::Tensor x = load_npy_tensor("hanet-public/windows_in.npy");
  at::NoGradGuard guard;
  const hanet::Output out = model->forward(x);
  const double d_final = max_abs_diff(out.final_out, load_npy_tensor("hanet-public/final_out.npy"));
  const double d_enc = max_abs_diff(out.encoder_out, load_npy_tensor("hanet-public/encoder_out.npy"));
  EXPECT_LE(d_final, 1e-4);
  EXPECT_LE(d_enc, 1e-4);
  std::printf("max abs diff: final_out %.3g, encoder_out %.3g\n", d_final, d_enc);
}

TEST(HanetParity, NamedParametersEqualPublishedStateDictKeys) {
  KINEPOSE_REQUIRE_FIXTURE("hanet-public/keys.txt");
  std::ifstream in(fixture_path("hanet-public/keys.txt"));
  std::vector<std::pair<std::string, std::string>> keys;  // name, shape text
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, shape;
    std::getline(ls, name, '\t');
    std::getline(ls, shape, '\t');
    keys.emplace_back(name, shape);
  }
  ASSERT_EQ(keys.size(), 126u);
  const SafeTensors st = read_safetensors(fixture_path(kFixture));
  hanet::Hanet model(HanetConfig::from_metadata(st.metadata, kFixture));
  const auto params = model->named_parameters(true);
  ASSERT_EQ(params.size(), keys.size());
  size_t i = 0;
  for (const auto& item : params) {
    EXPECT_EQ(item.key(), keys[i].first) << "position " << i;
    std::string shape = "[";
    for (int64_t k = 0; k < item.value().dim(); ++k) shape += (k ? ", " : "") + std::to_string(item.value().size(k));
    EXPECT_EQ(shape + "]", keys[i].second) << item.key();
    ++i;
  }
}

TEST(HanetParity, EvalIsDeterministicAndBatchIndependent) {
  KINEPOSE_REQUIRE_FIXTURE(kFixture);
  hanet::Hanet model = hanet::load_hanet(fixture_path(kFixture));
  const at::Tensor x = load_npy_tensor("hanet-public/windows_in.npy");
  at::NoGradGuard guard;
  const at::Tensor all = model->forward(x).final_out;
  EXPECT_EQ(max_abs_diff(all, model->forward(x).final_out), 0.0);
  EXPECT_LE(max_abs_diff(all.slice(0, 2, 3), model->forward(x.slice(0, 2, 3)).final_out), 1e-5);
}

TEST(HanetModel, OtherConfigurationRunsWithRightShapesAndNames) {
  const HanetConfig c = post_norm_config();
  hanet::Hanet model(c);
  model->eval();
  const at::Tensor x = at::randn({3, c.window(), c.input_dim()});
  at::NoGradGuard guard;
  const hanet::Output out = model->forward(x);
  EXPECT_EQ(out.final_out.sizes(), (std::vector<int64_t>{3, 13, 48}));
  EXPECT_EQ(out.encoder_out.sizes(), (std::vector<int64_t>{3, 13, 48}));
  EXPECT_TRUE(at::isfinite(out.final_out).all().item<bool>());
  const auto params = model->named_parameters(true);
  const std::regex pattern(
      R"(transformer\.((decoder_embed|encoder_embed|motion_embed|prev_v_embed|next_v_embed|acc_embed|decoder_joints_embed|encoder_joints_embed)\.(weight|bias))"
      R"(|encoder\.[0-1]\.layers\.0\.(self_attn\.(in_proj_weight|in_proj_bias|out_proj\.weight|out_proj\.bias)|(linear[12]|norm[12])\.(weight|bias)))"
      R"(|(projection|offset_refine)\.[0-1]\.(weight|bias))"
      R"(|decoder\.layers\.[0-3]\.((self_attn|multihead_attn)\.(in_proj_weight|in_proj_bias|out_proj\.weight|out_proj\.bias)|(linear[12]|norm[123])\.(weight|bias)))"
      R"(|decoder\.norm\.(weight|bias)))");
  for (const auto& item : params) EXPECT_TRUE(std::regex_match(item.key(), pattern)) << item.key();
  // 12 stems + 2 levels x 12 + 2 x 2 projection + 2 x 2 offsets + 4 decoder layers x 18 + 2 norm; no encoder_norm (post-norm).
  EXPECT_EQ(params.size(), 16u + 24u + 4u + 4u + 72u + 2u);
  EXPECT_EQ(params["transformer.encoder.1.layers.0.linear1.weight"].sizes(), (std::vector<int64_t>{96, 64}));
  EXPECT_EQ(params["transformer.offset_refine.1.weight"].sizes(), (std::vector<int64_t>{32, 64, 1}));
  EXPECT_EQ(params["transformer.decoder_embed.weight"].sizes(), (std::vector<int64_t>{32, 48, 5}));
  // Pre-norm adds the (unused) encoder_norm list.
  HanetConfig pre = c;
  pre.pre_norm = true;
  EXPECT_EQ(hanet::Hanet(pre)->named_parameters(true).size(), params.size() + 4);
}

TEST(HanetModel, TrainModeGivesGradientsToUsedParameters) {
  HanetConfig c = post_norm_config();
  c.dropout = 0.0;
  hanet::Hanet model(c);
  model->train();
  const hanet::Output out = model->forward(at::randn({2, c.window(), c.input_dim()}));
  (out.final_out.sum() + out.encoder_out.sum()).backward();
  for (const auto& item : model->named_parameters(true)) {
    const bool unused = item.key().rfind("transformer.projection.1.", 0) == 0;  // last level's projection
    EXPECT_EQ(item.value().grad().defined(), !unused) << item.key();
  }
}

TEST(HanetModel, RejectsImpossibleConfigurations) {
  HanetConfig c;
  c.nheads = 3;  // does not divide 64
  EXPECT_NE(error_of([&] { c.validate(); }).find("nheads"), std::string::npos);
  c = HanetConfig();
  c.q = 0;
  EXPECT_NE(error_of([&] { hanet::Hanet m(c); }).find("Q"), std::string::npos);
  c = HanetConfig();
  c.memory_mask = "sometimes";
  EXPECT_NE(error_of([&] { c.validate(); }).find("memory_mask"), std::string::npos);
  c = HanetConfig();
  c.correction = "static";
  EXPECT_NE(error_of([&] { c.validate(); }).find("correction"), std::string::npos);
  c = HanetConfig();
  c.enc_layers = 20;
  EXPECT_NE(error_of([&] { c.validate(); }).find("enc_layers"), std::string::npos);
  // Metadata contradictions.
  auto m = HanetConfig().to_metadata();
  m["window"] = "12";  // L - 1 = 11 not divisible by N = 5
  EXPECT_NE(error_of([&] { HanetConfig::from_metadata(m, "w.safetensors"); }).find("window"), std::string::npos);
  m = HanetConfig().to_metadata();
  m["decoder_hidden_dim"] = "128";
  EXPECT_NE(error_of([&] { HanetConfig::from_metadata(m, "w.safetensors"); }).find("decoder_hidden_dim"), std::string::npos);
  m = HanetConfig().to_metadata();
  m["input_dim"] = "51";
  EXPECT_NE(error_of([&] { HanetConfig::from_metadata(m, "w.safetensors"); }).find("input_dim"), std::string::npos);
  m = HanetConfig().to_metadata();
  m["correction"] = "static";
  EXPECT_NE(error_of([&] { HanetConfig::from_metadata(m, "w.safetensors"); }).find("correction"), std::string::npos);
  m = HanetConfig().to_metadata();
  EXPECT_EQ(m.count("correction"), 0u);  // published files have no such field: full
  c = HanetConfig();
  c.correction = "temporal";
  EXPECT_EQ(HanetConfig::from_metadata(c.to_metadata(), "w.safetensors").correction, "temporal");
  m.erase("nheads");
  EXPECT_NE(error_of([&] { HanetConfig::from_metadata(m, "w.safetensors"); }).find("'nheads' is missing"), std::string::npos);
  // Wrong input shape.
  hanet::Hanet model{HanetConfig()};
  EXPECT_NE(error_of([&] { model->forward(at::zeros({1, 10, 34})); }).find("expected"), std::string::npos);
}

TEST(HanetWeights, SaveLoadRoundTripGivesIdenticalOutputs) {
  const HanetConfig c = post_norm_config();
  hanet::Hanet model(c);
  model->eval();
  const std::string path = kinepose::testing::scratch_dir("hanet_weights_round_trip") + "/m.safetensors";
  hanet::save_hanet(path, model);
  hanet::Hanet back = hanet::load_hanet(path);
  EXPECT_EQ(back->config().to_metadata(), c.to_metadata());
  const at::Tensor x = at::randn({2, c.window(), c.input_dim()});
  at::NoGradGuard guard;
  EXPECT_EQ(max_abs_diff(model->forward(x).final_out, back->forward(x).final_out), 0.0);
}

TEST(HanetWeights, RejectsMissingExtraMisShapedTensorsAndContradictingMetadata) {
  hanet::Hanet model{HanetConfig()};
  const SafeTensors good = hanet::hanet_to_safetensors(model);
  {
    SafeTensors st = good;
    st.tensors.erase(st.tensors.begin() + 5);
    const std::string e = error_of([&] { hanet::load_hanet(st, "w.safetensors"); });
    EXPECT_NE(e.find("w.safetensors: missing tensor '" + good.tensors[5].first + "'"), std::string::npos) << e;
  }
  {
    SafeTensors st = good;
    st.set("transformer.extra.weight", SafeTensor::from_float32({1.f}, {1}));
    const std::string e = error_of([&] { hanet::load_hanet(st, "w.safetensors"); });
    EXPECT_NE(e.find("unexpected tensor 'transformer.extra.weight'"), std::string::npos) << e;
  }
  {
    SafeTensors st = good;
    st.set("transformer.encoder_embed.bias", SafeTensor::from_float32(std::vector<float>(65, 0.f), {65}));
    const std::string e = error_of([&] { hanet::load_hanet(st, "w.safetensors"); });
    EXPECT_NE(e.find("tensor 'transformer.encoder_embed.bias' has shape [65]"), std::string::npos) << e;
  }
  {
    SafeTensors st = good;  // metadata says 2 encoder levels, the tensors hold 3
    st.metadata["enc_layers"] = "2";
    const std::string e = error_of([&] { hanet::load_hanet(st, "w.safetensors"); });
    EXPECT_NE(e.find("unexpected tensor 'transformer.encoder.2."), std::string::npos) << e;
  }
  {
    SafeTensors st = good;  // metadata width contradicts the tensors
    st.metadata["encoder_hidden_dim"] = st.metadata["decoder_hidden_dim"] = "32";
    const std::string e = error_of([&] { hanet::load_hanet(st, "w.safetensors"); });
    EXPECT_NE(e.find("encoder_hidden_dim=32"), std::string::npos) << e;
  }
  {
    SafeTensors st = good;
    std::vector<float> v(64, 0.f);
    v[3] = std::nanf("");
    st.set("transformer.encoder_embed.bias", SafeTensor::from_float32(v, {64}));
    const std::string e = error_of([&] { hanet::load_hanet(st, "w.safetensors"); });
    EXPECT_NE(e.find("non-finite"), std::string::npos) << e;
  }
}
