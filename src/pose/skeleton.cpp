// Skeleton registry (the layouts kinepose knows), Skeleton's index/flip/validate helpers, and the
// by-name JointMapping between layouts. The joint vocabulary and every table's source are documented
// in docs/skeletons.md; keep the two in step.

#include "kinepose/skeleton.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kinepose/error.h"

namespace kinepose {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string display_name(const Skeleton& s) {
  return s.name.empty() ? std::string("(file-defined)") : s.name;
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

// A joint and its parent, both by name ("" = root). Tables are written by name so that a reader can
// check them against the published orders without counting indices.
struct JointDef {
  const char* name;
  const char* parent;
};

struct SkeletonDef {
  const char* name;
  std::vector<const char*> aliases;
  const char* description;
  std::vector<JointDef> joints;
};

// Left/right pairs follow from the names: every joint whose name contains "left" pairs with the
// joint whose name has "right" in that place (left_hip/right_hip, smpl_left_hip/smpl_right_hip).
std::vector<std::pair<int, int>> symmetry_from_names(const std::vector<std::string>& joints) {
  std::vector<std::pair<int, int>> pairs;
  for (size_t i = 0; i < joints.size(); ++i) {
    const std::string& n = joints[i];
    size_t at = n.find("left");
    if (at == std::string::npos) continue;
    std::string mirrored = n.substr(0, at) + "right" + n.substr(at + 4);
    auto it = std::find(joints.begin(), joints.end(), mirrored);
    if (it != joints.end())
      pairs.emplace_back(static_cast<int>(i), static_cast<int>(it - joints.begin()));
  }
  return pairs;
}

Skeleton build(const SkeletonDef& def) {
  Skeleton s;
  s.name = def.name;
  s.description = def.description;
  for (const auto& j : def.joints) s.joints.emplace_back(j.name);
  for (const auto& j : def.joints) {
    std::string parent = j.parent;
    if (parent.empty()) {
      s.parents.push_back(-1);
      continue;
    }
    auto it = std::find(s.joints.begin(), s.joints.end(), parent);
    if (it == s.joints.end())
      throw Error("skeleton " + s.name, "registry table names unknown parent '" + parent + "'");
    s.parents.push_back(static_cast<int>(it - s.joints.begin()));
  }
  s.symmetry = symmetry_from_names(s.joints);
  s.validate();
  return s;
}

// The tables. Orders and sources: docs/skeletons.md.
std::vector<SkeletonDef> definitions() {
  return {
      {"coco17",
       {"coco", "coco_17", "coco-17"},
       "COCO person keypoints (17), COCO/MMPose order",
       {{"nose", ""},
        {"left_eye", "nose"},
        {"right_eye", "nose"},
        {"left_ear", "left_eye"},
        {"right_ear", "right_eye"},
        {"left_shoulder", "nose"},
        {"right_shoulder", "nose"},
        {"left_elbow", "left_shoulder"},
        {"right_elbow", "right_shoulder"},
        {"left_wrist", "left_elbow"},
        {"right_wrist", "right_elbow"},
        {"left_hip", "left_shoulder"},
        {"right_hip", "right_shoulder"},
        {"left_knee", "left_hip"},
        {"right_knee", "right_hip"},
        {"left_ankle", "left_knee"},
        {"right_ankle", "right_knee"}}},
      {"h36m17",
       {"h36m", "h36m_17", "human36m", "videopose3d"},
       "Human3.6M 17-joint subset, VideoPose3D/HANet order (32-joint indices 0,1,2,3,6,7,8,12,13,14,15,17,18,19,25,26,27)",
       {{"pelvis", ""},
        {"right_hip", "pelvis"},
        {"right_knee", "right_hip"},
        {"right_ankle", "right_knee"},
        {"left_hip", "pelvis"},
        {"left_knee", "left_hip"},
        {"left_ankle", "left_knee"},
        {"spine", "pelvis"},
        {"thorax", "spine"},
        {"neck_base", "thorax"},  // H36M 'Neck/Nose' (MMPose: neck_base)
        {"head", "neck_base"},    // H36M 'Head' (not the head top)
        {"left_shoulder", "thorax"},
        {"left_elbow", "left_shoulder"},
        {"left_wrist", "left_elbow"},
        {"right_shoulder", "thorax"},
        {"right_elbow", "right_shoulder"},
        {"right_wrist", "right_elbow"}}},
      {"mpii16",
       {"mpii", "mpii_16"},
       "MPII Human Pose 16 joints, MPII annotation order",
       {{"right_ankle", "right_knee"},
        {"right_knee", "right_hip"},
        {"right_hip", "pelvis"},
        {"left_hip", "pelvis"},
        {"left_knee", "left_hip"},
        {"left_ankle", "left_knee"},
        {"pelvis", ""},
        {"thorax", "pelvis"},
        {"upper_neck", "thorax"},
        {"head_top", "upper_neck"},
        {"right_wrist", "right_elbow"},
        {"right_elbow", "right_shoulder"},
        {"right_shoulder", "thorax"},
        {"left_shoulder", "thorax"},
        {"left_elbow", "left_shoulder"},
        {"left_wrist", "left_elbow"}}},
      {"jhmdb15",
       {"jhmdb", "jhmdb_15", "sub-jhmdb", "sub_jhmdb", "subjhmdb"},
       "JHMDB puppet joints (15), JHMDB joint_positions order (as HANet/DeciWatch Sub-JHMDB)",
       {{"neck", "belly"},
        {"belly", ""},
        {"face", "neck"},
        {"right_shoulder", "neck"},
        {"left_shoulder", "neck"},
        {"right_hip", "belly"},
        {"left_hip", "belly"},
        {"right_elbow", "right_shoulder"},
        {"left_elbow", "left_shoulder"},
        {"right_knee", "right_hip"},
        {"left_knee", "left_hip"},
        {"right_wrist", "right_elbow"},
        {"left_wrist", "left_elbow"},
        {"right_ankle", "right_knee"},
        {"left_ankle", "left_knee"}}},
      {"penn13",
       {"penn", "penn_action", "penn-action", "penn_13"},
       "Penn Action 13 joints, official README order",
       {{"penn_head", ""},  // Penn's 'head': its own definition, see docs/skeletons.md
        {"left_shoulder", "penn_head"},
        {"right_shoulder", "penn_head"},
        {"left_elbow", "left_shoulder"},
        {"right_elbow", "right_shoulder"},
        {"left_wrist", "left_elbow"},
        {"right_wrist", "right_elbow"},
        {"left_hip", "left_shoulder"},
        {"right_hip", "right_shoulder"},
        {"left_knee", "left_hip"},
        {"right_knee", "right_hip"},
        {"left_ankle", "left_knee"},
        {"right_ankle", "right_knee"}}},
      {"lsp14",
       {"lsp", "lsp_14"},
       "Leeds Sports Pose 14 joints, LSP order (neck = MPII upper neck, as in SPIN's J24 table)",
       {{"right_ankle", "right_knee"},
        {"right_knee", "right_hip"},
        {"right_hip", "right_shoulder"},
        {"left_hip", "left_shoulder"},
        {"left_knee", "left_hip"},
        {"left_ankle", "left_knee"},
        {"right_wrist", "right_elbow"},
        {"right_elbow", "right_shoulder"},
        {"right_shoulder", "upper_neck"},
        {"left_shoulder", "upper_neck"},
        {"left_elbow", "left_shoulder"},
        {"left_wrist", "left_elbow"},
        {"upper_neck", ""},  // LSP 'neck'
        {"head_top", "upper_neck"}}},
      {"pw3d14",
       {"3dpw14", "3dpw", "pw3d", "spin14", "j14"},
       "3DPW/AIST++ 14-joint evaluation set of SPIN/SmoothNet/DeciWatch: LSP limb order + H36M thorax + H36M head (H36M_TO_J14)",
       {{"right_ankle", "right_knee"},
        {"right_knee", "right_hip"},
        {"right_hip", "right_shoulder"},
        {"left_hip", "left_shoulder"},
        {"left_knee", "left_hip"},
        {"left_ankle", "left_knee"},
        {"right_wrist", "right_elbow"},
        {"right_elbow", "right_shoulder"},
        {"right_shoulder", "thorax"},
        {"left_shoulder", "thorax"},
        {"left_elbow", "left_shoulder"},
        {"left_wrist", "left_elbow"},
        {"thorax", ""},      // H36M-17 index 8 (in LSP's 'neck' slot)
        {"head", "thorax"}}},  // H36M-17 index 10 (in LSP's 'head top' slot)
      {"body25",
       {"openpose", "openpose_body25", "body_25", "openpose-body25"},
       "OpenPose BODY_25 keypoints, OpenPose output order",
       {{"nose", "neck"},
        {"neck", "mid_hip"},
        {"right_shoulder", "neck"},
        {"right_elbow", "right_shoulder"},
        {"right_wrist", "right_elbow"},
        {"left_shoulder", "neck"},
        {"left_elbow", "left_shoulder"},
        {"left_wrist", "left_elbow"},
        {"mid_hip", ""},
        {"right_hip", "mid_hip"},
        {"right_knee", "right_hip"},
        {"right_ankle", "right_knee"},
        {"left_hip", "mid_hip"},
        {"left_knee", "left_hip"},
        {"left_ankle", "left_knee"},
        {"right_eye", "nose"},
        {"left_eye", "nose"},
        {"right_ear", "right_eye"},
        {"left_ear", "left_eye"},
        {"left_big_toe", "left_ankle"},
        {"left_small_toe", "left_big_toe"},
        {"left_heel", "left_ankle"},
        {"right_big_toe", "right_ankle"},
        {"right_small_toe", "right_big_toe"},
        {"right_heel", "right_ankle"}}},
      {"halpe26",
       {"halpe", "halpe_26", "alphapose_halpe26"},
       "Halpe-FullBody body part (26), AlphaPose/MMPose order: COCO-17 + head top, neck, mid hip, feet",
       {{"nose", "neck"},
        {"left_eye", "nose"},
        {"right_eye", "nose"},
        {"left_ear", "left_eye"},
        {"right_ear", "right_eye"},
        {"left_shoulder", "neck"},
        {"right_shoulder", "neck"},
        {"left_elbow", "left_shoulder"},
        {"right_elbow", "right_shoulder"},
        {"left_wrist", "left_elbow"},
        {"right_wrist", "right_elbow"},
        {"left_hip", "mid_hip"},
        {"right_hip", "mid_hip"},
        {"left_knee", "left_hip"},
        {"right_knee", "right_hip"},
        {"left_ankle", "left_knee"},
        {"right_ankle", "right_knee"},
        {"head_top", "neck"},  // Halpe 'head'
        {"neck", "mid_hip"},
        {"mid_hip", ""},       // Halpe 'hip'
        {"left_big_toe", "left_ankle"},
        {"right_big_toe", "right_ankle"},
        {"left_small_toe", "left_big_toe"},
        {"right_small_toe", "right_big_toe"},
        {"left_heel", "left_ankle"},
        {"right_heel", "right_ankle"}}},
      {"smpl24",
       {"smpl", "smpl_24"},
       "SMPL body-model joints (24), SMPL kinematic-tree order",
       {{"smpl_pelvis", ""},
        {"smpl_left_hip", "smpl_pelvis"},
        {"smpl_right_hip", "smpl_pelvis"},
        {"spine1", "smpl_pelvis"},
        {"left_knee", "smpl_left_hip"},
        {"right_knee", "smpl_right_hip"},
        {"spine2", "spine1"},
        {"left_ankle", "left_knee"},
        {"right_ankle", "right_knee"},
        {"spine3", "spine2"},
        {"left_foot", "left_ankle"},
        {"right_foot", "right_ankle"},
        {"smpl_neck", "spine3"},
        {"left_collar", "spine3"},
        {"right_collar", "spine3"},
        {"smpl_head", "smpl_neck"},
        {"left_shoulder", "left_collar"},
        {"right_shoulder", "right_collar"},
        {"left_elbow", "left_shoulder"},
        {"right_elbow", "right_shoulder"},
        {"left_wrist", "left_elbow"},
        {"right_wrist", "right_elbow"},
        {"left_hand", "left_wrist"},
        {"right_hand", "right_wrist"}}},
      {"posetrack17",
       {"posetrack", "posetrack18", "posetrack_17"},
       "PoseTrack18 keypoints (17): COCO order with head_bottom/head_top in place of the eyes",
       {{"nose", "head_bottom"},
        {"head_bottom", ""},
        {"head_top", "nose"},
        {"left_ear", "nose"},
        {"right_ear", "nose"},
        {"left_shoulder", "head_bottom"},
        {"right_shoulder", "head_bottom"},
        {"left_elbow", "left_shoulder"},
        {"right_elbow", "right_shoulder"},
        {"left_wrist", "left_elbow"},
        {"right_wrist", "right_elbow"},
        {"left_hip", "left_shoulder"},
        {"right_hip", "right_shoulder"},
        {"left_knee", "left_hip"},
        {"right_knee", "right_hip"},
        {"left_ankle", "left_knee"},
        {"right_ankle", "right_knee"}}},
  };
}

struct Registry {
  std::vector<SkeletonPtr> skeletons;                    // registry order
  std::unordered_map<std::string, SkeletonPtr> by_key;   // lower-case names and aliases
};

const Registry& registry() {
  // Built once (thread-safe static initialisation); every get_skeleton() of one layout returns the
  // same pointer, so callers may compare SkeletonPtr for identity.
  static const Registry reg = [] {
    Registry r;
    for (const auto& def : definitions()) {
      auto skel = std::make_shared<const Skeleton>(build(def));
      r.skeletons.push_back(skel);
      r.by_key.emplace(lower(def.name), skel);
      for (const char* alias : def.aliases) r.by_key.emplace(lower(alias), skel);
    }
    return r;
  }();
  return reg;
}

// Derived joints: a target joint that the source lacks but that is, by its definition, the mean of
// joints the source has. Only definitions documented in docs/skeletons.md belong here.
struct DerivedRule {
  const char* target;
  const char* a;
  const char* b;
};
const DerivedRule kDerived[] = {
    {"mid_hip", "left_hip", "right_hip"},     // OpenPose/Halpe mid hip: mean of the hips
    {"pelvis", "left_hip", "right_hip"},      // H36M/MPII pelvis centre, the usual hip midpoint
    {"neck", "left_shoulder", "right_shoulder"},  // OpenPose neck: mean of the shoulders
};

}  // namespace

int Skeleton::find(const std::string& joint) const {
  for (size_t i = 0; i < joints.size(); ++i)
    if (joints[i] == joint) return static_cast<int>(i);
  // Names are snake_case; accept other capitalisations from hand-written options.
  const std::string key = lower(joint);
  for (size_t i = 0; i < joints.size(); ++i)
    if (lower(joints[i]) == key) return static_cast<int>(i);
  return -1;
}

int Skeleton::index_of(const std::string& joint) const {
  int i = find(joint);
  if (i < 0) throw Error("skeleton " + display_name(*this), "no joint named '" + joint + "'");
  return i;
}

std::vector<int> Skeleton::flip_permutation() const {
  std::vector<int> flip(joints.size());
  for (size_t i = 0; i < flip.size(); ++i) flip[i] = static_cast<int>(i);
  const int n = num_joints();
  for (const auto& [l, r] : symmetry) {
    if (l < 0 || l >= n || r < 0 || r >= n) continue;  // validate() reports these
    flip[l] = r;
    flip[r] = l;
  }
  return flip;
}

void Skeleton::validate() const {
  const std::string where = "skeleton " + display_name(*this);
  const int n = num_joints();
  if (n == 0) throw Error(where, "has no joints");
  if (parents.size() != joints.size())
    throw Error(where, "has " + std::to_string(joints.size()) + " joints but " +
                           std::to_string(parents.size()) + " parent entries");
  for (int j = 0; j < n; ++j) {
    if (joints[j].empty()) throw Error(where, "joint " + std::to_string(j) + " has an empty name");
    for (int k = 0; k < j; ++k)
      if (joints[k] == joints[j])
        throw Error(where, "joint name '" + joints[j] + "' appears twice (indices " +
                               std::to_string(k) + " and " + std::to_string(j) + ")");
  }
  int roots = 0;
  for (int j = 0; j < n; ++j) {
    const int p = parents[j];
    if (p == -1) {
      ++roots;
      continue;
    }
    if (p < -1 || p >= n)
      throw Error(where, "joint '" + joints[j] + "' has parent index " + std::to_string(p) +
                             " outside [-1, " + std::to_string(n - 1) + "]");
  }
  if (roots == 0) throw Error(where, "has no root joint (parent -1): the parent links form a cycle");
  for (int j = 0; j < n; ++j) {
    // A chain longer than n links must revisit a joint.
    int cur = j;
    int steps = 0;
    while (cur != -1) {
      if (++steps > n)
        throw Error(where, "parent links of joint '" + joints[j] + "' form a cycle");
      cur = parents[cur];
    }
  }
  std::vector<int> seen(n, -1);
  for (size_t i = 0; i < symmetry.size(); ++i) {
    const auto [l, r] = symmetry[i];
    if (l < 0 || l >= n || r < 0 || r >= n)
      throw Error(where, "symmetry pair " + std::to_string(i) + " (" + std::to_string(l) + ", " +
                             std::to_string(r) + ") is outside [0, " + std::to_string(n - 1) + "]");
    if (l == r)
      throw Error(where, "symmetry pair " + std::to_string(i) + " pairs joint '" + joints[l] +
                             "' with itself");
    for (int idx : {l, r}) {
      if (seen[idx] >= 0)
        throw Error(where, "joint '" + joints[idx] + "' appears in symmetry pairs " +
                               std::to_string(seen[idx]) + " and " + std::to_string(i));
      seen[idx] = static_cast<int>(i);
    }
  }
}

SkeletonPtr get_skeleton(const std::string& name) {
  const auto& reg = registry();
  auto it = reg.by_key.find(lower(name));
  if (it == reg.by_key.end())
    throw Error("", "unknown skeleton '" + name + "' (known: " + join(skeleton_names()) + ")");
  return it->second;
}

bool has_skeleton(const std::string& name) {
  const auto& reg = registry();
  return reg.by_key.count(lower(name)) > 0;
}

std::vector<std::string> skeleton_names() {
  std::vector<std::string> names;
  for (const auto& s : registry().skeletons) names.push_back(s->name);
  return names;
}

std::vector<std::string> JointMapping::missing() const {
  std::vector<std::string> out;
  if (!to) return out;
  for (size_t t = 0; t < sources.size() && t < to->joints.size(); ++t)
    if (sources[t].empty()) out.push_back(to->joints[t]);
  return out;
}

JointMapping make_mapping(const SkeletonPtr& from, const SkeletonPtr& to, bool allow_missing) {
  if (!from || !to) throw Error("skeleton conversion", "source or target skeleton is not set");
  const std::string where = "skeleton " + display_name(*from) + " -> " + display_name(*to);

  JointMapping m;
  m.from = from;
  m.to = to;
  m.sources.resize(to->joints.size());
  int matched = 0;
  for (size_t t = 0; t < to->joints.size(); ++t) {
    const std::string& name = to->joints[t];
    int s = from->find(name);
    if (s >= 0) {
      m.sources[t] = {s};
    } else {
      for (const auto& rule : kDerived) {
        if (name != rule.target) continue;
        int a = from->find(rule.a);
        int b = from->find(rule.b);
        if (a >= 0 && b >= 0) m.sources[t] = {a, b};
        break;
      }
    }
    if (!m.sources[t].empty()) ++matched;
  }

  const int total = to->num_joints();
  const std::vector<std::string> missing = m.missing();
  if (2 * matched < total)
    throw Error(where, "only " + std::to_string(matched) + " of " + std::to_string(total) +
                           " target joints have a counterpart (fewer than half), refusing to "
                           "convert; missing: " + join(missing));
  if (!missing.empty() && !allow_missing)
    throw Error(where, std::to_string(missing.size()) + " of " + std::to_string(total) +
                           " target joints have no counterpart: " + join(missing) +
                           " (pass --allow-missing to fill them with NaN)");
  return m;
}

}  // namespace kinepose
