// Human3.6M folder reader (h36m_sh layout, see the data README): h36m_cameras.npz,
// h36m_gt3d_17j_mm_int16.npz ("<S>__<Action>" -> int16 N x 17 x 3 world mm) and
// h36m_sh2d_mpii16_px_int16.npz ("<S>__<Action>__<camera>" -> int16 N x 16 x 2 px), plus the
// camera model that turns the ground truth into per-camera 3D and 2D targets.
#include "kinepose/h36m.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/npy.h"

namespace fs = std::filesystem;

namespace kinepose {

namespace {

constexpr const char* kCamerasFile = "h36m_cameras.npz";
constexpr const char* kGtFile = "h36m_gt3d_17j_mm_int16.npz";
constexpr const char* kDetFile = "h36m_sh2d_mpii16_px_int16.npz";
constexpr double kFps = 50.0;  // Human3.6M mocap and videos, not sub-sampled in this copy
constexpr int kGtJoints = 17, kDetJoints = 16;
// Ground-truth (h36m17) joint nearest to each detection (mpii16) joint, from the data README.
constexpr int kMpiiFromH36m[kDetJoints] = {3, 2, 1, 4, 5, 6, 0, 8, 8, 10, 16, 15, 14, 11, 12, 13};
const std::vector<std::string> kKinds = {"gt3d", "gt3d_camera", "gt2d", "gt2d_mpii", "detections"};

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

template <typename Set>
std::string join_set(const Set& v) {
  return join(std::vector<std::string>(v.begin(), v.end()));
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) break;
    start = pos + sep.size();
  }
  return out;
}

// "Walking_1" -> "Walking": trials of one action share the base name.
std::string action_base(const std::string& action) {
  const size_t us = action.rfind('_');
  if (us == std::string::npos || us + 1 == action.size()) return action;
  for (size_t i = us + 1; i < action.size(); ++i)
    if (action[i] < '0' || action[i] > '9') return action;
  return action.substr(0, us);
}

struct Item {
  std::string subject, action, camera, member;
  bool operator<(const Item& o) const {
    return std::tie(subject, action, camera) < std::tie(o.subject, o.action, o.camera);
  }
};

// Parses the member names of one npz: "<S>__<Action>" (parts == 2) or "<S>__<Action>__<camera>" (3).
std::vector<Item> list_items(const std::string& npz, size_t parts) {
  std::vector<Item> items;
  for (const auto& member : list_npz(npz)) {
    auto p = split(member, "__");
    if (p.size() != parts || p[0].empty() || p[1].empty())
      throw Error(npz, "unexpected member name '" + member + "' (expected " +
                           (parts == 2 ? "<Subject>__<Action>" : "<Subject>__<Action>__<camera>") + ")");
    items.push_back({p[0], p[1], parts == 3 ? p[2] : "", member});
  }
  return items;
}

std::vector<double> member_f64(const NpzMembers& m, const std::string& file, const std::string& name,
                               const std::vector<int64_t>& shape) {
  auto it = m.find(name);
  if (it == m.end()) throw Error(file, "member '" + name + "' is missing");
  if (it->second.shape != shape) {
    std::string got, want;
    for (auto d : it->second.shape) got += (got.empty() ? "" : ",") + std::to_string(d);
    for (auto d : shape) want += (want.empty() ? "" : ",") + std::to_string(d);
    throw Error(file, "member '" + name + "' has shape (" + got + "), expected (" + want + ")");
  }
  return it->second.to_float64(file + ": " + name);
}

// The keypoints of one member as float, checking the (N, joints, dims) shape.
std::vector<float> member_poses(const NpzMembers& m, const std::string& file, const std::string& name, int joints,
                                int dims, int64_t& frames) {
  auto it = m.find(name);
  if (it == m.end()) throw Error(file, "member '" + name + "' is missing");
  const auto& s = it->second.shape;
  if (s.size() != 3 || s[1] != joints || s[2] != dims) {
    std::string got;
    for (auto d : s) got += (got.empty() ? "" : ",") + std::to_string(d);
    throw Error(file, "member '" + name + "' has shape (" + got + "), expected (frames, " + std::to_string(joints) +
                          ", " + std::to_string(dims) + ")");
  }
  frames = s[0];
  if (frames <= 0) throw Error(file, "member '" + name + "' has no frames");
  if (frames > 10'000'000) throw Error(file, "member '" + name + "' has an absurd frame count " + std::to_string(frames));
  return it->second.to_float32(file + ": " + name);
}

std::array<int, 2> camera_size(const std::string& name) {
  // The two cameras whose videos are 1002 rows high (data README).
  if (name == "54138969" || name == "60457274") return {1000, 1002};
  return {1000, 1000};
}

}  // namespace

std::vector<H36mCamera> load_h36m_cameras(const std::string& cameras_npz) {
  require_file(cameras_npz);
  const NpzMembers m = read_npz(cameras_npz);
  for (const char* name : {"subjects", "camera_names", "R", "T", "f", "c", "k", "p"})
    if (!m.count(name)) throw Error(cameras_npz, std::string("member '") + name + "' is missing (not a Human3.6M camera file)");
  const auto subjects = m.at("subjects").to_strings(cameras_npz + ": subjects");
  const auto names = m.at("camera_names").to_strings(cameras_npz + ": camera_names");
  const int64_t S = static_cast<int64_t>(subjects.size()), C = static_cast<int64_t>(names.size());
  if (S == 0 || C == 0) throw Error(cameras_npz, "no subjects or no cameras");
  const auto R = member_f64(m, cameras_npz, "R", {S, C, 3, 3});
  const auto T = member_f64(m, cameras_npz, "T", {S, C, 3});
  const auto f = member_f64(m, cameras_npz, "f", {S, C, 2});
  const auto c = member_f64(m, cameras_npz, "c", {S, C, 2});
  const auto k = member_f64(m, cameras_npz, "k", {S, C, 3});
  const auto p = member_f64(m, cameras_npz, "p", {S, C, 2});
  for (const auto* v : {&R, &T, &f, &c, &k, &p})
    for (double x : *v)
      if (!std::isfinite(x)) throw Error(cameras_npz, "non-finite calibration value");

  std::vector<H36mCamera> cams;
  for (int64_t s = 0; s < S; ++s)
    for (int64_t ci = 0; ci < C; ++ci) {
      const size_t i = static_cast<size_t>(s * C + ci);
      H36mCamera cam;
      cam.subject = subjects[s];
      cam.name = names[ci];
      for (int r = 0; r < 3; ++r)
        for (int q = 0; q < 3; ++q) cam.R[r][q] = R[i * 9 + r * 3 + q];
      for (int q = 0; q < 3; ++q) cam.T[q] = T[i * 3 + q];
      for (int q = 0; q < 2; ++q) cam.f[q] = f[i * 2 + q];
      for (int q = 0; q < 2; ++q) cam.c[q] = c[i * 2 + q];
      for (int q = 0; q < 3; ++q) cam.k[q] = k[i * 3 + q];
      for (int q = 0; q < 2; ++q) cam.p[q] = p[i * 2 + q];
      const auto size = camera_size(cam.name);
      cam.width = size[0];
      cam.height = size[1];
      if (cam.f[0] <= 0 || cam.f[1] <= 0)
        throw Error(cameras_npz, "camera " + cam.subject + "/" + cam.name + " has a non-positive focal length");
      cams.push_back(cam);
    }
  return cams;
}

void world_to_camera(const H36mCamera& cam, const float* world_xyz, int n, float* cam_out) {
  for (int i = 0; i < n; ++i) {
    const double d[3] = {world_xyz[3 * i] - cam.T[0], world_xyz[3 * i + 1] - cam.T[1], world_xyz[3 * i + 2] - cam.T[2]};
    for (int r = 0; r < 3; ++r)
      cam_out[3 * i + r] = static_cast<float>(cam.R[r][0] * d[0] + cam.R[r][1] * d[1] + cam.R[r][2] * d[2]);
  }
}

void camera_to_world(const H36mCamera& cam, const float* cam_xyz, int n, float* world_out) {
  for (int i = 0; i < n; ++i) {
    const float* X = cam_xyz + 3 * i;
    for (int c = 0; c < 3; ++c)  // P = R^T X + T (R is a rotation)
      world_out[3 * i + c] = static_cast<float>(cam.R[0][c] * X[0] + cam.R[1][c] * X[1] + cam.R[2][c] * X[2] + cam.T[c]);
  }
}

void project_h36m(const H36mCamera& cam, const float* world_xyz, int n, float* uv_out) {
  for (int i = 0; i < n; ++i) {
    const double d[3] = {world_xyz[3 * i] - cam.T[0], world_xyz[3 * i + 1] - cam.T[1], world_xyz[3 * i + 2] - cam.T[2]};
    double X[3];
    for (int r = 0; r < 3; ++r) X[r] = cam.R[r][0] * d[0] + cam.R[r][1] * d[1] + cam.R[r][2] * d[2];
    const double x0 = X[0] / X[2], x1 = X[1] / X[2];
    const double r2 = x0 * x0 + x1 * x1;
    const double radial = 1 + cam.k[0] * r2 + cam.k[1] * r2 * r2 + cam.k[2] * r2 * r2 * r2;
    const double tan = cam.p[0] * x1 + cam.p[1] * x0;
    const double u = x0 * (radial + tan) + r2 * cam.p[1];
    const double v = x1 * (radial + tan) + r2 * cam.p[0];
    uv_out[2 * i] = static_cast<float>(cam.f[0] * u + cam.c[0]);
    uv_out[2 * i + 1] = static_cast<float>(cam.f[1] * v + cam.c[1]);
  }
}

Tracks read_h36m(const std::string& folder, const H36mSelection& sel) {
  require_folder(folder);
  const std::string kind = sel.kind.empty() ? "detections" : sel.kind;
  if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end())
    throw Error(folder, "unknown Human3.6M kind '" + kind + "' (known: " + join(kKinds) + ")");
  const bool per_camera = kind != "gt3d";
  if (!per_camera && !sel.cameras.empty())
    throw Error(folder, "kind gt3d is world coordinates, camera=" + join(sel.cameras, ",") +
                            " does not apply (use gt3d_camera or gt2d)");

  const std::string cam_file = (fs::path(folder) / kCamerasFile).string();
  const std::vector<H36mCamera> cams = load_h36m_cameras(cam_file);
  std::set<std::string> camera_names;
  for (const auto& c : cams) camera_names.insert(c.name);
  for (const auto& c : sel.cameras)
    if (!camera_names.count(c))
      throw Error(folder, "unknown Human3.6M camera '" + c + "' (known: " + join_set(camera_names) + ")");

  const bool from_detections = kind == "detections";
  const std::string data_file = (fs::path(folder) / (from_detections ? kDetFile : kGtFile)).string();
  require_file(data_file);
  std::vector<Item> all = list_items(data_file, from_detections ? 3 : 2);

  std::set<std::string> subjects, actions;
  for (const auto& it : all) {
    subjects.insert(it.subject);
    actions.insert(it.action);
    actions.insert(action_base(it.action));
  }
  for (const auto& s : sel.subjects)
    if (!subjects.count(s))
      throw Error(folder, "unknown Human3.6M subject '" + s + "' (subjects with data: " + join_set(subjects) + ")");
  for (const auto& a : sel.actions)
    if (!actions.count(a)) {
      std::set<std::string> bases;
      for (const auto& x : actions) bases.insert(action_base(x));
      throw Error(folder, "unknown Human3.6M action '" + a + "' (known: " + join_set(bases) + ", or a trial like Walking_1)");
    }

  auto wanted = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  std::vector<Item> chosen;
  for (const auto& it : all) {
    if (!wanted(sel.subjects, it.subject)) continue;
    if (!sel.actions.empty() && !wanted(sel.actions, it.action) && !wanted(sel.actions, action_base(it.action))) continue;
    if (from_detections && !wanted(sel.cameras, it.camera)) continue;
    chosen.push_back(it);
  }
  if (chosen.empty())
    throw Error(folder, "no Human3.6M sequence matches subject=" + join(sel.subjects, ",") + " action=" +
                            join(sel.actions, ",") + " camera=" + join(sel.cameras, ","));
  std::sort(chosen.begin(), chosen.end());

  std::vector<std::string> members;
  for (const auto& it : chosen) members.push_back(it.member);
  const NpzMembers data = read_npz(data_file, members);

  auto find_camera = [&](const std::string& subject, const std::string& name) -> const H36mCamera& {
    for (const auto& c : cams)
      if (c.subject == subject && c.name == name) return c;
    throw Error(cam_file, "no calibration for subject " + subject + ", camera " + name);
  };
  std::vector<std::string> seq_cameras = sel.cameras;
  if (seq_cameras.empty())
    for (const auto& c : cams)
      if (std::find(seq_cameras.begin(), seq_cameras.end(), c.name) == seq_cameras.end()) seq_cameras.push_back(c.name);
  std::sort(seq_cameras.begin(), seq_cameras.end());

  const SkeletonPtr h36m17 = get_skeleton("h36m17");
  const SkeletonPtr mpii16 = get_skeleton("mpii16");
  if (h36m17->num_joints() != kGtJoints || mpii16->num_joints() != kDetJoints)
    throw Error("h36m", "skeleton registry: h36m17/mpii16 do not have 17/16 joints");

  Tracks out;
  for (const auto& it : chosen) {
    int64_t frames = 0;
    const std::string key = it.subject + "__" + it.action;
    if (from_detections) {
      const auto v = member_poses(data, data_file, it.member, kDetJoints, 2, frames);
      PoseSequence seq(mpii16, static_cast<int>(frames), 2);
      seq.keypoints = v;
      seq.fps = kFps;
      seq.units = "px";
      seq.image_size = camera_size(it.camera);
      seq.name = it.member;
      seq.validate(data_file + ": " + it.member);
      out.push_back(std::move(seq));
      continue;
    }
    const auto world = member_poses(data, data_file, it.member, kGtJoints, 3, frames);
    const int F = static_cast<int>(frames);
    if (kind == "gt3d") {
      PoseSequence seq(h36m17, F, 3);
      seq.keypoints = world;
      seq.fps = kFps;
      seq.units = "mm";
      seq.name = key;
      seq.validate(data_file + ": " + it.member);
      out.push_back(std::move(seq));
      continue;
    }
    for (const auto& cam_name : seq_cameras) {
      const H36mCamera& cam = find_camera(it.subject, cam_name);
      PoseSequence seq;
      const int n = F * kGtJoints;
      if (kind == "gt3d_camera") {
        seq = PoseSequence(h36m17, F, 3);
        world_to_camera(cam, world.data(), n, seq.keypoints.data());
        seq.units = "mm";
      } else {
        std::vector<float> uv(static_cast<size_t>(n) * 2);
        project_h36m(cam, world.data(), n, uv.data());
        if (kind == "gt2d") {
          seq = PoseSequence(h36m17, F, 2);
          seq.keypoints = std::move(uv);
        } else {  // gt2d_mpii
          seq = PoseSequence(mpii16, F, 2);
          for (int t = 0; t < F; ++t)
            for (int j = 0; j < kDetJoints; ++j)
              for (int d = 0; d < 2; ++d)
                seq.at(t, j, d) = uv[(static_cast<size_t>(t) * kGtJoints + kMpiiFromH36m[j]) * 2 + d];
        }
        seq.units = "px";
      }
      seq.fps = kFps;
      seq.image_size = std::array<int, 2>{cam.width, cam.height};
      seq.name = key + "__" + cam_name;
      seq.validate(data_file + ": " + it.member);
      out.push_back(std::move(seq));
    }
  }
  return out;
}

Format h36m_format() {
  Format f;
  f.name = "h36m";
  f.description = "Human3.6M folder: gt 3D, projected gt 2D, SH detections (params subject= action= camera= kind=)";
  f.extensions = {};
  f.is_folder = true;
  f.sniff = [](const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec) && fs::is_regular_file(fs::path(path) / kCamerasFile, ec);
  };
  f.read = [](const std::string& path, const ReadOptions& options) {
    H36mSelection sel;
    auto list = [](const std::string& v) {
      std::vector<std::string> out;
      for (auto& s : split(v, ","))
        if (!s.empty()) out.push_back(s);
      return out;
    };
    for (const auto& [key, value] : options.params) {
      if (key == "subject" || key == "subjects") sel.subjects = list(value);
      else if (key == "action" || key == "actions") sel.actions = list(value);
      else if (key == "camera" || key == "cameras") sel.cameras = list(value);
      else if (key == "kind") sel.kind = value;
      else throw Error(path, "unknown option '" + key + "' for Human3.6M (known: subject=, action=, camera=, kind=)");
    }
    Tracks tracks = read_h36m(path, sel);
    if (options.fps > 0)
      for (auto& t : tracks) t.fps = options.fps;
    return tracks;
  };
  return f;
}

}  // namespace kinepose
