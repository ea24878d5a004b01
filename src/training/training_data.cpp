// Pairing of training files and tracks (training_data.h).
#include "training/training_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/io.h"
#include "kinepose/metrics.h"

namespace fs = std::filesystem;

namespace kinepose {

std::string resolve_path(const std::string& p, const std::string& base) {
  if (p.empty() || base.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(base) / p).lexically_normal().string();
}

namespace {

std::vector<std::string> pose_files_in(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.empty() || n[0] == '.') continue;
    files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool is_folder_format(const std::string& path) {
  try {
    return detect_read_format(path).is_folder;
  } catch (const Error&) {
    return false;
  }
}

// File pairs of one config entry: two files, two folder-format datasets, or two folders of files
// matched by stem.
std::vector<std::pair<std::string, std::string>> expand_pair(const TrainPair& p) {
  const bool din = fs::is_directory(p.input) && !is_folder_format(p.input);
  const bool dtg = fs::is_directory(p.target) && !is_folder_format(p.target);
  if (din != dtg)
    throw Error(p.input, fmt::format("input and target must both be files or both be folders (target: {})", p.target));
  if (!din) return {{p.input, p.target}};
  std::map<std::string, std::string> targets;
  for (const std::string& f : pose_files_in(p.target)) targets[stem_of(f)] = f;
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& f : pose_files_in(p.input)) {
    const auto it = targets.find(stem_of(f));
    if (it == targets.end())
      throw Error(f, fmt::format("no ground truth named '{}' in {}", stem_of(f), p.target));
    out.emplace_back(f, it->second);
  }
  if (out.empty()) throw Error(p.input, "folder holds no pose files");
  return out;
}

}  // namespace

LoadedPairs load_pose_pairs(const std::vector<TrainPair>& pairs, const PoseCheck& check_input, const PoseCheck& check_target) {
  LoadedPairs out;
  for (const TrainPair& p : pairs)
    for (const auto& [fin, ftg] : expand_pair(p)) {
      Tracks in = read_poses(fin), tg = read_poses(ftg);
      if (in.empty()) throw Error(fin, "no sequences");
      if (tg.empty()) throw Error(ftg, "no sequences");
      std::vector<std::pair<size_t, size_t>> idx;
      if (in.size() == 1 && tg.size() == 1) {
        idx.emplace_back(0, 0);
      } else {
        const SequenceMatching m = match_sequences(in, tg);
        if (!m.pred_only.empty())
          throw Error(fin, fmt::format("sequence '{}' has no ground truth of that name in {}", m.pred_only[0], ftg));
        if (!m.gt_only.empty())
          throw Error(ftg, fmt::format("sequence '{}' has no input of that name in {}", m.gt_only[0], fin));
        for (const SequenceMatch& s : m.matched) idx.emplace_back(s.pred, s.gt);
      }
      for (const auto& [a, b] : idx) {
        const std::string win = in.size() == 1 ? fin : fmt::format("{} ({})", fin, in[a].name);
        const std::string wtg = tg.size() == 1 ? ftg : fmt::format("{} ({})", ftg, tg[b].name);
        check_input(in[a], win);
        check_target(tg[b], wtg);
        if (in[a].frames < 1) throw Error(win, "empty sequence (0 frames)");
        if (in[a].frames != tg[b].frames)
          throw Error(win, fmt::format("{} frames, its ground truth {} has {}", in[a].frames, wtg, tg[b].frames));
        // Multi-track files share one timeline (npz pads shorter tracks with NaN frames): keep the
        // span where both sides have data, so padding does not become frozen training windows.
        int first = -1, last = -1;
        for (int t = 0; t < in[a].frames; ++t) {
          bool pi = false, pg = false;
          for (int j = 0; j < in[a].joints() && !(pi && pg); ++j) {
            pi = pi || !in[a].missing(t, j);
            pg = pg || !tg[b].missing(t, j);
          }
          if (pi && pg) {
            if (first < 0) first = t;
            last = t;
          }
        }
        if (first < 0) throw Error(win, fmt::format("no frame where both the input and its ground truth {} have joints", wtg));
        if (first > 0 || last + 1 < in[a].frames) {
          in[a] = in[a].slice(first, last + 1);
          tg[b] = tg[b].slice(first, last + 1);
        }
        out.tracks.emplace_back(std::move(in[a]), std::move(tg[b]));
        out.where.push_back(win);
      }
    }
  return out;
}

}  // namespace kinepose
