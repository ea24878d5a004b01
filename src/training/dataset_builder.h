// Training-pair builders for `kinepose train` (torch-free): (noisy input, target) kinepose .npz files
// in folders that pair by file stem, tracks pairing by name (src/training/hanet_trainer.h).
//   * Human3.6M: real Stacked-Hourglass detections vs projected ground truth mapped to MPII-16
//     (kind gt2d_mpii), one file per subject x camera, split into train/ and val/; or, with a lifter,
//     its 3D outputs on the detections vs root-relative camera-frame ground truth (3D refinement).
//   * Penn Action train split: ground truth (invisible joints missing) + fitted detector noise.
//   * Mocap (BVH, ASF/AMC): world joints -> MPII-16 by joint name -> random virtual cameras ->
//     pixels + fitted detector noise.
// Every builder writes its output folder atomically (temporary sibling, renamed at the end) and
// writes OUT/dataset.json describing what was built. Usage: docs/datasets.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kinepose/pose.h"
#include "synthetic/noise_model.h"

namespace kinepose {

using PosePairs = std::vector<std::pair<PoseSequence, PoseSequence>>;

// Human3.6M camera names in file order.
const std::vector<std::string>& h36m_camera_names();

// (detections, gt2d_mpii) pairs for the given subjects and cameras (empty cameras = all four),
// sorted by (subject, action, camera); names "<S>__<Action>__<camera>".
// actions: empty = all; "Walking" = every Walking trial (H36mSelection).
PosePairs load_h36m_pairs(const std::string& data_dir, const std::vector<std::string>& subjects,
                          const std::vector<std::string>& cameras = {}, bool progress = false,
                          const std::vector<std::string>& actions = {});

struct DatasetSummary {
  std::string json;  // the dataset.json content
  int64_t files = 0, sequences = 0, frames = 0;
};

struct H36mBuildOptions {
  std::string data_dir;  // the h36m_sh folder
  std::string out_dir;
  std::vector<std::string> train{"S1", "S5", "S6", "S7", "S8"};
  std::vector<std::string> val{"S9"};
  std::vector<std::string> cameras;  // empty = all four
  std::vector<std::string> actions;  // empty = all (a subset keeps quick builds / tests cheap)
  // Non-empty: a lifter's weights (`kinepose train`, "task": "lift"). The pairs become the lifter's
  // 3D outputs on the detections vs the root-relative camera-frame ground truth (h36m17, mm): the
  // training data of 3D refinement models.
  std::string lifter;
  // With a lifter: each training sequence's input becomes its ground truth plus the lifting error
  // of another sequence of the same subject (cyclic), so the error is decoupled from the pose and
  // a refiner cannot learn pose-specific corrections that do not transfer to new subjects
  // (docs/lifting.md). Validation pairs keep the real lifted outputs.
  bool swap_errors = false;
  // With a lifter: training subject -> weights of a lifter trained without that subject (k-fold,
  // models/configs/lifter_fcn_fold_*.json). That subject's inputs are lifted by it instead of
  // `lifter`, so a refiner trains on errors like those it meets on unseen subjects: a lifter is far
  // more accurate on its own training subjects (docs/lifting.md). Keys must be training subjects.
  std::map<std::string, std::string> fold_lifters;
  std::string command_line;          // recorded in dataset.json
  bool progress = true;
};
DatasetSummary build_h36m_dataset(const H36mBuildOptions& options);

struct PennBuildOptions {
  std::string data;          // penn_action folder (holding penn_action_train.npz) or the npz itself
  std::string noise_model;   // noise model JSON
  std::string out_dir;
  uint64_t seed = 0;
  std::string command_line;
  bool progress = true;
};
// One file per action and frame size, "<action>_<W>x<H>.npz" (tracks = clips, named by the clip id
// "0002"), penn13 px, fps 30.
DatasetSummary build_penn_dataset(const PennBuildOptions& options);

struct MocapBuildOptions {
  std::string data;         // a .bvh / .amc file, or a folder of them (searched non-recursively)
  std::string noise_model;
  std::string out_dir;
  int cameras_per_clip = 4;
  uint64_t seed = 0;
  double units_mm = 0.0;    // mm per file unit; 0 = from the file's units, else CMU mocap units (56.444 mm)
  std::string command_line;
  bool progress = true;
};
// One file per clip, tracks "<clip>__cam<k>", mpii16 px, fps of the file, image 1000x1000.
DatasetSummary build_mocap_dataset(const MocapBuildOptions& options);

// Mocap skeleton (CMU BVH conventions, ASF bones; Y-up world) -> mpii16 3D by joint name (see
// docs/datasets.md for the table). Throws Error naming the source when a joint cannot be found.
PoseSequence mocap_to_mpii16(const PoseSequence& mocap, const std::string& where);

// A random virtual pinhole camera looking at `target` (world mm, Y up): azimuth uniform in [0, 360),
// elevation uniform in [0, 20] deg, distance uniform in [3, 6] m, focal 1150 px, principal point at
// the centre of a 1000x1000 image. Projects 3D mm poses to 2D px.
struct VirtualCamera {
  double R[3][3];  // world -> camera
  double C[3];     // camera centre, world mm
  double f = 1150.0, cx = 500.0, cy = 500.0;
  int width = 1000, height = 1000;
};
VirtualCamera random_virtual_camera(const double target[3], uint64_t seed, int index);
PoseSequence project_virtual(const PoseSequence& world_mm, const VirtualCamera& cam);

}  // namespace kinepose
