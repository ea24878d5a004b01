// Training data shared by kinepose's trainers (`kinepose train`): (input, target) pose files or
// folders that pair up by file stem, tracks inside a pair pairing up by sequence name, trimmed to
// the span where both sides have data. Torch-free.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

struct TrainPair {
  std::string input;   // noisy / source sequences (file or folder)
  std::string target;  // ground truth (file or folder), same frames
};

// `p` relative to `base` (unless absolute or base is empty), lexically normalised.
std::string resolve_path(const std::string& p, const std::string& base);

struct LoadedPairs {
  std::vector<std::pair<PoseSequence, PoseSequence>> tracks;  // (input, target)
  std::vector<std::string> where;                             // the input's file (and track) for errors
};

// Called on every input / target track before pairing; throws Error(where, ...) to reject it.
using PoseCheck = std::function<void(const PoseSequence&, const std::string& where)>;

// Reads every pair (two files, two folder-format datasets, or two folders matched by file stem),
// pairs tracks by name (one track on each side always pairs), checks them, requires equal frame
// counts and keeps the span where both sides have joints. Errors name the file and the problem.
LoadedPairs load_pose_pairs(const std::vector<TrainPair>& pairs, const PoseCheck& check_input,
                            const PoseCheck& check_target);

}  // namespace kinepose
