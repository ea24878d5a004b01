// Human3.6M folder reader and camera model: the projection of the ground truth must land on the
// Stacked-Hourglass detections (tens of pixels apart at most), frame counts must agree, and bad
// selections must name the folder and the bad value.
#include "kinepose/h36m.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "test_helpers.h"

namespace kinepose {
namespace {

using kinepose::testing::data_path;

const char* kFolder = "h36m_sh";
const std::vector<std::string> kCameras = {"54138969", "55011271", "58860488", "60457274"};

H36mCamera identity_camera() {
  H36mCamera cam{};
  cam.subject = "S0";
  cam.name = "test";
  for (int r = 0; r < 3; ++r)
    for (int q = 0; q < 3; ++q) cam.R[r][q] = r == q ? 1.0 : 0.0;
  cam.f[0] = 1000;
  cam.f[1] = 1100;
  cam.c[0] = 500;
  cam.c[1] = 400;
  cam.width = cam.height = 1000;
  return cam;
}

void expect_error(const std::function<void()>& fn, const std::string& where, const std::string& what) {
  try {
    fn();
    ADD_FAILURE() << "no Error thrown (expected '" << what << "')";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(where), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(H36mCameraModel, PinholeWithoutDistortion) {
  H36mCamera cam = identity_camera();
  cam.T[0] = 10;  // camera centre at x = 10 mm
  const float P[6] = {110, 50, 1000, 10, 0, 2000};
  float uv[4], X[6];
  project_h36m(cam, P, 2, uv);
  EXPECT_FLOAT_EQ(uv[0], 1000 * 0.1f + 500);
  EXPECT_FLOAT_EQ(uv[1], 1100 * 0.05f + 400);
  EXPECT_FLOAT_EQ(uv[2], 500);
  EXPECT_FLOAT_EQ(uv[3], 400);
  world_to_camera(cam, P, 2, X);
  EXPECT_FLOAT_EQ(X[0], 100);
  EXPECT_FLOAT_EQ(X[2], 1000);
  EXPECT_FLOAT_EQ(X[3], 0);
}

TEST(H36mCameraModel, DistortionFollowsTheBaselineFormula) {
  H36mCamera cam = identity_camera();
  cam.k[0] = 0.1;
  cam.k[1] = -0.05;
  cam.k[2] = 0.01;
  cam.p[0] = 0.002;
  cam.p[1] = -0.003;
  const float P[3] = {200, -100, 1000};
  float uv[2];
  project_h36m(cam, P, 1, uv);
  const double x0 = 0.2, x1 = -0.1, r2 = x0 * x0 + x1 * x1;
  const double radial = 1 + 0.1 * r2 - 0.05 * r2 * r2 + 0.01 * r2 * r2 * r2;
  const double tan = 0.002 * x1 - 0.003 * x0;
  EXPECT_NEAR(uv[0], 1000 * (x0 * (radial + tan) + r2 * -0.003) + 500, 1e-3);
  EXPECT_NEAR(uv[1], 1100 * (x1 * (radial + tan) + r2 * 0.002) + 400, 1e-3);
}

TEST(H36mData, CamerasLoad) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_cameras.npz");
  const auto cams = load_h36m_cameras(data_path("h36m_sh/h36m_cameras.npz"));
  ASSERT_EQ(cams.size(), 28u);  // 7 subjects x 4 cameras
  for (const auto& c : cams) {
    EXPECT_EQ(c.width, 1000);
    EXPECT_EQ(c.height, (c.name == "54138969" || c.name == "60457274") ? 1002 : 1000) << c.name;
    EXPECT_GT(c.f[0], 1000);
    EXPECT_LT(c.f[0], 1300);
    // R is a rotation: rows orthonormal.
    for (int r = 0; r < 3; ++r) {
      double n = 0;
      for (int q = 0; q < 3; ++q) n += c.R[r][q] * c.R[r][q];
      EXPECT_NEAR(n, 1.0, 1e-6);
    }
  }
  EXPECT_EQ(cams.front().subject, "S1");
  EXPECT_EQ(cams.back().subject, "S11");
}

// Mean distance between projected ground truth (mapped to MPII-16) and the detections, per camera.
void check_projection_against_detections(const std::string& subject) {
  const std::string folder = data_path(kFolder);
  for (const auto& camera : kCameras) {
    H36mSelection gt_sel{{subject}, {}, {camera}, "gt2d_mpii"};
    H36mSelection det_sel{{subject}, {}, {camera}, "detections"};
    const Tracks gt = read_h36m(folder, gt_sel);
    const Tracks det = read_h36m(folder, det_sel);
    ASSERT_EQ(gt.size(), det.size()) << subject << " " << camera;
    ASSERT_GT(gt.size(), 20u);
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < gt.size(); ++i) {
      ASSERT_EQ(gt[i].name, det[i].name);
      ASSERT_EQ(gt[i].frames, det[i].frames) << gt[i].name;
      ASSERT_EQ(gt[i].skeleton->name, "mpii16");
      ASSERT_EQ(det[i].skeleton->name, "mpii16");
      ASSERT_EQ(gt[i].image_size, det[i].image_size);
      EXPECT_EQ(gt[i].fps, 50.0);
      for (size_t v = 0; v < gt[i].keypoints.size(); v += 2) {
        sum += std::hypot(gt[i].keypoints[v] - det[i].keypoints[v], gt[i].keypoints[v + 1] - det[i].keypoints[v + 1]);
        ++n;
      }
    }
    const double mean = sum / static_cast<double>(n);
    std::printf("[ H36m     ] %s camera %s: %zu sequences, mean |projected gt - detection| = %.2f px\n",
                subject.c_str(), camera.c_str(), gt.size(), mean);
    EXPECT_GT(mean, 5.0) << subject << " " << camera;
    EXPECT_LT(mean, 40.0) << subject << " " << camera;
  }
}

TEST(H36mData, ProjectionReproducesDetectionsS9) {
  KINEPOSE_REQUIRE_DATA(kFolder);
  check_projection_against_detections("S9");
}

TEST(H36mData, ProjectionReproducesDetectionsS1) {
  KINEPOSE_REQUIRE_DATA(kFolder);
  check_projection_against_detections("S1");
}

TEST(H36mData, CameraFrameDepthIsPositiveForS9) {
  KINEPOSE_REQUIRE_DATA(kFolder);
  const std::string folder = data_path(kFolder);
  const Tracks world = read_h36m(folder, {{"S9"}, {}, {}, "gt3d"});
  const Tracks camera = read_h36m(folder, {{"S9"}, {}, {}, "gt3d_camera"});
  ASSERT_EQ(camera.size(), world.size() * 4);
  size_t points = 0;
  for (const auto& s : camera) {
    EXPECT_EQ(s.units, "mm");
    EXPECT_EQ(s.dims, 3);
    for (size_t v = 2; v < s.keypoints.size(); v += 3) {
      ASSERT_GT(s.keypoints[v], 0.0f) << s.name;
      ++points;
    }
  }
  EXPECT_GT(points, 73544u * 4 * 17 - 1);
  // gt3d_camera is world_to_camera of gt3d with the subject's camera (sequence order: action, camera).
  const auto cams = load_h36m_cameras(data_path("h36m_sh/h36m_cameras.npz"));
  const H36mCamera* cam = nullptr;
  for (const auto& c : cams)
    if (c.subject == "S9" && c.name == "55011271") cam = &c;
  ASSERT_NE(cam, nullptr);
  const PoseSequence& w = world[0];
  const PoseSequence& c = camera[1];
  ASSERT_EQ(c.name, w.name + "__55011271");
  std::vector<float> expect(w.keypoints.size());
  world_to_camera(*cam, w.keypoints.data(), w.frames * 17, expect.data());
  EXPECT_EQ(expect, c.keypoints);
}

TEST(H36mData, SelectionByActionTrialsAndFormatParams) {
  KINEPOSE_REQUIRE_DATA(kFolder);
  const std::string folder = data_path(kFolder);
  const Tracks walking = read_h36m(folder, {{"S9"}, {"Walking"}, {}, "gt3d"});
  ASSERT_EQ(walking.size(), 2u);  // both trials, not WalkDog / WalkTogether
  EXPECT_EQ(walking[0].name, "S9__Walking");
  EXPECT_EQ(walking[1].name, "S9__Walking_1");
  EXPECT_EQ(walking[0].skeleton->name, "h36m17");
  EXPECT_EQ(walking[0].units, "mm");
  EXPECT_FALSE(walking[0].image_size.has_value());

  EXPECT_TRUE(h36m_format().sniff(folder));
  EXPECT_EQ(detect_read_format(folder).name, "h36m");
  ReadOptions opts;
  opts.params = {{"subject", "S9,S1"}, {"action", "Walking_1"}, {"camera", "60457274"}, {"kind", "gt2d"}};
  const Tracks t = read_poses(folder, opts);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "S1__Walking_1__60457274");
  EXPECT_EQ(t[1].name, "S9__Walking_1__60457274");
  EXPECT_EQ(t[0].skeleton->name, "h36m17");
  EXPECT_EQ(t[0].units, "px");
  EXPECT_EQ((*t[0].image_size)[1], 1002);

  opts.params = {{"subject", "S9"}, {"action", "Walking_1"}};  // default kind: detections, all cameras
  const Tracks d = read_poses(folder, opts);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].name, "S9__Walking_1__54138969");
  EXPECT_EQ(d[0].skeleton->name, "mpii16");
  EXPECT_EQ(d[1].image_size, (std::array<int, 2>{1000, 1000}));
}

TEST(H36mData, BadSelectionNamesFolderAndValue) {
  KINEPOSE_REQUIRE_DATA(kFolder);
  const std::string folder = data_path(kFolder);
  expect_error([&] { read_h36m(folder, {{"S10"}, {}, {}, "gt3d"}); }, folder, "unknown Human3.6M subject 'S10'");
  expect_error([&] { read_h36m(folder, {{"S11"}, {}, {}, "detections"}); }, folder, "'S11'");
  expect_error([&] { read_h36m(folder, {{"S9"}, {}, {"12345678"}, "gt2d"}); }, folder, "unknown Human3.6M camera '12345678'");
  expect_error([&] { read_h36m(folder, {{"S9"}, {}, {}, "gt4d"}); }, folder, "unknown Human3.6M kind 'gt4d'");
  expect_error([&] { read_h36m(folder, {{"S9"}, {"Flying"}, {}, "gt3d"}); }, folder, "unknown Human3.6M action 'Flying'");
  expect_error([&] { read_h36m(folder, {{"S9"}, {}, {"54138969"}, "gt3d"}); }, folder, "camera=54138969");
  // S9 Discussion_1 is a known upstream gap: the action exists, this combination does not.
  expect_error([&] { read_h36m(folder, {{"S9"}, {"Discussion_1"}, {}, "gt3d"}); }, folder, "no Human3.6M sequence matches");
  ReadOptions opts;
  opts.params = {{"person", "0"}};
  expect_error([&] { h36m_format().read(folder, opts); }, folder, "unknown option 'person'");
  expect_error([&] { read_h36m(folder + "/absent", {}); }, folder + "/absent", "");
}

TEST(H36mData, NotAnH36mFolder) {
  const std::string dir = kinepose::testing::scratch_dir("h36m_empty");
  EXPECT_FALSE(h36m_format().sniff(dir));
  expect_error([&] { read_h36m(dir, {}); }, dir + "/h36m_cameras.npz", "");
}

}  // namespace
}  // namespace kinepose
