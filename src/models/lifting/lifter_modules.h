// The 2D -> 3D lifting networks in LibTorch (hyper-parameters: lifter_config.h; design and
// deviations from the papers: docs/lifting.md). Both map standardised 2D input to standardised
// root-relative 3D of every joint but the root.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "models/lifting/lifter_config.h"

namespace kinepose::lifting {

// Martinez et al. (ICCV 2017), one residual block: x + relu∘bn∘linear twice, dropout after each.
class FcnBlockImpl : public torch::nn::Module {
 public:
  FcnBlockImpl(int64_t width, double dropout);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::BatchNorm1d bn1{nullptr}, bn2{nullptr};

 private:
  double dropout_;
};
TORCH_MODULE(FcnBlock);

class FcnLifterImpl : public torch::nn::Module {
 public:
  explicit FcnLifterImpl(const LifterConfig& c);
  // (N, in_values) -> (N, out_values), one frame per row.
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Linear input{nullptr}, output{nullptr};
  torch::nn::BatchNorm1d input_bn{nullptr};
  torch::nn::ModuleList blocks{nullptr};

 private:
  double dropout_;
  std::vector<FcnBlock> blocks_;
};
TORCH_MODULE(FcnLifter);

// One DG-Net block: dynamical spatial graph convolution (DSG) then dynamical temporal graph
// convolution (DTG), each with a residual connection and LayerNorm (docs/lifting.md).
class DgBlockImpl : public torch::nn::Module {
 public:
  DgBlockImpl(const LifterConfig& c, const at::Tensor& skeleton_adjacency);
  // (B, T, J, H) -> (B, T, J, H)
  at::Tensor forward(const at::Tensor& h);
  // The per-video spatial affinity (B, J, J) of the block's input: softmax of -distance between
  // the time-averaged joint embeddings over each joint's k nearest other joints (0 elsewhere).
  at::Tensor spatial_affinity(const at::Tensor& h);
  // The per-joint temporal affinity (B, J, T, T): softmax of -distance between the embedded motion
  // (h[t] - h[t-1]) of the joint at frames t and t', within |t - t'| <= radius (0 elsewhere).
  at::Tensor temporal_affinity(const at::Tensor& h);

  torch::nn::Linear spatial_embed{nullptr}, skeleton_proj{nullptr}, dynamic_proj{nullptr};
  torch::nn::Linear motion_embed{nullptr}, temporal_proj{nullptr};
  torch::nn::Conv1d temporal_conv{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  at::Tensor adjacency_bias;  // (J, J) learned correction of the skeleton graph

 private:
  int neighbours_, radius_;
  double dropout_;
  at::Tensor skeleton_;  // (J, J) normalised skeleton adjacency with self loops (not a parameter)
};
TORCH_MODULE(DgBlock);

class DgNetLifterImpl : public torch::nn::Module {
 public:
  explicit DgNetLifterImpl(const LifterConfig& c);
  // (B, T, in_values) -> (B, T, out_values); T is any length (the model is trained on `window`).
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Linear embed{nullptr}, head{nullptr};
  // head_hidden > 0: head_in (J H -> S), head_block{1,2} (S -> S), each followed by head_norm{0,1,2}.
  torch::nn::Linear head_in{nullptr}, head_block1{nullptr}, head_block2{nullptr};
  torch::nn::LayerNorm head_norm0{nullptr}, head_norm1{nullptr}, head_norm2{nullptr};
  torch::nn::Linear head_frame_in{nullptr};  // head_frame: the frame's 2D (2J -> S), added before head_norm0
  at::Tensor joint_embedding;  // (J, H)
  torch::nn::ModuleList blocks{nullptr};

 private:
  LifterConfig config_;
  std::vector<DgBlock> blocks_;
};
TORCH_MODULE(DgNetLifter);

// A lifter with the standardisation statistics of its training data (buffers in_mean, in_std,
// out_mean, out_std, saved with the weights).
class LifterImpl : public torch::nn::Module {
 public:
  explicit LifterImpl(const LifterConfig& c);
  // (B, T, in_values) standardised -> (B, T, out_values) standardised.
  at::Tensor forward(const at::Tensor& x);
  const LifterConfig& config() const { return config_; }

  at::Tensor in_mean, in_std, out_mean, out_std;
  FcnLifter fcn{nullptr};
  DgNetLifter dgnet{nullptr};

 private:
  LifterConfig config_;
};
TORCH_MODULE(Lifter);

// Weights: safetensors with the config in the metadata, parameters and buffers (BatchNorm running
// statistics, standardisation) as float32. Loading checks every name and shape and rejects
// non-finite values; errors name the file.
Lifter load_lifter(const std::string& path);
void save_lifter(const std::string& path, Lifter& model);  // atomic

}  // namespace kinepose::lifting

namespace kinepose::lifting {

// Mirroring of a lifter's rows (x -> -x, every left/right pair swapped), along the last dimension:
// input rows (2D joints of in_skeleton) and output rows (3D joints of out_skeleton but the root).
// Involutions: applying one twice gives the rows back. Used for flip augmentation in training and
// flip averaging at test time.
struct RowMirror {
  explicit RowMirror(const LifterConfig& c);
  at::Tensor input(const at::Tensor& x) const;
  at::Tensor output(const at::Tensor& y) const;

 private:
  at::Tensor in_perm, in_sign, out_perm, out_sign;
};

// Model input rows (frames x in_values, lifter_input_rows) -> output rows (frames x out_values,
// root-relative in the data's units), in inference mode: FCN in chunks of frames, DG-Net over
// windows of config().window frames starting every `stride` frames (0 = window / 3), the last one
// ending at the last frame, overlapping outputs averaged; shorter input is padded with its last
// frame. `windows` (optional) receives the number of DG-Net windows (of one pass). `flip`: average
// with the mirrored pass (LifterConfig::flip_test).
std::vector<float> lift_rows(Lifter& model, const std::vector<float>& rows, int64_t frames, int stride = 0,
                             int64_t* windows = nullptr, bool flip = false);

}  // namespace kinepose::lifting
