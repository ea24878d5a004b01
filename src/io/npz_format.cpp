// kinepose's own .npz exchange format: plain .npy members (stored or deflated, never pickles), so
// that `numpy.load(path)` gives the arrays directly.
//
//   keypoints   float32 (T, J, D)  — or (P, T, J, D) for P tracks (frames aligned, NaN = missing)
//   track_ids   int64 (P,)         — with the 4-d layout (also written for one track with an id)
//   scores      float32 (T, J) / (P, T, J)      optional per-joint confidence
//   skeleton    unicode scalar     registry name: "coco17", "h36m17", "mpii16", ...
//   fps         float64 scalar     0 = unknown
//   image_size  int64 (2,)         optional (width, height) in pixels
//   units       unicode scalar     optional "px", "mm" or "m"
// Extras beyond the exchange format proper:
//   joint_names    unicode (J,)   with skeleton "custom": a file-defined skeleton (e.g. from BVH/AMC)
//   joint_parents  int64 (J,)     its parent indices (-1 = root)
//   joint_symmetry int64 (K, 2)   its (left, right) pairs
//   boxes       float32 (T, 5) / (P, T, 5)      optional [x1, y1, x2, y2, score] per frame
//   name        unicode scalar (shared by all tracks) or (P,) array (one per track)
//
// Several tracks share T: shorter ones are padded with NaN keypoints (score 0, NaN box). Tracks
// without scores/boxes next to tracks that have them are written as all-NaN scores/boxes, which
// the reader turns back into "none" — the one place NaN scores are allowed.
#include <algorithm>
#include <cmath>
#include <limits>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/npy.h"

namespace kinepose {

namespace {

constexpr int64_t kMaxFrames = 10'000'000;
constexpr int64_t kMaxTracks = 100'000;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "(";
  for (size_t k = 0; k < s.size(); ++k) out += (k ? ", " : "") + std::to_string(s[k]);
  if (s.size() == 1) out += ",";
  return out + ")";
}

bool all_nan(const float* p, size_t n) {
  for (size_t k = 0; k < n; ++k)
    if (!std::isnan(p[k])) return false;
  return true;
}

SkeletonPtr lookup_skeleton(const std::string& name, const std::string& path) {
  try {
    return get_skeleton(name);
  } catch (const Error& e) {
    throw Error(path, e.detail());  // already "unknown skeleton 'x' (known: ...)"
  }
}

// Skeletons that are not in the registry (BVH / ASF-AMC files define their own) travel as
// skeleton = "custom" plus their joint names, parents and left/right pairs.
constexpr const char* kCustomSkeleton = "custom";

SkeletonPtr read_custom_skeleton(const NpzMembers& m, const std::string& path) {
  for (const char* k : {"joint_names", "joint_parents"})
    if (!m.count(k)) throw Error(path, std::string("skeleton 'custom' needs a '") + k + "' array");
  auto skel = std::make_shared<Skeleton>();
  skel->description = "file-defined skeleton from " + path;
  skel->joints = m.at("joint_names").to_strings(path + ":joint_names");
  const NpyArray& par = m.at("joint_parents");
  if (par.shape.size() != 1 || par.shape[0] != static_cast<int64_t>(skel->joints.size()))
    throw Error(path + ":joint_parents", "expected shape (" + std::to_string(skel->joints.size()) + ",), got " + shape_str(par.shape));
  for (int64_t v : par.to_int64(path + ":joint_parents")) skel->parents.push_back(static_cast<int>(v));
  if (m.count("joint_symmetry")) {
    const NpyArray& sym = m.at("joint_symmetry");
    if (sym.shape.size() != 2 || sym.shape[1] != 2)
      throw Error(path + ":joint_symmetry", "expected shape (K, 2), got " + shape_str(sym.shape));
    const auto v = sym.to_int64(path + ":joint_symmetry");
    for (size_t k = 0; k + 1 < v.size(); k += 2) skel->symmetry.emplace_back(static_cast<int>(v[k]), static_cast<int>(v[k + 1]));
  }
  try {
    skel->validate();
  } catch (const Error& e) {
    throw Error(path, "custom skeleton: " + e.detail());
  }
  return skel;
}

Tracks read_npz_poses(const std::string& path, const ReadOptions& options) {
  for (const auto& [key, value] : options.params)
    throw Error(path, "unknown option '" + key + "' for the npz format (it takes none)");
  const auto names = list_npz(path);
  auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (!has("keypoints")) throw Error(path, "no 'keypoints' array: not a kinepose pose .npz");
  std::vector<std::string> wanted = {"keypoints"};
  for (const char* opt : {"scores", "skeleton", "fps", "image_size", "units", "track_ids", "boxes", "name",
                          "joint_names", "joint_parents", "joint_symmetry"})
    if (has(opt)) wanted.push_back(opt);
  NpzMembers m = read_npz(path, wanted);
  auto where = [&](const std::string& member) { return path + ":" + member; };

  // Skeleton: the override wins (files from other tools may not say, or say it differently).
  std::string skel_name = options.skeleton;
  if (skel_name.empty()) {
    if (!m.count("skeleton")) throw Error(path, "no 'skeleton' array and no skeleton given (use --skeleton)");
    skel_name = m.at("skeleton").to_string(where("skeleton"));
  }
  const SkeletonPtr skel = skel_name == kCustomSkeleton ? read_custom_skeleton(m, path) : lookup_skeleton(skel_name, path);

  const NpyArray& kp = m.at("keypoints");
  const bool multi = kp.shape.size() == 4;
  if (kp.shape.size() != 3 && !multi)
    throw Error(where("keypoints"), "expected shape (T, J, D) or (P, T, J, D), got " + shape_str(kp.shape));
  const int64_t P = multi ? kp.shape[0] : 1;
  const int64_t T = kp.shape[multi ? 1 : 0], J = kp.shape[multi ? 2 : 1], D = kp.shape[multi ? 3 : 2];
  if (multi && P < 1) throw Error(where("keypoints"), "no tracks (P = 0)");
  if (P > kMaxTracks) throw Error(where("keypoints"), "absurd track count " + std::to_string(P));
  if (T < 1) throw Error(where("keypoints"), "empty sequence (0 frames)");
  if (T > kMaxFrames) throw Error(where("keypoints"), "absurd frame count " + std::to_string(T));
  if (J != skel->num_joints())
    throw Error(path, "keypoints have " + std::to_string(J) + " joints but skeleton " + skel->name + " has " +
                          std::to_string(skel->num_joints()));
  if (D != 2 && D != 3) throw Error(where("keypoints"), "last dimension must be 2 or 3 coordinates, got " + std::to_string(D));
  const std::vector<float> kpv = kp.to_float32(where("keypoints"));
  const size_t per_track = static_cast<size_t>(T * J * D);
  for (size_t i = 0; i < kpv.size(); ++i)
    if (std::isinf(kpv[i])) {
      const size_t p = i / per_track, t = (i % per_track) / (J * D), j = (i / D) % J;
      throw Error(where("keypoints"), "infinite value at " + (multi ? "track " + std::to_string(p) + ", " : std::string()) +
                                          "frame " + std::to_string(t) + ", joint " + skel->joints[j]);
    }

  std::vector<int64_t> ids;
  if (m.count("track_ids")) {
    const NpyArray& a = m.at("track_ids");
    if (a.shape != std::vector<int64_t>{P})
      throw Error(where("track_ids"), "expected shape (" + std::to_string(P) + ",), got " + shape_str(a.shape));
    ids = a.to_int64(where("track_ids"));
  } else if (multi) {
    for (int64_t p = 0; p < P; ++p) ids.push_back(p);  // files from other tools: index = id
  }

  std::vector<float> scores;
  if (m.count("scores")) {
    const NpyArray& a = m.at("scores");
    std::vector<int64_t> expect = multi ? std::vector<int64_t>{P, T, J} : std::vector<int64_t>{T, J};
    if (a.shape != expect) throw Error(where("scores"), "expected shape " + shape_str(expect) + ", got " + shape_str(a.shape));
    scores = a.to_float32(where("scores"));
    for (int64_t p = 0; p < P; ++p) {
      const float* s = scores.data() + p * T * J;
      if (all_nan(s, static_cast<size_t>(T * J))) continue;  // this track has no scores
      for (int64_t i = 0; i < T * J; ++i)
        if (!std::isfinite(s[i]))
          throw Error(where("scores"), "non-finite confidence at " + (multi ? "track " + std::to_string(p) + ", " : std::string()) +
                                           "frame " + std::to_string(i / J) + ", joint " + skel->joints[i % J]);
    }
  }

  std::vector<float> boxes;
  if (m.count("boxes")) {
    const NpyArray& a = m.at("boxes");
    std::vector<int64_t> expect = multi ? std::vector<int64_t>{P, T, 5} : std::vector<int64_t>{T, 5};
    if (a.shape != expect) throw Error(where("boxes"), "expected shape " + shape_str(expect) + ", got " + shape_str(a.shape));
    boxes = a.to_float32(where("boxes"));
    for (size_t i = 0; i < boxes.size(); ++i)
      if (std::isinf(boxes[i])) throw Error(where("boxes"), "infinite value at frame " + std::to_string((i / 5) % T));
  }

  double fps = 0.0;
  if (m.count("fps")) {
    const NpyArray& a = m.at("fps");
    if (a.size() != 1) throw Error(where("fps"), "expected a scalar, got shape " + shape_str(a.shape));
    fps = a.to_float64(where("fps")).front();
    if (!(std::isfinite(fps) && fps >= 0)) throw Error(where("fps"), "must be finite and >= 0, got " + std::to_string(fps));
  }
  if (options.fps > 0) fps = options.fps;

  std::optional<std::array<int, 2>> image_size;
  if (m.count("image_size")) {
    const NpyArray& a = m.at("image_size");
    if (a.size() != 2 || a.shape.size() != 1) throw Error(where("image_size"), "expected shape (2,) = (width, height), got " + shape_str(a.shape));
    const auto v = a.to_int64(where("image_size"));
    if (v[0] <= 0 || v[1] <= 0 || v[0] > 100000 || v[1] > 100000)
      throw Error(where("image_size"), "absurd image size " + std::to_string(v[0]) + "x" + std::to_string(v[1]));
    image_size = std::array<int, 2>{static_cast<int>(v[0]), static_cast<int>(v[1])};
  }

  std::string units;
  if (m.count("units")) {
    units = m.at("units").to_string(where("units"));
    if (units != "px" && units != "mm" && units != "m" && !units.empty())
      throw Error(where("units"), "unknown units '" + units + "' (expected px, mm or m)");
  }

  std::vector<std::string> seq_names(static_cast<size_t>(P));
  if (m.count("name")) {
    const NpyArray& a = m.at("name");
    if (a.shape.empty()) std::fill(seq_names.begin(), seq_names.end(), a.to_string(where("name")));
    else if (a.shape == std::vector<int64_t>{P}) seq_names = a.to_strings(where("name"));
    else throw Error(where("name"), "expected a string scalar or shape (" + std::to_string(P) + ",), got " + shape_str(a.shape));
  }

  Tracks tracks;
  for (int64_t p = 0; p < P; ++p) {
    PoseSequence seq;
    seq.skeleton = skel;
    seq.frames = static_cast<int>(T);
    seq.dims = static_cast<int>(D);
    seq.keypoints.assign(kpv.begin() + p * per_track, kpv.begin() + (p + 1) * per_track);
    if (!scores.empty()) {
      const auto* s = scores.data() + p * T * J;
      if (!all_nan(s, static_cast<size_t>(T * J))) seq.scores.assign(s, s + T * J);
    }
    if (!boxes.empty()) {
      const float* b = boxes.data() + p * T * 5;
      if (!all_nan(b, static_cast<size_t>(T * 5)))
        for (int64_t t = 0; t < T; ++t)
          seq.boxes.push_back({b[t * 5], b[t * 5 + 1], b[t * 5 + 2], b[t * 5 + 3], b[t * 5 + 4]});
    }
    seq.fps = fps;
    seq.image_size = image_size;
    seq.units = units;
    if (!ids.empty()) seq.track_id = ids[static_cast<size_t>(p)];
    seq.name = seq_names[static_cast<size_t>(p)];
    seq.validate(path);
    tracks.push_back(std::move(seq));
  }
  return tracks;
}

void write_npz_poses(const std::string& path, const Tracks& tracks, const WriteOptions& options) {
  if (tracks.empty()) throw Error(path, "nothing to write (no pose sequence)");
  const PoseSequence& first = tracks.front();
  for (const auto& t : tracks) t.validate(path);
  if (!first.skeleton) throw Error(path, "pose sequence has no skeleton");
  const bool custom = first.skeleton->name.empty();
  int T = 0;
  bool any_scores = false, any_boxes = false;
  for (size_t p = 0; p < tracks.size(); ++p) {
    const PoseSequence& s = tracks[p];
    const std::string which = "track " + std::to_string(p) + ": ";
    const bool same_skeleton = custom ? (s.skeleton->joints == first.skeleton->joints && s.skeleton->parents == first.skeleton->parents)
                                      : s.skeleton->name == first.skeleton->name;
    if (!same_skeleton)
      throw Error(path, which + "skeleton " + (s.skeleton->name.empty() ? "custom" : s.skeleton->name) + " differs from " +
                            (custom ? "custom" : first.skeleton->name) + " (one skeleton per file)");
    if (s.dims != first.dims) throw Error(path, which + "tracks mix 2D and 3D keypoints");
    if (s.fps != first.fps) throw Error(path, which + "tracks disagree on fps (" + std::to_string(s.fps) + " vs " + std::to_string(first.fps) + ")");
    if (s.image_size != first.image_size) throw Error(path, which + "tracks disagree on image size");
    if (s.units != first.units) throw Error(path, which + "tracks disagree on units ('" + s.units + "' vs '" + first.units + "')");
    T = std::max(T, s.frames);
    any_scores = any_scores || s.has_scores();
    any_boxes = any_boxes || s.has_boxes();
  }
  const bool multi = tracks.size() > 1 || first.track_id.has_value();
  const int64_t P = static_cast<int64_t>(tracks.size());
  const int64_t J = first.joints(), D = first.dims;

  std::vector<float> kp(static_cast<size_t>(P * T * J * D), kNaN);
  std::vector<float> sc(any_scores ? static_cast<size_t>(P * T * J) : 0, 0.0f);
  std::vector<float> bx(any_boxes ? static_cast<size_t>(P * T * 5) : 0, kNaN);
  std::vector<int64_t> ids;
  for (int64_t p = 0; p < P; ++p) {
    const PoseSequence& s = tracks[static_cast<size_t>(p)];
    std::copy(s.keypoints.begin(), s.keypoints.end(), kp.begin() + p * T * J * D);
    if (any_scores) {
      if (s.has_scores()) std::copy(s.scores.begin(), s.scores.end(), sc.begin() + p * T * J);
      else std::fill(sc.begin() + p * T * J, sc.begin() + (p + 1) * T * J, kNaN);
    }
    if (any_boxes)
      for (size_t t = 0; t < s.boxes.size(); ++t) {
        const BoundingBox& b = s.boxes[t];
        float* out = bx.data() + (p * T + static_cast<int64_t>(t)) * 5;
        out[0] = b.x1, out[1] = b.y1, out[2] = b.x2, out[3] = b.y2, out[4] = b.score;
      }
    ids.push_back(s.track_id.value_or(p));
  }

  NpzMembers m;
  if (multi) {
    m["keypoints"] = NpyArray::from_float32(kp, {P, T, J, D});
    m["track_ids"] = NpyArray::from_int64(ids, {P});
    if (any_scores) m["scores"] = NpyArray::from_float32(sc, {P, T, J});
    if (any_boxes) m["boxes"] = NpyArray::from_float32(bx, {P, T, 5});
  } else {
    m["keypoints"] = NpyArray::from_float32(kp, {T, J, D});
    if (any_scores) m["scores"] = NpyArray::from_float32(sc, {T, J});
    if (any_boxes) m["boxes"] = NpyArray::from_float32(bx, {T, 5});
  }
  m["skeleton"] = NpyArray::from_string(custom ? kCustomSkeleton : first.skeleton->name);
  if (custom) {
    const Skeleton& sk = *first.skeleton;
    m["joint_names"] = NpyArray::from_strings(sk.joints);
    m["joint_parents"] = NpyArray::from_int64(std::vector<int64_t>(sk.parents.begin(), sk.parents.end()),
                                              {static_cast<int64_t>(sk.parents.size())});
    std::vector<int64_t> sym;
    for (const auto& [l, r] : sk.symmetry) {
      sym.push_back(l);
      sym.push_back(r);
    }
    m["joint_symmetry"] = NpyArray::from_int64(sym, {static_cast<int64_t>(sk.symmetry.size()), 2});
  }
  m["fps"] = NpyArray::from_float64({first.fps}, {});
  if (first.image_size) m["image_size"] = NpyArray::from_int64({(*first.image_size)[0], (*first.image_size)[1]}, {2});
  if (!first.units.empty()) m["units"] = NpyArray::from_string(first.units);
  bool same_name = true, any_name = false;
  std::vector<std::string> names;
  for (const auto& s : tracks) {
    same_name = same_name && s.name == first.name;
    any_name = any_name || !s.name.empty();
    names.push_back(s.name);
  }
  if (any_name) m["name"] = same_name ? NpyArray::from_string(first.name) : NpyArray::from_strings(names);
  write_npz(path, m, options.compress);
}

bool sniff_npz(const std::string& path) {
  if (extension_of(path) != ".npz") return false;
  try {
    const auto names = list_npz(path);
    return std::find(names.begin(), names.end(), "keypoints") != names.end();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

Format npz_format() {
  Format f;
  f.name = "npz";
  f.description = "kinepose NumPy .npz: keypoints (T,J,D) or (P,T,J,D), scores, skeleton, fps, image_size, units";
  f.extensions = {".npz"};
  f.sniff = sniff_npz;
  f.read = read_npz_poses;
  f.write = write_npz_poses;
  return f;
}

}  // namespace kinepose
