// Streaming HANet refinement (see hanet_stream.h): per-track state updates are plain C++; every
// push / push_many / end_track / flush collects the windows it completes and refines them in one
// batched forward of the fast path (hanet_fast.h).
#include "models/hanet/hanet_stream.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <map>

#include "filters/one_euro_filter.h"
#include "kinepose/error.h"
#include "kinepose/pose.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_fast.h"
#include "models/hanet/hanet_refiner.h"
#include "models/hanet/hanet_weights.h"

namespace kinepose::hanet {

namespace {

struct Frame {
  int64_t index = 0;
  std::vector<float> pose;  // joints*dims, filled (no NaN)
  bool detected = true;
};

struct Track {
  std::deque<Frame> buf;  // the last <= L frames of the current segment
  int64_t last = -1, last_observed = -1, next_emit = 0;
  std::vector<float> hold;  // last observation per joint
  std::vector<char> seen;   // joint observed at least once
};

struct Pick {
  int pos = 0;  // position in the window
  int64_t frame = 0;
  bool detected = true;
  std::vector<char> seen;
};

struct Request {
  int64_t track = 0;
  std::vector<float> window;  // L * C, model space
  Normalization norm;
  std::vector<Pick> picks;
};

SkeletonPtr skeleton_for(const HanetConfig& c) {
  if (!c.skeleton.empty() && has_skeleton(c.skeleton)) return get_skeleton(c.skeleton);
  auto s = std::make_shared<Skeleton>();
  s->name = c.skeleton;
  for (int j = 0; j < c.joints; ++j) {
    s->joints.push_back(fmt::format("joint{}", j));
    s->parents.push_back(j == 0 ? -1 : 0);
  }
  return s;
}

}  // namespace

struct StreamRefiner::Impl {
  Hanet model{nullptr};
  std::unique_ptr<FastHanet> fast;
  HanetConfig c;
  StreamOptions o;
  SkeletonPtr skel;
  int L = 0, J = 0, D = 0, C = 0;
  std::map<int64_t, Track> tracks;
  // The model's causal post smoother (HanetConfig::post_one_euro_*), per track id; a new segment of a
  // track starts a fresh one.
  std::map<int64_t, OneEuroPoseFilter> post;

  void init(Hanet m, const StreamOptions& options) {
    model = std::move(m);
    model->eval();
    c = model->config();
    o = options;
    L = c.window();
    J = c.joints;
    D = c.dims;
    C = c.input_dim();
    if (o.latency == -1) o.latency = c.live_latency >= 0 ? c.live_latency : 0;
    if (o.latency < 0 || o.latency > L - 1)
      throw Error("--latency", fmt::format("{} is outside 0..{} (the model's window is {} frames)", o.latency, L - 1, L));
    if (o.max_gap < 0) throw Error("max gap", "must be >= 0");
    skel = skeleton_for(c);
    fast = std::make_unique<FastHanet>(model);
  }

  Request request(const Track& tr, int64_t id) const {
    Request r;
    r.track = id;
    PoseSequence win(skel, L, D);
    win.image_size = o.image_size;
    const int n = static_cast<int>(tr.buf.size()), pad = L - n;
    const size_t F = static_cast<size_t>(C);
    for (int t = 0; t < L; ++t) {
      const std::vector<float>& p = tr.buf[t < pad ? 0 : t - pad].pose;
      std::copy(p.begin(), p.end(), win.keypoints.begin() + static_cast<std::ptrdiff_t>(t * F));
    }
    r.norm = make_normalization(c.input_normalization, win, fmt::format("track {}", id));
    r.norm.apply(win);
    r.window = std::move(win.keypoints);
    return r;
  }

  void add_frame(Track& tr, int64_t id, int64_t g, const float* kp, bool det, std::vector<Request>& reqs) {
    Frame f;
    f.index = g;
    f.detected = det;
    f.pose.assign(static_cast<size_t>(C), 0.f);
    std::vector<char> placeholder(static_cast<size_t>(J), 0);
    bool any_placeholder = false;
    for (int j = 0; j < J; ++j) {
      bool obs = kp != nullptr;
      for (int d = 0; d < D && obs; ++d) obs = std::isfinite(kp[j * D + d]);
      for (int d = 0; d < D; ++d) {
        const size_t k = static_cast<size_t>(j * D + d);
        if (obs) f.pose[k] = tr.hold[k] = kp[k];
        else if (tr.seen[j]) f.pose[k] = tr.hold[k];
      }
      if (obs) tr.seen[j] = 1;
      else if (!tr.seen[j]) placeholder[j] = any_placeholder = true;
    }
    if (any_placeholder) {
      for (int d = 0; d < D; ++d) {
        double sum = 0;
        int n = 0;
        for (int j = 0; j < J; ++j)
          if (!placeholder[j]) sum += f.pose[static_cast<size_t>(j * D + d)], ++n;
        for (int j = 0; j < J; ++j)
          if (placeholder[j]) f.pose[static_cast<size_t>(j * D + d)] = static_cast<float>(n > 0 ? sum / n : 0.0);
      }
    }
    tr.buf.push_back(std::move(f));
    if (static_cast<int>(tr.buf.size()) > L) tr.buf.pop_front();
    tr.last = g;
    if (det) tr.last_observed = g;
    const int K = o.latency;
    if (g - K >= tr.next_emit) {
      Request r = request(tr, id);
      const Frame& out = tr.buf[tr.buf.size() - 1 - static_cast<size_t>(K)];
      r.picks.push_back(Pick{L - 1 - K, g - K, out.detected, tr.seen});
      tr.next_emit = g - K + 1;
      reqs.push_back(std::move(r));
    }
  }

  void end(std::map<int64_t, Track>::iterator it, std::vector<Request>& reqs) {
    Track& tr = it->second;
    if (tr.next_emit <= tr.last && !tr.buf.empty()) {
      Request r = request(tr, it->first);
      for (int64_t t = tr.next_emit; t <= tr.last; ++t) {
        const int64_t back = tr.last - t;  // frames after t in the buffer
        const Frame& f = tr.buf[tr.buf.size() - 1 - static_cast<size_t>(back)];
        r.picks.push_back(Pick{L - 1 - static_cast<int>(back), t, f.detected, tr.seen});
      }
      reqs.push_back(std::move(r));
    }
    tracks.erase(it);
  }

  void push_state(int64_t id, int64_t frame, const float* kp, std::vector<Request>& reqs) {
    bool det = false;
    if (kp)
      for (int j = 0; j < J && !det; ++j) {
        bool obs = true;
        for (int d = 0; d < D; ++d) obs = obs && std::isfinite(kp[j * D + d]);
        det = obs;
      }
    auto it = tracks.find(id);
    if (it == tracks.end()) {
      if (!det) return;  // nothing known about this track yet
      post.erase(id);
      Track tr;
      tr.hold.assign(static_cast<size_t>(C), 0.f);
      tr.seen.assign(static_cast<size_t>(J), 0);
      tr.last = frame - 1;
      tr.last_observed = frame;
      tr.next_emit = frame;
      it = tracks.emplace(id, std::move(tr)).first;
      add_frame(it->second, id, frame, kp, true, reqs);
      return;
    }
    Track& tr = it->second;
    if (frame <= tr.last)
      throw Error("stream", fmt::format("track {}: frame {} does not come after frame {}", id, frame, tr.last));
    for (int64_t g = tr.last + 1; g <= frame; ++g) {
      const bool here = g == frame && det;
      if (!here && g - tr.last_observed > o.max_gap) {  // the track is lost: end it, maybe start afresh
        end(it, reqs);
        if (det) push_state(id, frame, kp, reqs);
        return;
      }
      add_frame(tr, id, g, g == frame ? kp : nullptr, here, reqs);
    }
  }

  std::vector<StreamOutput> run(std::vector<Request>& reqs) {
    std::vector<StreamOutput> outs;
    if (reqs.empty()) return outs;
    const int64_t B = static_cast<int64_t>(reqs.size());
    c10::InferenceMode guard;
    at::Tensor x = at::empty({B, L, C}, at::TensorOptions().dtype(at::kFloat));
    float* px = x.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b)
      std::copy(reqs[b].window.begin(), reqs[b].window.end(), px + b * L * C);
    at::Tensor y = o.reference ? model->forward(x).final_out : fast->forward(x);
    y = y.to(at::kFloat).contiguous();
    const float* py = y.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) {
      const Request& r = reqs[b];
      for (const Pick& p : r.picks) {
        StreamOutput out;
        out.track = r.track;
        out.frame = p.frame;
        out.detected = p.detected;
        out.keypoints.resize(static_cast<size_t>(C));
        const float* row = py + (b * L + p.pos) * C;
        for (int j = 0; j < J; ++j)
          for (int d = 0; d < D; ++d) {
            const size_t k = static_cast<size_t>(j * D + d);
            const float off = r.norm.offset.empty() ? 0.f : r.norm.offset[static_cast<size_t>(p.pos * D + d)];
            out.keypoints[k] = p.seen[j] ? row[k] * r.norm.scale[d] + off : NAN;
          }
        if (c.post_one_euro_min_cutoff > 0) {
          auto f = post.find(r.track);
          if (f == post.end()) {
            OneEuroPoseFilter::Params fp;
            fp.filter.min_cutoff = c.post_one_euro_min_cutoff;
            fp.filter.beta = c.post_one_euro_beta;
            f = post.emplace(r.track, OneEuroPoseFilter(fp, J, D)).first;
          }
          const double fps = c.fps > 0 ? c.fps : 30.0;
          f->second.push(static_cast<double>(p.frame) / fps, out.keypoints.data(), out.keypoints.data());
        }
        outs.push_back(std::move(out));
      }
    }
    return outs;
  }
};

StreamRefiner::StreamRefiner(const std::string& weights_path, const StreamOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->init(load_hanet(weights_path), options);
}

StreamRefiner::StreamRefiner(std::shared_ptr<HanetImpl> model, const StreamOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (!model) throw Error("stream", "no model");
  impl_->init(Hanet(std::move(model)), options);
}

StreamRefiner::~StreamRefiner() = default;

const HanetConfig& StreamRefiner::config() const { return impl_->c; }
const StreamOptions& StreamRefiner::options() const { return impl_->o; }
int StreamRefiner::window() const { return impl_->L; }
int StreamRefiner::joints() const { return impl_->J; }
int StreamRefiner::dims() const { return impl_->D; }
size_t StreamRefiner::active_tracks() const { return impl_->tracks.size(); }

std::vector<StreamOutput> StreamRefiner::push(int64_t track, int64_t frame, const float* keypoints) {
  std::vector<Request> reqs;
  impl_->push_state(track, frame, keypoints, reqs);
  return impl_->run(reqs);
}

std::vector<StreamOutput> StreamRefiner::push_many(const std::vector<StreamInput>& inputs) {
  std::vector<Request> reqs;
  for (const StreamInput& in : inputs) impl_->push_state(in.track, in.frame, in.keypoints, reqs);
  return impl_->run(reqs);
}

std::vector<StreamOutput> StreamRefiner::end_track(int64_t track) {
  std::vector<Request> reqs;
  auto it = impl_->tracks.find(track);
  if (it != impl_->tracks.end()) impl_->end(it, reqs);
  return impl_->run(reqs);
}

std::vector<StreamOutput> StreamRefiner::flush() {
  std::vector<Request> reqs;
  while (!impl_->tracks.empty()) impl_->end(impl_->tracks.begin(), reqs);
  return impl_->run(reqs);
}

Tracks stream_refine_tracks(StreamRefiner& refiner, const Tracks& tracks, int64_t* refined) {
  const size_t F = static_cast<size_t>(refiner.joints()) * static_cast<size_t>(refiner.dims());
  Tracks result = tracks;
  int frames = 0;
  for (PoseSequence& t : result) {
    std::fill(t.keypoints.begin(), t.keypoints.end(), NAN);
    frames = std::max(frames, t.frames);
  }
  int64_t count = 0;
  auto store = [&](const std::vector<StreamOutput>& outs) {
    for (const auto& o : outs) {
      PoseSequence& t = result[static_cast<size_t>(o.track)];
      std::copy(o.keypoints.begin(), o.keypoints.end(), t.keypoints.begin() + static_cast<std::ptrdiff_t>(o.frame * F));
      ++count;
    }
  };
  std::vector<StreamInput> batch;
  for (int f = 0; f < frames; ++f) {
    batch.clear();
    for (size_t i = 0; i < tracks.size(); ++i) {
      if (f >= tracks[i].frames) continue;
      StreamInput s;
      s.track = static_cast<int64_t>(i);
      s.frame = f;
      s.keypoints = tracks[i].keypoints.data() + static_cast<size_t>(f) * F;
      batch.push_back(s);
    }
    store(refiner.push_many(batch));
  }
  store(refiner.flush());
  if (refined) *refined = count;
  return result;
}

}  // namespace kinepose::hanet
