// The metrics of include/kinepose/metrics.h. Definitions and the conventions chosen where the
// literature differs: docs/metrics.md (keep the two in step).
#include "kinepose/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "kinepose/error.h"

namespace kinepose {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string skeleton_label(const PoseSequence& s) {
  if (!s.skeleton) return "(none)";
  return (s.skeleton->name.empty() ? std::string("file-defined") : s.skeleton->name) + " (" +
         std::to_string(s.joints()) + " joints)";
}

std::string format_alpha(double a) {
  std::ostringstream os;
  os << a;
  return os.str();
}

// Running sums behind one Metric: per joint, per sequence and overall. Pooled metrics add every
// (frame, joint) term everywhere (both()); frame-averaged metrics add (frame, joint) terms to the
// joint breakdown and one per-frame mean to the sequence / overall sums.
struct Acc {
  std::vector<double> joint_sum;
  std::vector<int64_t> joint_n;
  std::vector<double> seq_sum;
  std::vector<int64_t> seq_n;
  double sum = 0;
  int64_t n = 0;

  void init(int joints) {
    joint_sum.assign(joints, 0.0);
    joint_n.assign(joints, 0);
  }
  void begin_sequence() {
    seq_sum.push_back(0.0);
    seq_n.push_back(0);
  }
  void joint(int j, double v) {
    joint_sum[j] += v;
    ++joint_n[j];
  }
  void total(double v) {
    seq_sum.back() += v;
    ++seq_n.back();
    sum += v;
    ++n;
  }
  void both(int j, double v) {
    joint(j, v);
    total(v);
  }
  Metric finish(const std::string& key, const std::string& label, const std::string& units) const {
    Metric m;
    m.key = key;
    m.label = label;
    m.units = units;
    m.count = n;
    m.value = n ? sum / static_cast<double>(n) : kNaN;
    for (size_t j = 0; j < joint_sum.size(); ++j) {
      m.per_joint.push_back(joint_n[j] ? joint_sum[j] / static_cast<double>(joint_n[j]) : kNaN);
      m.per_joint_count.push_back(joint_n[j]);
    }
    for (size_t s = 0; s < seq_sum.size(); ++s) {
      m.per_sequence.push_back(seq_n[s] ? seq_sum[s] / static_cast<double>(seq_n[s]) : kNaN);
      m.per_sequence_count.push_back(seq_n[s]);
    }
    return m;
  }
};

// PCK at one alpha: hits and tests per (sequence, joint); a (sequence, joint) rate is hits / tests,
// and every average is over (sequence, joint) rates so each sequence weighs the same.
struct PckAcc {
  std::vector<std::vector<int64_t>> hits, tests;  // [sequence][joint]

  void begin_sequence(int joints) {
    hits.emplace_back(joints, 0);
    tests.emplace_back(joints, 0);
  }
  void add(int j, bool hit) {
    ++tests.back()[j];
    hits.back()[j] += hit ? 1 : 0;
  }
  Metric finish(const std::string& key, const std::string& label, int joints) const {
    Metric m;
    m.key = key;
    m.label = label;
    m.units = "fraction";
    const size_t S = hits.size();
    std::vector<double> jsum(joints, 0.0);
    std::vector<int64_t> jn(joints, 0), jtests(joints, 0);
    double sum = 0;
    int64_t pairs = 0;
    for (size_t s = 0; s < S; ++s) {
      double ssum = 0;
      int64_t sn = 0, stests = 0;
      for (int j = 0; j < joints; ++j) {
        if (!tests[s][j]) continue;
        const double rate = static_cast<double>(hits[s][j]) / static_cast<double>(tests[s][j]);
        ssum += rate;
        ++sn;
        stests += tests[s][j];
        jsum[j] += rate;
        ++jn[j];
        jtests[j] += tests[s][j];
        sum += rate;
        ++pairs;
        m.count += tests[s][j];
      }
      m.per_sequence.push_back(sn ? ssum / static_cast<double>(sn) : kNaN);
      m.per_sequence_count.push_back(stests);
    }
    for (int j = 0; j < joints; ++j) {
      m.per_joint.push_back(jn[j] ? jsum[j] / static_cast<double>(jn[j]) : kNaN);
      m.per_joint_count.push_back(jtests[j]);
    }
    m.value = pairs ? sum / static_cast<double>(pairs) : kNaN;
    return m;
  }
};

double median_of(std::vector<float> v) {
  if (v.empty()) return kNaN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double hi = v[mid];
  if (v.size() % 2) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + mid);
  return 0.5 * (lo + hi);
}

// The root of root-relative coordinates: the mean of `joints` (empty = no root subtraction).
struct Root {
  std::vector<int> joints;
  std::string description;
};

Root resolve_root(const Skeleton& skel, const std::string& spec) {
  auto hip_mid = [&]() -> Root {
    int l = skel.find("left_hip"), r = skel.find("right_hip");
    if (l < 0 || r < 0)
      throw Error("root", "skeleton " + (skel.name.empty() ? std::string("(file-defined)") : skel.name) +
                              " has no left_hip/right_hip for a hip-midpoint root; pass --root JOINT or --root none");
    return {{l, r}, "mid(left_hip, right_hip)"};
  };
  const std::string s = spec;
  if (s == "none") return {{}, "none"};
  if (s == "hip_mid" || s == "mid_hips" || s == "hips") return hip_mid();
  if (!s.empty()) return {{skel.index_of(s)}, s};
  for (const char* name : {"pelvis", "mid_hip", "smpl_pelvis"}) {
    int i = skel.find(name);
    if (i >= 0) return {{i}, name};
  }
  if (skel.find("left_hip") >= 0 && skel.find("right_hip") >= 0) return hip_mid();
  return {{}, "none"};
}

// Coordinates in double, root-relative when a root is given, with a per-(frame, joint) presence
// mask (present = the joint and, if any, the root are present).
struct Coords {
  int T = 0, J = 0, D = 0;
  std::vector<double> x;     // T * J * D
  std::vector<char> ok;      // T * J
  std::vector<char> root_ok; // T

  const double* at(int t, int j) const { return x.data() + (static_cast<size_t>(t) * J + j) * D; }
  bool valid(int t, int j) const { return ok[static_cast<size_t>(t) * J + j] != 0; }
};

Coords make_coords(const PoseSequence& s, const Root& root) {
  Coords c;
  c.T = s.frames;
  c.J = s.joints();
  c.D = s.dims;
  c.x.assign(static_cast<size_t>(c.T) * c.J * c.D, kNaN);
  c.ok.assign(static_cast<size_t>(c.T) * c.J, 0);
  c.root_ok.assign(c.T, 1);
  for (int t = 0; t < c.T; ++t) {
    double r[3] = {0, 0, 0};
    for (int rj : root.joints) {
      if (s.missing(t, rj)) c.root_ok[t] = 0;
      for (int d = 0; d < c.D; ++d) r[d] += s.at(t, rj, d);
    }
    if (!root.joints.empty())
      for (int d = 0; d < c.D; ++d) r[d] /= static_cast<double>(root.joints.size());
    if (!c.root_ok[t]) continue;
    for (int j = 0; j < c.J; ++j) {
      if (s.missing(t, j)) continue;
      c.ok[static_cast<size_t>(t) * c.J + j] = 1;
      double* out = c.x.data() + (static_cast<size_t>(t) * c.J + j) * c.D;
      for (int d = 0; d < c.D; ++d) out[d] = s.at(t, j, d) - r[d];
    }
  }
  return c;
}

double dist(const double* a, const double* b, int D) {
  double s = 0;
  for (int d = 0; d < D; ++d) s += (a[d] - b[d]) * (a[d] - b[d]);
  return std::sqrt(s);
}

// Frame-averaged second-difference norm: for t = 1..T-2, the mean over joints j with `use(t, j)`
// of ||dd(t, j)||, where dd = second difference of x (minus that of `ref` when given). Frames
// without any usable joint contribute nothing.
template <typename Use>
void second_difference(const Coords& x, const Coords* ref, Use use, Acc& acc) {
  const int D = x.D;
  for (int t = 1; t + 1 < x.T; ++t) {
    double frame_sum = 0;
    int frame_n = 0;
    for (int j = 0; j < x.J; ++j) {
      if (!use(t, j)) continue;
      double s = 0;
      for (int d = 0; d < D; ++d) {
        double a = x.at(t - 1, j)[d] - 2 * x.at(t, j)[d] + x.at(t + 1, j)[d];
        if (ref) a -= ref->at(t - 1, j)[d] - 2 * ref->at(t, j)[d] + ref->at(t + 1, j)[d];
        s += a * a;
      }
      const double e = std::sqrt(s);
      acc.joint(j, e);
      frame_sum += e;
      ++frame_n;
    }
    if (frame_n) acc.total(frame_sum / frame_n);
  }
}

bool triple_ok(const Coords& c, int t, int j) { return c.valid(t - 1, j) && c.valid(t, j) && c.valid(t + 1, j); }

std::string effective_units(const PoseSequence& pred, const PoseSequence& gt) {
  return gt.units.empty() ? pred.units : gt.units;
}

}  // namespace

// ---- MetricsReport ---------------------------------------------------------------------------------

std::vector<const Metric*> MetricsReport::metrics() const {
  std::vector<const Metric*> out;
  auto add = [&](const Metric& m) {
    if (!m.key.empty()) out.push_back(&m);
  };
  add(error_2d);
  add(median_error_2d);
  for (const auto& m : pck_box) add(m);
  for (const auto& m : pck_torso) add(m);
  add(mpjpe);
  add(pa_mpjpe);
  add(n_mpjpe);
  add(mpjve);
  add(accel_error);
  add(jitter_pred);
  add(jitter_gt);
  return out;
}

const Metric& MetricsReport::get(const std::string& key) const {
  std::string keys;
  for (const Metric* m : metrics()) {
    if (m->key == key) return *m;
    keys += (keys.empty() ? "" : ", ") + m->key;
  }
  throw Error("metrics", "no metric '" + key + "' in this report (have: " + keys + ")");
}

// ---- Evaluator ------------------------------------------------------------------------------------

struct Evaluator::State {
  bool started = false;
  SkeletonPtr skeleton;
  std::vector<std::string> joint_names;
  int dims = 0;
  std::string units;
  Root root;
  int torso_a = -1, torso_b = -1;  // left_shoulder, right_hip

  std::vector<SequenceStats> sequences;
  Acc error_2d, mpjpe, pa_mpjpe, n_mpjpe, mpjve, accel, jitter_pred, jitter_gt;
  std::vector<float> errors_2d;                     // every (frame, joint) 2D error, for the median
  std::vector<std::vector<float>> errors_2d_joint;  // per joint
  std::vector<double> median_seq;
  std::vector<int64_t> median_seq_n;
  std::vector<PckAcc> pck_box, pck_torso;
};

Evaluator::Evaluator(MetricsOptions options) : options_(std::move(options)), state_(std::make_unique<State>()) {
  for (double a : options_.pck_alphas)
    if (!(a > 0 && std::isfinite(a))) throw Error("pck alphas", "alpha must be a positive number, got " + format_alpha(a));
}
Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

int Evaluator::sequences() const { return static_cast<int>(state_->sequences.size()); }

void Evaluator::add(const PoseSequence& pred, const PoseSequence& gt, const std::string& name_in,
                    const std::string& where_in) {
  const std::string name = name_in.empty() ? (gt.name.empty() ? "sequence " + std::to_string(sequences()) : gt.name)
                                           : name_in;
  const std::string where = where_in.empty() ? name : where_in;
  State& st = *state_;

  // ---- checks: everything that can fail happens before any accumulator changes ----
  if (gt.frames <= 0) throw Error(where, "ground truth is empty (0 frames)");
  if (pred.frames <= 0) throw Error(where, "prediction is empty (0 frames)");
  gt.validate(where);
  pred.validate(where);
  if (pred.joints() != gt.joints() || pred.skeleton->joints != gt.skeleton->joints)
    throw Error(where, "skeleton mismatch: prediction " + skeleton_label(pred) + ", ground truth " + skeleton_label(gt) +
                           " (convert one with `kinepose convert --to-skeleton`)");
  if (pred.dims != gt.dims)
    throw Error(where, "dimension mismatch: prediction is " + std::to_string(pred.dims) + "D, ground truth " +
                           std::to_string(gt.dims) + "D");
  if (pred.frames != gt.frames)
    throw Error(where, "frame count mismatch: prediction has " + std::to_string(pred.frames) +
                           " frames, ground truth has " + std::to_string(gt.frames));
  if (!pred.units.empty() && !gt.units.empty() && pred.units != gt.units)
    throw Error(where, "units mismatch: prediction in " + pred.units + ", ground truth in " + gt.units);
  const std::string units = effective_units(pred, gt);
  if (st.started) {
    if (gt.skeleton->joints != st.joint_names)
      throw Error(where, "skeleton " + skeleton_label(gt) + " differs from the earlier sequences' " +
                             (st.skeleton->name.empty() ? std::string("file-defined") : st.skeleton->name));
    if (gt.dims != st.dims)
      throw Error(where, std::to_string(gt.dims) + "D, but the earlier sequences are " + std::to_string(st.dims) + "D");
    if (!units.empty() && !st.units.empty() && units != st.units)
      throw Error(where, "units " + units + " differ from the earlier sequences' " + st.units);
  }
  const int T = gt.frames, J = gt.joints(), D = gt.dims;
  int64_t gt_present = 0, pred_present = 0, gt_missing = 0, pred_missing = 0;
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < J; ++j) {
      const bool g = !gt.missing(t, j), p = !pred.missing(t, j);
      gt_present += g;
      pred_present += p;
      gt_missing += !g;
      if (g && !p) {
        ++pred_missing;
        if (options_.strict)
          throw Error(where, "prediction missing at frame " + std::to_string(t) + ", joint " + gt.skeleton->joints[j] +
                                 " where the ground truth is present (strict mode)");
      }
    }
  if (!gt_present) throw Error(where, "ground truth is entirely missing (all NaN)");
  if (!pred_present) throw Error(where, "prediction is entirely missing (all NaN)");
  const Root root = st.started ? st.root : (D == 3 ? resolve_root(*gt.skeleton, options_.root) : Root{{}, "none"});

  // ---- first sequence fixes the layout ----
  if (!st.started) {
    st.started = true;
    st.skeleton = gt.skeleton;
    st.joint_names = gt.skeleton->joints;
    st.dims = D;
    st.root = root;
    st.torso_a = gt.skeleton->find("left_shoulder");
    st.torso_b = gt.skeleton->find("right_hip");
    for (Acc* a : {&st.error_2d, &st.mpjpe, &st.pa_mpjpe, &st.n_mpjpe, &st.mpjve, &st.accel, &st.jitter_pred, &st.jitter_gt})
      a->init(J);
    st.errors_2d_joint.assign(J, {});
    st.pck_box.assign(options_.pck_alphas.size(), {});
    st.pck_torso.assign(options_.pck_alphas.size(), {});
  }
  if (st.units.empty()) st.units = units;

  for (Acc* a : {&st.error_2d, &st.mpjpe, &st.pa_mpjpe, &st.n_mpjpe, &st.mpjve, &st.accel, &st.jitter_pred, &st.jitter_gt})
    a->begin_sequence();
  for (auto& p : st.pck_box) p.begin_sequence(J);
  for (auto& p : st.pck_torso) p.begin_sequence(J);

  const Coords G = make_coords(gt, root), P = make_coords(pred, root);
  SequenceStats stats;
  stats.name = name;
  stats.frames = T;
  stats.entries = static_cast<int64_t>(T) * J;
  stats.gt_missing = gt_missing;
  stats.pred_missing = pred_missing;
  if (!root.joints.empty())
    for (int t = 0; t < T; ++t) stats.root_missing_frames += !(G.root_ok[t] && P.root_ok[t]);
  auto both_ok = [&](int t, int j) { return G.valid(t, j) && P.valid(t, j); };

  if (D == 2) {
    std::vector<float> seq_errors;
    for (int t = 0; t < T; ++t) {
      // Reference sizes of this frame: the ground-truth box (file, else keypoint extent) and torso.
      double box_size = kNaN;
      if (gt.has_boxes()) {
        const BoundingBox& b = gt.boxes[t];
        if (!std::isnan(b.x1) && !std::isnan(b.y1) && !std::isnan(b.x2) && !std::isnan(b.y2))
          box_size = std::max(std::abs(b.x2 - b.x1), std::abs(b.y2 - b.y1));
      }
      if (std::isnan(box_size)) {
        double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
        bool any = false;
        for (int j = 0; j < J; ++j) {
          if (!G.valid(t, j)) continue;
          any = true;
          for (int d = 0; d < 2; ++d) {
            lo[d] = std::min(lo[d], G.at(t, j)[d]);
            hi[d] = std::max(hi[d], G.at(t, j)[d]);
          }
        }
        if (any) box_size = std::max(hi[0] - lo[0], hi[1] - lo[1]);
      }
      double torso = kNaN;
      if (st.torso_a >= 0 && st.torso_b >= 0 && G.valid(t, st.torso_a) && G.valid(t, st.torso_b))
        torso = dist(G.at(t, st.torso_a), G.at(t, st.torso_b), 2);

      for (int j = 0; j < J; ++j) {
        if (!both_ok(t, j)) continue;
        const double e = dist(P.at(t, j), G.at(t, j), 2);
        st.error_2d.both(j, e);
        st.errors_2d.push_back(static_cast<float>(e));
        st.errors_2d_joint[j].push_back(static_cast<float>(e));
        seq_errors.push_back(static_cast<float>(e));
        for (size_t a = 0; a < options_.pck_alphas.size(); ++a) {
          // Hit at exactly the threshold (<=): alpha * size is the largest accepted error.
          if (box_size > 0) st.pck_box[a].add(j, e <= options_.pck_alphas[a] * box_size);
          if (torso > 0) st.pck_torso[a].add(j, e <= options_.pck_alphas[a] * torso);
        }
      }
    }
    st.median_seq.push_back(median_of(seq_errors));
    st.median_seq_n.push_back(static_cast<int64_t>(seq_errors.size()));
  } else {
    std::vector<double> src, dst;
    std::vector<int> idx;
    for (int t = 0; t < T; ++t) {
      idx.clear();
      src.clear();
      dst.clear();
      for (int j = 0; j < J; ++j) {
        if (!both_ok(t, j)) continue;
        idx.push_back(j);
        src.insert(src.end(), P.at(t, j), P.at(t, j) + 3);
        dst.insert(dst.end(), G.at(t, j), G.at(t, j) + 3);
        st.mpjpe.both(j, dist(P.at(t, j), G.at(t, j), 3));
      }
      const int n = static_cast<int>(idx.size());
      if (n == 0) continue;
      // N-MPJPE: one optimal scale per frame on the root-relative joints.
      const double s = optimal_scale(src.data(), dst.data(), n, 3);
      if (std::isfinite(s))
        for (int k = 0; k < n; ++k) {
          double q[3] = {s * src[3 * k], s * src[3 * k + 1], s * src[3 * k + 2]};
          st.n_mpjpe.both(idx[k], dist(q, &dst[3 * k], 3));
        }
      // PA-MPJPE: per-frame similarity; needs 3 joints and a non-degenerate prediction.
      if (n >= 3) {
        double mean[3] = {0, 0, 0}, spread = 0;
        for (int k = 0; k < n; ++k)
          for (int d = 0; d < 3; ++d) mean[d] += src[3 * k + d] / n;
        for (int k = 0; k < n; ++k)
          for (int d = 0; d < 3; ++d) spread += (src[3 * k + d] - mean[d]) * (src[3 * k + d] - mean[d]);
        Similarity sim;
        bool fitted = false;
        if (spread > 0) {
          try {
            sim = fit_similarity(src.data(), dst.data(), n, 3);
            fitted = true;
          } catch (const Error&) {
            // Numerically degenerate despite a positive spread: the frame is skipped.
          }
        }
        if (fitted) {
          for (int k = 0; k < n; ++k) {
            double q[3];
            sim.apply(&src[3 * k], q);
            st.pa_mpjpe.both(idx[k], dist(q, &dst[3 * k], 3));
          }
        }
      }
    }
    for (int t = 0; t + 1 < T; ++t)
      for (int j = 0; j < J; ++j) {
        if (!both_ok(t, j) || !both_ok(t + 1, j)) continue;
        double s = 0;
        for (int d = 0; d < 3; ++d) {
          double a = (P.at(t + 1, j)[d] - P.at(t, j)[d]) - (G.at(t + 1, j)[d] - G.at(t, j)[d]);
          s += a * a;
        }
        st.mpjve.both(j, std::sqrt(s));
      }
  }

  // Acceleration error: ground truth present at t-1, t, t+1 (frames next to missing gt excluded),
  // and the prediction too (missing predictions are excluded and counted above).
  second_difference(P, &G, [&](int t, int j) { return triple_ok(G, t, j) && triple_ok(P, t, j); }, st.accel);
  second_difference(P, nullptr, [&](int t, int j) { return triple_ok(P, t, j); }, st.jitter_pred);
  second_difference(G, nullptr, [&](int t, int j) { return triple_ok(G, t, j); }, st.jitter_gt);

  st.sequences.push_back(stats);
}

MetricsReport Evaluator::report() const {
  const State& st = *state_;
  if (st.sequences.empty()) throw Error("metrics", "no sequences were evaluated");
  MetricsReport r;
  r.dims = st.dims;
  r.units = st.units;
  r.skeleton = st.skeleton;
  r.root = st.dims == 3 ? st.root.description : "none";
  r.sequences = st.sequences;
  for (const auto& s : st.sequences) {
    r.frames += s.frames;
    r.entries += s.entries;
    r.gt_missing += s.gt_missing;
    r.pred_missing += s.pred_missing;
  }
  std::string u = st.units;
  if (u.empty()) {
    u = st.dims == 2 ? "px" : "units";
    r.notes.push_back(st.dims == 2 ? "the files do not state units; 2D coordinates taken as pixels"
                                   : "the files do not state units; 3D values are in the files' own units");
  }
  const std::string per_frame = u + "/frame", per_frame2 = u + "/frame^2";
  const int J = static_cast<int>(st.joint_names.size());

  if (st.dims == 2) {
    r.error_2d = st.error_2d.finish("error_2d", "mean error", u);
    Metric med;
    med.key = "median_error_2d";
    med.label = "median error";
    med.units = u;
    med.count = static_cast<int64_t>(st.errors_2d.size());
    med.value = median_of(st.errors_2d);
    for (int j = 0; j < J; ++j) {
      med.per_joint.push_back(median_of(st.errors_2d_joint[j]));
      med.per_joint_count.push_back(static_cast<int64_t>(st.errors_2d_joint[j].size()));
    }
    med.per_sequence = st.median_seq;
    med.per_sequence_count = st.median_seq_n;
    r.median_error_2d = med;
    const bool torso_joints = st.torso_a >= 0 && st.torso_b >= 0;
    if (options_.pck_torso && !torso_joints)
      r.notes.push_back("PCK (torso) not computed: skeleton has no left_shoulder/right_hip");
    for (size_t a = 0; a < options_.pck_alphas.size(); ++a) {
      const std::string al = format_alpha(options_.pck_alphas[a]);
      if (options_.pck_box) r.pck_box.push_back(st.pck_box[a].finish("pck_box@" + al, "PCK@" + al + " (box)", J));
      if (options_.pck_torso && torso_joints)
        r.pck_torso.push_back(st.pck_torso[a].finish("pck_torso@" + al, "PCK@" + al + " (torso)", J));
    }
  } else {
    r.mpjpe = st.mpjpe.finish("mpjpe", "MPJPE", u);
    r.pa_mpjpe = st.pa_mpjpe.finish("pa_mpjpe", "PA-MPJPE", u);
    r.n_mpjpe = st.n_mpjpe.finish("n_mpjpe", "N-MPJPE", u);
    r.mpjve = st.mpjve.finish("mpjve", "MPJVE", per_frame);
  }
  r.accel_error = st.accel.finish("accel_error", "accel error", per_frame2);
  r.jitter_pred = st.jitter_pred.finish("jitter_pred", "jitter (pred)", per_frame2);
  r.jitter_gt = st.jitter_gt.finish("jitter_gt", "jitter (gt)", per_frame2);
  for (const Metric* m : r.metrics())
    if (!m->computed()) r.notes.push_back(m->label + " not computed: no usable (frame, joint) pairs");
  return r;
}

// ---- one-call forms ---------------------------------------------------------------------------------

MetricsReport evaluate(const PoseSequence& pred, const PoseSequence& gt, const MetricsOptions& options) {
  Evaluator ev(options);
  ev.add(pred, gt);
  return ev.report();
}

MetricsReport evaluate(const Tracks& pred, const Tracks& gt, const MetricsOptions& options) {
  if (pred.size() != gt.size())
    throw Error("metrics", std::to_string(pred.size()) + " predicted sequences but " + std::to_string(gt.size()) +
                               " ground-truth sequences");
  Evaluator ev(options);
  for (size_t i = 0; i < gt.size(); ++i)
    ev.add(pred[i], gt[i], gt[i].name.empty() ? "sequence " + std::to_string(i) : gt[i].name);
  return ev.report();
}

Metric jitter(const PoseSequence& seq, const MetricsOptions& options) {
  seq.validate(seq.name);
  const Root root = seq.dims == 3 ? resolve_root(*seq.skeleton, options.root) : Root{{}, "none"};
  const Coords c = make_coords(seq, root);
  Acc acc;
  acc.init(c.J);
  acc.begin_sequence();
  second_difference(c, nullptr, [&](int t, int j) { return triple_ok(c, t, j); }, acc);
  const std::string u = seq.units.empty() ? (seq.dims == 2 ? "px" : "units") : seq.units;
  return acc.finish("jitter", "jitter", u + "/frame^2");
}

// ---- matching ---------------------------------------------------------------------------------------

SequenceMatching match_sequences(const Tracks& pred, const Tracks& gt) {
  SequenceMatching m;
  if (pred.size() == 1 && gt.size() == 1) {
    m.matched.push_back({gt[0].name.empty() ? pred[0].name : gt[0].name, 0, 0});
    return m;
  }
  auto index = [](const Tracks& tracks, const char* side) {
    std::map<std::string, size_t> by_name;
    std::set<std::string> dups;
    for (size_t i = 0; i < tracks.size(); ++i)
      if (!by_name.emplace(tracks[i].name, i).second) dups.insert(tracks[i].name);
    if (!dups.empty()) {
      std::string list;
      for (const auto& d : dups) list += (list.empty() ? "'" : ", '") + d + "'";
      throw Error(side, "several sequences share the name " + list + "; names must be unique to match sequences");
    }
    return by_name;
  };
  const auto pred_by = index(pred, "prediction");
  const auto gt_by = index(gt, "ground truth");
  for (size_t i = 0; i < gt.size(); ++i) {
    auto it = pred_by.find(gt[i].name);
    if (it == pred_by.end()) m.gt_only.push_back(gt[i].name);
    else m.matched.push_back({gt[i].name, it->second, i});
  }
  for (const auto& p : pred)
    if (!gt_by.count(p.name)) m.pred_only.push_back(p.name);
  return m;
}

}  // namespace kinepose
