#pragma once
namespace kinepose {
inline constexpr const char* kVersion = "0.1.0";
}
