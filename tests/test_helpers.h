// Shared helpers for the test suite: where the real data lives, a scratch folder per test, and a
// runner for the CLI binary.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace kinepose::testing {

// Path inside the shared data folder ($KINEPOSE_DATA_DIR or the CMake default).
std::string data_path(const std::string& relative);
// True if the shared data file/folder exists; otherwise the caller should GTEST_SKIP().
bool have_data(const std::string& relative);
// A fresh empty folder for this test (removed and recreated on each call with the same name).
std::string scratch_dir(const std::string& name);

struct CliResult {
  int exit_code;
  std::string output;  // stdout + stderr
};
// Runs `kinepose ARGS` (ARGS is a shell-quoted argument string).
CliResult run_cli(const std::string& args);
std::string shell_quote(const std::string& s);
// The message of the kinepose::Error that f throws, or "(no error)".
std::string error_of(const std::function<void()>& f);

}  // namespace kinepose::testing

// Skips the current test when the shared data path is absent.
#define KINEPOSE_REQUIRE_DATA(rel)                                                           \
  do {                                                                                       \
    if (!::kinepose::testing::have_data(rel))                                                \
      GTEST_SKIP() << "shared data absent: " << ::kinepose::testing::data_path(rel)          \
                   << " (set KINEPOSE_DATA_DIR to the folder holding the real datasets)";    \
  } while (0)
