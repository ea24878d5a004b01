// Hyper-parameters of HANet (Jin et al., WACV 2023), the exact computation of
// docs/hanet-spec.md, as one plain struct. Defaults are a compact CPU-friendly model (the
// configuration of the parity fixture); the published ones are available as presets. The struct
// also carries what a weights file must say about the data the model was trained on (skeleton,
// dims, input normalisation, fps), because refinement needs it. Torch-free on purpose.
#pragma once

#include <map>
#include <string>

namespace kinepose {

struct HanetConfig {
  // ---- data the model was trained on
  int joints = 17;                   // joints per frame
  int dims = 2;                      // coordinates per joint (2, 3, or 6 for SMPL rotation-6D)
  std::string skeleton = "coco17";   // kinepose skeleton name of the joints ("" = any with `joints` joints)
  // How poses are mapped into model space and back: "none" | "image_size" (x / width, y / height) |
  // "person_box" (per-track centre and size, 2D) | "root_relative" (root joint subtracted per frame) |
  // "root_box" (root joint subtracted per frame, divided by the track's median per-frame extent:
  // unit-free 3D, e.g. lifted poses in mm; the 3D default model).
  std::string input_normalization = "none";
  double fps = 0.0;                  // frame rate of the training data, 0 = unknown
  // Default window stride of whole-sequence refinement, 0 = the sample interval N (the published
  // rule). A model may ship with a smaller one when its card shows the denser averaging pays.
  int refine_stride = 0;
  // >= 0: the model was trained for live use with K = live_latency frames of look-ahead (its loss
  // is on window position L-1-K only; `kinepose train` "live_latency"); -1 = offline model.
  int live_latency = -1;
  // > 0: whole-sequence refinement ends with a Gaussian smoother of this sigma (frames; window
  // 2*round(2.5 sigma)+1) on the model's output in the data's units — part of the shipped default
  // 2D model (docs/models.md). 0 = none (the published pipeline).
  double post_sigma = 0.0;
  // > 0: live (streaming) refinement passes each track's emitted poses through a One-Euro filter
  // with this min cutoff (Hz) and post_one_euro_beta (scale invariant, d_cutoff 1 Hz) — causal, no
  // extra latency. Part of the shipped live model (docs/models.md). 0 = none.
  double post_one_euro_min_cutoff = 0.0;
  double post_one_euro_beta = 0.0;
  int post_window() const;
  int default_stride() const { return refine_stride > 0 ? refine_stride : sample_interval; }  // of refinement  // 2*round(2.5 sigma)+1, 0 without a post filter

  // ---- architecture
  // "hanet" (this file's model) or one of the peers trained and run through the same pipeline
  // (src/models/peers): "smoothnet" (SmoothNet, ECCV 2022: temporal MLP per channel; window
  // L = Q + 1 with N = 1, hidden_dim = hidden size, dim_feedforward = residual hidden size,
  // enc_layers = residual blocks) and "deciwatch" (DeciWatch, ECCV 2022: sample every N-th frame,
  // denoise with a transformer encoder, recover with a decoder; the fields mean what they mean here).
  std::string arch = "hanet";
  int sample_interval = 5;           // N: the encoder sees frames 0, N, 2N, ... of a window
  int q = 2;                         // Q: window length L = N*Q + 1
  int hidden_dim = 64;               // d: width of encoder level 0 and of the decoder
  int nheads = 4;                    // attention heads (divide d)
  int dim_feedforward = 256;         // F: feed-forward width at level 0 (published: 4d), F*2^i at level i
  int enc_layers = 3;                // E: encoder levels, width d*2^i
  int dec_layers = 3;                // D: decoder layers (published: D = E)
  bool pre_norm = true;              // pre-norm (LayerNorm before each block) or post-norm layers
  double dropout = 0.1;              // attention weights, residual branches and feed-forward
  std::string activation = "leaky_relu";  // "leaky_relu" (slope 0.01) | "relu" | "gelu"
  std::string interp = "linear";     // recovery of unseen frames; only "linear" (published)
  // Decoder cross-attention to unseen memory frames: "additive" (+1.0 on their logits, the
  // published arithmetic, required for published weights) | "masked" (-inf, i.e. not attended).
  std::string memory_mask = "additive";
  // What the two output heads may change: "full" (published: any correction) | "temporal" (each
  // head's correction has zero mean per channel over the window -- the encoder's over the seen frames,
  // weighted by their share of the interpolated window (seen_mean_weights), the decoder's over all L
  // frames -- so a window's mean pose is the input's and only the motion
  // within the window is corrected, as a smoother would).
  std::string correction = "full";

  int input_dim() const { return joints * dims; }         // C
  int window() const { return sample_interval * q + 1; }  // L
  int level_width(int level) const { return hidden_dim << level; }

  // Throws Error("hanet config", "<field>: ...") for impossible configurations.
  void validate() const;

  // The safetensors "__metadata__" map (every value a string; keys as in published conversions:
  // input_dim, window, encoder_hidden_dim, decoder_hidden_dim, enc_layers, ...).
  std::map<std::string, std::string> to_metadata() const;
  // Reads and validates metadata; `where` (the weights file) names the source in errors. Also
  // rejects contradictions such as input_dim != joints*dims, a window that is not N*Q+1, or
  // encoder width != decoder width.
  static HanetConfig from_metadata(const std::map<std::string, std::string>& metadata, const std::string& where);

  // Published configurations (docs/hanet-spec.md) and the compact default.
  // "compact" | "jhmdb_2d" | "h36m_3d" | "smoothnet" (published: L = 32, 512/256, 3 blocks, dropout
  // 0.5) | "deciwatch" (published: N = 10, L = 101, d = 128, 4 heads, F = 256, 5 + 5 layers).
  static HanetConfig preset(const std::string& name);
};

}  // namespace kinepose
