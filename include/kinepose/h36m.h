// Human3.6M as laid out in the shared data folder (h36m_sh/): ground-truth 3D joints (world mm,
// 17 joints), Stacked-Hourglass 2D detections (MPII-16, pixels, per camera) and the camera
// calibration, plus the camera model that projects the ground truth into each video — the paired
// (noisy detection, target) data for 2D refinement, lifting and 3D refinement.
#pragma once

#include <string>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

// One calibrated camera of one subject (h36m_cameras.npz).
struct H36mCamera {
  std::string subject, name;  // "S9", "54138969"
  double R[3][3];             // world -> camera rotation (already transposed as in 3d-pose-baseline)
  double T[3];                // camera centre, world mm
  double f[2];                // focal length, px
  double c[2];                // principal point, px
  double k[3];                // radial distortion
  double p[2];                // tangential distortion
  int width, height;          // video frame size: 1000x1002 (54138969, 60457274) or 1000x1000
};

// All subjects x cameras in file order; throws Error naming the file on missing/misshaped members.
std::vector<H36mCamera> load_h36m_cameras(const std::string& cameras_npz);

// World points (n x 3, mm) -> pixels (n x 2) with radial + tangential distortion, exactly the
// 3d-pose-baseline model: X = R (P - T); x = X[:2] / X[2]; r2 = |x|^2;
// x' = x (1 + k0 r2 + k1 r2^2 + k2 r2^3 + p0 x1 + p1 x0) + r2 [p1, p0]; uv = f x' + c.
// NaN in -> NaN out.
void project_h36m(const H36mCamera& cam, const float* world_xyz, int n, float* uv_out);
// World points (n x 3, mm) -> camera frame (n x 3, mm): R (P - T). Z is the depth.
void world_to_camera(const H36mCamera& cam, const float* world_xyz, int n, float* cam_out);
// The inverse: camera frame (n x 3, mm) -> world: R^T X + T (R is orthonormal).
void camera_to_world(const H36mCamera& cam, const float* cam_xyz, int n, float* world_out);

// Which sequences and what to read. Empty lists = all. Actions match a trial exactly
// ("Walking_1") or every trial of an action ("Walking" = "Walking" and "Walking_1").
// kind: "gt3d"        world mm, h36m17, one sequence per trial ("S9__Walking")
//       "gt3d_camera" camera-frame mm, h36m17, per camera ("S9__Walking__54138969")
//       "gt2d"        ground truth projected to pixels, h36m17, per camera
//       "gt2d_mpii"   projected ground truth mapped to the detections' MPII-16 joints (the 2D
//                     refinement target; README MAP = [3,2,1,4,5,6,0,8,8,10,16,15,14,11,12,13])
//       "detections"  Stacked-Hourglass 2D detections, mpii16 px, per camera (default)
struct H36mSelection {
  std::vector<std::string> subjects, actions, cameras;
  std::string kind = "detections";
};

// Sequences sorted by (subject, action, camera); fps 50; image_size of the camera for per-camera
// kinds. Only the selected npz members are decompressed. Throws Error naming the folder and the
// bad value for an unknown subject / action / camera / kind, or when nothing matches.
Tracks read_h36m(const std::string& folder, const H36mSelection& selection);

}  // namespace kinepose
