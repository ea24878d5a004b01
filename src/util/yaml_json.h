// YAML configuration files as JSON text, so every config reader parses one format (nlohmann_json).
#pragma once

#include <string>

namespace kinepose {

// Reads a YAML file and returns the equivalent JSON document as text. Scalars become booleans
// (true/false), integers or floating-point numbers when they read as such, unless quoted; null/~
// become null. Throws Error(path[:line], ...) for missing files and YAML syntax errors.
std::string yaml_file_to_json_text(const std::string& path);

}  // namespace kinepose
