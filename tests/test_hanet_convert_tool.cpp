// tools/convert_hanet_checkpoint.py end to end: a checkpoint saved the way the official trainer
// saves one ({'epoch', 'state_dict' with DataParallel's 'module.' prefix, 'performance',
// 'optimizer'}) holding the fixture's weights, plus an official-style YAML config, converts into a
// safetensors file that kinepose's loader accepts and that reproduces the fixture's outputs.
// Skips when /usr/bin/python3 lacks torch.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/wait.h>

#include "fixture_helpers.h"
#include "kinepose/npy.h"
#include "kinepose/safetensors.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_weights.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::fixture_path;
using kinepose::testing::shell_quote;

namespace {

const char* kPython = "/usr/bin/python3";

struct ShellResult {
  int exit_code;
  std::string output;
};

ShellResult run(const std::string& cmd) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool python_has(const std::string& module) {
  return std::filesystem::exists(kPython) && run(std::string(kPython) + " -c 'import " + module + "'").exit_code == 0;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

at::Tensor npy_tensor(const std::string& rel) {
  const NpyArray a = read_npy(fixture_path(rel));
  std::vector<float> v = a.to_float32(rel);
  return at::from_blob(v.data(), a.shape, at::TensorOptions().dtype(at::kFloat)).clone();
}

// Reads the fixture's safetensors with plain Python and saves it like the official trainer does.
const char* kMakeCheckpoint = R"PY(
import json, struct, sys, collections
import numpy as np, torch
src, dst = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
h.pop('__metadata__', None)
sd = collections.OrderedDict()
for k, v in sorted(h.items(), key=lambda kv: kv[1]['data_offsets'][0]):
    s, e = v['data_offsets']
    a = np.frombuffer(b[8 + n + s:8 + n + e], dtype='<f4').reshape(v['shape']).copy()
    sd['module.' + k] = torch.from_numpy(a)
opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=1e-3, amsgrad=True)
torch.save({'epoch': 68, 'state_dict': sd, 'performance': np.float64(0.8926), 'optimizer': opt.state_dict()}, dst)
)PY";

// The official config layout (configs/config_jhmdb_simplebaseline_2D.yaml) with the fixture's sizes.
const char* kYaml = R"Y(DEVICE: "cuda"
SEED_VALUE: 4321
DATASET_NAME: "h36m"
ESTIMATOR: "fake"
BODY_REPRESENTATION: "2D"
SAMPLE_INTERVAL: 5
MODEL:
  TYPE: "network"
  SAMPLE_TYPE: "uniform"
  SLIDE_WINDOW_Q: 2
  DROPOUT: 0.1
  ENCODER_RESIDUAL: True
  ENCODER_HEAD: 4
  ENCODER_TRANSFORMER_BLOCK: 3
  ENCODER_EMBEDDING_DIMENSION: 64
  DECODER: "transformer"
  DECODER_INTERP: "linear"
  DECODER_HEAD: 4
  DECODER_TRANSFORMER_BLOCK: 3
  DECODER_EMBEDDING_DIMENSION: 64
  DECODER_TOKEN_WINDOW: 5
TRAIN:
  BATCH_SIZE: 16
  LR: 0.001
  LRDECAY: 0.95
  PRE_NORM: True
LOSS:
  LAMADA: 5.0
  W_DECODER: 1.0
)Y";

const char* kJson = R"J({"DATASET_NAME": "h36m", "BODY_REPRESENTATION": "2D", "SAMPLE_INTERVAL": 5,
 "MODEL": {"SLIDE_WINDOW_Q": 2, "ENCODER_HEAD": 4, "ENCODER_TRANSFORMER_BLOCK": 3,
           "ENCODER_EMBEDDING_DIMENSION": 64, "DECODER_EMBEDDING_DIMENSION": 64, "DROPOUT": 0.1},
 "TRAIN": {"PRE_NORM": true}}
)J";

std::string tool() { return std::string(KINEPOSE_SOURCE_DIR) + "/tools/convert_hanet_checkpoint.py"; }

}  // namespace

TEST(HanetConvertTool, PublishedStyleCheckpointReproducesFixtureOutputs) {
  KINEPOSE_REQUIRE_FIXTURE("hanet-public/weights.safetensors");
  if (!python_has("torch")) GTEST_SKIP() << kPython << " lacks torch (Debian: python3-torch)";
  const std::string dir = kinepose::testing::scratch_dir("hanet_convert_tool");
  write_text(dir + "/make.py", kMakeCheckpoint);
  const std::string ckpt = dir + "/checkpoint.pth.tar";
  ShellResult r = run(std::string(kPython) + " " + shell_quote(dir + "/make.py") + " " +
              shell_quote(fixture_path("hanet-public/weights.safetensors")) + " " + shell_quote(ckpt));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // YAML when PyYAML is there (the official format), otherwise the same keys as JSON.
  const bool yaml = python_has("yaml");
  const std::string config = dir + (yaml ? "/config.yaml" : "/config.json");
  write_text(config, yaml ? kYaml : kJson);
  const std::string out = dir + "/hanet.safetensors";
  // The fixture is COCO-like 2D in model space: the dataset's 17 joints, but say what the YAML cannot.
  r = run(std::string(kPython) + " " + shell_quote(tool()) + " " + shell_quote(ckpt) + " --config " +
          shell_quote(config) + " -o " + shell_quote(out) + " --skeleton coco17 --input-normalization none --fps 25");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const SafeTensors st = read_safetensors(out);
  EXPECT_EQ(st.metadata.at("skeleton"), "coco17");
  EXPECT_EQ(st.metadata.at("input_normalization"), "none");
  EXPECT_EQ(st.metadata.at("fps"), "25");
  EXPECT_EQ(st.metadata.at("window"), "11");
  EXPECT_EQ(st.metadata.at("memory_mask"), "additive");
  EXPECT_EQ(st.metadata.at("pre_norm"), "true");
  EXPECT_EQ(st.metadata.at("dim_feedforward"), "256");
  const SafeTensors ref = read_safetensors(fixture_path("hanet-public/weights.safetensors"));
  ASSERT_EQ(st.tensors.size(), ref.tensors.size());
  for (size_t i = 0; i < st.tensors.size(); ++i) {
    EXPECT_EQ(st.tensors[i].first, ref.tensors[i].first);  // state_dict order, prefix stripped
    EXPECT_EQ(st.tensors[i].second.data, ref.tensors[i].second.data) << st.tensors[i].first;
  }

  hanet::Hanet model = hanet::load_hanet(out);
  const HanetConfig& c = model->config();
  EXPECT_EQ(c.joints, 17);
  EXPECT_EQ(c.dims, 2);
  EXPECT_EQ(c.sample_interval, 5);
  EXPECT_EQ(c.q, 2);
  EXPECT_EQ(c.hidden_dim, 64);
  EXPECT_EQ(c.enc_layers, 3);
  EXPECT_EQ(c.dec_layers, 3);
  EXPECT_DOUBLE_EQ(c.fps, 25.0);
  at::NoGradGuard guard;
  const hanet::Output o = model->forward(npy_tensor("hanet-public/windows_in.npy"));
  EXPECT_LE((o.final_out - npy_tensor("hanet-public/final_out.npy")).abs().max().item<double>(), 1e-4);
  EXPECT_LE((o.encoder_out - npy_tensor("hanet-public/encoder_out.npy")).abs().max().item<double>(), 1e-4);

  // Without the override the YAML's dataset decides: Human3.6M 2D = h36m17, image-size normalised.
  const std::string out2 = dir + "/hanet_h36m.safetensors";
  r = run(std::string(kPython) + " " + shell_quote(tool()) + " " + shell_quote(ckpt) + " --config " +
          shell_quote(config) + " -o " + shell_quote(out2));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const HanetConfig c2 = hanet::load_hanet(out2)->config();
  EXPECT_EQ(c2.skeleton, "h36m17");
  EXPECT_EQ(c2.input_normalization, "image_size");
  EXPECT_DOUBLE_EQ(c2.fps, 50.0);
}

TEST(HanetConvertTool, ContradictionsFailWithoutWritingOutput) {
  KINEPOSE_REQUIRE_FIXTURE("hanet-public/weights.safetensors");
  if (!python_has("torch")) GTEST_SKIP() << kPython << " lacks torch (Debian: python3-torch)";
  const std::string dir = kinepose::testing::scratch_dir("hanet_convert_tool_errors");
  write_text(dir + "/make.py", kMakeCheckpoint);
  const std::string ckpt = dir + "/checkpoint.pth.tar";
  ShellResult r = run(std::string(kPython) + " " + shell_quote(dir + "/make.py") + " " +
              shell_quote(fixture_path("hanet-public/weights.safetensors")) + " " + shell_quote(ckpt));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string out = dir + "/out.safetensors";
  const std::string base = std::string(kPython) + " " + shell_quote(tool()) + " " + shell_quote(ckpt) + " -o " + shell_quote(out);

  // Sub-JHMDB has 15 joints x 2 = 30 input channels; the tensors say 34.
  write_text(dir + "/jhmdb.json", R"({"DATASET_NAME": "jhmdb", "BODY_REPRESENTATION": "2D", "SAMPLE_INTERVAL": 5,
    "MODEL": {"SLIDE_WINDOW_Q": 2, "ENCODER_EMBEDDING_DIMENSION": 64}, "TRAIN": {"PRE_NORM": true}})");
  r = run(base + " --config " + shell_quote(dir + "/jhmdb.json"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("input dimension is 34"), std::string::npos) << r.output;

  // Post-norm in the config but the checkpoint has the pre-norm-only encoder_norm tensors.
  write_text(dir + "/post.json", R"({"DATASET_NAME": "h36m", "BODY_REPRESENTATION": "2D", "SAMPLE_INTERVAL": 5,
    "MODEL": {"SLIDE_WINDOW_Q": 2, "ENCODER_EMBEDDING_DIMENSION": 64}, "TRAIN": {"PRE_NORM": false}})");
  r = run(base + " --config " + shell_quote(dir + "/post.json"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("PRE_NORM"), std::string::npos) << r.output;

  // A width the tensors contradict.
  write_text(dir + "/wide.json", R"({"DATASET_NAME": "h36m", "BODY_REPRESENTATION": "2D", "SAMPLE_INTERVAL": 5,
    "MODEL": {"SLIDE_WINDOW_Q": 2, "ENCODER_EMBEDDING_DIMENSION": 256}, "TRAIN": {"PRE_NORM": true}})");
  r = run(base + " --config " + shell_quote(dir + "/wide.json"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("ENCODER_EMBEDDING_DIMENSION"), std::string::npos) << r.output;

  // Not a checkpoint at all.
  write_text(dir + "/garbage.pth.tar", "not a checkpoint");
  r = run(std::string(kPython) + " " + shell_quote(tool()) + " " + shell_quote(dir + "/garbage.pth.tar") +
          " -o " + shell_quote(out) + " --joints 17 --dims 2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("garbage.pth.tar"), std::string::npos) << r.output;

  EXPECT_FALSE(std::filesystem::exists(out));
  for (const auto& e : std::filesystem::directory_iterator(dir))  // no temporary left behind
    EXPECT_EQ(e.path().filename().string().rfind(".convert_hanet.", 0), std::string::npos) << e.path();
}

// bench/hanet_pytorch_reference.py (the plain-PyTorch HANet timed side by side with kinepose in
// docs/benchmarks.md) computes what the authors' model computed: the fixture's outputs within 1e-4.
TEST(HanetPytorchReference, ReproducesTheFixtures) {
  KINEPOSE_REQUIRE_FIXTURE("hanet-public/weights.safetensors");
  if (!python_has("torch")) GTEST_SKIP() << kPython << " lacks torch (Debian: python3-torch)";
  const std::string script = std::string(KINEPOSE_SOURCE_DIR) + "/bench/hanet_pytorch_reference.py";
  const ShellResult r = run(std::string(kPython) + " " + shell_quote(script) + " --check-fixture " +
                            shell_quote(fixture_path("hanet-public")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
}
