// Skeletons: named joints, parent links and left/right pairs, plus the registry of the layouts
// kinepose knows (COCO-17, H36M-17, MPII-16, ...) and conversions between layouts whose joints
// correspond. Joint names come from one shared vocabulary (docs/skeletons.md) so that conversion is
// by name, never by bare index.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kinepose {

struct Skeleton {
  std::string name;                  // registry key, e.g. "coco17"; "" for file-defined skeletons
  std::string description;           // one line: where the layout comes from
  std::vector<std::string> joints;   // joint names in storage order
  std::vector<int> parents;          // parent index per joint, -1 for the root(s)
  std::vector<std::pair<int, int>> symmetry;  // (left, right) index pairs

  int num_joints() const { return static_cast<int>(joints.size()); }
  // Index of a joint by name; throws Error naming the skeleton when absent.
  int index_of(const std::string& joint) const;
  // -1 when absent.
  int find(const std::string& joint) const;
  // Permutation that swaps every left/right pair (identity elsewhere): flip[j] = mirrored joint.
  std::vector<int> flip_permutation() const;
  // Throws Error if parents/symmetry are inconsistent (wrong sizes, out of range, cycles).
  void validate() const;
};

using SkeletonPtr = std::shared_ptr<const Skeleton>;

// Registry. Names are case-insensitive; aliases like "coco", "h36m", "body25" are accepted.
SkeletonPtr get_skeleton(const std::string& name);  // throws Error listing known names
bool has_skeleton(const std::string& name);
std::vector<std::string> skeleton_names();           // canonical names, registry order

// A conversion from one layout to another: target joint t = mean of source joints sources[t]
// (usually one joint; e.g. pelvis = mean(left_hip, right_hip) when the source has no pelvis).
// An empty sources[t] means the target joint has no counterpart (filled with NaN when allowed).
struct JointMapping {
  SkeletonPtr from;
  SkeletonPtr to;
  std::vector<std::vector<int>> sources;
  std::vector<std::string> missing() const;  // target joints without a counterpart
};

// Builds the mapping by joint name (plus documented derived joints). Throws Error when the layouts
// share too little to be meaningful, or — unless allow_missing — when any target joint is missing,
// naming those joints.
JointMapping make_mapping(const SkeletonPtr& from, const SkeletonPtr& to, bool allow_missing = false);

}  // namespace kinepose
