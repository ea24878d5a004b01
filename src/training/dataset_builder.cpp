// Training-pair builders: Human3.6M (real detections), Penn Action and mocap (ground truth + fitted
// detector noise). Definitions and layout in dataset_builder.h and docs/datasets.md.
#include "training/dataset_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/h36m.h"
#include "kinepose/io.h"
#include "kinepose/npy.h"
#include "models/lifting/pose_lifter.h"
#include "training/lifter_trainer.h"
#include "synthetic/random.h"
#include "util/progress.h"

namespace fs = std::filesystem;

namespace kinepose {

namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

std::string join(const std::vector<std::string>& v, const std::string& sep = ",") {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

// Third "__"-separated part of a Human3.6M per-camera name.
std::string camera_of(const std::string& name) {
  const auto pos = name.rfind("__");
  return pos == std::string::npos ? std::string() : name.substr(pos + 2);
}

void write_npz_tracks(const std::string& path, const Tracks& tracks) {
  WriteOptions wo;
  wo.format = "npz";
  wo.compress = true;
  write_poses(path, tracks, wo);
}

int64_t count_frames(const Tracks& t) {
  int64_t n = 0;
  for (const auto& s : t) n += s.frames;
  return n;
}

// One (input, target) file pair of a ground-truth-only build.
struct PairFile {
  std::string stem;
  Tracks in, tg;
};

// Writes OUT/input/<stem>.npz, OUT/target/<stem>.npz for every pair and OUT/dataset.json (`info`
// plus the counts), atomically; returns the summary.
DatasetSummary write_pair_folder(const std::string& out_dir, const std::vector<PairFile>& pairs, nlohmann::json info) {
  DatasetSummary sum;
  write_folder_atomically(out_dir, [&](const std::string& tmp) {
    fs::create_directories(fs::path(tmp) / "input");
    fs::create_directories(fs::path(tmp) / "target");
    for (const auto& c : pairs) {
      write_npz_tracks((fs::path(tmp) / "input" / (c.stem + ".npz")).string(), c.in);
      write_npz_tracks((fs::path(tmp) / "target" / (c.stem + ".npz")).string(), c.tg);
      sum.files += 2;
      sum.sequences += static_cast<int64_t>(c.in.size());
      sum.frames += count_frames(c.in);
    }
    info["files"] = sum.files / 2;
    info["sequences"] = sum.sequences;
    info["frames"] = sum.frames;
    sum.json = info.dump(2) + "\n";
    write_text_file((fs::path(tmp) / "dataset.json").string(), sum.json);
  });
  return sum;
}

}  // namespace

const std::vector<std::string>& h36m_camera_names() {
  static const std::vector<std::string> names = {"54138969", "55011271", "58860488", "60457274"};
  return names;
}

PosePairs load_h36m_pairs(const std::string& data_dir, const std::vector<std::string>& subjects,
                          const std::vector<std::string>& cameras, bool progress,
                          const std::vector<std::string>& actions) {
  PosePairs pairs;
  ProgressBar bar(progress ? static_cast<int64_t>(subjects.size()) : 0, "reading Human3.6M");
  for (const auto& s : subjects) {
    H36mSelection sel;
    sel.subjects = {s};
    sel.cameras = cameras;
    sel.actions = actions;
    sel.kind = "detections";
    Tracks det = read_h36m(data_dir, sel);
    sel.kind = "gt2d_mpii";
    Tracks gt = read_h36m(data_dir, sel);
    std::map<std::string, size_t> by_name;
    for (size_t i = 0; i < gt.size(); ++i) by_name[gt[i].name] = i;
    for (auto& d : det) {
      auto it = by_name.find(d.name);
      if (it == by_name.end()) throw Error(data_dir, "detections '" + d.name + "' have no ground truth");
      PoseSequence& g = gt[it->second];
      if (g.frames != d.frames)
        throw Error(data_dir, fmt::format("'{}': {} detection frames vs {} ground-truth frames", d.name, d.frames, g.frames));
      pairs.emplace_back(std::move(d), std::move(g));
    }
    if (progress) bar.advance();
  }
  if (progress) bar.finish();
  return pairs;
}

namespace {

// input_i := target_i + (input_j - target_j)(t mod T_j) with j = i + n/2 (cyclic; pairs are sorted
// by action then camera, so j is another action, not the same frames seen by another camera): every
// sequence keeps its ground truth but gets the lifting error of another sequence, so the error no
// longer tells which pose it belongs to (H36mBuildOptions::swap_errors).
void swap_lifting_errors(PosePairs& pairs) {
  const size_t n = pairs.size();
  if (n < 2) return;
  std::vector<std::vector<float>> errors(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& [in, tg] = pairs[i];
    errors[i].resize(in.keypoints.size());
    for (size_t k = 0; k < errors[i].size(); ++k) errors[i][k] = in.keypoints[k] - tg.keypoints[k];
  }
  for (size_t i = 0; i < n; ++i) {
    auto& [in, tg] = pairs[i];
    const std::vector<float>& e = errors[(i + n / 2) % n];
    const size_t frame = static_cast<size_t>(tg.joints()) * tg.dims, frames_e = e.size() / frame;
    for (int t = 0; t < tg.frames; ++t)
      for (size_t k = 0; k < frame; ++k)
        in.keypoints[t * frame + k] = tg.keypoints[t * frame + k] + e[(t % frames_e) * frame + k];
  }
}

}  // namespace

DatasetSummary build_h36m_dataset(const H36mBuildOptions& o) {
  require_folder(o.data_dir);
  if (o.out_dir.empty()) throw Error("dataset", "no output folder (--out)");
  if (o.train.empty() && o.val.empty()) throw Error("dataset", "no subjects to build");
  const std::vector<std::string> cameras = o.cameras.empty() ? h36m_camera_names() : o.cameras;
  // Validate subjects/cameras before any heavy work (read_h36m names the bad value).
  {
    std::vector<std::string> all = o.train;
    all.insert(all.end(), o.val.begin(), o.val.end());
    std::set<std::string> seen;
    for (const auto& s : all)
      if (!seen.insert(s).second) throw Error("dataset", "subject " + s + " is listed twice (train and val must not overlap)");
    const auto cams = load_h36m_cameras((fs::path(o.data_dir) / "h36m_cameras.npz").string());
    std::set<std::string> known_s, known_c;
    for (const auto& c : cams) known_s.insert(c.subject), known_c.insert(c.name);
    for (const auto& s : all)
      if (!known_s.count(s) || s == "S11")
        throw Error(o.data_dir, "unknown Human3.6M subject '" + s + "' (known: S1,S5,S6,S7,S8,S9)");
    for (const auto& c : cameras)
      if (!known_c.count(c)) throw Error(o.data_dir, "unknown Human3.6M camera '" + c + "' (known: " + join(h36m_camera_names()) + ")");
  }

  DatasetSummary sum;
  nlohmann::json info;
  info["kind"] = "h36m";
  info["source"] = fs::absolute(o.data_dir).lexically_normal().string();
  info["command"] = o.command_line;
  info["cameras"] = cameras;
  if (!o.actions.empty()) info["actions"] = o.actions;
  std::unique_ptr<PoseLifter> lifter;
  if (!o.lifter.empty()) lifter = std::make_unique<PoseLifter>(o.lifter);  // fails before any heavy work
  std::map<std::string, std::unique_ptr<PoseLifter>> fold_lifters;
  if (!o.fold_lifters.empty() && !lifter) throw Error("dataset", "out-of-fold lifters need --lifter (used for the other subjects)");
  for (const auto& [subject, path] : o.fold_lifters) {
    if (std::find(o.train.begin(), o.train.end(), subject) == o.train.end())
      throw Error(path, "out-of-fold lifter given for '" + subject + "', which is not a training subject (" + join(o.train) + ")");
    auto fl = std::make_unique<PoseLifter>(path);
    const LifterConfig &a = fl->config(), &b = lifter->config();
    if (a.in_skeleton != b.in_skeleton || a.out_skeleton != b.out_skeleton || a.units != b.units || a.root != b.root)
      throw Error(path, fmt::format("lifts {} -> {} {} (root joint {}), but --lifter lifts {} -> {} {} (root joint {})",
                                    a.in_skeleton, a.out_skeleton, a.units, a.root, b.in_skeleton, b.out_skeleton,
                                    b.units, b.root));
    info["fold_lifters"][subject] = fs::absolute(path).lexically_normal().string();
    fold_lifters[subject] = std::move(fl);
  }
  if (lifter) {
    const LifterConfig& lc = lifter->config();
    info["kind"] = "h36m_lifted";
    info["lifter"] = fs::absolute(o.lifter).lexically_normal().string();
    info["swap_errors"] = o.swap_errors;
    info["input"] = fmt::format("Stacked-Hourglass detections lifted to 3D by the {} lifter{}, root-relative camera frame, "
                                "{} {}", lc.arch, fold_lifters.empty() ? "" : " (listed training subjects: by fold_lifters, "
                                "lifters trained without them)", lc.out_skeleton, lc.units);
    info["target"] = fmt::format("ground truth in each camera's frame (R (P - T)), root-relative, {} {}", lc.out_skeleton,
                                 lc.units);
  } else {
    info["input"] = "Stacked-Hourglass detections, mpii16 px";
    info["target"] = "ground truth projected with the camera model, mapped to mpii16 (gt2d_mpii)";
  }
  info["fps"] = 50;

  write_folder_atomically(o.out_dir, [&](const std::string& tmp) {
    ProgressBar bar(o.progress ? static_cast<int64_t>(o.train.size() + o.val.size()) : 0,
                    lifter ? "lifting Human3.6M detections" : "building Human3.6M pairs");
    for (const auto& [split, subjects] : {std::pair{std::string("train"), o.train}, std::pair{std::string("val"), o.val}}) {
      if (subjects.empty()) continue;
      fs::create_directories(fs::path(tmp) / split / "input");
      fs::create_directories(fs::path(tmp) / split / "target");
      int64_t seqs = 0, frames = 0, files = 0;
      for (const auto& s : subjects) {
        PosePairs pairs;
        if (lifter) {
          Tracks det, gt;
          load_h36m_lifting_pairs(o.data_dir, {s}, cameras, o.actions, det, gt);
          const LifterConfig& lc = lifter->config();
          const auto fold = split == "train" ? fold_lifters.find(s) : fold_lifters.end();
          const PoseLifter& by = fold != fold_lifters.end() ? *fold->second : *lifter;
          for (size_t i = 0; i < det.size(); ++i) {
            pairs.emplace_back(by.lift(det[i], det[i].name), lifter_target_pose(gt[i], lc, gt[i].name));
          }
          if (o.swap_errors && split == "train") swap_lifting_errors(pairs);
        } else {
          pairs = load_h36m_pairs(o.data_dir, {s}, cameras, false, o.actions);
        }
        for (const auto& cam : cameras) {
          Tracks in, tg;
          for (auto& [d, g] : pairs) {
            if (camera_of(d.name) != cam) continue;
            d.units = g.units = lifter ? lifter->config().units : "px";
            in.push_back(d);
            tg.push_back(g);
          }
          if (in.empty()) continue;
          const std::string stem = s + "_" + cam + ".npz";
          write_npz_tracks((fs::path(tmp) / split / "input" / stem).string(), in);
          write_npz_tracks((fs::path(tmp) / split / "target" / stem).string(), tg);
          seqs += static_cast<int64_t>(in.size());
          frames += count_frames(in);
          files += 2;
        }
        if (o.progress) bar.advance();
      }
      info["splits"][split] = {{"subjects", subjects}, {"sequences", seqs}, {"frames", frames},
                               {"input", split + "/input"}, {"target", split + "/target"}};
      sum.sequences += seqs, sum.frames += frames, sum.files += files;
    }
    if (o.progress) bar.finish();
    sum.json = info.dump(2) + "\n";
    write_text_file((fs::path(tmp) / "dataset.json").string(), sum.json);
  });
  return sum;
}

// ---- Penn Action ----

DatasetSummary build_penn_dataset(const PennBuildOptions& o) {
  std::string npz = o.data;
  if (fs::is_directory(npz)) npz = (fs::path(npz) / "penn_action_train.npz").string();
  require_file(npz);
  if (o.out_dir.empty()) throw Error("dataset", "no output folder (--out)");
  const NoiseModel model = load_noise_model(o.noise_model);
  const NpzMembers m = read_npz(npz, {"keypoints", "visibility", "seq_offsets", "seq_names", "action", "dimensions"});
  const NpyArray& kp_a = m.at("keypoints");
  if (kp_a.shape.size() != 3 || kp_a.shape[1] != 13 || kp_a.shape[2] != 2)
    throw Error(npz, "keypoints must be (N, 13, 2)");
  const std::vector<float> kp = kp_a.to_float32(npz + ": keypoints");
  const std::vector<int64_t> vis = m.at("visibility").to_int64(npz + ": visibility");
  const std::vector<int64_t> off = m.at("seq_offsets").to_int64(npz + ": seq_offsets");
  const std::vector<std::string> names = m.at("seq_names").to_strings(npz + ": seq_names");
  const std::vector<std::string> actions = m.at("action").to_strings(npz + ": action");
  const std::vector<int64_t> dims = m.at("dimensions").to_int64(npz + ": dimensions");
  const int64_t N = kp_a.shape[0];
  const size_t clips = names.size();
  if (off.size() != clips + 1 || actions.size() != clips || dims.size() != clips * 3 ||
      vis.size() != static_cast<size_t>(N) * 13 || off.back() != N)
    throw Error(npz, "inconsistent member sizes (seq_offsets / seq_names / action / dimensions / visibility)");
  const SkeletonPtr penn = get_skeleton("penn13");

  std::map<std::string, std::pair<Tracks, Tracks>> by_action;
  ProgressBar bar(o.progress ? static_cast<int64_t>(clips) : 0, "Penn Action + noise");
  for (size_t c = 0; c < clips; ++c) {
    const int64_t b = off[c], e = off[c + 1];
    if (e < b || e > N) throw Error(npz, "seq_offsets not increasing at clip " + std::to_string(c));
    PoseSequence gt(penn, static_cast<int>(e - b), 2);
    for (int64_t r = b; r < e; ++r)
      for (int j = 0; j < 13; ++j) {
        if (vis[r * 13 + j] == 0) continue;  // invisible -> missing
        gt.at(static_cast<int>(r - b), j, 0) = kp[(r * 13 + j) * 2];
        gt.at(static_cast<int>(r - b), j, 1) = kp[(r * 13 + j) * 2 + 1];
      }
    gt.fps = 30.0;
    gt.units = "px";
    gt.image_size = std::array<int, 2>{static_cast<int>(dims[c * 3 + 1]), static_cast<int>(dims[c * 3])};
    gt.name = names[c];
    PoseSequence in = apply_noise(gt, model, o.seed * 1000003ull + c);
    // Tracks of one npz share the image size: group by action and frame size.
    auto& slot = by_action[fmt::format("{}_{}x{}", actions[c], (*gt.image_size)[0], (*gt.image_size)[1])];
    slot.first.push_back(std::move(in));
    slot.second.push_back(std::move(gt));
    if (o.progress) bar.advance();
  }
  if (o.progress) bar.finish();

  nlohmann::json info;
  info["kind"] = "penn_action";
  info["source"] = fs::absolute(npz).lexically_normal().string();
  info["noise_model"] = o.noise_model;
  info["seed"] = o.seed;
  info["command"] = o.command_line;
  info["fps"] = 30;
  info["skeleton"] = "penn13";
  std::vector<PairFile> pairs;
  for (auto& [action, tr] : by_action) pairs.push_back({action, std::move(tr.first), std::move(tr.second)});
  return write_pair_folder(o.out_dir, pairs, info);
}

// ---- mocap ----

PoseSequence mocap_to_mpii16(const PoseSequence& mocap, const std::string& where) {
  const Skeleton& s = *mocap.skeleton;
  // Three naming conventions of the CMU data (see docs/datasets.md): Acclaim ASF bones (joint = bone
  // END), cmuconvert BVH ("Motionbuilder-friendly", joint = bone START) and cmuconvert-max BVH.
  using Table = std::vector<std::pair<std::string, std::string>>;  // mpii16 joint -> source joint
  static const Table asf = {{"right_ankle", "rtibia"}, {"right_knee", "rfemur"}, {"right_hip", "rhipjoint"},
                            {"left_hip", "lhipjoint"}, {"left_knee", "lfemur"}, {"left_ankle", "ltibia"},
                            {"thorax", "thorax"}, {"upper_neck", "upperneck"}, {"head_top", "head"},
                            {"right_wrist", "rradius"}, {"right_elbow", "rhumerus"}, {"right_shoulder", "rclavicle"},
                            {"left_shoulder", "lclavicle"}, {"left_elbow", "lhumerus"}, {"left_wrist", "lradius"}};
  static const Table mb = {{"right_ankle", "RightFoot"}, {"right_knee", "RightLeg"}, {"right_hip", "RightUpLeg"},
                           {"left_hip", "LeftUpLeg"}, {"left_knee", "LeftLeg"}, {"left_ankle", "LeftFoot"},
                           {"thorax", "Neck"}, {"upper_neck", "Head"}, {"head_top", "Head_end"},
                           {"right_wrist", "RightHand"}, {"right_elbow", "RightForeArm"}, {"right_shoulder", "RightArm"},
                           {"left_shoulder", "LeftArm"}, {"left_elbow", "LeftForeArm"}, {"left_wrist", "LeftHand"}};
  static const Table max = {{"right_ankle", "RightAnkle"}, {"right_knee", "RightKnee"}, {"right_hip", "RightHip"},
                            {"left_hip", "LeftHip"}, {"left_knee", "LeftKnee"}, {"left_ankle", "LeftAnkle"},
                            {"thorax", "lowerneck"}, {"upper_neck", "Head"}, {"head_top", "Head_end"},
                            {"right_wrist", "RightWrist"}, {"right_elbow", "RightElbow"}, {"right_shoulder", "RightShoulder"},
                            {"left_shoulder", "LeftShoulder"}, {"left_elbow", "LeftElbow"}, {"left_wrist", "LeftWrist"}};
  const Table* table = nullptr;
  if (s.find("rtibia") >= 0) table = &asf;
  else if (s.find("RightUpLeg") >= 0) table = &mb;
  else if (s.find("RightKnee") >= 0) table = &max;
  if (!table)
    throw Error(where, "unrecognised mocap skeleton (expected CMU ASF bones or CMU BVH joint names such as "
                       "RightUpLeg / RightKnee)");
  const SkeletonPtr mpii = get_skeleton("mpii16");
  PoseSequence out(mpii, mocap.frames, 3);
  out.fps = mocap.fps;
  out.name = mocap.name;
  out.units = mocap.units;
  for (const auto& [to, from] : *table) {
    const int src = s.find(from);
    if (src < 0) throw Error(where, "mocap skeleton has no joint '" + from + "' (needed for " + to + ")");
    const int dst = mpii->index_of(to);
    for (int t = 0; t < mocap.frames; ++t)
      for (int d = 0; d < 3; ++d) out.at(t, dst, d) = mocap.at(t, src, d);
  }
  // pelvis = mean of the hips (the registry's derived-joint rule).
  const int pel = mpii->index_of("pelvis"), lh = mpii->index_of("left_hip"), rh = mpii->index_of("right_hip");
  for (int t = 0; t < mocap.frames; ++t)
    for (int d = 0; d < 3; ++d) out.at(t, pel, d) = 0.5f * (out.at(t, lh, d) + out.at(t, rh, d));
  return out;
}

VirtualCamera random_virtual_camera(const double target[3], uint64_t seed, int index) {
  SeededRandom rng(seed, 0x43616d6572610000ull + static_cast<uint64_t>(index));  // "Camera"
  const double pi = 3.14159265358979323846;
  const double az = rng.uniform(0.0, 2.0 * pi);
  const double el = rng.uniform(0.0, 20.0) * pi / 180.0;
  const double dist = rng.uniform(3000.0, 6000.0);
  VirtualCamera cam;
  cam.C[0] = target[0] + dist * std::cos(el) * std::sin(az);
  cam.C[1] = target[1] + dist * std::sin(el);
  cam.C[2] = target[2] + dist * std::cos(el) * std::cos(az);
  double fwd[3] = {target[0] - cam.C[0], target[1] - cam.C[1], target[2] - cam.C[2]};
  const double fn = std::sqrt(fwd[0] * fwd[0] + fwd[1] * fwd[1] + fwd[2] * fwd[2]);
  for (double& v : fwd) v /= fn;
  const double up[3] = {0, 1, 0};
  auto cross = [](const double a[3], const double b[3], double o[3]) {
    o[0] = a[1] * b[2] - a[2] * b[1], o[1] = a[2] * b[0] - a[0] * b[2], o[2] = a[0] * b[1] - a[1] * b[0];
  };
  double right[3], down[3];
  cross(fwd, up, right);
  const double rn = std::sqrt(right[0] * right[0] + right[1] * right[1] + right[2] * right[2]);
  for (double& v : right) v /= rn;
  cross(fwd, right, down);
  for (int k = 0; k < 3; ++k) cam.R[0][k] = right[k], cam.R[1][k] = down[k], cam.R[2][k] = fwd[k];
  return cam;
}

PoseSequence project_virtual(const PoseSequence& w, const VirtualCamera& cam) {
  PoseSequence out(w.skeleton, w.frames, 2);
  out.fps = w.fps;
  out.name = w.name;
  out.units = "px";
  out.image_size = std::array<int, 2>{cam.width, cam.height};
  for (int t = 0; t < w.frames; ++t)
    for (int j = 0; j < w.joints(); ++j) {
      if (w.missing(t, j)) continue;
      double d[3] = {w.at(t, j, 0) - cam.C[0], w.at(t, j, 1) - cam.C[1], w.at(t, j, 2) - cam.C[2]};
      double X[3];
      for (int r = 0; r < 3; ++r) X[r] = cam.R[r][0] * d[0] + cam.R[r][1] * d[1] + cam.R[r][2] * d[2];
      if (X[2] <= 1.0) continue;  // behind the camera: missing
      out.at(t, j, 0) = static_cast<float>(cam.f * X[0] / X[2] + cam.cx);
      out.at(t, j, 1) = static_cast<float>(cam.f * X[1] / X[2] + cam.cy);
    }
  return out;
}

DatasetSummary build_mocap_dataset(const MocapBuildOptions& o) {
  if (o.out_dir.empty()) throw Error("dataset", "no output folder (--out)");
  if (o.cameras_per_clip < 1) throw Error("dataset", "--cameras-per-clip must be >= 1");
  if (!fs::exists(o.data)) throw Error(o.data, "no such file or folder");
  std::vector<std::string> files;
  if (fs::is_directory(o.data)) {
    for (const auto& e : fs::directory_iterator(o.data)) {
      const std::string ext = extension_of(e.path().string());
      if (e.is_regular_file() && (ext == ".bvh" || ext == ".amc")) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(o.data, "no .bvh or .amc files in this folder");
  } else {
    files.push_back(o.data);
  }
  const NoiseModel model = load_noise_model(o.noise_model);

  std::vector<PairFile> clips;
  std::set<std::string> stems;
  ProgressBar bar(o.progress ? static_cast<int64_t>(files.size()) : 0, "mocap + virtual cameras + noise");
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string& f = files[fi];
    ReadOptions ro;
    if (extension_of(f) == ".bvh") ro.params["end_sites"] = "1";
    Tracks t = read_poses(f, ro);
    if (t.empty() || t.front().dims != 3) throw Error(f, "expected 3D mocap");
    PoseSequence w = mocap_to_mpii16(t.front(), f);
    double scale = o.units_mm;
    if (scale <= 0) {
      if (w.units == "mm") scale = 1.0;
      else if (w.units == "cm") scale = 10.0;
      else if (w.units == "m") scale = 1000.0;
      else scale = 25.4 / 0.45;  // CMU mocap units: 1/0.45 inch = 56.444 mm
    }
    for (auto& v : w.keypoints) v = static_cast<float>(v * scale);
    w.units = "mm";
    // Look at the clip's mean pelvis position.
    double target[3] = {0, 0, 0};
    int n = 0;
    const int pel = w.skeleton->index_of("pelvis");
    for (int k = 0; k < w.frames; ++k) {
      if (w.missing(k, pel)) continue;
      for (int d = 0; d < 3; ++d) target[d] += w.at(k, pel, d);
      ++n;
    }
    if (n == 0) throw Error(f, "no frame with a pelvis position");
    for (double& v : target) v /= n;
    std::string stem = stem_of(f);
    if (stems.count(stem)) stem += "_" + extension_of(f).substr(1);  // 01_01.bvh and 01_01.amc
    while (!stems.insert(stem).second) stem += "_";
    PairFile clip{stem, {}, {}};
    for (int k = 0; k < o.cameras_per_clip; ++k) {
      const VirtualCamera cam = random_virtual_camera(target, o.seed * 7919ull + fi, k);
      PoseSequence gt = project_virtual(w, cam);
      gt.name = stem + "__cam" + std::to_string(k);
      PoseSequence in = apply_noise(gt, model, o.seed * 1000003ull + fi * 101ull + static_cast<uint64_t>(k));
      clip.in.push_back(std::move(in));
      clip.tg.push_back(std::move(gt));
    }
    clips.push_back(std::move(clip));
    if (o.progress) bar.advance();
  }
  if (o.progress) bar.finish();

  nlohmann::json info;
  info["kind"] = "mocap";
  info["source"] = fs::absolute(o.data).lexically_normal().string();
  info["noise_model"] = o.noise_model;
  info["seed"] = o.seed;
  info["cameras_per_clip"] = o.cameras_per_clip;
  info["camera"] = "pinhole, azimuth U[0,360), elevation U[0,20] deg, distance U[3,6] m, f 1150 px, 1000x1000";
  info["command"] = o.command_line;
  info["skeleton"] = "mpii16";
  return write_pair_folder(o.out_dir, clips, info);
}

}  // namespace kinepose
