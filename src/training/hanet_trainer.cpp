// Training HANet (see hanet_trainer.h): data pairs -> model-space windows, the published loss,
// AdamW/amsgrad with warm-up + exponential decay, validation through the refinement path, and
// exactly resumable checkpoints.
#include "training/hanet_trainer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/io.h"
#include "kinepose/metrics.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_refiner.h"
#include "models/hanet/hanet_stream.h"
#include "models/hanet/hanet_weights.h"
#include "models/peers/peer_losses.h"
#include "training/config_fields.h"
#include "training/hanet_loss.h"
#include "util/progress.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kinepose::hanet {

namespace {

// ---------------------------------------------------------------------------------------------
// data

struct SeqData {
  std::string name;          // for errors
  int64_t frames = 0;        // after padding to >= L
  std::vector<float> x, y;   // model space, frames * C
};

using Loaded = LoadedPairs;

void check_against_model(const PoseSequence& s, const HanetConfig& c, const std::string& where) {
  if (!s.skeleton) throw Error(where, "sequence has no skeleton");
  if (!c.skeleton.empty()) {
    const std::string want = has_skeleton(c.skeleton) ? get_skeleton(c.skeleton)->name : c.skeleton;
    if (s.skeleton->name != want)
      throw Error(where, fmt::format("skeleton '{}' does not match the model's '{}' (set model.skeleton, or convert "
                                     "the data to {})",
                                     s.skeleton->name, want, want));
  }
  if (s.joints() != c.joints)
    throw Error(where, fmt::format("{} joints per frame, the model expects {} (model.joints)", s.joints(), c.joints));
  if (s.dims != c.dims) throw Error(where, fmt::format("{}D poses, the model expects {}D (model.dims)", s.dims, c.dims));
  if (s.frames < 1) throw Error(where, "empty sequence (0 frames)");
}

Loaded load_pairs(const std::vector<TrainPair>& pairs, const HanetConfig& c) {
  const PoseCheck check = [&c](const PoseSequence& s, const std::string& where) { check_against_model(s, c, where); };
  return load_pose_pairs(pairs, check, check);
}


// Model space exactly as HanetRefiner::refine: fill, normalise with the input's normalisation.
SeqData to_model_space(const PoseSequence& input, const PoseSequence& target, const HanetConfig& c,
                       const std::string& where) {
  PoseSequence x = input, y = target;
  fill_missing_joints(x, nullptr, where);
  fill_missing_joints(y, nullptr, where + " (ground truth)");
  const Normalization n = make_normalization(c.input_normalization, x, where);
  n.apply(x);
  n.apply(y);
  SeqData s;
  s.name = where;
  const int64_t L = c.window(), C = c.input_dim();
  s.frames = std::max<int64_t>(x.frames, L);
  s.x = std::move(x.keypoints);
  s.y = std::move(y.keypoints);
  for (int64_t t = x.frames; t < s.frames; ++t) {  // pad by repeating the last frame
    s.x.insert(s.x.end(), s.x.end() - C, s.x.end());
    s.y.insert(s.y.end(), s.y.end() - C, s.y.end());
  }
  for (float v : s.x)
    if (!std::isfinite(v)) throw Error(where, "non-finite value after normalisation");
  for (float v : s.y)
    if (!std::isfinite(v)) throw Error(where + " (ground truth)", "non-finite value after normalisation");
  return s;
}

// Maps an input window x and its target y (L frames each, in `scratch`'s layout) by the person_box
// normalisation of x alone, as StreamRefiner normalises each window it refines.
void renormalize_window(float* x, float* y, PoseSequence& scratch) {
  const size_t n = scratch.keypoints.size();
  std::copy_n(x, n, scratch.keypoints.begin());
  const Normalization norm = make_normalization("person_box", scratch, "training window");
  norm.apply(scratch);
  std::copy_n(scratch.keypoints.begin(), n, x);
  std::copy_n(y, n, scratch.keypoints.begin());
  norm.apply(scratch);
  std::copy_n(scratch.keypoints.begin(), n, y);
}

// The training objective of the model's architecture: HANet's published loss, or the peers' own
// (SmoothNet: L1 positions + L1 accelerations; DeciWatch: L1 denoised seen frames + L1 recovered).
// Peers report their total as `l1`/`l_final`; the HANet-only terms are zero.
//
// Live models (live_latency = K >= 0): only window position p = L-1-K is ever emitted, so the
// final-output term is the L1 at p alone (weight lambda); HANet and DeciWatch keep an L1 term on
// the encoder output at the seen frames (weight w_encoder) so the encoder still learns to denoise.
HanetLossTerms architecture_loss(const HanetConfig& mc, const Output& out, const at::Tensor& y, const at::Tensor& seen,
                                 const HanetLossOptions& lopt) {
  if (mc.live_latency >= 0) {
    const int64_t p = mc.window() - 1 - mc.live_latency;
    HanetLossTerms t;
    t.l_final = (out.final_out.select(1, p) - y.select(1, p)).abs().mean().reshape({1});
    t.total = lopt.lambda * t.l_final.sum();
    if (mc.arch != "smoothnet") {
      const at::Tensor w = seen.to(y.scalar_type()).reshape({1, -1, 1});
      t.l_encoder = ((out.encoder_out - y).abs() * w).sum().reshape({1}) / (w.sum() * y.size(0) * y.size(2));
      t.total = t.total + lopt.w_encoder * t.l_encoder.sum();
    } else {
      t.l_encoder = at::zeros({1}, y.options());
    }
    t.l1 = t.total;
    t.l_oml = t.per_channel = at::zeros({1}, y.options());
    return t;
  }
  if (mc.arch == "hanet") return hanet_loss(out.final_out, out.encoder_out, y, seen, lopt);
  HanetLossTerms t;
  t.total = mc.arch == "smoothnet" ? peers::smoothnet_loss(out.final_out, y)
                                   : peers::deciwatch_loss(out, y, mc.sample_interval);
  t.l1 = t.total;
  const at::Tensor zero = at::zeros({1}, y.options());
  t.l_final = t.total.detach().reshape({1});
  t.l_encoder = t.l_oml = t.per_channel = zero;
  return t;
}

// The architecture's objective, plus kinepose's acceleration term when w_accel > 0:
// w_accel * mean |second difference in time of the final output - that of the ground truth|.
HanetLossTerms refiner_loss(const HanetConfig& mc, const Output& out, const at::Tensor& y, const at::Tensor& seen,
                            const HanetLossOptions& lopt, double w_accel) {
  HanetLossTerms t = architecture_loss(mc, out, y, seen, lopt);
  const int64_t L = y.size(1);
  if (w_accel > 0 && L >= 3) {
    const at::Tensor& f = out.final_out;
    const at::Tensor af = f.slice(1, 2, L) - 2 * f.slice(1, 1, L - 1) + f.slice(1, 0, L - 2);
    const at::Tensor ay = y.slice(1, 2, L) - 2 * y.slice(1, 1, L - 1) + y.slice(1, 0, L - 2);
    t.total = t.total + w_accel * (af - ay).abs().mean();
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// augmentation, schedule, seeding

uint64_t splitmix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void augment_window(float* x, float* y, int64_t L, int J, int D, const AugmentOptions& a, const std::vector<int>& flip,
                    bool origin_centre, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const bool do_flip = a.flip && u(rng) < 0.5;
  const double s = a.scale > 0 ? 1.0 + a.scale * (2.0 * u(rng) - 1.0) : 1.0;
  const double r = a.rotate_deg > 0 ? a.rotate_deg * (2.0 * u(rng) - 1.0) * M_PI / 180.0 : 0.0;
  if (!do_flip && s == 1.0 && r == 0.0) return;
  std::vector<double> c(D, 0.0);
  if (!origin_centre) {
    for (int64_t i = 0; i < L * J; ++i)
      for (int d = 0; d < D; ++d) c[d] += x[i * D + d];
    for (int d = 0; d < D; ++d) c[d] /= static_cast<double>(L * J);
  }
  const double cr = std::cos(r), sr = std::sin(r);
  std::vector<float> tmp(static_cast<size_t>(J * D));
  for (float* p : {x, y})
    for (int64_t t = 0; t < L; ++t) {
      float* f = p + t * J * D;
      for (int j = 0; j < J; ++j) {
        const float* src = f + (do_flip ? flip[j] : j) * D;
        double v[3] = {0, 0, 0};
        for (int d = 0; d < D && d < 3; ++d) v[d] = src[d] - c[d];
        if (do_flip) v[0] = -v[0];
        const double v0 = cr * v[0] - sr * v[1], v1 = sr * v[0] + cr * v[1];
        v[0] = v0 * s;
        v[1] = v1 * s;
        v[2] *= s;
        for (int d = 0; d < D && d < 3; ++d) tmp[j * D + d] = static_cast<float>(v[d] + c[d]);
      }
      std::copy(tmp.begin(), tmp.end(), f);
    }
}

double lr_at(const TrainConfig& c, int epoch, int64_t step_in_epoch, int64_t steps_per_epoch) {
  const double warm = c.warmup_epochs * static_cast<double>(steps_per_epoch);
  const double g = static_cast<double>(epoch) * static_cast<double>(steps_per_epoch) + static_cast<double>(step_in_epoch) + 1;
  const double f = warm > 0 && g < warm ? g / warm : 1.0;
  const int decays = std::max(0, epoch - static_cast<int>(std::ceil(c.warmup_epochs)));
  return c.lr * f * std::pow(c.lr_decay, decays);
}

// ---------------------------------------------------------------------------------------------
// validation

struct ValResult {
  double error = NAN;
  std::string metric, units;
};

double mean_l2(const Tracks& pred, const Tracks& gt) {
  double sum = 0;
  int64_t n = 0;
  for (size_t i = 0; i < pred.size(); ++i)
    for (int t = 0; t < gt[i].frames; ++t)
      for (int j = 0; j < gt[i].joints(); ++j) {
        if (pred[i].missing(t, j) || gt[i].missing(t, j)) continue;
        double e = 0;
        for (int d = 0; d < gt[i].dims; ++d) e += std::pow(pred[i].at(t, j, d) - gt[i].at(t, j, d), 2);
        sum += std::sqrt(e);
        ++n;
      }
  return n ? sum / static_cast<double>(n) : NAN;
}

ValResult evaluate_tracks(const Tracks& pred, const Tracks& gt) {
  ValResult r;
  const int dims = gt.front().dims;
  if (dims == 2 || dims == 3) {
    const MetricsReport rep = evaluate(pred, gt);
    const Metric& m = dims == 2 ? rep.error_2d : rep.mpjpe;
    r.error = m.value;
    r.metric = dims == 2 ? "error_2d" : "mpjpe";
    r.units = m.units;
  } else {
    r.error = mean_l2(pred, gt);
    r.metric = "l2";
    r.units = gt.front().units;
  }
  return r;
}

struct Checkpoint {
  int epoch = 0;
  int64_t step = 0;
  int best_epoch = 0;
  double best_val = INFINITY;
};

json metadata_json(const HanetConfig& c) {
  json m = json::object();
  for (const auto& [k, v] : c.to_metadata()) m[k] = v;
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

void TrainConfig::validate(const std::string& where) const {
  auto fail = [&](const std::string& field, const std::string& what) { throw Error(where, field + ": " + what); };
  check_training_fields(where, [this] { model.validate(); }, epochs, batch_size, lr, lr_decay, weight_decay,
                        max_steps_per_epoch, threads, out_dir);
  if (train.empty()) fail("train", "no training pairs");
  if (!(warmup_epochs >= 0) || warmup_epochs > 1e6) fail("warmup_epochs", "must be >= 0");
  if (!(loss_lambda >= 0) || !std::isfinite(loss_lambda)) fail("loss.lambda", "must be >= 0");
  if (!(loss_w_encoder >= 0) || !std::isfinite(loss_w_encoder)) fail("loss.w_encoder", "must be >= 0");
  if (!(loss_w_accel >= 0) || !std::isfinite(loss_w_accel)) fail("loss.w_accel", "must be >= 0");
  if (!(augment.scale >= 0) || augment.scale >= 0.9) fail("augment.scale", "must be in [0, 0.9)");
  if (!(augment.rotate_deg >= 0) || augment.rotate_deg > 180) fail("augment.rotate_deg", "must be in [0, 180]");
  if ((augment.flip || augment.scale > 0 || augment.rotate_deg > 0) && model.dims != 2 && model.dims != 3)
    fail("augment", fmt::format("needs 2D or 3D poses, the model has dims = {}", model.dims));
  if (val_stride < 0 || val_stride > model.window()) fail("val_stride", fmt::format("must be in [0, L = {}]", model.window()));
}

TrainConfig parse_train_config(const std::string& json_text, const std::string& where, const std::string& base_dir) {
  const json j = parse_config_object(json_text, where);
  const ConfigFields f(j, where, "");
  f.only({"task", "preset", "model", "train", "val", "epochs", "batch_size", "lr", "weight_decay", "warmup_epochs", "lr_decay",
          "dropout", "seed", "threads", "augment", "input_normalization", "out_dir", "resume", "loss",
          "max_steps_per_epoch", "val_stride", "progress", "live_latency"});
  expect_task(f, "refine", "refine");
  TrainConfig c;
  c.model = f.preset("preset", "compact", HanetConfig::preset);
  if (f.has("model")) {
    const ConfigFields m = f.object("model", "an object of hyper-parameters");
    m.only({"joints", "dims", "skeleton", "input_normalization", "fps", "sample_interval", "q", "hidden_dim", "nheads",
            "dim_feedforward", "enc_layers", "dec_layers", "pre_norm", "dropout", "activation", "interp",
            "memory_mask", "correction", "window", "arch", "refine_stride", "post_sigma"});
    HanetConfig& h = c.model;
    m.get("arch", h.arch);
    m.get("skeleton", h.skeleton);
    if (m.has("skeleton") && !m.has("joints") && !h.skeleton.empty() && has_skeleton(h.skeleton))
      h.joints = get_skeleton(h.skeleton)->num_joints();  // joints follow a named skeleton
    m.get("joints", h.joints);
    m.get("dims", h.dims);
    m.get("input_normalization", h.input_normalization);
    m.get("fps", h.fps);
    m.get("sample_interval", h.sample_interval);
    m.get("q", h.q);
    m.get("hidden_dim", h.hidden_dim);
    m.get("nheads", h.nheads);
    m.get("dim_feedforward", h.dim_feedforward);
    m.get("enc_layers", h.enc_layers);
    m.get("dec_layers", h.dec_layers);
    m.get("pre_norm", h.pre_norm);
    m.get("dropout", h.dropout);
    m.get("activation", h.activation);
    m.get("interp", h.interp);
    m.get("memory_mask", h.memory_mask);
    m.get("correction", h.correction);
    m.get("refine_stride", h.refine_stride);
    m.get("post_sigma", h.post_sigma);
    if (m.has("window")) {  // SmoothNet: the window length itself (N = 1, Q = L - 1)
      int window = 0;
      m.get("window", window);
      if (h.arch != "smoothnet") m.fail("window", "only for arch smoothnet (HANet/DeciWatch: L = sample_interval * q + 1)");
      if (window < 2) m.fail("window", fmt::format("{} must be >= 2", window));
      h.sample_interval = 1;
      h.q = window - 1;
    }
  }
  f.get("dropout", c.model.dropout);
  f.get("input_normalization", c.model.input_normalization);
  if (!f.has("train")) f.fail("train", "missing (list of {\"input\": ..., \"target\": ...} pairs)");
  c.train = parse_train_pairs(f.raw("train"), "train", where, base_dir);
  if (f.has("val")) c.val = parse_train_pairs(f.raw("val"), "val", where, base_dir);
  f.get("epochs", c.epochs);
  f.get("batch_size", c.batch_size);
  f.get("lr", c.lr);
  f.get("weight_decay", c.weight_decay);
  f.get("warmup_epochs", c.warmup_epochs);
  f.get("lr_decay", c.lr_decay);
  f.get("seed", c.seed);
  f.get("threads", c.threads);
  f.get("resume", c.resume);
  f.get("progress", c.progress);
  f.get("max_steps_per_epoch", c.max_steps_per_epoch);
  f.get("val_stride", c.val_stride);
  f.get("live_latency", c.model.live_latency);
  f.get("out_dir", c.out_dir);
  c.out_dir = resolve_path(c.out_dir, base_dir);
  if (f.has("augment")) {
    const ConfigFields a = f.object("augment", "{\"flip\": ..., \"scale\": ..., \"rotate_deg\": ...}");
    a.only({"flip", "scale", "rotate_deg"});
    a.get("flip", c.augment.flip);
    a.get("scale", c.augment.scale);
    a.get("rotate_deg", c.augment.rotate_deg);
  }
  if (f.has("loss")) {
    const ConfigFields l = f.object("loss", "{\"lambda\": ..., \"w_encoder\": ..., ...}");
    l.only({"lambda", "w_encoder", "detach", "ohkm", "w_accel"});
    l.get("lambda", c.loss_lambda);
    l.get("w_encoder", c.loss_w_encoder);
    l.get("detach", c.loss_detach);
    l.get("ohkm", c.loss_ohkm);
    l.get("w_accel", c.loss_w_accel);
  }
  c.validate(where);
  return c;
}

TrainConfig load_train_config(const std::string& path) {
  return parse_train_config(config_file_text(path), path, fs::path(path).parent_path().string());
}

TrainResult train_hanet(const TrainConfig& config_in, const std::function<void(const EpochLog&)>& on_epoch) {
  TrainConfig cfg = config_in;
  const std::string where = "train";
  cfg.validate(where);
  set_threads(cfg.threads);

  // ---- data
  const Loaded train_raw = load_pairs(cfg.train, cfg.model);
  const Loaded val_raw = load_pairs(cfg.val, cfg.model);
  if (cfg.model.fps == 0 && train_raw.tracks.front().first.fps > 0) cfg.model.fps = train_raw.tracks.front().first.fps;
  const HanetConfig& mc = cfg.model;
  const int64_t L = mc.window(), C = mc.input_dim();
  const int J = mc.joints, D = mc.dims;
  std::vector<SeqData> train;
  std::vector<std::pair<int, int64_t>> windows;  // (sequence, start)
  for (size_t i = 0; i < train_raw.tracks.size(); ++i) {
    train.push_back(to_model_space(train_raw.tracks[i].first, train_raw.tracks[i].second, mc, train_raw.where[i]));
    for (int64_t s = 0; s + L <= train.back().frames; ++s) windows.emplace_back(static_cast<int>(i), s);
  }
  std::vector<int> flip(J);
  std::iota(flip.begin(), flip.end(), 0);
  if (cfg.augment.flip) flip = train_raw.tracks.front().first.skeleton->flip_permutation();
  const bool origin_centre = mc.input_normalization == "root_relative" || mc.input_normalization == "root_box";
  // Live models see person_box computed from the frames of their window (StreamRefiner), not from
  // the whole track: train them on the same (an affine map, so re-normalising the track-normalised
  // window with its own box gives exactly the raw window normalised by its box).
  const bool per_window_box = mc.live_latency >= 0 && mc.input_normalization == "person_box";
  PoseSequence window_seq(train_raw.tracks.front().first.skeleton, L, D);
  Tracks val_in, val_gt;
  for (const auto& [a, b] : val_raw.tracks) {
    val_in.push_back(a);
    val_gt.push_back(b);
  }
  ValResult input_val;
  if (!val_gt.empty()) input_val = evaluate_tracks(val_in, val_gt);

  // ---- model, optimiser, checkpoint
  fs::create_directories(cfg.out_dir);
  const std::string best_path = (fs::path(cfg.out_dir) / "best.safetensors").string();
  const std::string last_path = (fs::path(cfg.out_dir) / "last.safetensors").string();
  const std::string optim_path = (fs::path(cfg.out_dir) / "last.optim").string();
  const std::string state_path = (fs::path(cfg.out_dir) / "last.json").string();
  const std::string log_path = (fs::path(cfg.out_dir) / "log.jsonl").string();

  torch::manual_seed(cfg.seed);
  Hanet model(mc);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(cfg.lr)
                                                   .betas({0.9, 0.999})
                                                   .eps(1e-8)
                                                   .weight_decay(cfg.weight_decay)
                                                   .amsgrad(true));
  Checkpoint ck;
  const bool resuming = cfg.resume && fs::exists(state_path);
  if (resuming) {
    json st;
    try {
      st = json::parse(read_text_file(state_path));
      ck.epoch = st.at("epoch").get<int>();
      ck.step = st.at("step").get<int64_t>();
      ck.best_epoch = st.at("best_epoch").get<int>();
      ck.best_val = st.at("best_val").is_null() ? INFINITY : st.at("best_val").get<double>();
      if (st.at("seed").get<uint64_t>() != cfg.seed)
        throw Error(state_path, fmt::format("checkpoint was trained with seed {}, the configuration says {}",
                                            st.at("seed").get<uint64_t>(), cfg.seed));
    } catch (const json::exception& e) {
      throw Error(state_path, std::string("garbled checkpoint state: ") + e.what());
    }
    const json want = metadata_json(mc);
    for (auto it = want.begin(); it != want.end(); ++it)
      if (!st["model"].contains(it.key()) || st["model"][it.key()] != it.value())
        throw Error(state_path, fmt::format("checkpoint model {} = {} differs from the configuration's {}", it.key(),
                                            st["model"].value(it.key(), std::string("(absent)")),
                                            it.value().get<std::string>()));
    load_hanet_weights(model, read_safetensors(last_path), last_path);
    require_file(optim_path);
    try {
      torch::load(opt, optim_path);
    } catch (const c10::Error& e) {
      throw Error(optim_path, std::string("cannot read the optimiser state: ") + e.what_without_backtrace());
    }
  } else {
    std::ofstream(log_path, std::ios::trunc);
  }

  const at::Tensor seen = hanet_seen_mask(L, mc.sample_interval);
  const int64_t nwin = static_cast<int64_t>(windows.size());
  int64_t steps_per_epoch = (nwin + cfg.batch_size - 1) / cfg.batch_size;
  if (cfg.max_steps_per_epoch > 0) steps_per_epoch = std::min<int64_t>(steps_per_epoch, cfg.max_steps_per_epoch);
  HanetLossOptions lopt;
  lopt.lambda = cfg.loss_lambda;
  lopt.w_encoder = cfg.loss_w_encoder;
  lopt.detach = cfg.loss_detach;
  lopt.ohkm = cfg.loss_ohkm;

  TrainResult result;
  result.best_path = best_path;
  result.last_path = last_path;
  result.train_windows = nwin;
  result.val_sequences = static_cast<int64_t>(val_gt.size());
  result.best_epoch = ck.best_epoch;
  result.best_val = ck.best_val;

  std::vector<int64_t> order(static_cast<size_t>(nwin));
  std::vector<float> xb, yb;
  for (int epoch = ck.epoch; epoch < cfg.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    // The whole random state of an epoch derives from (seed, epoch): resuming needs nothing else.
    const uint64_t es = splitmix(cfg.seed ^ splitmix(static_cast<uint64_t>(epoch) + 1));
    torch::manual_seed(es);
    std::mt19937_64 rng(splitmix(es));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);

    model->train();
    std::optional<ProgressBar> bar;
    if (cfg.progress) bar.emplace(steps_per_epoch, fmt::format("epoch {}/{}", epoch + 1, cfg.epochs));
    double s_total = 0, s_l1 = 0, s_final = 0, s_enc = 0, s_oml = 0, lr = cfg.lr;
    for (int64_t step = 0; step < steps_per_epoch; ++step) {
      const int64_t b0 = step * cfg.batch_size, b1 = std::min(nwin, b0 + cfg.batch_size), B = b1 - b0;
      xb.resize(static_cast<size_t>(B * L * C));
      yb.resize(xb.size());
      for (int64_t b = 0; b < B; ++b) {
        const auto& [si, start] = windows[static_cast<size_t>(order[static_cast<size_t>(b0 + b)])];
        const SeqData& s = train[static_cast<size_t>(si)];
        std::copy_n(s.x.begin() + start * C, L * C, xb.begin() + b * L * C);
        std::copy_n(s.y.begin() + start * C, L * C, yb.begin() + b * L * C);
        augment_window(xb.data() + b * L * C, yb.data() + b * L * C, L, J, D, cfg.augment, flip, origin_centre, rng);
        if (per_window_box) renormalize_window(xb.data() + b * L * C, yb.data() + b * L * C, window_seq);
      }
      const auto fo = at::TensorOptions().dtype(at::kFloat);
      const at::Tensor x = at::from_blob(xb.data(), {B, L, C}, fo).clone();
      const at::Tensor y = at::from_blob(yb.data(), {B, L, C}, fo).clone();
      lr = lr_at(cfg, epoch, step, steps_per_epoch);
      for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      const Output out = model->forward(x);
      const HanetLossTerms terms = refiner_loss(mc, out, y, seen, lopt, cfg.loss_w_accel);
      opt.zero_grad();
      terms.total.backward();
      opt.step();
      const double tot = terms.total.item<double>();
      if (!std::isfinite(tot))
        throw Error(where, fmt::format("loss became {} at epoch {} step {} (lower lr?)", tot, epoch + 1, step + 1));
      s_total += tot;
      s_l1 += terms.l1.item<double>();
      s_final += terms.l_final.sum().item<double>();
      s_enc += terms.l_encoder.sum().item<double>();
      s_oml += terms.l_oml.sum().item<double>();
      if (bar) bar->update(step + 1);
    }
    if (bar) bar->finish();
    ck.epoch = epoch + 1;
    ck.step += steps_per_epoch;

    // Last checkpoint first: validation refines through it, exactly as `kinepose refine` would.
    save_hanet(last_path, model);
    write_atomically(optim_path, [&](const std::string& tmp) { torch::save(opt, tmp); });

    EpochLog log;
    log.epoch = epoch + 1;
    log.step = ck.step;
    const double n = static_cast<double>(std::max<int64_t>(1, steps_per_epoch));
    log.loss = s_total / n;
    log.l1 = s_l1 / n;
    log.l_final = s_final / n;
    log.l_encoder = s_enc / n;
    log.l_oml = s_oml / n;
    log.lr = lr;
    log.input_error = input_val.error;
    double criterion = log.loss;
    if (!val_gt.empty()) {
      Tracks pred;
      if (mc.live_latency >= 0) {  // live models are validated through the streaming path they ship for
        StreamOptions so;
        so.latency = mc.live_latency;
        StreamRefiner stream(last_path, so);
        pred = stream_refine_tracks(stream, val_in);
      } else {
        const HanetRefiner refiner(last_path);
        RefineOptions ro;
        ro.stride = cfg.val_stride;
        for (size_t i = 0; i < val_in.size(); ++i) pred.push_back(refiner.refine(val_in[i], ro, nullptr, val_raw.where[i]));
      }
      const ValResult v = evaluate_tracks(pred, val_gt);
      log.val_error = v.error;
      log.metric = v.metric;
      log.units = v.units;
      criterion = v.error;
    } else {
      log.val_error = NAN;
      log.metric = "train_loss";
    }
    if (std::isfinite(criterion) && criterion < ck.best_val) {
      ck.best_val = criterion;
      ck.best_epoch = epoch + 1;
      log.best = true;
      write_atomically(best_path, [&](const std::string& tmp) {
        fs::copy_file(last_path, tmp, fs::copy_options::overwrite_existing);
      });
    }
    log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    json st;
    st["format"] = "kinepose-hanet-train-state 1";
    st["epoch"] = ck.epoch;
    st["step"] = ck.step;
    st["best_epoch"] = ck.best_epoch;
    st["best_val"] = std::isfinite(ck.best_val) ? json(ck.best_val) : json(nullptr);
    st["seed"] = cfg.seed;
    st["model"] = metadata_json(mc);
    write_text_file(state_path, st.dump(2) + "\n");

    auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    json line;
    line["epoch"] = log.epoch;
    line["step"] = log.step;
    line["loss"] = num(log.loss);
    line["l1"] = num(log.l1);
    line["l_final"] = num(log.l_final);
    line["l_encoder"] = num(log.l_encoder);
    line["l_oml"] = num(log.l_oml);
    line["val"] = {{"metric", log.metric}, {"units", log.units}, {"error", num(log.val_error)},
                   {"input_error", num(log.input_error)}};
    line["lr"] = log.lr;
    line["seconds"] = log.seconds;
    line["best"] = log.best;
    {
      std::ofstream lf(log_path, std::ios::app);
      lf << line.dump() << "\n";
      if (!lf) throw Error(log_path, "cannot append to the training log");
    }
    if (!cfg.quiet) {
      std::string val = std::isfinite(log.val_error)
                            ? fmt::format("val {} {:.4g} {} (input {:.4g})", log.metric, log.val_error, log.units,
                                          log.input_error)
                            : std::string("no validation data");
      std::printf("epoch %d/%d  loss %.5g  %s  lr %.3g  %.1f s%s\n", log.epoch, cfg.epochs, log.loss, val.c_str(), log.lr,
                  log.seconds, log.best ? "  *best" : "");
      std::fflush(stdout);
    }
    result.epochs.push_back(log);
    result.best_epoch = ck.best_epoch;
    result.best_val = ck.best_val;
    if (on_epoch) on_epoch(log);
  }
  return result;
}

}  // namespace kinepose::hanet
