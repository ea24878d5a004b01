#include "test_helpers.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "kinepose/error.h"

namespace fs = std::filesystem;

namespace kinepose::testing {

std::string data_path(const std::string& relative) {
  const char* env = std::getenv("KINEPOSE_DATA_DIR");
  std::string root = (env && *env) ? env : KINEPOSE_DATA_DIR;
  return (fs::path(root) / relative).string();
}

bool have_data(const std::string& relative) { return fs::exists(data_path(relative)); }

std::string scratch_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / "kinepose_tests" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

CliResult run_cli(const std::string& args) {
  std::string cmd = shell_quote(KINEPOSE_CLI) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) output.append(buf.data(), n);
  int status = pclose(pipe);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return {code, output};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace kinepose::testing
