// Causal / streaming refinement with a HANet weights file (issue #7): push one frame of a track,
// receive the refined pose of frame t - K, K = latency in frames (0 <= K <= L - 1). One model and
// its weights are shared by any number of concurrent tracks; each track keeps only a ring buffer of
// its last L frames and the little state below. Torch-free interface (pimpl).
//
// Window placement. The refined pose of frame t is position L-1-K of the window of L frames ending
// at frame t+K (frames t+K-L+1 ... t+K): K frames of look-ahead, L-1-K frames of history. So K = 0
// is fully causal (the frame is the window's last), K = (L-1)/2 centres the frame, K = L-1 puts it
// first. While a track has fewer than L frames the window is padded at its start by repeating the
// track's first frame (offline refinement pads short sequences at the end instead). When a track
// ends (end_track, flush, or a gap, below), its last K frames, which have no window ending K frames
// later, are read from the window ending at the track's last frame (frame t at position
// L-1-(last-t)), i.e. offline refinement's "last window ends at the last frame".
//
// Missing data, causally:
//   - a missing joint (NaN) holds its last observation; a joint never observed so far in the track
//     gets the centroid of the observed joints of that frame (as fill_missing_joints does for
//     never-seen joints); output joints never observed up to the output's emission are NaN;
//   - "no detection" (keypoints == nullptr, or every joint NaN) and skipped frame indices are frames
//     whose joints are all held (outputs flagged detected = false); after more than max_gap of them
//     in a row the track ends: its pending frames are emitted, its buffer and state are cleared,
//     and its next detection starts a fresh window (identical to a new track fed the same frames).
// Normalisation per the model's metadata, computed per window from the frames in the buffer
// (make_normalization on the window): person_box = centre of the window's extent and median
// per-frame size; root_relative / root_box per frame (root_box scaled by the window's median extent);
// image_size from StreamOptions::image_size.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinepose/pose.h"
#include "models/hanet/hanet_config.h"

namespace kinepose::hanet {

class HanetImpl;

struct StreamOptions {
  // K, frames of look-ahead, 0 <= K <= L-1; -1 = the model's own (config.live_latency of a model
  // trained for live use, else 0).
  int latency = -1;
  int max_gap = 10;  // a track ends after more than this many frames in a row without detection
  std::optional<std::array<int, 2>> image_size;  // (width, height), needed by image_size normalisation
  bool reference = false;  // reference forward instead of the fast path (tests)
};

struct StreamInput {
  int64_t track = 0;
  int64_t frame = 0;                 // frame index; must increase per track (gaps allowed)
  const float* keypoints = nullptr;  // joints*dims values, NaN = missing joint; nullptr = no detection
};

struct StreamOutput {
  int64_t track = 0;
  int64_t frame = 0;
  std::vector<float> keypoints;  // joints*dims refined values; NaN for joints not observed yet
  bool detected = true;          // false: the input had no detection at this frame (held joints)
};

class StreamRefiner {
 public:
  // Loads the weights (Error for a bad file) and checks options.latency against the window.
  StreamRefiner(const std::string& weights_path, const StreamOptions& options);
  // Shares an already loaded model (put in eval mode).
  StreamRefiner(std::shared_ptr<HanetImpl> model, const StreamOptions& options);
  ~StreamRefiner();
  StreamRefiner(const StreamRefiner&) = delete;
  StreamRefiner& operator=(const StreamRefiner&) = delete;

  const HanetConfig& config() const;
  const StreamOptions& options() const;
  int window() const;  // L
  int joints() const;
  int dims() const;

  // One frame of one track. Returns the frames this push completes, in order: normally the refined
  // frame t-K of this track (nothing during a track's first K frames); a push after a long gap also
  // returns the ended segment's last frames first. Throws Error for a frame index that does not
  // increase within the track.
  std::vector<StreamOutput> push(int64_t track, int64_t frame, const float* keypoints);
  // Frames of many tracks (a track may appear more than once, in frame order) refined with ONE
  // batched forward pass. Outputs in input order.
  std::vector<StreamOutput> push_many(const std::vector<StreamInput>& inputs);
  // Ends a track now: returns its pending (last K) frames and forgets it. Unknown track: nothing.
  std::vector<StreamOutput> end_track(int64_t track);
  // Ends every track (e.g. at the end of the input), one batched forward.
  std::vector<StreamOutput> flush();
  size_t active_tracks() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whole tracks through a live refiner as if they arrived frame by frame: at every frame index the
// frames of all tracks present are pushed together (one batched forward), then everything is
// flushed. Track i of the input is stream track i. The result has the input's layout; frames never
// emitted stay NaN. `refined` (optional) counts the emitted frames. The refiner should hold no
// tracks with those ids already.
Tracks stream_refine_tracks(StreamRefiner& refiner, const Tracks& tracks, int64_t* refined = nullptr);

}  // namespace kinepose::hanet
