// The format registry and format detection: which reader/writer handles a path.
#include <algorithm>
#include <filesystem>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/io.h"

namespace fs = std::filesystem;

namespace kinepose {

const std::vector<Format>& formats() {
  // Order matters for detection: earlier formats win when several sniff a path successfully.
  static const std::vector<Format> registry = [] {
    std::vector<Format> all;
    for (auto factory : {npz_format, csv_format, openpose_format, coco_results_format, posetrack18_format,
                         coco_annotations_format, mmpose_format, bvh_format, amc_format, penn_mat_format,
                         jhmdb_mat_format, h36m_format})
      all.push_back(factory());
    return all;
  }();
  return registry;
}

static std::string format_names(bool writable_only) {
  std::string names;
  for (const auto& f : formats()) {
    if (writable_only && !f.write) continue;
    names += (names.empty() ? "" : ", ") + f.name;
  }
  return names;
}

const Format& get_format(const std::string& name) {
  const std::string key = lower(name);
  for (const auto& f : formats())
    if (f.name == key) return f;
  throw Error("", "unknown format '" + name + "' (known: " + format_names(false) + ")");
}

const Format& detect_read_format(const std::string& path, const ReadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path, "no such file or folder");
  if (!options.format.empty()) return get_format(options.format);
  if (fs::is_directory(path, ec)) {
    for (const auto& f : formats())
      if (f.is_folder && f.sniff && f.sniff(path)) return f;
    throw Error(path, "folder not recognised as any pose format (folder formats: OpenPose JSON frames, Human3.6M); use --format");
  }
  const std::string ext = extension_of(path);
  std::vector<const Format*> candidates;
  for (const auto& f : formats())
    if (std::find(f.extensions.begin(), f.extensions.end(), ext) != f.extensions.end()) candidates.push_back(&f);
  if (candidates.empty())
    throw Error(path, "unknown file extension '" + ext + "'; use --format (known: " + format_names(false) + ")");
  if (candidates.size() == 1) return *candidates.front();
  for (const Format* f : candidates)
    if (f->sniff && f->sniff(path)) return *f;
  std::string names;
  for (const Format* f : candidates) names += (names.empty() ? "" : ", ") + f->name;
  throw Error(path, "content does not match any " + ext + " pose format (" + names + "); garbled file, or use --format");
}

const Format& detect_write_format(const std::string& path, const WriteOptions& options) {
  const Format* chosen = nullptr;
  if (!options.format.empty()) {
    chosen = &get_format(options.format);
  } else {
    const std::string ext = extension_of(path);
    if (ext.empty())
      throw Error(path, "no file extension to choose an output format from; use --format (writable: " + format_names(true) + ")");
    for (const auto& f : formats())  // first writable format with that extension (".json" -> COCO results)
      if (f.write && std::find(f.extensions.begin(), f.extensions.end(), ext) != f.extensions.end()) {
        chosen = &f;
        break;
      }
    if (!chosen) throw Error(path, "no writable format for extension '" + ext + "' (writable: " + format_names(true) + ")");
  }
  if (!chosen->write) throw Error(path, "format '" + chosen->name + "' is read-only (writable: " + format_names(true) + ")");
  return *chosen;
}

Tracks read_poses(const std::string& path, const ReadOptions& options) {
  const Format& f = detect_read_format(path, options);
  Tracks tracks = f.read(path, options);
  if (tracks.empty()) throw Error(path, "no pose sequence in file");
  for (auto& t : tracks) {
    if (options.fps > 0) t.fps = options.fps;
    t.validate(path);
  }
  return tracks;
}

void write_poses(const std::string& path, const Tracks& tracks, const WriteOptions& options) {
  const Format& f = detect_write_format(path, options);
  if (tracks.empty()) throw Error(path, "nothing to write (no pose sequence)");
  for (const auto& t : tracks) t.validate(path);
  f.write(path, tracks, options);
}

}  // namespace kinepose
