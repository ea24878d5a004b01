#include "cli/input_options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "kinepose/error.h"

namespace kinepose::cli {

std::optional<std::array<int, 2>> parse_image_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  int w = 0, h = 0;
  char sep = 0, rest = 0;
  if (std::sscanf(s.c_str(), "%d%c%d%c", &w, &sep, &h, &rest) != 3 || (sep != 'x' && sep != ',') || w < 1 || h < 1 ||
      w > 100000 || h > 100000)
    throw Error("--image-size", "expected WIDTHxHEIGHT (or WIDTH,HEIGHT) in pixels, e.g. 1000x1002, got '" + s + "'");
  return std::array<int, 2>{w, h};
}

void InputOptions::add_to(CLI::App& cmd) {
  cmd.add_option("--in-format", format, "Input format (default: from the extension / folder contents)");
  cmd.add_option("--skeleton", skeleton, "Input skeleton, for formats that do not name one (e.g. csv, coco results)");
  cmd.add_option("--fps", fps, "Frame rate, for formats that do not store it (overrides the file)")->check(CLI::PositiveNumber);
  cmd.add_option("--param", params, "Format-specific KEY=VALUE (e.g. subject=S9, camera=54138969, tracking=greedy)");
}

ReadOptions InputOptions::to_read_options() const {
  ReadOptions r;
  r.format = format;
  r.skeleton = skeleton;
  r.fps = fps;
  for (const auto& p : params) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--param", "expected KEY=VALUE, got '" + p + "'");
    r.params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return r;
}

void OutputOptions::add_to(CLI::App& cmd) {
  cmd.add_option("-o,--output", path, "Output file or folder (format from the extension, or --format)")->required();
  cmd.add_option("--format", format, "Output format (npz, csv, coco, openpose, posetrack18, mmpose; default: from the extension)");
  cmd.add_flag("--no-compress", no_compress, "npz: store members uncompressed");
  cmd.add_flag("-q,--quiet", quiet, "Print nothing on success");
}

void OutputOptions::write(const Tracks& tracks, const std::string& detail) const {
  WriteOptions w;
  w.format = format;
  w.compress = !no_compress;
  write_poses(path, tracks, w);
  if (quiet) return;
  int frames = 0;
  for (const auto& t : tracks) frames = std::max(frames, t.frames);
  fmt::print("wrote {} ({} track{}, {} frames, {})\n", path, tracks.size(), tracks.size() == 1 ? "" : "s", frames, detail);
}

}  // namespace kinepose::cli
