// Streaming HANet refinement (hanet_stream.h): the output of frame t equals the reference model's
// output at position L-1-K of the window ending at t+K (computed here directly, window by window),
// equals offline stitching where the two definitions coincide, restarts cleanly after a gap, and
// many tracks batched equal each track alone.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/utils.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "filters/one_euro_filter.h"
#include "kinepose/error.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_refiner.h"
#include "models/hanet/hanet_stream.h"
#include "models/hanet/hanet_weights.h"
#include "hanet_test_helpers.h"
#include "test_helpers.h"

using namespace kinepose;

namespace {

using kinepose::testing::random_model;

HanetConfig small_config(const std::string& mask = "masked", const std::string& norm = "none") {
  HanetConfig c;  // coco17 2D
  c.sample_interval = 3;
  c.q = 3;  // L = 10
  c.hidden_dim = 16;
  c.nheads = 2;
  c.dim_feedforward = 32;
  c.enc_layers = 2;
  c.dec_layers = 2;
  c.memory_mask = mask;
  c.input_normalization = norm;
  return c;
}

// A smooth random trajectory, T x C.
std::vector<float> trajectory(int T, int C, uint64_t seed, float scale = 1.f) {
  at::manual_seed(seed);
  const at::Tensor steps = at::randn({T, C}) * 0.1 * scale;
  const at::Tensor x = (steps.cumsum(0) + at::randn({1, C}) * scale).contiguous();
  return std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
}

// The definition, computed directly with the reference model: frame t of a track of T frames is
// position L-1-K of the window ending at e = min(t+K, T-1) (position L-1-(e-t)), frames before 0
// padded by repeating frame 0; normalisation from the window's frames.
std::vector<float> stream_reference(hanet::Hanet& model, const std::vector<float>& x, int T, int K) {
  const HanetConfig& c = model->config();
  const int L = c.window(), C = c.input_dim();
  std::vector<float> out(static_cast<size_t>(T) * C);
  torch::NoGradGuard g;
  for (int t = 0; t < T; ++t) {
    const int e = std::min(t + K, T - 1), pos = L - 1 - (e - t);
    PoseSequence win(get_skeleton("coco17"), L, 2);
    for (int i = 0; i < L; ++i) {
      const int f = std::max(0, e - (L - 1) + i);
      std::copy(x.begin() + f * C, x.begin() + (f + 1) * C, win.keypoints.begin() + i * C);
    }
    const hanet::Normalization n = hanet::make_normalization(c.input_normalization, win, "ref");
    n.apply(win);
    const at::Tensor w = at::from_blob(win.keypoints.data(), {1, L, C}, at::kFloat).clone();
    const at::Tensor y = model->forward(w).final_out.contiguous();
    for (int k = 0; k < C; ++k) {
      const int d = k % 2;
      const float off = n.offset.empty() ? 0.f : n.offset[pos * 2 + d];
      out[t * C + k] = y[0][pos][k].item<float>() * n.scale[d] + off;
    }
  }
  return out;
}

// Streams one track frame by frame (then flushes) and returns frame -> keypoints.
std::map<int64_t, std::vector<float>> stream_all(hanet::StreamRefiner& s, const std::vector<float>& x, int T,
                                                 int64_t track = 0, int64_t first_frame = 0) {
  std::map<int64_t, std::vector<float>> got;
  const int C = s.joints() * s.dims();
  for (int t = 0; t < T; ++t)
    for (auto& o : s.push(track, first_frame + t, x.data() + t * C)) got[o.frame] = o.keypoints;
  for (auto& o : s.end_track(track)) got[o.frame] = o.keypoints;
  return got;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
  return m;
}

}  // namespace

TEST(HanetStream, EqualsWindowDefinitionForEveryLatency) {
  for (const char* mask : {"masked", "additive"})
    for (const char* norm : {"none", "person_box"}) {
      SCOPED_TRACE(std::string(mask) + " " + norm);
      const HanetConfig c = small_config(mask, norm);
      hanet::Hanet model = random_model(c, 11);
      const int L = c.window(), C = c.input_dim();
      for (int T : {2 * L + 3, L - 4}) {
        const std::vector<float> x = trajectory(T, C, 3, std::string(norm) == "none" ? 1.f : 100.f);
        for (int K : {0, 2, (L - 1) / 2, L - 1}) {
          SCOPED_TRACE(::testing::Message() << "T " << T << " K " << K);
          hanet::StreamOptions o;
          o.latency = K;
          hanet::StreamRefiner s(model.ptr(), o);
          const auto got = stream_all(s, x, T);
          ASSERT_EQ(static_cast<int>(got.size()), T);
          const std::vector<float> ref = stream_reference(model, x, T, K);
          const double scale = std::string(norm) == "none" ? 1.0 : 100.0;
          for (int t = 0; t < T; ++t) {
            const std::vector<float> want(ref.begin() + t * C, ref.begin() + (t + 1) * C);
            ASSERT_LE(max_diff(got.at(t), want), 1e-4 * scale) << "frame " << t;
          }
        }
      }
    }
}

TEST(HanetStream, OutputsArriveKFramesLate) {
  const HanetConfig c = small_config();
  hanet::Hanet model = random_model(c, 2);
  hanet::StreamOptions o;
  o.latency = 2;
  hanet::StreamRefiner s(model.ptr(), o);
  const std::vector<float> x = trajectory(6, c.input_dim(), 1);
  for (int t = 0; t < 6; ++t) {
    const auto out = s.push(5, 100 + t, x.data() + t * c.input_dim());
    if (t < 2) EXPECT_TRUE(out.empty());
    else {
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].frame, 100 + t - 2);
      EXPECT_EQ(out[0].track, 5);
    }
  }
  const auto rest = s.flush();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].frame, 104);
  EXPECT_EQ(rest[1].frame, 105);
  EXPECT_EQ(s.active_tracks(), 0u);
}

TEST(HanetStream, EqualsOfflineStitchingWhereTheyCoincide) {
  // A sequence of exactly L frames is one offline window; streaming reads frame t >= L-1-K from the
  // window ending at L-1 too (at position t), so both must agree there.
  const HanetConfig c = small_config("additive");
  hanet::Hanet model = random_model(c, 5);
  const std::string path = kinepose::testing::scratch_dir("hanet_stream_offline") + "/m.safetensors";
  hanet::save_hanet(path, model);
  const int L = c.window(), C = c.input_dim();
  const std::vector<float> x = trajectory(L, C, 9);
  hanet::RefineOptions ro;
  ro.reference = true;
  const std::vector<float> offline = hanet::HanetRefiner(path).refine_model_space(x, L, ro);
  for (int K : {0, 3, L - 1}) {
    hanet::StreamOptions o;
    o.latency = K;
    hanet::StreamRefiner s(path, o);
    const auto got = stream_all(s, x, L);
    for (int t = L - 1 - K; t < L; ++t) {
      const std::vector<float> want(offline.begin() + t * C, offline.begin() + (t + 1) * C);
      EXPECT_LE(max_diff(got.at(t), want), 1e-4) << "K " << K << " frame " << t;
    }
  }
}

TEST(HanetStream, RestartAfterGapEqualsFreshTrack) {
  const HanetConfig c = small_config("masked", "person_box");
  hanet::Hanet model = random_model(c, 8);
  const int C = c.input_dim();
  const std::vector<float> a = trajectory(20, C, 1, 100.f), b = trajectory(25, C, 2, 100.f);
  for (bool explicit_no_detection : {false, true}) {
    SCOPED_TRACE(explicit_no_detection);
    hanet::StreamOptions o;
    o.latency = 2;
    o.max_gap = 4;
    hanet::StreamRefiner s(model.ptr(), o);
    std::map<int64_t, std::vector<float>> got;
    for (int t = 0; t < 20; ++t)
      for (auto& out : s.push(1, t, a.data() + t * C)) got[out.frame] = out.keypoints;
    const int restart = 20 + 6;  // 6 frames without detection > max_gap
    if (explicit_no_detection)
      for (int t = 20; t < restart; ++t)
        for (auto& out : s.push(1, t, nullptr)) got[out.frame] = out.keypoints;
    for (int t = 0; t < 25; ++t)
      for (auto& out : s.push(1, restart + t, b.data() + t * C)) got[out.frame] = out.keypoints;
    for (auto& out : s.flush()) got[out.frame] = out.keypoints;
    // The first segment was ended by the gap: its frames 18, 19 and the held frames within
    // max_gap after its last detection (20..23) came out, nothing else before the restart.
    EXPECT_EQ(got.count(17), 1u);
    EXPECT_EQ(got.count(23), 1u);
    EXPECT_EQ(got.count(24), 0u);
    hanet::StreamRefiner fresh(model.ptr(), o);
    const auto want = stream_all(fresh, b, 25, 1, restart);
    ASSERT_EQ(want.size(), 25u);
    for (const auto& [f, v] : want) {
      ASSERT_EQ(got.count(f), 1u) << f;
      EXPECT_LE(max_diff(got[f], v), 1e-6) << "frame " << f;
    }
  }
}

TEST(HanetStream, ManyTracksBatchedEqualEachAlone) {
  const HanetConfig c = small_config("additive", "person_box");
  hanet::Hanet model = random_model(c, 4);
  const int C = c.input_dim(), T = 30;
  hanet::StreamOptions o;
  o.latency = 3;
  std::vector<std::vector<float>> x;
  const std::vector<int> start{0, 4, 9};  // tracks appear at different frames
  for (int k = 0; k < 3; ++k) x.push_back(trajectory(T, C, 20 + k, 50.f));
  hanet::StreamRefiner batched(model.ptr(), o);
  std::map<std::pair<int64_t, int64_t>, std::vector<float>> got;
  for (int f = 0; f < T; ++f) {
    std::vector<hanet::StreamInput> in;
    for (int k = 0; k < 3; ++k)
      if (f >= start[k]) in.push_back({k, f, x[k].data() + (f - start[k]) * C});
    for (auto& out : batched.push_many(in)) got[{out.track, out.frame}] = out.keypoints;
  }
  for (auto& out : batched.flush()) got[{out.track, out.frame}] = out.keypoints;
  for (int k = 0; k < 3; ++k) {
    hanet::StreamRefiner alone(model.ptr(), o);
    const auto want = stream_all(alone, x[k], T - start[k], k, start[k]);
    for (const auto& [f, v] : want) {
      ASSERT_EQ(got.count({k, f}), 1u);
      EXPECT_LE(max_diff(got[{k, f}], v), 1e-4 * 50) << "track " << k << " frame " << f;  // pixels, box ~50
    }
  }
}

TEST(HanetStream, MissingJointsAndErrors) {
  const HanetConfig c = small_config();
  hanet::Hanet model = random_model(c, 6);
  const int C = c.input_dim();
  hanet::StreamOptions o;
  o.latency = c.window();  // > L-1
  EXPECT_NE(kinepose::testing::error_of([&] { hanet::StreamRefiner s(model.ptr(), o); }).find("--latency"),
            std::string::npos);
  o.latency = 0;
  hanet::StreamRefiner s(model.ptr(), o);
  std::vector<float> x = trajectory(3, C, 1);
  for (int t = 0; t < 3; ++t)
    for (int d = 0; d < 2; ++d) x[t * C + 3 * 2 + d] = NAN;  // joint 3 never observed
  x[C + 0] = NAN;                                   // joint 0 missing at frame 1: held
  EXPECT_TRUE(s.push(0, 0, nullptr).empty());       // no detection and no track yet: nothing
  for (int t = 0; t < 3; ++t) {
    const auto out = s.push(0, t, x.data() + t * C);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(std::isnan(out[0].keypoints[3 * 2]));
    EXPECT_TRUE(std::isfinite(out[0].keypoints[0]));
  }
  EXPECT_NE(kinepose::testing::error_of([&] { s.push(0, 2, x.data()); }).find("does not come after"),
            std::string::npos);
}

// A model whose metadata asks for the causal One-Euro post smoother: every track's emitted poses are
// exactly the plain stream's outputs run through OneEuroPoseFilter at the model's fps; a new track
// segment starts a fresh filter.
TEST(HanetStream, PostOneEuroFiltersEachTracksOutput) {
  HanetConfig c = small_config("masked", "none");
  c.fps = 50;
  hanet::Hanet plain = random_model(c, 4);
  HanetConfig cp = c;
  cp.post_one_euro_min_cutoff = 1.0;
  cp.post_one_euro_beta = 40.0;
  hanet::Hanet smoothed = random_model(cp, 4);  // same seed, same weights
  hanet::StreamOptions o;
  o.latency = 1;
  const int T = 30, C = c.input_dim();
  const std::vector<float> x = trajectory(T, C, 6, 100.f);
  std::vector<std::vector<float>> outs[2];
  for (int k = 0; k < 2; ++k) {
    hanet::StreamRefiner s(k == 0 ? plain.ptr() : smoothed.ptr(), o);
    for (int t = 0; t < T; ++t)
      for (auto& r : s.push(3, t, x.data() + t * C)) outs[k].push_back(r.keypoints);
    for (auto& r : s.flush()) outs[k].push_back(r.keypoints);
  }
  ASSERT_EQ(outs[0].size(), static_cast<size_t>(T));
  ASSERT_EQ(outs[1].size(), static_cast<size_t>(T));
  OneEuroPoseFilter::Params fp;
  fp.filter.min_cutoff = 1.0;
  fp.filter.beta = 40.0;
  OneEuroPoseFilter f(fp, c.joints, c.dims);
  double changed = 0;
  for (int t = 0; t < T; ++t) {
    std::vector<float> want(static_cast<size_t>(C));
    f.push(t / 50.0, outs[0][t].data(), want.data());
    for (int k = 0; k < C; ++k) {
      ASSERT_NEAR(outs[1][t][k], want[k], 1e-4) << "frame " << t << " value " << k;
      changed = std::max(changed, static_cast<double>(std::fabs(outs[1][t][k] - outs[0][t][k])));
    }
  }
  EXPECT_GT(changed, 1e-3);  // the smoother did something
}
