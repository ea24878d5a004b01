// Synthetic human motion: a deterministic (seeded) articulated 3D stick figure doing a walk, a squat
// or a wave, and its projection through a pinhole camera to 2D pixels. It gives `kinepose demo` and
// the tests ground-truth trajectories without any downloaded data.
//
// The figure is built by forward kinematics from rigid segments (pelvis, trunk + head, thighs,
// shins + feet, upper arms, forearms), so the distance between any two points on the same or on
// adjacent segments — every parent/child pair of H36M-17, COCO-17 (face points ride on the trunk)
// and MPII-16 except MPII's pelvis->thorax — is constant over time.
//
// Skeletons are produced directly (no convert_skeleton round trip): every joint of the requested
// layout is looked up by name in the figure's vocabulary (pelvis, spine, thorax, neck, head/head_top,
// nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles, heels, toes), so COCO gets real
// eyes/ears/nose instead of NaN. A layout with a joint the figure lacks is an Error naming it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

struct SynthOptions {
  int frames = 300;
  double fps = 30.0;
  uint64_t seed = 0;
  std::string skeleton = "coco17";  // any registry layout whose joints the figure has (see above)
  std::string motion = "walk";      // "walk" (circle with arm swing), "squat", "wave"; "" = seed picks
  int image_width = 1280;           // 2D only: the camera's image size in pixels
  int image_height = 720;
  double focal_px = 1100.0;         // 2D only: pinhole focal length in pixels (square pixels)
};

// Names accepted in SynthOptions::motion.
std::vector<std::string> synth_motion_names();

// World coordinates in mm: y up, ground at y = 0. Units "mm", fps from options, no scores.
PoseSequence synth_motion_3d(const SynthOptions& options);

// The same motion seen by a fixed camera (1.2 m high, 7 m from the motion's centre, looking at it
// horizontally): pixels with (0, 0) the top-left corner, image_size set, units "px", scores 1.
PoseSequence synth_motion_2d(const SynthOptions& options);

// The pinhole projection used by synth_motion_2d, exposed for tests: world mm -> pixels.
std::array<double, 2> synth_project(const SynthOptions& options, const std::array<double, 3>& world_mm);

}  // namespace kinepose
