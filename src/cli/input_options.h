// Options shared by every subcommand that reads pose files: --in-format, --skeleton, --fps, --param.
#pragma once

#include <string>
#include <vector>

#include "kinepose/io.h"

namespace CLI {
class App;
}

namespace kinepose::cli {

struct InputOptions {
  std::string format;
  std::string skeleton;
  double fps = 0.0;
  std::vector<std::string> params;  // "key=value"

  void add_to(CLI::App& cmd);
  ReadOptions to_read_options() const;  // throws Error for a malformed --param
};

}  // namespace kinepose::cli
