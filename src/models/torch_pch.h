// Precompiled header of the kinepose_torch library: the LibTorch headers its translation units use
// (parsing them costs ~12 s and ~1.3 GB per file otherwise). Narrow headers on purpose: no
// <torch/torch.h>.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/init.h>
