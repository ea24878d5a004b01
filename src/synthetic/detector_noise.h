// A small, seeded model of 2D keypoint-detector errors, used to make noisy "detections" from
// synthetic ground truth: temporally correlated jitter scaled by person size and joint, outlier
// bursts (a joint jumps away for a few frames), missing joints, and confidence scores that drop
// where the detection is bad. Hand-set, not fitted to a real detector.
#pragma once

#include <cstdint>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

struct DetectorNoiseParams {
  // Jitter std per coordinate, as a fraction of the person's size (the larger side of the frame's
  // ground-truth bounding box): 0.012 of a 300 px tall person is 3.6 px.
  double jitter = 0.012;
  // Multipliers on `jitter` for the usually noisier joints (matched by name: "wrist", "ankle";
  // "elbow", "knee"). Other joints use 1.
  double extremity_factor = 1.6;  // wrists, ankles
  double middle_factor = 1.25;    // elbows, knees
  // AR(1) coefficient of the jitter per frame (0 = white noise). The stationary std stays `jitter`.
  double temporal_correlation = 0.5;
  // Probability per (frame, joint) that an outlier burst starts; the joint is displaced by one
  // random offset of outlier_scale x person size (uniform in [0.5, 1] of it) for 1..outlier_max_frames.
  double outlier_rate = 0.004;
  double outlier_scale = 0.25;
  int outlier_max_frames = 5;
  // Expected fraction of (frame, joint) entries set missing (NaN, score 0), in runs of
  // 1..missing_max_frames frames.
  double missing_rate = 0.02;
  int missing_max_frames = 3;
  uint64_t seed = 0;
};

// Throws Error naming the field when a parameter is out of range (negative rates, rate > 0.5,
// correlation outside [0, 1), run lengths < 1 ...).
void validate(const DetectorNoiseParams& params);

// Per-(frame, joint) jitter std in the sequence's units (frames * joints, row-major), before
// outliers: jitter x joint factor x that frame's person size. NaN for frames with no present joint.
std::vector<float> detector_noise_sigma(const PoseSequence& truth, const DetectorNoiseParams& params);

// A noisy copy of `truth` (2D or 3D): scores in [0, 1] are set (0 for missing joints, low on
// outliers, otherwise about 0.9 falling with the jitter drawn). Joints missing in `truth` stay missing.
PoseSequence add_detector_noise(const PoseSequence& truth, const DetectorNoiseParams& params);

}  // namespace kinepose
