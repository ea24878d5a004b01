// `kinepose refine --live [--latency K]`: streaming (causal) refinement with bounded latency
// (models/hanet/hanet_stream.h).
//   - a pose file: every track is refined frame by frame as if it arrived live (all tracks of a
//     frame in one batched forward), written in any output format like offline `refine`;
//   - input "-": one JSON object per line on stdin
//       {"frame": t, "track": id (optional, default 0), "keypoints": [[x,y],...] | [x,y,...]}
//     (null = missing joint or coordinate; "keypoints": null or [] = no detection), and one refined
//     object per line on stdout, {"frame": t-K, "track": id, "keypoints": [[x,y],...]} (null = joint
//     never observed; "detected": false added for frames without detection), flushed per line; at
//     EOF the last K frames of every track are flushed. A bad line ends the run with the one-line
//     error "stdin line N: <what is wrong>". The stdin skeleton is the model's (--skeleton checks it).
#pragma once

#include <iosfwd>
#include <string>

#include "cli/input_options.h"

namespace CLI {
class App;
}

namespace kinepose::hanet {
class StreamRefiner;
}

namespace kinepose::cli {

struct LiveOptions {
  bool live = false;
  int latency = -1;         // K; -1 = the model's (its live_latency, else 0)
  int max_gap = 10;         // frames without detection before a track ends
  std::string image_size;   // "WxH" for image_size-normalised models (stdin input)
};

// Registers --live, --latency, --max-gap, --image-size on `refine`.
void add_live_options(CLI::App& cmd, LiveOptions& o);

// The whole `refine --live` run. `model` empty = the shipped live default for the input's skeleton.
void run_live_refine(const std::string& input, const std::string& model, const LiveOptions& live,
                     const InputOptions& in, const OutputOptions& out);

// The stdin protocol on explicit streams: reads JSON lines from `in` until EOF, writes refined lines
// to `out` (flushed after every input line). `skeleton` (may be empty) is checked against the
// model's. Returns the number of lines written; throws Error("stdin line N", ...) for a bad line.
int64_t run_live_json_lines(hanet::StreamRefiner& refiner, std::istream& in, std::ostream& out,
                            const std::string& skeleton = "");

}  // namespace kinepose::cli
