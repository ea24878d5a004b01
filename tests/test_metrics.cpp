// Metrics with closed-form expectations: a known similarity recovered exactly by Procrustes, a
// constant offset giving exactly that MPJPE, a pure-jitter signal with known acceleration error, PCK
// at exactly the threshold, velocity error of constant-velocity offsets, and the bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kinepose/error.h"
#include "kinepose/metrics.h"
#include "kinepose/pose.h"
#include "kinepose/skeleton.h"

using namespace kinepose;

namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

// Integer-valued coordinates so that adding integer offsets stays exact in float.
PoseSequence random_sequence(const std::string& skeleton, int frames, int dims, unsigned seed, const std::string& units) {
  PoseSequence s(get_skeleton(skeleton), frames, dims);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> coord(-400, 400);
  for (float& v : s.keypoints) v = static_cast<float>(coord(rng));
  s.units = units;
  s.name = "seq";
  return s;
}

PoseSequence offset(PoseSequence s, const std::vector<float>& delta) {
  for (int t = 0; t < s.frames; ++t)
    for (int j = 0; j < s.joints(); ++j)
      for (int d = 0; d < s.dims; ++d) s.at(t, j, d) += delta[d];
  return s;
}

// Rotation about a unit axis (Rodrigues).
void rotation(double ax, double ay, double az, double angle, double R[3][3]) {
  const double n = std::sqrt(ax * ax + ay * ay + az * az);
  ax /= n, ay /= n, az /= n;
  const double c = std::cos(angle), s = std::sin(angle), C = 1 - c;
  double m[3][3] = {{c + ax * ax * C, ax * ay * C - az * s, ax * az * C + ay * s},
                    {ay * ax * C + az * s, c + ay * ay * C, ay * az * C - ax * s},
                    {az * ax * C - ay * s, az * ay * C + ax * s, c + az * az * C}};
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) R[r][k] = m[r][k];
}

double det3(const double R[3][3]) {
  return R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) - R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
         R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
}

// sum_j per_joint[j] * count[j] / sum_j count[j] must reproduce a pooled metric.
double weighted_joint_mean(const Metric& m) {
  double s = 0;
  int64_t n = 0;
  for (size_t j = 0; j < m.per_joint.size(); ++j) {
    if (!m.per_joint_count[j]) continue;
    s += m.per_joint[j] * m.per_joint_count[j];
    n += m.per_joint_count[j];
  }
  return s / n;
}

}  // namespace

// ---- Procrustes ---------------------------------------------------------------------------------

TEST(MetricsProcrustes, RecoversKnownRotationScaleTranslation) {
  std::mt19937 rng(7);
  std::normal_distribution<double> g(0, 100);
  const int n = 17;
  std::vector<double> src(n * 3), dst(n * 3);
  for (double& v : src) v = g(rng);
  double R[3][3];
  rotation(0.3, -1.0, 0.5, 1.1, R);
  const double s = 1.7, t[3] = {10, -5, 3};
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < 3; ++r) {
      double v = 0;
      for (int c = 0; c < 3; ++c) v += R[r][c] * src[3 * i + c];
      dst[3 * i + r] = s * v + t[r];
    }
  const Similarity sim = fit_similarity(src.data(), dst.data(), n, 3);
  EXPECT_NEAR(sim.scale, s, 1e-12);
  for (int r = 0; r < 3; ++r) {
    EXPECT_NEAR(sim.translation[r], t[r], 1e-9);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(sim.rotation[r][c], R[r][c], 1e-12);
  }
  for (int i = 0; i < n; ++i) {
    double q[3];
    sim.apply(&src[3 * i], q);
    for (int r = 0; r < 3; ++r) EXPECT_NEAR(q[r], dst[3 * i + r], 1e-9);
  }
}

TEST(MetricsProcrustes, NeverReturnsAReflection) {
  std::mt19937 rng(8);
  std::normal_distribution<double> g(0, 1);
  const int n = 12;
  std::vector<double> src(n * 3), dst(n * 3);
  for (double& v : src) v = g(rng);
  for (int i = 0; i < n; ++i) {  // mirror image in x: best orthogonal map would be det = -1
    dst[3 * i] = -src[3 * i];
    dst[3 * i + 1] = src[3 * i + 1];
    dst[3 * i + 2] = src[3 * i + 2];
  }
  const Similarity sim = fit_similarity(src.data(), dst.data(), n, 3);
  EXPECT_NEAR(det3(sim.rotation), 1.0, 1e-12);
  EXPECT_GT(sim.scale, 0.0);
}

TEST(MetricsProcrustes, TwoDimensionalAndDegenerateInput) {
  const double src[] = {0, 0, 1, 0, 0, 1, 1, 1};
  const double c = std::cos(0.5), s = std::sin(0.5);
  double dst[8];
  for (int i = 0; i < 4; ++i) {
    dst[2 * i] = 2 * (c * src[2 * i] - s * src[2 * i + 1]) + 3;
    dst[2 * i + 1] = 2 * (s * src[2 * i] + c * src[2 * i + 1]) - 1;
  }
  const Similarity sim = fit_similarity(src, dst, 4, 2);
  EXPECT_NEAR(sim.scale, 2.0, 1e-12);
  EXPECT_NEAR(sim.rotation[0][0], c, 1e-12);
  EXPECT_NEAR(sim.rotation[1][0], s, 1e-12);
  const double same[] = {1, 2, 3, 1, 2, 3};
  EXPECT_THROW(fit_similarity(same, same, 2, 3), Error);
  EXPECT_THROW(fit_similarity(same, same, 1, 3), Error);
  EXPECT_TRUE(std::isnan(optimal_scale(src, dst, 0, 2)));
  EXPECT_DOUBLE_EQ(optimal_scale(src, src, 4, 2), 1.0);
}

// ---- 3D -----------------------------------------------------------------------------------------

TEST(Metrics, ConstantOffsetGivesExactlyThatMpjpe) {
  const PoseSequence gt = random_sequence("h36m17", 20, 3, 1, "mm");
  const PoseSequence pred = offset(gt, {3, 4, 12});  // |(3, 4, 12)| = 13
  MetricsOptions o;
  o.root = "none";
  const MetricsReport r = evaluate(pred, gt, o);
  EXPECT_EQ(r.units, "mm");
  EXPECT_EQ(r.mpjpe.units, "mm");
  EXPECT_DOUBLE_EQ(r.mpjpe.value, 13.0);
  EXPECT_EQ(r.mpjpe.count, 20 * 17);
  for (double v : r.mpjpe.per_joint) EXPECT_DOUBLE_EQ(v, 13.0);
  EXPECT_NEAR(r.pa_mpjpe.value, 0.0, 1e-6);  // a translation is part of the similarity
  EXPECT_DOUBLE_EQ(r.mpjve.value, 0.0);
  EXPECT_EQ(r.mpjve.units, "mm/frame");
  EXPECT_DOUBLE_EQ(r.accel_error.value, 0.0);
  EXPECT_EQ(r.accel_error.units, "mm/frame^2");
  // Root-relative (default: pelvis): a rigid translation disappears entirely.
  EXPECT_EQ(evaluate(pred, gt).root, "pelvis");
  EXPECT_NEAR(evaluate(pred, gt).mpjpe.value, 0.0, 1e-9);
}

TEST(Metrics, RootRelativeMpjpeAndPerJointBreakdownSums) {
  const PoseSequence gt = random_sequence("h36m17", 10, 3, 2, "mm");
  PoseSequence pred = gt;
  for (int t = 0; t < pred.frames; ++t)
    for (int j = 1; j < pred.joints(); ++j) pred.at(t, j, 2) += 17;  // all but the pelvis
  const MetricsReport r = evaluate(pred, gt);
  EXPECT_EQ(r.root, "pelvis");
  EXPECT_DOUBLE_EQ(r.mpjpe.value, 16.0);  // 17 * 16 / 17
  EXPECT_DOUBLE_EQ(r.mpjpe.per_joint[0], 0.0);
  for (int j = 1; j < 17; ++j) EXPECT_DOUBLE_EQ(r.mpjpe.per_joint[j], 17.0);
  EXPECT_NEAR(weighted_joint_mean(r.mpjpe), r.mpjpe.value, 1e-12);
  EXPECT_NEAR(weighted_joint_mean(r.pa_mpjpe), r.pa_mpjpe.value, 1e-9);
  EXPECT_NEAR(weighted_joint_mean(r.n_mpjpe), r.n_mpjpe.value, 1e-9);
  ASSERT_EQ(r.mpjpe.per_sequence.size(), 1u);
  EXPECT_DOUBLE_EQ(r.mpjpe.per_sequence[0], 16.0);
}

TEST(Metrics, LspRootIsHipMidpointAndRootIsConfigurable) {
  const PoseSequence gt = random_sequence("lsp14", 5, 3, 3, "mm");
  PoseSequence pred = gt;
  const int lh = gt.skeleton->index_of("left_hip");
  for (int t = 0; t < pred.frames; ++t) pred.at(t, lh, 0) += 2;  // moves the hip midpoint by 1
  const MetricsReport r = evaluate(pred, gt);
  EXPECT_EQ(r.root, "mid(left_hip, right_hip)");
  EXPECT_DOUBLE_EQ(r.mpjpe.value, 1.0);
  MetricsOptions o;
  o.root = "upper_neck";
  const MetricsReport n = evaluate(pred, gt, o);
  EXPECT_EQ(n.root, "upper_neck");
  EXPECT_DOUBLE_EQ(n.mpjpe.value, 2.0 / 14);
  o.root = "no_such_joint";
  EXPECT_THROW(evaluate(pred, gt, o), Error);
}

TEST(Metrics, PaMpjpeIsZeroForPerFrameSimilarities) {
  const PoseSequence gt = random_sequence("h36m17", 6, 3, 4, "mm");
  PoseSequence pred = gt;
  for (int t = 0; t < gt.frames; ++t) {
    double R[3][3];
    rotation(1, t, 2, 0.2 + 0.3 * t, R);
    const double s = 0.5 + 0.25 * t;
    for (int j = 0; j < gt.joints(); ++j)
      for (int r = 0; r < 3; ++r) {
        double v = 0;
        for (int c = 0; c < 3; ++c) v += R[r][c] * gt.at(t, j, c);
        pred.at(t, j, r) = static_cast<float>(s * v + 100 * r - 7 * t);
      }
  }
  const MetricsReport r = evaluate(pred, gt);
  EXPECT_GT(r.mpjpe.value, 50.0);
  EXPECT_NEAR(r.pa_mpjpe.value, 0.0, 1e-3);  // float storage of pred limits exactness
  EXPECT_EQ(r.pa_mpjpe.count, 6 * 17);
}

TEST(Metrics, NMpjpeRemovesScaleOnly) {
  PoseSequence gt = random_sequence("h36m17", 4, 3, 5, "mm");
  PoseSequence pred = gt;
  for (float& v : pred.keypoints) v *= 0.5f;
  MetricsOptions o;
  o.root = "none";
  const MetricsReport r = evaluate(pred, gt, o);
  EXPECT_NEAR(r.n_mpjpe.value, 0.0, 1e-9);
  double expected = 0;
  for (int t = 0; t < gt.frames; ++t)
    for (int j = 0; j < gt.joints(); ++j)
      expected += 0.5 * std::sqrt(std::pow(gt.at(t, j, 0), 2) + std::pow(gt.at(t, j, 1), 2) + std::pow(gt.at(t, j, 2), 2));
  EXPECT_NEAR(r.mpjpe.value, expected / (gt.frames * 17), 1e-9);
  // A rotation is not undone by N-MPJPE.
  PoseSequence rot = gt;
  for (int t = 0; t < gt.frames; ++t)
    for (int j = 0; j < gt.joints(); ++j) {
      rot.at(t, j, 0) = -gt.at(t, j, 1);
      rot.at(t, j, 1) = gt.at(t, j, 0);
    }
  EXPECT_GT(evaluate(rot, gt, o).n_mpjpe.value, 10.0);
}

TEST(Metrics, MpjveOfConstantVelocityOffsets) {
  // Ground truth moving at constant velocity; pred = gt + constant: identical velocities.
  PoseSequence gt = random_sequence("h36m17", 12, 3, 6, "mm");
  for (int t = 0; t < gt.frames; ++t)
    for (int j = 0; j < gt.joints(); ++j) gt.at(t, j, 0) = static_cast<float>(gt.at(0, j, 0) + 5 * t);
  MetricsOptions o;
  o.root = "none";
  EXPECT_DOUBLE_EQ(evaluate(offset(gt, {1, 2, 3}), gt, o).mpjve.value, 0.0);
  // pred drifting at v = (3, 0, 4) per frame: MPJVE = |v| = 5, acceleration error 0.
  PoseSequence drift = gt;
  for (int t = 0; t < gt.frames; ++t)
    for (int j = 0; j < gt.joints(); ++j) {
      drift.at(t, j, 0) += 3.0f * t;
      drift.at(t, j, 2) += 4.0f * t;
    }
  const MetricsReport r = evaluate(drift, gt, o);
  EXPECT_DOUBLE_EQ(r.mpjve.value, 5.0);
  EXPECT_EQ(r.mpjve.count, 11 * 17);
  EXPECT_DOUBLE_EQ(r.accel_error.value, 0.0);
}

// ---- acceleration error / jitter ---------------------------------------------------------------

TEST(Metrics, PureJitterHasKnownAccelerationError) {
  // gt moves linearly (zero acceleration); pred = gt + eps * (-1)^t along y:
  // second difference of the error = -4 eps (-1)^t, so the error is 4 eps at every frame.
  const float eps = 1.5f;
  for (int dims : {2, 3}) {
    PoseSequence gt = random_sequence("coco17", 30, dims, 9, dims == 2 ? "px" : "mm");
    for (int t = 0; t < gt.frames; ++t)
      for (int j = 0; j < gt.joints(); ++j)
        for (int d = 0; d < dims; ++d) gt.at(t, j, d) = static_cast<float>(gt.at(0, j, d) + (d + 1) * t);
    PoseSequence pred = gt;
    for (int t = 0; t < gt.frames; ++t)
      for (int j = 0; j < gt.joints(); ++j) pred.at(t, j, 1) += (t % 2 ? -eps : eps);
    MetricsOptions o;
    o.root = "none";
    const MetricsReport r = evaluate(pred, gt, o);
    EXPECT_DOUBLE_EQ(r.accel_error.value, 4 * eps) << dims << "D";
    EXPECT_EQ(r.accel_error.count, 28);  // frames 1..T-2
    EXPECT_EQ(r.accel_error.units, dims == 2 ? "px/frame^2" : "mm/frame^2");
    EXPECT_DOUBLE_EQ(r.jitter_pred.value, 4 * eps);
    EXPECT_DOUBLE_EQ(r.jitter_gt.value, 0.0);
    const Metric j = jitter(pred, o);
    EXPECT_DOUBLE_EQ(j.value, 4 * eps);
    EXPECT_DOUBLE_EQ(jitter(gt, o).value, 0.0);

    // Frames next to missing ground truth are excluded; the value stays 4 eps.
    PoseSequence holed = gt;
    for (int j = 0; j < holed.joints(); ++j)
      for (int d = 0; d < dims; ++d) holed.at(10, j, d) = kNaNf;
    const MetricsReport h = evaluate(pred, holed, o);
    EXPECT_EQ(h.accel_error.count, 25);  // frames 9, 10, 11 have no complete gt triple
    EXPECT_DOUBLE_EQ(h.accel_error.value, 4 * eps);
    EXPECT_EQ(h.gt_missing, 17);
  }
}

// ---- 2D -----------------------------------------------------------------------------------------

TEST(Metrics, TwoDimensionalMeanAndMedianError) {
  const PoseSequence gt = random_sequence("coco17", 8, 2, 10, "px");
  PoseSequence pred = offset(gt, {3, 4});
  pred.at(0, 0, 0) += 100;  // one outlier: moves the mean, not the median
  const MetricsReport r = evaluate(pred, gt);
  EXPECT_EQ(r.error_2d.units, "px");
  EXPECT_DOUBLE_EQ(r.median_error_2d.value, 5.0);
  const double outlier = std::sqrt(103.0 * 103.0 + 16.0);
  EXPECT_NEAR(r.error_2d.value, (5.0 * (8 * 17 - 1) + outlier) / (8 * 17), 1e-12);
  EXPECT_NEAR(weighted_joint_mean(r.error_2d), r.error_2d.value, 1e-12);
  EXPECT_DOUBLE_EQ(r.median_error_2d.per_joint[1], 5.0);
  EXPECT_FALSE(r.mpjpe.computed());
  EXPECT_TRUE(r.mpjpe.key.empty());  // 3D metrics do not apply to 2D input
}

TEST(Metrics, PckHitAtExactlyAlphaTimesBoxSize) {
  PoseSequence gt = random_sequence("jhmdb15", 4, 2, 11, "px");
  for (int t = 0; t < gt.frames; ++t) gt.boxes.push_back({0, 0, 200, 100, NAN});  // max side 200
  const PoseSequence at = offset(gt, {6, 8});       // error exactly 10 = 0.05 * 200
  const PoseSequence beyond = offset(gt, {6, 8.5f});  // error > 10
  const MetricsReport r = evaluate(at, gt);
  ASSERT_EQ(r.pck_box.size(), 3u);
  EXPECT_EQ(r.pck_box[0].key, "pck_box@0.05");
  EXPECT_EQ(r.pck_box[0].units, "fraction");
  EXPECT_DOUBLE_EQ(r.pck_box[0].value, 1.0);
  const MetricsReport b = evaluate(beyond, gt);
  EXPECT_DOUBLE_EQ(b.pck_box[0].value, 0.0);
  EXPECT_DOUBLE_EQ(b.pck_box[1].value, 1.0);
  // Without a box in the file: the extent of the ground-truth keypoints of that frame.
  PoseSequence nobox = gt;
  nobox.boxes.clear();
  for (int t = 0; t < nobox.frames; ++t)
    for (int j = 0; j < nobox.joints(); ++j) {
      nobox.at(t, j, 0) = static_cast<float>(j * 10);  // extent 140 x 50 -> size 140
      nobox.at(t, j, 1) = static_cast<float>(j % 2 ? 50 : 0);
    }
  MetricsOptions o;
  o.pck_alphas = {0.05};
  EXPECT_DOUBLE_EQ(evaluate(offset(nobox, {0, 7}), nobox, o).pck_box[0].value, 1.0);    // 7 = 0.05 * 140
  EXPECT_DOUBLE_EQ(evaluate(offset(nobox, {0, 7.5f}), nobox, o).pck_box[0].value, 0.0);
}

TEST(Metrics, PckTorsoVariant) {
  PoseSequence gt(get_skeleton("coco17"), 3, 2);
  gt.units = "px";
  for (int t = 0; t < 3; ++t)
    for (int j = 0; j < 17; ++j) {
      gt.at(t, j, 0) = static_cast<float>(10 * j);
      gt.at(t, j, 1) = static_cast<float>(5 * j);
    }
  const int ls = gt.skeleton->index_of("left_shoulder"), rh = gt.skeleton->index_of("right_hip");
  for (int t = 0; t < 3; ++t) {
    gt.at(t, ls, 0) = 0, gt.at(t, ls, 1) = 0;
    gt.at(t, rh, 0) = 30, gt.at(t, rh, 1) = 40;  // torso 50
  }
  MetricsOptions o;
  o.pck_alphas = {0.2};  // threshold 10
  const MetricsReport hit = evaluate(offset(gt, {6, 8}), gt, o);
  ASSERT_EQ(hit.pck_torso.size(), 1u);
  EXPECT_EQ(hit.pck_torso[0].key, "pck_torso@0.2");
  EXPECT_DOUBLE_EQ(hit.pck_torso[0].value, 1.0);
  EXPECT_DOUBLE_EQ(evaluate(offset(gt, {0, 10.5f}), gt, o).pck_torso[0].value, 0.0);
  // Skeletons without the torso joints (SMPL names its hips smpl_*_hip): not computed, with a note.
  PoseSequence smpl = random_sequence("smpl24", 2, 2, 12, "px");
  const MetricsReport p = evaluate(smpl, smpl, o);
  EXPECT_TRUE(p.pck_torso.empty());
  ASSERT_FALSE(p.notes.empty());
  EXPECT_NE(p.notes.front().find("torso"), std::string::npos);
}

TEST(Metrics, EverySequenceWeighsTheSameInPck) {
  PoseSequence long_seq = random_sequence("jhmdb15", 10, 2, 14, "px");
  PoseSequence short_seq = random_sequence("jhmdb15", 2, 2, 15, "px");
  for (auto* s : {&long_seq, &short_seq})
    for (int t = 0; t < s->frames; ++t) s->boxes.push_back({0, 0, 100, 100, NAN});
  Evaluator ev;
  ev.add(long_seq, long_seq, "long");                 // all hits
  ev.add(offset(short_seq, {50, 0}), short_seq, "short");  // all misses at every alpha
  const MetricsReport r = ev.report();
  EXPECT_DOUBLE_EQ(r.pck_box[0].value, 0.5);  // not 10/12
  ASSERT_EQ(r.pck_box[0].per_sequence.size(), 2u);
  EXPECT_DOUBLE_EQ(r.pck_box[0].per_sequence[0], 1.0);
  EXPECT_DOUBLE_EQ(r.pck_box[0].per_sequence[1], 0.0);
  EXPECT_DOUBLE_EQ(r.pck_box[0].per_joint[3], 0.5);
  EXPECT_EQ(r.sequences[1].name, "short");
  EXPECT_EQ(r.frames, 12);
}

// ---- missing data and bad input ----------------------------------------------------------------

TEST(Metrics, MissingPredictionsAreExcludedAndCountedOrFailInStrictMode) {
  const PoseSequence gt = random_sequence("coco17", 5, 2, 16, "px");
  PoseSequence pred = offset(gt, {3, 4});
  pred.at(2, 4, 0) = kNaNf;
  pred.at(3, 4, 1) = kNaNf;
  PoseSequence holed_gt = gt;
  holed_gt.at(1, 1, 0) = kNaNf;
  const MetricsReport r = evaluate(pred, holed_gt);
  EXPECT_EQ(r.pred_missing, 2);
  EXPECT_EQ(r.gt_missing, 1);
  EXPECT_EQ(r.error_2d.count, 5 * 17 - 3);
  EXPECT_DOUBLE_EQ(r.error_2d.value, 5.0);
  EXPECT_EQ(r.error_2d.per_joint_count[4], 3);
  MetricsOptions strict;
  strict.strict = true;
  try {
    evaluate(pred, gt, strict);
    FAIL() << "strict mode accepted a missing prediction";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("frame 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("right_ear"), std::string::npos) << e.what();
  }
}

TEST(Metrics, BadInputsThrowNamingTheProblem) {
  const PoseSequence gt = random_sequence("coco17", 5, 2, 17, "px");
  auto expect_error = [](const PoseSequence& p, const PoseSequence& g, const std::string& needle) {
    Evaluator ev;
    try {
      ev.add(p, g, "clip", "pred.npz");
      ADD_FAILURE() << "no error, expected '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("pred.npz: ", 0), 0u) << e.what();
    }
    EXPECT_EQ(ev.sequences(), 0);  // nothing half-added
  };
  expect_error(gt.slice(0, 4), gt, "frame count mismatch");
  expect_error(random_sequence("h36m17", 5, 2, 1, "px"), gt, "skeleton mismatch");
  expect_error(random_sequence("coco17", 5, 3, 1, "px"), gt, "dimension mismatch");
  PoseSequence mm = gt;
  mm.units = "mm";
  expect_error(mm, gt, "units mismatch");
  expect_error(gt, PoseSequence(gt.skeleton, 5, 2), "ground truth is entirely missing");
  expect_error(PoseSequence(gt.skeleton, 5, 2), gt, "prediction is entirely missing");
  expect_error(gt, PoseSequence(gt.skeleton, 0, 2), "empty");

  Evaluator ev;
  EXPECT_THROW(ev.report(), Error);
  ev.add(gt, gt, "a");
  EXPECT_THROW(ev.add(random_sequence("h36m17", 5, 2, 1, "px"), random_sequence("h36m17", 5, 2, 1, "px"), "b"), Error);
  EXPECT_EQ(ev.sequences(), 1);
  MetricsOptions bad;
  bad.pck_alphas = {0.1, -1};
  EXPECT_THROW(Evaluator{bad}, Error);
}

TEST(Metrics, MatchSequencesByName) {
  PoseSequence a = random_sequence("coco17", 2, 2, 1, "px"), b = a, c = a;
  a.name = "walk";
  b.name = "run";
  c.name = "jump";
  const SequenceMatching m = match_sequences({b, a, c}, {a, b});
  ASSERT_EQ(m.matched.size(), 2u);
  EXPECT_EQ(m.matched[0].name, "walk");
  EXPECT_EQ(m.matched[0].pred, 1u);
  EXPECT_EQ(m.matched[0].gt, 0u);
  EXPECT_EQ(m.pred_only, std::vector<std::string>{"jump"});
  EXPECT_TRUE(m.gt_only.empty());
  // One sequence per side pairs whatever the names.
  EXPECT_EQ(match_sequences({c}, {a}).matched.size(), 1u);
  EXPECT_THROW(match_sequences({a, a}, {a, b}), Error);
  // The report lists the metrics it computed, by key.
  const MetricsReport r = evaluate(a, a);
  EXPECT_DOUBLE_EQ(r.get("error_2d").value, 0.0);
  EXPECT_THROW(r.get("mpjpe"), Error);
}
