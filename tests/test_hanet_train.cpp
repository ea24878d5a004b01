// HANet training (src/training/hanet_trainer): exact resume, a tiny model beating its noisy input on
// synthetic sequences, configuration errors that name the file and field, and `kinepose train`
// end to end (its best.safetensors refines a file with `kinepose refine`).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "kinepose/error.h"
#include "kinepose/io.h"
#include "kinepose/safetensors.h"
#include "models/hanet/hanet_refiner.h"
#include "synthetic/detector_noise.h"
#include "synthetic/motion.h"
#include "test_helpers.h"
#include "training/hanet_trainer.h"

using namespace kinepose;
using kinepose::testing::run_cli;
using kinepose::testing::scratch_dir;
using kinepose::testing::shell_quote;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Writes `count` (noisy, truth) npz pairs dir/in_<i>.npz, dir/gt_<i>.npz; returns the pair list.
json make_pairs(const std::string& dir, int count, int first_seed, int frames, const std::string& skeleton = "coco17") {
  json pairs = json::array();
  const char* motions[] = {"walk", "squat", "wave"};
  for (int i = 0; i < count; ++i) {
    SynthOptions so;
    so.frames = frames;
    so.seed = static_cast<uint64_t>(first_seed + i);
    so.skeleton = skeleton;
    so.motion = motions[(first_seed + i) % 3];
    const PoseSequence truth = synth_motion_2d(so);
    DetectorNoiseParams np;
    np.seed = static_cast<uint64_t>(100 + first_seed + i);
    np.jitter = 0.02;
    const PoseSequence noisy = add_detector_noise(truth, np);
    const std::string in = dir + "/in_" + std::to_string(first_seed + i) + ".npz";
    const std::string gt = dir + "/gt_" + std::to_string(first_seed + i) + ".npz";
    write_poses(in, {noisy});
    write_poses(gt, {truth});
    pairs.push_back({{"input", in}, {"target", gt}});
  }
  return pairs;
}

json tiny_config(const std::string& dir, const json& train, const json& val) {
  json c;
  c["preset"] = "compact";
  c["model"] = {{"hidden_dim", 16}, {"nheads", 2}, {"dim_feedforward", 32}, {"enc_layers", 2},
                {"dec_layers", 2},  {"input_normalization", "person_box"}};
  c["train"] = train;
  c["val"] = val;
  c["epochs"] = 2;
  c["batch_size"] = 16;
  c["lr"] = 2e-3;
  c["seed"] = 7;
  c["threads"] = 1;
  c["progress"] = false;
  c["out_dir"] = dir + "/out";
  return c;
}

std::string write_config(const std::string& path, const json& c) {
  std::ofstream(path) << c.dump(2);
  return path;
}

using kinepose::testing::error_of;

}  // namespace

TEST(HanetTrain, ResumeContinuesExactly) {
  const std::string dir = scratch_dir("hanet_train_resume");
  const json train = make_pairs(dir, 2, 1, 80), val = make_pairs(dir, 1, 10, 60);
  json c = tiny_config(dir, train, val);
  c["max_steps_per_epoch"] = 4;
  c["warmup_epochs"] = 0.5;
  c["lr_decay"] = 0.85;
  c["augment"] = {{"flip", true}, {"scale", 0.1}, {"rotate_deg", 10}};
  c["out_dir"] = dir + "/straight";
  hanet::TrainConfig straight = hanet::parse_train_config(c.dump(), "straight.json");
  straight.quiet = true;
  const hanet::TrainResult rs = hanet::train_hanet(straight);
  ASSERT_EQ(rs.epochs.size(), 2u);

  c["out_dir"] = dir + "/resumed";
  hanet::TrainConfig first = hanet::parse_train_config(c.dump(), "resumed.json");
  first.quiet = true;
  first.epochs = 1;
  ASSERT_EQ(hanet::train_hanet(first).epochs.size(), 1u);
  hanet::TrainConfig second = first;
  second.epochs = 2;
  second.resume = true;
  const hanet::TrainResult rr = hanet::train_hanet(second);
  ASSERT_EQ(rr.epochs.size(), 1u);
  EXPECT_EQ(rr.epochs[0].epoch, 2);
  EXPECT_EQ(rr.epochs[0].step, rs.epochs[1].step);
  EXPECT_DOUBLE_EQ(rr.epochs[0].lr, rs.epochs[1].lr);

  const SafeTensors a = read_safetensors(dir + "/straight/last.safetensors");
  const SafeTensors b = read_safetensors(dir + "/resumed/last.safetensors");
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  double worst = 0;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    ASSERT_EQ(a.tensors[i].first, b.tensors[i].first);
    const std::vector<float> x = a.tensors[i].second.to_float32(a.tensors[i].first);
    const std::vector<float> y = b.tensors[i].second.to_float32(b.tensors[i].first);
    ASSERT_EQ(x.size(), y.size());
    for (size_t k = 0; k < x.size(); ++k) worst = std::max(worst, static_cast<double>(std::fabs(x[k] - y[k])));
  }
  EXPECT_LE(worst, 1e-7) << "straight vs resumed weights differ";
  EXPECT_DOUBLE_EQ(rr.epochs[0].val_error, rs.epochs[1].val_error);
  // The log holds both epochs of the resumed run.
  std::ifstream log(dir + "/resumed/log.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    const json j = json::parse(line);
    EXPECT_EQ(j["epoch"].get<int>(), ++lines);
    EXPECT_TRUE(j.contains("val") && j.contains("lr") && j.contains("l_final") && j.contains("seconds"));
  }
  EXPECT_EQ(lines, 2);
}

TEST(HanetTrain, TinyModelBeatsNoisyInputOnSyntheticData) {
  const std::string dir = scratch_dir("hanet_train_learns");
  const json train = make_pairs(dir, 10, 1, 240), val = make_pairs(dir, 2, 20, 200);
  json c = tiny_config(dir, train, val);
  c["epochs"] = 8;
  c["lr_decay"] = 0.85;
  c["batch_size"] = 16;
  c["lr"] = 3e-3;
  c["dropout"] = 0.0;
  c["augment"] = {{"flip", true}};
  hanet::TrainConfig cfg = hanet::parse_train_config(c.dump(), "learn.json");
  cfg.quiet = true;
  const hanet::TrainResult r = hanet::train_hanet(cfg);
  ASSERT_FALSE(r.epochs.empty());
  const double input = r.epochs.front().input_error;
  std::printf("raw input error %.3f px; per epoch:", input);
  for (const auto& e : r.epochs) std::printf(" %.3f", e.val_error);
  std::printf("\n");
  EXPECT_EQ(r.epochs.front().metric, "error_2d");
  EXPECT_LT(r.best_val, input);
  EXPECT_TRUE(fs::exists(r.best_path));
}

TEST(HanetTrain, BadConfigNamesFileAndField) {
  const std::string dir = scratch_dir("hanet_train_bad");
  const json train = make_pairs(dir, 1, 1, 40);
  const json c = tiny_config(dir, train, json::array());

  json unknown = c;
  unknown["epoch"] = 3;
  std::string msg = error_of([&] { hanet::parse_train_config(unknown.dump(), "cfg.json"); });
  EXPECT_NE(msg.find("cfg.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'epoch'"), std::string::npos) << msg;

  json unknown_model = c;
  unknown_model["model"]["hidden"] = 8;
  msg = error_of([&] { hanet::parse_train_config(unknown_model.dump(), "cfg.json"); });
  EXPECT_NE(msg.find("model.hidden"), std::string::npos) << msg;

  json wrong_type = c;
  wrong_type["lr"] = "fast";
  msg = error_of([&] { hanet::parse_train_config(wrong_type.dump(), "cfg.json"); });
  EXPECT_NE(msg.find("lr"), std::string::npos) << msg;

  json missing = c;
  missing["train"][0]["target"] = dir + "/nope.npz";
  msg = error_of([&] { hanet::parse_train_config(missing.dump(), "cfg.json"); });
  EXPECT_NE(msg.find("nope.npz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train[0].target"), std::string::npos) << msg;

  json bad_model = c;
  bad_model["model"]["nheads"] = 3;  // does not divide 16
  msg = error_of([&] { hanet::parse_train_config(bad_model.dump(), "cfg.json"); });
  EXPECT_NE(msg.find("cfg.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("head"), std::string::npos) << msg;

  // Data on another skeleton than the model's.
  const json h36 = make_pairs(dir, 1, 5, 40, "h36m17");
  json mismatch = c;
  mismatch["train"] = h36;
  hanet::TrainConfig cfg = hanet::parse_train_config(mismatch.dump(), "cfg.json");
  cfg.quiet = true;
  msg = error_of([&] { hanet::train_hanet(cfg); });
  EXPECT_NE(msg.find(h36[0]["input"].get<std::string>()), std::string::npos) << msg;
  EXPECT_NE(msg.find("skeleton"), std::string::npos) << msg;

  // A YAML file is refused clearly; a missing config file names itself.
  msg = error_of([&] { hanet::load_train_config(dir + "/absent.json"); });
  EXPECT_NE(msg.find("absent.json"), std::string::npos) << msg;
}

TEST(HanetTrain, CliTrainsResumesAndRefines) {
  const std::string dir = scratch_dir("hanet_train_cli");
  const json train = make_pairs(dir, 2, 1, 60), val = make_pairs(dir, 1, 10, 50);
  json c = tiny_config(dir, train, val);
  c["epochs"] = 1;
  c["max_steps_per_epoch"] = 3;
  c["out_dir"] = "out";  // relative to the config file's folder
  const std::string cfg = write_config(dir + "/train.json", c);

  auto r = run_cli("train --config " + shell_quote(cfg) + " --no-progress");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("best epoch 1"), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(dir + "/out/best.safetensors"));
  r = run_cli("train --config " + shell_quote(cfg) + " --no-progress --resume --epochs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("epoch 2/2"), std::string::npos) << r.output;

  r = run_cli("refine " + shell_quote(val[0]["input"].get<std::string>()) + " -o " + shell_quote(dir + "/refined.npz") +
              " --model " + shell_quote(dir + "/out/best.safetensors"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Tracks refined = read_poses(dir + "/refined.npz");
  ASSERT_EQ(refined.size(), 1u);
  EXPECT_EQ(refined[0].frames, 50);

  // A bad configuration exits non-zero naming the field.
  c["bogus"] = 1;
  write_config(dir + "/bad.json", c);
  r = run_cli("train --config " + shell_quote(dir + "/bad.json"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bogus"), std::string::npos) << r.output;
}

TEST(HanetTrain, FolderPairsMatchByFileName) {
  const std::string dir = scratch_dir("hanet_train_folders");
  fs::create_directories(dir + "/noisy");
  fs::create_directories(dir + "/truth");
  int64_t expected_windows = 0;
  for (int i = 0; i < 2; ++i) {
    SynthOptions so;
    so.frames = 30 + 10 * i;
    so.seed = static_cast<uint64_t>(i);
    const PoseSequence truth = synth_motion_2d(so);
    DetectorNoiseParams np;
    np.seed = static_cast<uint64_t>(i);
    write_poses(dir + "/noisy/clip" + std::to_string(i) + ".npz", {add_detector_noise(truth, np)});
    write_poses(dir + "/truth/clip" + std::to_string(i) + ".npz", {truth});
    expected_windows += so.frames - 11 + 1;  // compact: L = 11
  }
  json c = tiny_config(dir, json::array({{{"input", "noisy"}, {"target", "truth"}}}), json::array());
  c["epochs"] = 1;
  c["max_steps_per_epoch"] = 2;
  hanet::TrainConfig cfg = hanet::parse_train_config(c.dump(), dir + "/cfg.json", dir);
  cfg.quiet = true;
  const hanet::TrainResult r = hanet::train_hanet(cfg);
  EXPECT_EQ(r.train_windows, expected_windows);
  EXPECT_EQ(r.val_sequences, 0);
  EXPECT_TRUE(fs::exists(r.best_path));  // best by training loss without validation data

  // An input without a ground-truth file of the same name is named in the error.
  write_poses(dir + "/noisy/orphan.npz", read_poses(dir + "/noisy/clip0.npz"));
  const std::string msg = error_of([&] { hanet::train_hanet(cfg); });
  EXPECT_NE(msg.find("orphan"), std::string::npos) << msg;
}

TEST(HanetTrain, MultiTrackFilesPairByNameAndDropPadding) {
  const std::string dir = scratch_dir("hanet_train_multitrack");
  Tracks noisy, truth;
  for (int i = 0; i < 2; ++i) {
    SynthOptions so;
    so.frames = 30 + 20 * i;
    so.seed = static_cast<uint64_t>(i);
    truth.push_back(synth_motion_2d(so));
    truth.back().name = i == 0 ? "a" : "b";
    truth.back().track_id = i;
    DetectorNoiseParams np;
    np.seed = static_cast<uint64_t>(i);
    noisy.push_back(add_detector_noise(truth.back(), np));
  }
  write_poses(dir + "/in.npz", {noisy[1], noisy[0]});  // other order: pairing is by name
  write_poses(dir + "/gt.npz", truth);
  json c = tiny_config(dir, json::array({{{"input", dir + "/in.npz"}, {"target", dir + "/gt.npz"}}}), json::array());
  c["epochs"] = 1;
  c["max_steps_per_epoch"] = 1;
  hanet::TrainConfig cfg = hanet::parse_train_config(c.dump(), "cfg.json");
  cfg.quiet = true;
  // One timeline pads track "a" to 50 frames; only its 30 real frames give windows (L = 11).
  EXPECT_EQ(hanet::train_hanet(cfg).train_windows, (30 - 10) + (50 - 10));
}

TEST(HanetTrain, YamlConfigReadsLikeJson) {
  const std::string dir = scratch_dir("hanet_train_yaml");
  SynthOptions so;
  so.frames = 20;
  write_poses(dir + "/truth.npz", {synth_motion_2d(so)});
  write_poses(dir + "/noisy.npz", {add_detector_noise(synth_motion_2d(so), DetectorNoiseParams{})});
  {
    std::ofstream y(dir + "/cfg.yaml");
    y << "# a training configuration in YAML\n"
         "preset: compact\n"
         "model:\n  hidden_dim: 32\n  nheads: 2\n  pre_norm: false\n"
         "train:\n  - {input: noisy.npz, target: truth.npz}\n"
         "epochs: 3\nlr: 2.5e-4\nlr_decay: 0.95\nseed: 11\n"
         "augment:\n  flip: true\n  scale: 0.1\n"
         "out_dir: \"runs/one\"\n";
  }
  const hanet::TrainConfig c = hanet::load_train_config(dir + "/cfg.yaml");
  EXPECT_EQ(c.model.hidden_dim, 32);
  EXPECT_EQ(c.model.nheads, 2);
  EXPECT_FALSE(c.model.pre_norm);
  EXPECT_EQ(c.epochs, 3);
  EXPECT_DOUBLE_EQ(c.lr, 2.5e-4);
  EXPECT_DOUBLE_EQ(c.lr_decay, 0.95);
  EXPECT_EQ(c.seed, 11u);
  EXPECT_TRUE(c.augment.flip);
  ASSERT_EQ(c.train.size(), 1u);
  EXPECT_EQ(fs::path(c.train[0].input).filename(), "noisy.npz");
  EXPECT_EQ(fs::path(c.out_dir).filename(), "one");
  // Syntax errors and unknown keys are named like the JSON ones.
  { std::ofstream(dir + "/bad.yaml") << "epochs: [1, 2\n"; }
  EXPECT_NE(error_of([&] { hanet::load_train_config(dir + "/bad.yaml"); }).find("bad.yaml:"), std::string::npos);
  { std::ofstream(dir + "/unknown.yaml") << "train: []\nepohcs: 3\n"; }
  EXPECT_NE(error_of([&] { hanet::load_train_config(dir + "/unknown.yaml"); }).find("epohcs"), std::string::npos);
}

// The peers go through the same command: presets smoothnet / deciwatch train, validate through the
// refiner and write weights whose metadata names the architecture.
TEST(HanetTrain, PeersTrainThroughTheSameCommand) {
  const std::string dir = scratch_dir("hanet_train_peers");
  const json train = make_pairs(dir, 3, 1, 120), val = make_pairs(dir, 1, 10, 90);
  for (const std::string arch : {"smoothnet", "deciwatch"}) {
    json c = tiny_config(dir, train, val);
    c["preset"] = arch;
    c["model"] = {{"input_normalization", "person_box"}, {"hidden_dim", 32}, {"dim_feedforward", 32}, {"enc_layers", 1}};
    if (arch == "smoothnet") c["model"]["window"] = 8;
    else c["model"].update({{"sample_interval", 4}, {"q", 3}, {"nheads", 2}, {"dec_layers", 1}});
    c["epochs"] = 3;
    c["max_steps_per_epoch"] = 20;
    c["dropout"] = 0.0;
    c["out_dir"] = dir + "/" + arch;
    hanet::TrainConfig cfg = hanet::parse_train_config(c.dump(), arch + ".json");
    cfg.quiet = true;
    EXPECT_EQ(cfg.model.arch, arch);
    const hanet::TrainResult r = hanet::train_hanet(cfg);
    ASSERT_EQ(r.epochs.size(), 3u);
    EXPECT_LT(r.epochs.back().loss, r.epochs.front().loss) << arch;
    const SafeTensors w = read_safetensors(r.best_path);
    EXPECT_EQ(w.metadata.at("arch"), arch);
    const hanet::HanetRefiner refiner(r.best_path);
    EXPECT_EQ(refiner.config().arch, arch);
    EXPECT_EQ(refiner.config().window(), arch == "smoothnet" ? 8 : 13);
  }
  json bad = tiny_config(dir, train, val);
  bad["model"]["window"] = 8;  // only SmoothNet has a free window length
  EXPECT_NE(error_of([&] { hanet::parse_train_config(bad.dump(), "bad.json"); }).find("model.window"), std::string::npos);
}

// live_latency: the loss only sees window position L-1-K; validation runs through the stream path
// and the metadata records K. w_accel and refine_stride are accepted and stored / applied.
TEST(HanetTrain, LiveLatencyAccelLossAndRefineStride) {
  const std::string dir = scratch_dir("hanet_train_live");
  const json train = make_pairs(dir, 3, 1, 120), val = make_pairs(dir, 1, 10, 90);
  json c = tiny_config(dir, train, val);
  c["live_latency"] = 2;
  c["loss"] = {{"w_accel", 5.0}};
  c["model"]["refine_stride"] = 2;
  c["epochs"] = 2;
  c["max_steps_per_epoch"] = 15;
  hanet::TrainConfig cfg = hanet::parse_train_config(c.dump(), "live.json");
  cfg.quiet = true;
  EXPECT_EQ(cfg.model.live_latency, 2);
  EXPECT_DOUBLE_EQ(cfg.loss_w_accel, 5.0);
  const hanet::TrainResult r = hanet::train_hanet(cfg);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_TRUE(std::isfinite(r.epochs.back().val_error));
  EXPECT_LT(r.epochs.back().loss, r.epochs.front().loss);
  const hanet::HanetRefiner refiner(r.best_path);
  EXPECT_EQ(refiner.config().live_latency, 2);
  EXPECT_EQ(refiner.config().refine_stride, 2);
  json bad = c;
  bad["live_latency"] = 11;  // L = 11: K must be <= 10
  EXPECT_NE(error_of([&] { hanet::parse_train_config(bad.dump(), "bad.json"); }).find("live_latency"), std::string::npos);
  bad = c;
  bad["loss"]["w_accel"] = -1;
  EXPECT_NE(error_of([&] { hanet::parse_train_config(bad.dump(), "bad.json"); }).find("w_accel"), std::string::npos);
}
