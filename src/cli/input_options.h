// Options shared by the subcommands: reading (--in-format, --skeleton, --fps, --param) and writing
// (-o, --format, --no-compress, --quiet) pose files.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "kinepose/io.h"

namespace CLI {
class App;
}

namespace kinepose::cli {

// A `--image-size` value: "WIDTHxHEIGHT" or "WIDTH,HEIGHT" in pixels (1..100000); "" = none.
// Throws Error("--image-size", ...) otherwise.
std::optional<std::array<int, 2>> parse_image_size(const std::string& s);

struct InputOptions {
  std::string format;
  std::string skeleton;
  double fps = 0.0;
  std::vector<std::string> params;  // "key=value"

  void add_to(CLI::App& cmd);
  ReadOptions to_read_options() const;  // throws Error for a malformed --param
};

struct OutputOptions {
  std::string path;
  std::string format;
  bool no_compress = false;
  bool quiet = false;

  void add_to(CLI::App& cmd);
  // Writes the tracks (atomically) and, unless --quiet, prints
  // "wrote PATH (N tracks, F frames, DETAIL)".
  void write(const Tracks& tracks, const std::string& detail) const;
};

}  // namespace kinepose::cli
