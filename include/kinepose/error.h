// kinepose::Error — the one exception type every module throws for bad input or impossible requests.
// Its message is a single line "WHERE: WHAT" (WHERE = a file, file:line, or a field), which the CLI
// prints as-is before exiting non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace kinepose {

class Error : public std::runtime_error {
 public:
  Error(const std::string& where, const std::string& what)
      : std::runtime_error(where.empty() ? what : where + ": " + what), where_(where), what_(what) {}
  explicit Error(const std::string& what) : Error("", what) {}

  const std::string& where() const { return where_; }
  const std::string& detail() const { return what_; }

 private:
  std::string where_;
  std::string what_;
};

}  // namespace kinepose
