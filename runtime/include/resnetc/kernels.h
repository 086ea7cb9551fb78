/* resnetc/kernels.h: generic kernels for every layer kind, shapes as run-time arguments.
 *
 * These are the oracle of the tests and the baseline of the specialized-versus-generic
 * benchmarks: straightforward, honest loop nests (vectorizable inner loops, no tricks),
 * not the generated code's fast paths.
 *
 * Layout legend (all float32):
 *   activations  NHWC: x[((b*H + h)*W + w)*C + c]
 *   conv weights HWIO: w[((i*KW + j)*C + c)*K + k]   (K output channels)
 *   fc weights   [out][in] as PyTorch
 *   BN rows      a [rows][C] view of NHWC data, rows = n*H*W
 * Output sizes follow PyTorch: OH = (H + 2*pad - KH) / stride + 1.
 * Kernels named *_bwd* that produce an input gradient take `accumulate`: 0 stores, 1 adds
 * into what is there (a tensor read by two layers gets the sum of both gradients).
 */
#ifndef RESNETC_KERNELS_H
#define RESNETC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Shape of a 2-D convolution (or pooling window) over NHWC data. */
typedef struct rn_conv_shape {
    int n, h, w, c;      /* input batch, height, width, channels */
    int k;               /* output channels (conv) */
    int kh, kw;          /* window */
    int stride, pad;     /* same in both dimensions */
    int oh, ow;          /* output height and width */
} rn_conv_shape;

/* Fills oh and ow from the other fields; returns 0, or -1 if the output would be empty. */
int rn_conv_shape_resolve(rn_conv_shape *s);

/* y = conv(x, w); no bias (ResNet convs are followed by BN). */
void rn_conv2d_fwd(const rn_conv_shape *s, const float *x, const float *w, float *y);
/* dx (+)= conv_transpose(dy, w). */
void rn_conv2d_bwd_data(const rn_conv_shape *s, const float *dy, const float *w, float *dx,
                        int accumulate);
/* dw = sum over batch and pixels of x (x) dy (overwrites dw). */
void rn_conv2d_bwd_weights(const rn_conv_shape *s, const float *x, const float *dy, float *dw);

/* Batch norm, training mode, exactly as PyTorch: biased batch variance to normalize,
 * unbiased variance (rows/(rows-1)) into the running estimate, running = (1-m)*running + m*batch.
 * Saves the batch mean and 1/sqrt(var+eps) for backward. */
void rn_bn_fwd_train(const float *x, float *y, size_t rows, int c, const float *gamma,
                     const float *beta, float *running_mean, float *running_var,
                     float momentum, float eps, float *save_mean, float *save_invstd);
/* Batch norm, eval mode: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta. */
void rn_bn_fwd_eval(const float *x, float *y, size_t rows, int c, const float *gamma,
                    const float *beta, const float *running_mean, const float *running_var,
                    float eps);
/* Backward of training-mode BN: dx (+)= ..., dgamma = sum(dy*xhat), dbeta = sum(dy)
 * (dgamma and dbeta overwritten). x is BN's input. */
void rn_bn_bwd(const float *x, const float *dy, float *dx, size_t rows, int c,
               const float *gamma, const float *save_mean, const float *save_invstd,
               float *dgamma, float *dbeta, int accumulate);

/* y = max(x, 0); y may equal x. */
void rn_relu_fwd(const float *x, float *y, size_t count);
/* dx (+)= dy * (y > 0), y being the ReLU's output; dx may equal dy when not accumulating. */
void rn_relu_bwd(const float *y, const float *dy, float *dx, size_t count, int accumulate);

/* y = a + b. */
void rn_add_fwd(const float *a, const float *b, float *y, size_t count);
/* dx = dy (accumulate 0) or dx += dy (accumulate 1): the backward of an add or identity. */
void rn_grad_pass(const float *dy, float *dx, size_t count, int accumulate);

/* Option A shortcut: y = x subsampled by `stride` (x[::s, ::s]) with its C channels placed
 * at channels [pad_lo, pad_lo + C) of K, zeros elsewhere. s->k is K, s->oh/ow the output. */
void rn_shortcut_a_fwd(const rn_conv_shape *s, int pad_lo, const float *x, float *y);
void rn_shortcut_a_bwd(const rn_conv_shape *s, int pad_lo, const float *dy, float *dx,
                       int accumulate);

/* Max pooling with -inf padding (s->k unused); a NaN propagates. Backward recomputes the
 * arg-max from x and routes each output gradient to the first maximal input of its window
 * (the first NaN, if any; kernels_pool.c states the rule the generated kernels share). */
void rn_maxpool_fwd(const rn_conv_shape *s, const float *x, float *y);
void rn_maxpool_bwd(const rn_conv_shape *s, const float *x, const float *dy, float *dx,
                    int accumulate);

/* Global average pooling: y[b][c] = mean over H*W of x[b][.][.][c]. */
void rn_gap_fwd(const float *x, float *y, int n, int hw, int c);
void rn_gap_bwd(const float *dy, float *dx, int n, int hw, int c, int accumulate);

/* Fully connected: y[b][o] = bias[o] + sum_i x[b][i] * w[o][i]. */
void rn_fc_fwd(const float *x, const float *w, const float *bias, float *y, int n, int in,
               int out);
/* dw, dbias overwritten; dx (+)= dy w (dx may be NULL to skip). */
void rn_fc_bwd(const float *x, const float *w, const float *dy, float *dx, float *dw,
               float *dbias, int n, int in, int out, int accumulate);

/* Mean softmax cross-entropy over the batch, with optional label smoothing as PyTorch's
 * CrossEntropyLoss(label_smoothing=eps). Writes d(loss)/d(logits) to dlogits if non-NULL.
 * Labels must lie in [0, classes). */
float rn_softmax_xent(const float *logits, const int32_t *labels, int n, int classes,
                      float label_smoothing, float *dlogits);

/* The same loss with its exp and log taken 8 floats at a time by SLEEF (1 ulp): what
 * training, `grad` and `bench` use; rn_softmax_xent stays the oracle. Lanes: AVX2
 * (Sleef_expf8_u10, Sleef_logf8_u10) on a CPU with AVX2 and FMA, else portable (SLEEF's
 * scalar Sleef_expf_u10, Sleef_logf_u10). Agrees with rn_softmax_xent to float rounding. */
typedef enum rn_lanes { RN_LANES_AUTO = 0, RN_LANES_PORTABLE = 1, RN_LANES_AVX2 = 2 } rn_lanes;
float rn_softmax_xent_fast(const float *logits, const int32_t *labels, int n, int classes,
                           float label_smoothing, float *dlogits);
/* With the lanes chosen (RN_LANES_AVX2 where unavailable runs the portable ones). */
float rn_softmax_xent_lanes(rn_lanes lanes, const float *logits, const int32_t *labels, int n,
                            int classes, float label_smoothing, float *dlogits);
/* Whether these lanes can run here (AVX2: built for x86-64 and the CPU has AVX2 and FMA). */
int rn_lanes_available(rn_lanes lanes);
/* "avx2" or "portable": the lanes rn_softmax_xent_lanes(lanes, ...) runs here. */
const char *rn_lanes_name(rn_lanes lanes);

/* Layout conversions at the network's boundary. */
void rn_nchw_to_nhwc(const float *src, float *dst, int n, int c, int h, int w);
void rn_nhwc_to_nchw(const float *src, float *dst, int n, int c, int h, int w);

#endif /* RESNETC_KERNELS_H */
