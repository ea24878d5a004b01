// Helpers shared by the temporal filters: confidence masking, the frame rate a filter runs at, and
// the person size that makes One-Euro scale invariant.
#pragma once

#include "kinepose/pose.h"

namespace kinepose {

// Copy of `seq` where joints with a confidence below min_score are set missing (NaN), so a filter
// does not use them as measurements. Returns `seq` unchanged when min_score <= 0 or it has no scores.
PoseSequence mask_low_confidence(const PoseSequence& seq, double min_score);

// Where the filter produced no value (missing joint) but the raw input has one, keep the raw value:
// masking must never delete data, only stop it from steering the filter.
void keep_raw_where_unestimated(PoseSequence& filtered, const PoseSequence& raw);

// The frame rate a time-driven filter runs at: `fps` when > 0, else the sequence's; throws
// Error(filter, ...) asking for --fps when neither is known.
double resolve_fps(const PoseSequence& seq, double fps, const char* filter);

// Average of the width and height of the x/y bounding box of the present joints (MediaPipe's
// object scale), or 0 when fewer than two joints are present.
double person_size(const float* frame, int joints, int dims);

// Validates a streaming frame layout (joints > 0, dims 2/3); throws Error(filter, ...).
void check_stream_shape(int joints, int dims, const char* filter);

}  // namespace kinepose
