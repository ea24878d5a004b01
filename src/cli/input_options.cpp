#include "cli/input_options.h"

#include <CLI/CLI.hpp>

#include "kinepose/error.h"

namespace kinepose::cli {

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

}  // namespace kinepose::cli
