// Typed reads of string->string metadata maps (safetensors "__metadata__"): every weights file's
// hyper-parameters are stored as strings, and every model's config parses them the same way.
// Each function throws Error(where, "metadata field '<key>' ...") naming the field and the value.
#pragma once

#include <map>
#include <string>

namespace kinepose {

using Metadata = std::map<std::string, std::string>;

// Required integer field (|v| <= 1e9).
int metadata_int(const Metadata& m, const std::string& key, const std::string& where);
// A finite number / a boolean ("true", "false", "1", "0", "True", "False") parsed from `value`.
double metadata_double(const std::string& value, const std::string& key, const std::string& where);
bool metadata_bool(const std::string& value, const std::string& key, const std::string& where);
// Optional fields: `out` keeps its value when the key is absent.
void metadata_get(const Metadata& m, const std::string& key, int& out, const std::string& where);
void metadata_get(const Metadata& m, const std::string& key, double& out, const std::string& where);
void metadata_get(const Metadata& m, const std::string& key, bool& out, const std::string& where);
void metadata_get(const Metadata& m, const std::string& key, std::string& out);
// Shortest text that reads back to the same double.
std::string metadata_number(double v);

}  // namespace kinepose
