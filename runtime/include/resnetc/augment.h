/* resnetc/augment.h: input normalization and training-time augmentation of uint8 images.
 *
 * Provides the normalization (per-channel mean/std or the paper's per-pixel mean
 * subtraction, both computed from a training set), the random-crop-with-padding and
 * horizontal-flip parameters drawn from an rn_rng, and the transform that turns one uint8
 * C x H x W image into normalized float32 C x H x W with a crop and flip applied.
 *
 * Each source pixel is normalized with the statistics of its own position, then the image
 * is padded, cropped and flipped. The padding value depends on the mode: per-channel
 * normalization pads with a black (0 byte) pixel, as torchvision's RandomCrop(H, padding=p)
 * on the raw image followed by Normalize does; per-pixel mean subtraction pads with 0 after
 * the subtraction (the mean image), as in the paper's pipeline; "none" pads with 0.
 * It does not batch, shuffle or decide the random streams: see loader.h.
 */
#ifndef RESNETC_AUGMENT_H
#define RESNETC_AUGMENT_H

#include <stdint.h>

#include "resnetc/data.h"
#include "resnetc/rng.h"

typedef enum rn_norm_mode {
    RN_NORM_CHANNEL = 0, /* (x/255 - mean[c]) / std[c], population std over the set */
    RN_NORM_PIXEL = 1,   /* x/255 - mean[c][h][w] (He et al. 2016, section 4.2) */
    RN_NORM_NONE = 2     /* x/255 */
} rn_norm_mode;

/* Normalization: value(c, y, x, byte) = byte * scale[i] + offset[i], i = (c*H + y)*W + x,
 * so every mode is one multiply-add per element. */
typedef struct rn_norm {
    rn_norm_mode mode;
    int c, h, w;
    double mean[4], std[4];  /* per channel (RN_NORM_CHANNEL; also filled for the others) */
    float *scale;            /* c*h*w */
    float *offset;           /* c*h*w */
    float pad_value[4];      /* per channel: the value of a padded pixel */
} rn_norm;

/* Compute the normalization of `mode` from data set d (channels <= 4). Sums are in
 * double and in a fixed order, so the result is identical on every run. Returns 0 or -1. */
int rn_norm_compute(rn_norm *nm, const rn_dataset *d, rn_norm_mode mode);
/* Parse "channel", "pixel" or "none". Returns 0 or -1 (message names the flag). */
int rn_norm_parse_mode(const char *s, rn_norm_mode *mode);
void rn_norm_free(rn_norm *nm);

/* Augmentation settings. pad 0 and flip 0 turn it off (evaluation). */
typedef struct rn_augment {
    int pad;    /* zero padding on each side before the random crop back to H x W (4) */
    int flip;   /* 1: horizontal flip with probability 1/2 */
} rn_augment;

/* The random choice for one image: crop origin (oy, ox) in the padded image, each in
 * [0, 2*pad], and the flip. */
typedef struct rn_crop {
    int oy, ox, flip;
} rn_crop;

/* Draw one image's crop and flip: oy then ox (rn_rng_below(2*pad+1) each, only when
 * pad > 0), then the flip (one rn_rng_u32, low bit; only when flip is on). */
rn_crop rn_augment_draw(const rn_augment *a, rn_rng *r);

/* dst[c][y][x] = norm(src[c][sy][sx]) with sy = y + oy - pad, sx = xs + ox - pad, where
 * xs = W-1-x when flipped, x otherwise, norm using the statistics at (c, sy, sx); a source
 * outside the image gives pad_value[c]. src and dst are C x H x W.
 * crop NULL: the identity (no crop, no flip). */
void rn_transform_image(const uint8_t *src, const rn_norm *nm, int pad, const rn_crop *crop,
                        float *dst);

#endif /* RESNETC_AUGMENT_H */
