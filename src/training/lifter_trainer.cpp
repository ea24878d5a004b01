// Training the 2D -> 3D lifters (lifter_trainer.h).
#include "training/lifter_trainer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/h36m.h"
#include "kinepose/metrics.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet_refiner.h"
#include "models/lifting/lifter_modules.h"
#include "models/lifting/pose_lifter.h"
#include "training/config_fields.h"
#include "util/progress.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kinepose {

// ---------------------------------------------------------------------------------------------
// configuration

void LifterTrainConfig::validate(const std::string& where) const {
  auto fail = [&](const std::string& field, const std::string& what) { throw Error(where, field + ": " + what); };
  check_training_fields(where, [this] { model.validate(); }, epochs, batch_size, lr, lr_decay, weight_decay,
                        max_steps_per_epoch, threads, out_dir);
  if (h36m.empty() && train.empty()) fail("h36m", "give the Human3.6M folder (h36m) or training pairs (train)");
  if (!h36m.empty() && !train.empty()) fail("train", "give either h36m or train pairs, not both");
  if (!loss.empty() && loss != "mse" && loss != "mpjpe") fail("loss", "'" + loss + "' is not one of mse, mpjpe");
  if (frame_stride < 1 || frame_stride > 10000) fail("frame_stride", "must be in [1, 10000]");
  if (window_stride < 0 || window_stride > 10000) fail("window_stride", "must be in [0, 10000]");
  if (val_max_frames < 0) fail("val_max_frames", "must be >= 0");
}

LifterTrainConfig parse_lifter_config(const std::string& json_text, const std::string& where, const std::string& base_dir) {
  const json j = parse_config_object(json_text, where);
  const ConfigFields f(j, where, "");
  f.only({"task", "preset", "model", "h36m", "train_subjects", "val_subjects", "cameras", "actions", "train", "val",
          "epochs", "batch_size", "lr", "lr_decay", "weight_decay", "loss", "frame_stride", "window_stride", "flip",
          "val_max_frames", "max_steps_per_epoch", "seed", "threads", "out_dir", "progress", "init"});
  expect_task(f, "lift", "");
  LifterTrainConfig c;
  c.model = f.preset("preset", "fcn", LifterConfig::preset);
  if (f.has("model")) {
    const ConfigFields m = f.object("model", "an object of hyper-parameters");
    m.only({"in_skeleton", "out_skeleton", "root", "units", "fps", "dropout", "linear_size", "stages", "window",
            "hidden", "blocks", "neighbours", "radius", "head_hidden", "head_frame", "flip_test"});
    LifterConfig& h = c.model;
    m.get("in_skeleton", h.in_skeleton);
    m.get("out_skeleton", h.out_skeleton);
    if (has_skeleton(h.in_skeleton)) h.in_joints = get_skeleton(h.in_skeleton)->num_joints();
    if (has_skeleton(h.out_skeleton)) h.out_joints = get_skeleton(h.out_skeleton)->num_joints();
    m.get("root", h.root);
    m.get("units", h.units);
    m.get("fps", h.fps);
    m.get("dropout", h.dropout);
    m.get("linear_size", h.linear_size);
    m.get("stages", h.stages);
    m.get("window", h.window);
    m.get("hidden", h.hidden);
    m.get("blocks", h.blocks);
    m.get("neighbours", h.neighbours);
    m.get("head_hidden", h.head_hidden);
    m.get("head_frame", h.head_frame);
    m.get("radius", h.radius);
    m.get("flip_test", h.flip_test);
  }
  f.get("h36m", c.h36m);
  if (!c.h36m.empty()) {
    c.h36m = resolve_path(c.h36m, base_dir);
    if (!fs::is_directory(c.h36m)) throw Error(c.h36m, "no such folder (h36m in " + where + ")");
  }
  f.get("train_subjects", c.train_subjects);
  f.get("val_subjects", c.val_subjects);
  f.get("cameras", c.cameras);
  f.get("actions", c.actions);
  if (f.has("train")) c.train = parse_train_pairs(f.raw("train"), "train", where, base_dir);
  if (f.has("val")) c.val = parse_train_pairs(f.raw("val"), "val", where, base_dir);
  f.get("epochs", c.epochs);
  f.get("batch_size", c.batch_size);
  f.get("lr", c.lr);
  f.get("lr_decay", c.lr_decay);
  f.get("weight_decay", c.weight_decay);
  f.get("loss", c.loss);
  f.get("frame_stride", c.frame_stride);
  f.get("window_stride", c.window_stride);
  f.get("flip", c.flip);
  f.get("init", c.init);
  if (!c.init.empty()) {
    c.init = resolve_path(c.init, base_dir);
    if (!fs::is_regular_file(c.init)) throw Error(c.init, "no such file (init in " + where + ")");
  }
  f.get("val_max_frames", c.val_max_frames);
  f.get("max_steps_per_epoch", c.max_steps_per_epoch);
  f.get("seed", c.seed);
  f.get("threads", c.threads);
  f.get("progress", c.progress);
  f.get("out_dir", c.out_dir);
  c.out_dir = resolve_path(c.out_dir, base_dir);
  c.validate(where);
  return c;
}

std::string training_task(const std::string& path) {
  const json j = parse_config_object(config_file_text(path), path);
  if (!j.contains("task")) return "refine";
  if (!j["task"].is_string()) throw Error(path, "task: expected \"refine\" or \"lift\"");
  const std::string task = j["task"].get<std::string>();
  if (task != "refine" && task != "lift") throw Error(path, "task: '" + task + "' is not one of refine, lift");
  return task;
}

LifterTrainConfig load_lifter_config(const std::string& path) {
  return parse_lifter_config(config_file_text(path), path, fs::path(path).parent_path().string());
}

void load_h36m_lifting_pairs(const std::string& h36m, const std::vector<std::string>& subjects,
                             const std::vector<std::string>& cameras, const std::vector<std::string>& actions,
                             Tracks& inputs, Tracks& targets) {
  H36mSelection sel;
  sel.subjects = subjects;
  sel.cameras = cameras;
  sel.actions = actions;
  sel.kind = "detections";
  inputs = read_h36m(h36m, sel);
  sel.kind = "gt3d_camera";
  targets = read_h36m(h36m, sel);
  if (inputs.size() != targets.size()) throw Error(h36m, "detections and ground truth do not pair up");
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].name != targets[i].name || inputs[i].frames != targets[i].frames)
      throw Error(h36m, fmt::format("detections '{}' and ground truth '{}' do not pair up", inputs[i].name, targets[i].name));
}

// ---------------------------------------------------------------------------------------------
// training

namespace {

struct LiftData {
  std::vector<float> x, y;        // frames x in_values (screen), frames x out_values (root-relative)
  std::vector<int64_t> start, length;  // per sequence, in frames
  int64_t frames() const { return start.empty() ? 0 : start.back() + length.back(); }
};

LiftData prepare(const Tracks& in, const Tracks& gt, const LifterConfig& c, int max_frames, const char* role) {
  if (in.size() != gt.size()) throw Error(role, "inputs and targets differ in number");
  LiftData d;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string where = fmt::format("{} sequence '{}'", role, in[i].name);
    PoseSequence a = in[i], b = gt[i];
    if (a.frames != b.frames) throw Error(where, fmt::format("{} input frames but {} target frames", a.frames, b.frames));
    if (max_frames > 0 && a.frames > max_frames) {
      a = a.slice(0, max_frames);
      b = b.slice(0, max_frames);
    }
    if (a.frames < 1) throw Error(where, "empty sequence (0 frames)");
    hanet::fill_missing_joints(a, nullptr, where);
    const std::vector<float> x = lifter_input_rows(a, c, where);
    const std::vector<float> y = lifter_target_rows(b, c, where);
    for (size_t k = 0; k < y.size(); ++k)
      if (!std::isfinite(y[k]))
        throw Error(where, fmt::format("target frame {} has a missing joint (lifter training needs complete 3D ground truth)",
                                       k / c.out_values()));
    d.start.push_back(d.frames());
    d.length.push_back(a.frames);
    d.x.insert(d.x.end(), x.begin(), x.end());
    d.y.insert(d.y.end(), y.begin(), y.end());
  }
  return d;
}

at::Tensor as_tensor(const std::vector<float>& v, int64_t cols) {
  return at::from_blob(const_cast<float*>(v.data()), {static_cast<int64_t>(v.size()) / cols, cols}, at::kFloat).clone();
}

double validate_mpjpe(lifting::Lifter& model, const LiftData& val, const LifterConfig& c) {
  if (val.start.empty()) return NAN;
  Evaluator ev;
  const int64_t I = c.in_values(), O = c.out_values();
  for (size_t s = 0; s < val.start.size(); ++s) {
    const int64_t b = val.start[s], n = val.length[s];
    const std::vector<float> x(val.x.begin() + b * I, val.x.begin() + (b + n) * I);
    const std::vector<float> y(val.y.begin() + b * O, val.y.begin() + (b + n) * O);
    const std::vector<float> p = lifting::lift_rows(model, x, n, 0, nullptr, c.flip_test);
    ev.add(lifter_rows_to_pose(p, static_cast<int>(n), c), lifter_rows_to_pose(y, static_cast<int>(n), c),
           fmt::format("val {}", s));
  }
  return ev.report().mpjpe.value;
}

}  // namespace

LifterTrainResult train_lifter_on(const LifterTrainConfig& config, const Tracks& train_in, const Tracks& train_gt,
                                  const Tracks& val_in, const Tracks& val_gt,
                                  const std::function<void(const LifterEpochLog&)>& on_epoch) {
  LifterTrainConfig cfg = config;
  const std::string where = "train";
  cfg.validate(where);
  if (!train_in.empty() && train_in.front().fps > 0) cfg.model.fps = train_in.front().fps;  // the data's rate
  const LifterConfig& mc = cfg.model;
  hanet::set_threads(cfg.threads);
  const LiftData train = prepare(train_in, train_gt, mc, 0, "train");
  const LiftData val = prepare(val_in, val_gt, mc, cfg.val_max_frames, "val");
  if (train.frames() == 0) throw Error(where, "no training frames");
  const int64_t I = mc.in_values(), O = mc.out_values();
  const bool windows = mc.arch == "dgnet";
  const int64_t W = mc.frames_per_window();
  const std::string loss_kind = !cfg.loss.empty() ? cfg.loss : (windows ? "mpjpe" : "mse");

  torch::manual_seed(cfg.seed);
  lifting::Lifter model(mc);
  const at::Tensor X = as_tensor(train.x, I), Y = as_tensor(train.y, O);
  {
    at::NoGradGuard g;
    model->in_mean.copy_(X.mean(0));
    model->in_std.copy_(X.std(0).clamp_min(1e-6));
    model->out_mean.copy_(Y.mean(0));
    model->out_std.copy_(Y.std(0).clamp_min(1e-6));
  }
  if (!cfg.init.empty()) {
    lifting::Lifter init = lifting::load_lifter(cfg.init);
    auto arch_of = [](LifterConfig c) {  // what must match; dropout, flip_test and the head may change
      c.dropout = 0;
      c.flip_test = false;
      c.head_hidden = 0;
      c.head_frame = false;
      return c.to_metadata();
    };
    if (arch_of(init->config()) != arch_of(mc))
      throw Error(cfg.init, "init: the lifter's architecture or skeletons differ from the configuration's model");
    at::NoGradGuard g;
    // Every tensor of the same name and shape is copied; the rest (a new DG-Net head) starts fresh.
    const auto src = init->named_parameters(), src_b = init->named_buffers();
    std::vector<std::string> fresh;
    for (auto& p : model->named_parameters()) {
      const at::Tensor* from = src.find(p.key());
      if (from && from->sizes() == p.value().sizes()) p.value().copy_(*from);
      else fresh.push_back(p.key());
    }
    for (auto& b : model->named_buffers()) b.value().copy_(src_b[b.key()]);
    if (!cfg.quiet)
      std::printf("init from %s: %zu parameter tensors copied%s\n", cfg.init.c_str(),
                  model->named_parameters().size() - fresh.size(),
                  fresh.empty() ? "" : fmt::format(", {} new ({})", fresh.size(), fmt::join(fresh, ", ")).c_str());
  }
  const lifting::RowMirror mirror(mc);

  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(cfg.lr).weight_decay(cfg.weight_decay));
  fs::create_directories(cfg.out_dir);
  LifterTrainResult result;
  result.best_path = (fs::path(cfg.out_dir) / "best.safetensors").string();
  result.last_path = (fs::path(cfg.out_dir) / "last.safetensors").string();
  result.train_frames = train.frames();
  result.val_frames = val.frames();
  std::ofstream log((fs::path(cfg.out_dir) / "log.jsonl").string(), std::ios::app);
  double best = INFINITY;
  int64_t step = 0;
  const at::Tensor out_scale = model->out_std.mean();

  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    std::mt19937_64 rng(cfg.seed * 1000003ULL + static_cast<uint64_t>(epoch));
    torch::manual_seed(cfg.seed * 7919ULL + static_cast<uint64_t>(epoch));
    // Samples: frame indices (fcn) or window starts (dgnet), global frame numbers.
    std::vector<int64_t> samples;
    if (!windows) {
      for (int64_t t = epoch % cfg.frame_stride; t < train.frames(); t += cfg.frame_stride) samples.push_back(t);
    } else {
      const int64_t stride = cfg.window_stride > 0 ? cfg.window_stride : W;
      for (size_t s = 0; s < train.start.size(); ++s) {
        if (train.length[s] < W) continue;
        const int64_t offset = static_cast<int64_t>(rng() % static_cast<uint64_t>(stride));
        for (int64_t t = std::min(offset, train.length[s] - W); t + W <= train.length[s]; t += stride)
          samples.push_back(train.start[s] + t);
      }
      if (samples.empty()) throw Error(where, fmt::format("no training sequence has {} frames (model.window)", W));
    }
    std::shuffle(samples.begin(), samples.end(), rng);
    int64_t steps = (static_cast<int64_t>(samples.size()) + cfg.batch_size - 1) / cfg.batch_size;
    if (cfg.max_steps_per_epoch > 0) steps = std::min<int64_t>(steps, cfg.max_steps_per_epoch);
    const double lr = cfg.lr * std::pow(cfg.lr_decay, epoch);
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    model->train();
    std::optional<ProgressBar> bar;
    if (cfg.progress) bar.emplace(steps, fmt::format("epoch {}/{}", epoch + 1, cfg.epochs));
    double loss_sum = 0;
    for (int64_t k = 0; k < steps; ++k) {
      const int64_t b0 = k * cfg.batch_size, n = std::min<int64_t>(cfg.batch_size, samples.size() - b0);
      at::Tensor idx = at::tensor(std::vector<int64_t>(samples.begin() + b0, samples.begin() + b0 + n), at::kLong);
      if (windows) idx = (idx.unsqueeze(1) + at::arange(W, at::kLong).unsqueeze(0)).reshape({-1});
      at::Tensor xb = X.index_select(0, idx).view({n, W, I});
      at::Tensor yb = Y.index_select(0, idx).view({n, W, O});
      if (cfg.flip) {
        const at::Tensor m = (at::rand({n, 1, 1}) < 0.5);
        xb = at::where(m, mirror.input(xb), xb);
        yb = at::where(m, mirror.output(yb), yb);
      }
      const at::Tensor pred = model->forward((xb - model->in_mean) / model->in_std);
      const at::Tensor target = (yb - model->out_mean) / model->out_std;
      at::Tensor loss;
      if (loss_kind == "mse") {
        loss = (pred - target).pow(2).mean();
      } else {
        const at::Tensor diff = ((pred - target) * model->out_std).view({n, W, O / 3, 3});
        loss = diff.pow(2).sum(-1).add(1e-12).sqrt().mean() / out_scale;
      }
      opt.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      opt.step();
      const double lv = loss.item<double>();
      if (!std::isfinite(lv)) throw Error(where, fmt::format("loss became {} at epoch {} step {}", lv, epoch + 1, k + 1));
      loss_sum += lv;
      ++step;
      if (bar) bar->advance();
    }
    if (bar) bar->finish();
    LifterEpochLog e;
    e.epoch = epoch + 1;
    e.step = step;
    e.loss = loss_sum / std::max<int64_t>(1, steps);
    e.lr = lr;
    e.val_mpjpe = validate_mpjpe(model, val, mc);
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double score = std::isfinite(e.val_mpjpe) ? e.val_mpjpe : e.loss;
    if (score < best) {
      best = score;
      e.best = true;
      result.best_epoch = e.epoch;
      result.best_val = score;
      lifting::save_lifter(result.best_path, model);
    }
    lifting::save_lifter(result.last_path, model);
    json line = {{"epoch", e.epoch}, {"step", e.step},  {"loss", e.loss},    {"lr", e.lr},
                 {"seconds", e.seconds}, {"best", e.best}};
    line["val_mpjpe"] = std::isfinite(e.val_mpjpe) ? json(e.val_mpjpe) : json(nullptr);
    log << line.dump() << "\n";
    log.flush();
    if (!cfg.quiet)
      std::printf("epoch %d/%d  loss %.5f  val MPJPE %.2f %s  lr %.3g  %.0f s%s\n", e.epoch, cfg.epochs, e.loss,
                  e.val_mpjpe, mc.units.c_str(), e.lr, e.seconds, e.best ? "  (best)" : "");
    std::fflush(stdout);
    result.epochs.push_back(e);
    if (on_epoch) on_epoch(e);
  }
  return result;
}

LifterTrainResult train_lifter(const LifterTrainConfig& cfg, const std::function<void(const LifterEpochLog&)>& on_epoch) {
  cfg.validate("train");
  Tracks tin, tgt, vin, vgt;
  if (!cfg.h36m.empty()) {
    load_h36m_lifting_pairs(cfg.h36m, cfg.train_subjects, cfg.cameras, cfg.actions, tin, tgt);
    if (!cfg.val_subjects.empty()) load_h36m_lifting_pairs(cfg.h36m, cfg.val_subjects, cfg.cameras, cfg.actions, vin, vgt);
  } else {
    const PoseCheck any = [](const PoseSequence&, const std::string&) {};
    for (const auto& [pairs, in, gt] : {std::tuple{&cfg.train, &tin, &tgt}, std::tuple{&cfg.val, &vin, &vgt}}) {
      const LoadedPairs loaded = load_pose_pairs(*pairs, any, any);
      for (const auto& [a, b] : loaded.tracks) {
        in->push_back(a);
        gt->push_back(b);
      }
    }
  }
  return train_lifter_on(cfg, tin, tgt, vin, vgt, on_epoch);
}

}  // namespace kinepose
