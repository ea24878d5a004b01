// Typed reads of metadata maps.
#include "util/metadata_fields.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "kinepose/error.h"

namespace kinepose {

int metadata_int(const Metadata& m, const std::string& key, const std::string& where) {
  auto it = m.find(key);
  if (it == m.end()) throw Error(where, "metadata field '" + key + "' is missing");
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < -1000000000L || v > 1000000000L)
    throw Error(where, "metadata field '" + key + "' = '" + s + "' is not an integer");
  return static_cast<int>(v);
}

double metadata_double(const std::string& s, const std::string& key, const std::string& where) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v))
    throw Error(where, "metadata field '" + key + "' = '" + s + "' is not a number");
  return v;
}

bool metadata_bool(const std::string& s, const std::string& key, const std::string& where) {
  if (s == "true" || s == "True" || s == "1") return true;
  if (s == "false" || s == "False" || s == "0") return false;
  throw Error(where, "metadata field '" + key + "' = '" + s + "' is not true/false");
}

void metadata_get(const Metadata& m, const std::string& key, int& out, const std::string& where) {
  if (m.count(key)) out = metadata_int(m, key, where);
}
void metadata_get(const Metadata& m, const std::string& key, double& out, const std::string& where) {
  auto it = m.find(key);
  if (it != m.end()) out = metadata_double(it->second, key, where);
}
void metadata_get(const Metadata& m, const std::string& key, bool& out, const std::string& where) {
  auto it = m.find(key);
  if (it != m.end()) out = metadata_bool(it->second, key, where);
}
void metadata_get(const Metadata& m, const std::string& key, std::string& out) {
  auto it = m.find(key);
  if (it != m.end()) out = it->second;
}

std::string metadata_number(double v) { return fmt::format("{}", v); }

}  // namespace kinepose
