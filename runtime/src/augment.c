/* augment.c: normalization statistics, crop/flip draws and the image transform
 * (see resnetc/augment.h). Does not allocate per image and keeps no global state. */
#include "resnetc/augment.h"
#include "resnetc/util.h"

#include <math.h>
#include <string.h>

int rn_norm_parse_mode(const char *s, rn_norm_mode *mode)
{
    if (strcmp(s, "channel") == 0)
        *mode = RN_NORM_CHANNEL;
    else if (strcmp(s, "pixel") == 0)
        *mode = RN_NORM_PIXEL;
    else if (strcmp(s, "none") == 0)
        *mode = RN_NORM_NONE;
    else
        return rn_error("--norm: expected channel, pixel or none, got '%s'", s);
    return 0;
}

int rn_norm_compute(rn_norm *nm, const rn_dataset *d, rn_norm_mode mode)
{
    memset(nm, 0, sizeof *nm);
    if (d->c < 1 || d->c > 4)
        return rn_error("%s: normalization supports 1 to 4 channels, the data has %d", d->name,
                        d->c);
    if (d->n < 1)
        return rn_error("%s: cannot compute normalization from an empty set", d->name);
    nm->mode = mode;
    nm->c = d->c;
    nm->h = d->h;
    nm->w = d->w;
    size_t hw = (size_t)d->h * d->w, chw = (size_t)d->c * hw;
    nm->scale = rn_alloc(chw * sizeof(float));
    nm->offset = rn_alloc(chw * sizeof(float));

    /* Per-channel moments, exact in integers (n*hw*255^2 fits easily in 64 bits). */
    for (int c = 0; c < d->c; c++) {
        uint64_t s = 0, s2 = 0;
        for (int i = 0; i < d->n; i++) {
            const uint8_t *p = d->images + (size_t)i * chw + (size_t)c * hw;
            for (size_t k = 0; k < hw; k++) {
                s += p[k];
                s2 += (uint64_t)p[k] * p[k];
            }
        }
        double cnt = (double)d->n * (double)hw;
        double mean = (double)s / cnt;
        double var = (double)s2 / cnt - mean * mean;
        nm->mean[c] = mean / 255.0;
        nm->std[c] = sqrt(var > 0 ? var : 0) / 255.0;
    }

    switch (mode) {
    case RN_NORM_CHANNEL:
        for (int c = 0; c < d->c; c++) {
            if (!(nm->std[c] > 0)) {
                rn_norm_free(nm);
                return rn_error("%s: channel %d is constant over the training set; use "
                                "--norm pixel or none",
                                d->name, c);
            }
            for (size_t k = 0; k < hw; k++) {
                nm->scale[(size_t)c * hw + k] = (float)(1.0 / (255.0 * nm->std[c]));
                nm->offset[(size_t)c * hw + k] = (float)(-nm->mean[c] / nm->std[c]);
            }
            nm->pad_value[c] = (float)(-nm->mean[c] / nm->std[c]);
        }
        break;
    case RN_NORM_PIXEL:
        for (size_t k = 0; k < chw; k++) {
            uint64_t s = 0;
            for (int i = 0; i < d->n; i++)
                s += d->images[(size_t)i * chw + k];
            nm->scale[k] = (float)(1.0 / 255.0);
            nm->offset[k] = (float)(-((double)s / (double)d->n) / 255.0);
        }
        break;
    case RN_NORM_NONE:
        for (size_t k = 0; k < chw; k++) {
            nm->scale[k] = (float)(1.0 / 255.0);
            nm->offset[k] = 0.0f;
        }
        break;
    }
    return 0;
}

void rn_norm_free(rn_norm *nm)
{
    rn_free(nm->scale);
    rn_free(nm->offset);
    nm->scale = nm->offset = NULL;
}

rn_crop rn_augment_draw(const rn_augment *a, rn_rng *r)
{
    rn_crop c = {a->pad, a->pad, 0};
    if (a->pad > 0) {
        c.oy = (int)rn_rng_below(r, (uint32_t)(2 * a->pad + 1));
        c.ox = (int)rn_rng_below(r, (uint32_t)(2 * a->pad + 1));
    }
    if (a->flip)
        c.flip = (int)(rn_rng_u32(r) & 1u);
    return c;
}

void rn_transform_image(const uint8_t *src, const rn_norm *nm, int pad, const rn_crop *crop,
                        float *dst)
{
    const int C = nm->c, H = nm->h, W = nm->w;
    const size_t hw = (size_t)H * W;
    if (crop == NULL || (crop->oy == pad && crop->ox == pad && !crop->flip)) {
        for (size_t k = 0; k < (size_t)C * hw; k++)
            dst[k] = (float)src[k] * nm->scale[k] + nm->offset[k];
        return;
    }
    const int dy = crop->oy - pad, dx = crop->ox - pad;
    for (int c = 0; c < C; c++) {
        const uint8_t *s = src + (size_t)c * hw;
        const float *sc = nm->scale + (size_t)c * hw, *of = nm->offset + (size_t)c * hw;
        const float fill = nm->pad_value[c];
        float *d = dst + (size_t)c * hw;
        for (int y = 0; y < H; y++) {
            int sy = y + dy;
            for (int x = 0; x < W; x++) {
                int sx = (crop->flip ? W - 1 - x : x) + dx;
                size_t o = (size_t)y * W + x;
                if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
                    d[o] = fill;
                } else {
                    size_t i = (size_t)sy * W + sx;
                    d[o] = (float)s[i] * sc[i] + of[i];
                }
            }
        }
    }
}
