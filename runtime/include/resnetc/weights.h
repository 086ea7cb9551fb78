/* resnetc/weights.h: a model's parameters and BN statistics <-> safetensors files with
 * PyTorch (torchvision) names and layouts, and torchvision's initialization.
 *
 * Conv weights are OIHW in files and HWIO ([kh][kw][in][out]) in memory; every other
 * tensor has the same layout in both. Files written here are F32, with __metadata__
 * {"format": "pt", "resnetc_model": <name>}. They do not contain BN `num_batches_tracked`
 * (resnetc does not track it; PyTorch's BatchNorm fills it in with 0 when loading a
 * state dict without it, also under strict=True). Not provided: optimizer state and
 * checkpoints (see the training code).
 */
#ifndef RESNETC_WEIGHTS_H
#define RESNETC_WEIGHTS_H

#include <stdint.h>

#include "resnetc/model.h"

/* Load every tensor of m->tensors from `path` into params (roles CONV_WEIGHT..FC_BIAS) or
 * stats (BN_MEAN, BN_VAR). F32 is read as is, F64/F16/BF16 converted. Tensors named
 * "*.num_batches_tracked" are ignored. Missing and unexpected tensors are listed by name in
 * one message; a shape or dtype mismatch names the tensor, expected vs found. On error
 * nothing is written to params or stats. 0 or -1. */
int rn_weights_load(const rn_model *m, const char *path, float *params, float *stats);

/* Write every tensor of m->tensors in PyTorch layout, atomically. 0 or -1. */
int rn_weights_save(const rn_model *m, const char *path, const float *params,
                    const float *stats);

/* Write the gradient of each parameter (roles CONV_WEIGHT..FC_BIAS) under the parameter's
 * name in PyTorch layout, plus "loss": F32 of shape [] (a 0-d tensor, as torch.tensor(x)
 * saves), atomically. 0 or -1. */
int rn_grads_save(const rn_model *m, const char *path, const float *grads, float loss);

/* torchvision's initialization, fully determined by `seed`: conv weights normal with
 * std sqrt(2 / (out_channels * kh * kw)) (kaiming_normal_, mode fan_out, relu); BN weight
 * 1, bias 0, running mean 0, var 1; fc weight and bias uniform(-1/sqrt(in), 1/sqrt(in))
 * (nn.Linear's default). One PCG32 stream (rn_rng_seed(seed, RN_WEIGHTS_INIT_STREAM)),
 * tensors in table order, each conv drawn in PyTorch's OIHW element order. */
#define RN_WEIGHTS_INIT_STREAM 0x696e6974u /* "init" */
void rn_weights_init(const rn_model *m, uint64_t seed, float *params, float *stats);

/* One tensor between the internal layout and PyTorch's (conv weights HWIO <-> OIHW; every
 * other tensor is copied as is). */
void rn_tensor_to_torch(const rn_tensor_info *t, const float *internal, float *torch);
void rn_tensor_from_torch(const rn_tensor_info *t, const float *torch, float *internal);

#endif /* RESNETC_WEIGHTS_H */
