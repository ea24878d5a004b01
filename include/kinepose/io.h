// Reading and writing pose files. Every format lives in its own file under src/io/ and is listed
// in the format registry (src/io/formats.cpp); read_poses/write_poses pick the format from the
// extension or folder layout unless ReadOptions/WriteOptions name one.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

struct ReadOptions {
  std::string format;    // "" = detect from extension / folder contents
  std::string skeleton;  // override for formats that do not say (e.g. CSV, COCO results)
  double fps = 0.0;      // override / supply fps for formats that do not store it
  // Format-specific selectors, "key=value" strings (e.g. "subject=S9", "camera=54138969",
  // "kind=detections" for Human3.6M; "person=0" ...). Unknown keys are an error.
  std::map<std::string, std::string> params;
};

struct WriteOptions {
  std::string format;     // "" = from the extension
  bool compress = true;   // npz: deflate members
};

// A registered file format. `read` returns one or more tracks / sequences; `write` may be empty
// for read-only formats.
struct Format {
  std::string name;                     // e.g. "npz", "openpose", "coco"
  std::string description;              // one line for `kinepose convert --help`
  std::vector<std::string> extensions;  // lower-case, with dot: ".npz"; empty for folder formats
  bool is_folder = false;               // reads/writes a directory
  // Returns true if this format recognises `path` (used for folders and ambiguous extensions like
  // .json, where the content decides). May read the file's beginning.
  std::function<bool(const std::string& path)> sniff;
  std::function<Tracks(const std::string& path, const ReadOptions&)> read;
  std::function<void(const std::string& path, const Tracks&, const WriteOptions&)> write;
};

const std::vector<Format>& formats();
const Format& get_format(const std::string& name);  // throws Error listing known formats
// Chooses the format for reading: options.format if set, else by folder sniffing / extension /
// content sniffing. Throws Error naming the file when none fits or the path does not exist.
const Format& detect_read_format(const std::string& path, const ReadOptions& options = {});
const Format& detect_write_format(const std::string& path, const WriteOptions& options = {});

Tracks read_poses(const std::string& path, const ReadOptions& options = {});
void write_poses(const std::string& path, const Tracks& tracks, const WriteOptions& options = {});

}  // namespace kinepose
