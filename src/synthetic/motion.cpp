#include "synthetic/motion.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "kinepose/error.h"
#include "synthetic/random.h"

namespace kinepose {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxFrames = 10'000'000;

using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;

// Body frame: x = the figure's left, y = up, z = forward (right-handed).
Mat3 rot_x(double a) { return Eigen::AngleAxisd(a, Vec3::UnitX()).toRotationMatrix(); }
Mat3 rot_y(double a) { return Eigen::AngleAxisd(a, Vec3::UnitY()).toRotationMatrix(); }
Mat3 rot_z(double a) { return Eigen::AngleAxisd(a, Vec3::UnitZ()).toRotationMatrix(); }

// Every point the figure has. Skeleton joints are looked up in this vocabulary by name.
enum Point {
  kPelvis, kSpine, kThorax, kNeck, kHead, kHeadTop, kNose, kLeftEye, kRightEye, kLeftEar, kRightEar,
  kLeftShoulder, kRightShoulder, kLeftElbow, kRightElbow, kLeftWrist, kRightWrist,
  kLeftHip, kRightHip, kLeftKnee, kRightKnee, kLeftAnkle, kRightAnkle,
  kLeftHeel, kRightHeel, kLeftBigToe, kRightBigToe, kLeftSmallToe, kRightSmallToe,
  kNumPoints
};

// Lower-case, separators dropped, left/right shortened: "LHip", "left_hip", "l_hip" -> "lhip".
std::string normalise_name(const std::string& name) {
  std::string s;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"left", "l"}, {"right", "r"}}) {
    for (size_t pos; (pos = s.find(from)) != std::string::npos;) s.replace(pos, from.size(), to);
  }
  return s;
}

int point_for_joint(const std::string& joint) {
  static const std::vector<std::pair<Point, std::vector<std::string>>> kAliases = {
      {kPelvis, {"pelvis", "hip", "hips", "root", "midhip", "hipcenter", "pelvisroot"}},
      {kSpine, {"spine", "belly", "spine1", "torso", "abdomen"}},
      {kThorax, {"thorax", "chest", "spine2", "spine3"}},
      {kNeck, {"neck", "upperneck", "necknose", "neckbase", "headbottom"}},
      {kHead, {"head", "headcenter", "pennhead"}},
      {kHeadTop, {"headtop", "top"}},
      {kNose, {"nose", "face"}},
      {kLeftEye, {"leye"}}, {kRightEye, {"reye"}},
      {kLeftEar, {"lear"}}, {kRightEar, {"rear"}},
      {kLeftShoulder, {"lshoulder"}}, {kRightShoulder, {"rshoulder"}},
      {kLeftElbow, {"lelbow"}}, {kRightElbow, {"relbow"}},
      {kLeftWrist, {"lwrist"}}, {kRightWrist, {"rwrist"}},
      {kLeftHip, {"lhip"}}, {kRightHip, {"rhip"}},
      {kLeftKnee, {"lknee"}}, {kRightKnee, {"rknee"}},
      {kLeftAnkle, {"lankle"}}, {kRightAnkle, {"rankle"}},
      {kLeftHeel, {"lheel"}}, {kRightHeel, {"rheel"}},
      {kLeftBigToe, {"lbigtoe", "ltoe"}}, {kRightBigToe, {"rbigtoe", "rtoe"}},
      {kLeftSmallToe, {"lsmalltoe"}}, {kRightSmallToe, {"rsmalltoe"}},
  };
  const std::string n = normalise_name(joint);
  for (const auto& [point, names] : kAliases)
    for (const auto& a : names)
      if (a == n) return point;
  return -1;
}

// Joint angles and root placement for one frame (radians, mm). Positive flexion swings a limb forward.
struct PoseParams {
  Vec3 root = Vec3::Zero();  // pelvis x/z in world; y is set so the lowest ankle touches the ground
  double heading = 0.0;      // yaw of the body about world y (0 = facing +z)
  double pelvis_pitch = 0.0, pelvis_yaw = 0.0, pelvis_roll = 0.0;
  double trunk_pitch = 0.0, trunk_yaw = 0.0;
  Vec3 root_offset = Vec3::Zero();  // body-frame shift (sway, squat balance)
  std::array<double, 2> hip_flex{}, hip_abd{}, knee{};                       // [left, right]
  std::array<double, 2> shoulder_flex{}, shoulder_abd{}, elbow{}, elbow_side{};
  bool keep_feet_centered = false;  // squat: shift the pelvis so the ankles stay under it
};

// Segment geometry (mm, before the per-seed body scale).
struct Body {
  double scale = 1.0;
  Vec3 hip{120, -10, 0};  // x mirrored for the right side
  double thigh = 440, shin = 430, ankle_height = 80;
  Vec3 spine{0, 230, 0};  // on the pelvis segment
  // On the trunk segment (origin: spine).
  Vec3 thorax{0, 250, 0}, neck{0, 350, 15}, head{0, 530, 30}, head_top{0, 560, 10}, nose{0, 430, 105};
  Vec3 eye{32, 465, 85}, ear{75, 450, 5}, shoulder{175, 230, -10};
  double upper_arm = 290, forearm = 260;
  // On the foot (orientation follows the heading only, so feet stay flat).
  Vec3 heel{0, -60, -50}, big_toe{-25, -75, 150}, small_toe{35, -75, 130};
};

Vec3 mirror(Vec3 v, int side) { return Vec3(v.x() * side, v.y(), v.z()); }

std::array<Vec3, kNumPoints> forward_kinematics(const Body& b, const PoseParams& p) {
  std::array<Vec3, kNumPoints> pts;
  const double s = b.scale;
  const Mat3 r_heading = rot_y(p.heading);
  const Mat3 r_pelvis = r_heading * rot_y(p.pelvis_yaw) * rot_x(-p.pelvis_pitch) * rot_z(p.pelvis_roll);
  const Mat3 r_trunk = r_pelvis * rot_y(p.trunk_yaw) * rot_x(-p.trunk_pitch);
  const Vec3 down(0, -1, 0);

  pts[kPelvis] = Vec3::Zero();
  pts[kSpine] = r_pelvis * (s * b.spine);
  auto on_trunk = [&](const Vec3& v) -> Vec3 { return pts[kSpine] + r_trunk * (s * v); };
  pts[kThorax] = on_trunk(b.thorax);
  pts[kNeck] = on_trunk(b.neck);
  pts[kHead] = on_trunk(b.head);
  pts[kHeadTop] = on_trunk(b.head_top);
  pts[kNose] = on_trunk(b.nose);
  pts[kLeftEye] = on_trunk(mirror(b.eye, 1));
  pts[kRightEye] = on_trunk(mirror(b.eye, -1));
  pts[kLeftEar] = on_trunk(mirror(b.ear, 1));
  pts[kRightEar] = on_trunk(mirror(b.ear, -1));

  for (int k = 0; k < 2; ++k) {
    const int side = k == 0 ? 1 : -1;  // +x is the figure's left
    const Vec3 shoulder = on_trunk(mirror(b.shoulder, side));
    const Mat3 r_upper = r_trunk * rot_z(side * p.shoulder_abd[k]) * rot_x(-p.shoulder_flex[k]);
    const Vec3 elbow = shoulder + r_upper * (down * s * b.upper_arm);
    const Mat3 r_fore = r_upper * rot_z(side * p.elbow_side[k]) * rot_x(-p.elbow[k]);
    const Vec3 wrist = elbow + r_fore * (down * s * b.forearm);

    const Vec3 hip = r_pelvis * (s * mirror(b.hip, side));
    const Mat3 r_thigh = r_pelvis * rot_z(side * p.hip_abd[k]) * rot_x(-p.hip_flex[k]);
    const Vec3 knee = hip + r_thigh * (down * s * b.thigh);
    const Mat3 r_shin = r_thigh * rot_x(p.knee[k]);
    const Vec3 ankle = knee + r_shin * (down * s * b.shin);

    pts[k == 0 ? kLeftShoulder : kRightShoulder] = shoulder;
    pts[k == 0 ? kLeftElbow : kRightElbow] = elbow;
    pts[k == 0 ? kLeftWrist : kRightWrist] = wrist;
    pts[k == 0 ? kLeftHip : kRightHip] = hip;
    pts[k == 0 ? kLeftKnee : kRightKnee] = knee;
    pts[k == 0 ? kLeftAnkle : kRightAnkle] = ankle;
    pts[k == 0 ? kLeftHeel : kRightHeel] = ankle + r_heading * (s * mirror(b.heel, side));
    pts[k == 0 ? kLeftBigToe : kRightBigToe] = ankle + r_heading * (s * mirror(b.big_toe, side));
    pts[k == 0 ? kLeftSmallToe : kRightSmallToe] = ankle + r_heading * (s * mirror(b.small_toe, side));
  }

  // Place the body: the lowest ankle sits at ankle height above the ground (this alone gives the
  // walk its vertical bob), the pelvis at the requested x/z plus the body-frame offset.
  Vec3 shift = p.root + r_heading * p.root_offset;
  if (p.keep_feet_centered) {
    const Vec3 mid = 0.5 * (pts[kLeftAnkle] + pts[kRightAnkle]);
    shift.x() -= mid.x();
    shift.z() -= mid.z();
  }
  const double lowest = std::min(pts[kLeftAnkle].y(), pts[kRightAnkle].y());
  shift.y() = s * b.ankle_height - lowest;
  for (auto& v : pts) v += shift;
  return pts;
}

// Per-seed variation of a motion.
struct Variation {
  double speed, amplitude, phase, heading, turn_dir, start_angle;
};

constexpr double kCircleRadius = 2000.0;  // walk: a circle around the scene centre (0, 0, 0)

PoseParams walk_pose(double t, const Variation& v) {
  PoseParams p;
  const double freq = 0.9 * v.speed;                   // gait cycles per second
  const double stride = 1300.0 * (0.6 + 0.4 * v.amplitude);  // mm per cycle: faster/bigger strides
  const double omega = stride * freq / kCircleRadius;  // rad/s along the circle
  const double ph = 2 * kPi * freq * t + v.phase;
  const double alpha = v.start_angle + v.turn_dir * omega * t;
  p.root = Vec3(kCircleRadius * std::cos(alpha), 0, kCircleRadius * std::sin(alpha));
  const Vec3 tangent(-std::sin(alpha) * v.turn_dir, 0, std::cos(alpha) * v.turn_dir);
  p.heading = std::atan2(tangent.x(), tangent.z());
  const double a = v.amplitude;
  for (int k = 0; k < 2; ++k) {
    const double q = ph + (k == 0 ? 0.0 : kPi);
    p.hip_flex[k] = 0.05 + 0.42 * a * std::sin(q);
    // The knee flexes during swing, i.e. while the hip is moving forward (cos q > 0).
    const double swing = std::max(0.0, std::cos(q - 0.25));
    p.knee[k] = 0.08 + 1.0 * a * swing * swing;
    p.hip_abd[k] = 0.04;
    // Arms swing against the leg on the same side.
    p.shoulder_flex[k] = -0.32 * a * std::sin(q);
    p.shoulder_abd[k] = 0.10;
    p.elbow[k] = 0.30 + 0.25 * a * (0.5 - 0.5 * std::sin(q));
  }
  p.pelvis_yaw = 0.08 * a * std::sin(ph);
  p.trunk_yaw = -0.12 * a * std::sin(ph);
  p.pelvis_roll = 0.04 * std::sin(ph);
  p.trunk_pitch = 0.06;
  p.root_offset = Vec3(25.0 * std::sin(ph), 0, 0);
  return p;
}

PoseParams squat_pose(double t, const Variation& v) {
  PoseParams p;
  const double period = 3.2 / v.speed;
  const double depth = std::clamp(0.75 + 0.25 * (v.amplitude - 0.8) / 0.4, 0.6, 1.0);
  const double s = depth * (0.5 - 0.5 * std::cos(2 * kPi * t / period + v.phase));
  p.heading = v.heading + 0.15 * std::sin(2 * kPi * t / 9.0);  // a slow look-around
  p.pelvis_pitch = 0.35 * s;
  p.trunk_pitch = 0.25 * s;
  for (int k = 0; k < 2; ++k) {
    p.hip_flex[k] = 1.25 * s;
    p.knee[k] = 2.0 * s;
    p.hip_abd[k] = 0.12 + 0.15 * s;
    p.shoulder_flex[k] = 0.1 + 1.35 * s;  // arms come forward for balance
    p.shoulder_abd[k] = 0.08;
    p.elbow[k] = 0.25 - 0.15 * s;
  }
  p.keep_feet_centered = true;
  return p;
}

PoseParams wave_pose(double t, const Variation& v) {
  PoseParams p;
  p.heading = v.heading + 0.45 * std::sin(2 * kPi * t / 8.0 + v.phase);  // slow turn to and fro
  const double sway = std::sin(2 * kPi * 0.3 * v.speed * t + v.phase);
  p.root_offset = Vec3(30.0 * sway, 0, 0);
  p.pelvis_roll = 0.03 * sway;
  for (int k = 0; k < 2; ++k) {
    p.hip_flex[k] = 0.04;
    p.knee[k] = 0.06;
    p.hip_abd[k] = 0.08;
  }
  // Left arm hangs, swaying a little.
  p.shoulder_flex[0] = 0.05 + 0.05 * sway;
  p.shoulder_abd[0] = 0.10;
  p.elbow[0] = 0.25;
  // Right arm raised to the side, forearm waving in the frontal plane (~1.8 Hz).
  const double w = std::sin(2 * kPi * 1.8 * v.speed * t + v.phase);
  p.shoulder_abd[1] = 2.0 + 0.1 * v.amplitude;
  p.shoulder_flex[1] = 0.35;
  p.elbow_side[1] = 0.2 + 0.45 * v.amplitude * w;
  p.elbow[1] = 0.15;
  return p;
}

const std::vector<std::string>& motion_list() {
  static const std::vector<std::string> kNames = {"walk", "squat", "wave"};
  return kNames;
}

struct Figure {
  SkeletonPtr skeleton;
  std::vector<int> points;  // per skeleton joint: the figure point it takes
};

Figure figure_for(const std::string& skeleton_name) {
  Figure f;
  f.skeleton = get_skeleton(skeleton_name);
  std::vector<std::string> unknown;
  for (const auto& j : f.skeleton->joints) {
    const int p = point_for_joint(j);
    if (p < 0) unknown.push_back(j);
    f.points.push_back(p);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    throw Error("synthetic motion", "skeleton '" + f.skeleton->name + "' has joints the synthetic figure lacks: " + list);
  }
  return f;
}

void check_options(const SynthOptions& o, bool image) {
  const std::string where = "synthetic motion";
  if (o.frames < 1 || o.frames > kMaxFrames)
    throw Error(where, "frames must be in [1, " + std::to_string(kMaxFrames) + "], got " + std::to_string(o.frames));
  if (!(o.fps > 0.0) || !std::isfinite(o.fps) || o.fps > 10000.0)
    throw Error(where, "fps must be in (0, 10000], got " + std::to_string(o.fps));
  if (!o.motion.empty() && std::find(motion_list().begin(), motion_list().end(), o.motion) == motion_list().end())
    throw Error(where, "unknown motion '" + o.motion + "' (known: walk, squat, wave)");
  if (image) {
    if (o.image_width < 16 || o.image_height < 16 || o.image_width > 100000 || o.image_height > 100000)
      throw Error(where, "image size must be in [16, 100000] pixels, got " + std::to_string(o.image_width) + "x" +
                             std::to_string(o.image_height));
    if (!(o.focal_px > 0.0) || !std::isfinite(o.focal_px))
      throw Error(where, "focal length must be positive, got " + std::to_string(o.focal_px));
  }
}

// Camera: 1.2 m high, 7 m in front of the scene centre, looking along +z. Image x grows to the
// camera's right, which is world -x when looking along +z with y up.
constexpr double kCameraHeight = 1200.0;
constexpr double kCameraDistance = 7000.0;

}  // namespace

std::vector<std::string> synth_motion_names() { return motion_list(); }

PoseSequence synth_motion_3d(const SynthOptions& options) {
  check_options(options, false);
  Figure fig = figure_for(options.skeleton);

  SeededRandom rng(options.seed, /*stream=*/1);
  std::string motion = options.motion;
  const int pick = rng.integer(0, 2);
  if (motion.empty()) motion = motion_list()[pick];
  Variation v;
  v.speed = rng.uniform(0.85, 1.15);
  v.amplitude = rng.uniform(0.8, 1.2);
  v.phase = rng.uniform(0.0, 2 * kPi);
  v.heading = kPi + rng.uniform(-0.7, 0.7);  // roughly facing the camera (which looks along +z)
  v.turn_dir = rng.chance(0.5) ? 1.0 : -1.0;
  v.start_angle = rng.uniform(0.0, 2 * kPi);
  Body body;
  body.scale = rng.uniform(0.92, 1.08);

  PoseSequence seq(fig.skeleton, options.frames, 3);
  seq.fps = options.fps;
  seq.units = "mm";
  seq.name = "synthetic_" + motion + "_seed" + std::to_string(options.seed);
  for (int t = 0; t < options.frames; ++t) {
    const double time = t / options.fps;
    PoseParams p = motion == "walk" ? walk_pose(time, v) : motion == "squat" ? squat_pose(time, v) : wave_pose(time, v);
    const auto pts = forward_kinematics(body, p);
    for (int j = 0; j < seq.joints(); ++j)
      for (int d = 0; d < 3; ++d) seq.at(t, j, d) = static_cast<float>(pts[fig.points[j]][d]);
  }
  return seq;
}

std::array<double, 2> synth_project(const SynthOptions& o, const std::array<double, 3>& w) {
  const double depth = w[2] + kCameraDistance;
  const double u = 0.5 * o.image_width + o.focal_px * (-w[0]) / depth;
  const double v = 0.5 * o.image_height - o.focal_px * (w[1] - kCameraHeight) / depth;
  return {u, v};
}

PoseSequence synth_motion_2d(const SynthOptions& options) {
  check_options(options, true);
  const PoseSequence world = synth_motion_3d(options);
  PoseSequence seq(world.skeleton, world.frames, 2);
  seq.fps = world.fps;
  seq.units = "px";
  seq.name = world.name;
  seq.image_size = std::array<int, 2>{options.image_width, options.image_height};
  seq.scores.assign(static_cast<size_t>(seq.frames) * seq.joints(), 1.0f);
  for (int t = 0; t < seq.frames; ++t)
    for (int j = 0; j < seq.joints(); ++j) {
      const auto uv = synth_project(options, {world.at(t, j, 0), world.at(t, j, 1), world.at(t, j, 2)});
      seq.at(t, j, 0) = static_cast<float>(uv[0]);
      seq.at(t, j, 1) = static_cast<float>(uv[1]);
    }
  return seq;
}

}  // namespace kinepose
