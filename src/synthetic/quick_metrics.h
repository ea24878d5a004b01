// Two minimal trajectory metrics for `kinepose demo` and its tests (the full metrics module lives
// elsewhere): mean per-joint position error and mean acceleration magnitude.
#pragma once

#include "kinepose/pose.h"

namespace kinepose {

// Mean Euclidean distance between corresponding joints over the (frame, joint) entries present in
// both sequences, in their units. Throws Error if shapes differ; NaN when nothing is present in both.
double mean_joint_error(const PoseSequence& estimate, const PoseSequence& truth);

// Mean magnitude of the second difference x[t+1] - 2 x[t] + x[t-1] (units / frame^2) over every
// joint and frame whose three samples are present; NaN when there are none.
double mean_acceleration(const PoseSequence& seq);

}  // namespace kinepose
