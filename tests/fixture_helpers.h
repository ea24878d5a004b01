// Where the read-only model parity fixtures live ($KINEPOSE_FIXTURE_DIR or the CMake default
// ../shared/fixtures), and a skip macro for when they are absent.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace kinepose::testing {

inline std::string fixture_path(const std::string& relative) {
  const char* env = std::getenv("KINEPOSE_FIXTURE_DIR");
  const std::string root = env && *env ? env : KINEPOSE_FIXTURE_DIR;
  return root + "/" + relative;
}

inline bool have_fixture(const std::string& relative) { return std::filesystem::exists(fixture_path(relative)); }

}  // namespace kinepose::testing

#define KINEPOSE_REQUIRE_FIXTURE(rel)                                                              \
  do {                                                                                             \
    if (!::kinepose::testing::have_fixture(rel))                                                   \
      GTEST_SKIP() << "fixture absent: " << ::kinepose::testing::fixture_path(rel)                \
                   << " (set KINEPOSE_FIXTURE_DIR to the folder holding the parity fixtures)";     \
  } while (0)
