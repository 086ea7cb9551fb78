/* image_transform.c: Pillow's bilinear resize and torchvision's Resize / CenterCrop /
 * ToTensor / Normalize for one image (see resnetc/image.h). The resize follows Pillow's
 * two-pass resampler (Resample.c): per output pixel, a triangle filter whose support is
 * scaled by the downscale factor (antialiasing), weights normalized to sum 1, then rounded
 * to 22-bit fixed point; a horizontal pass into 8-bit pixels, then a vertical pass. */
#include "resnetc/image.h"
#include "resnetc/util.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define PRECISION_BITS (32 - 8 - 2)

/* Pillow's bilinear (triangle) filter, support 1. */
static double triangle(double x)
{
    if (x < 0.0)
        x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

/* Filter taps from in_size to out_size pixels: for output pixel i, the first input pixel
 * first[i], count[i] taps, fixed-point weights k[i * ksize + j]. */
typedef struct taps {
    int ksize;
    int *first, *count;
    int32_t *k;
} taps;

static void taps_make(int in_size, int out_size, taps *t)
{
    const double scale = (double)in_size / out_size;
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = 1.0 * filterscale;
    const int ksize = (int)ceil(support) * 2 + 1;
    double *w = rn_alloc((size_t)ksize * sizeof(double));
    t->ksize = ksize;
    t->first = rn_alloc((size_t)out_size * sizeof(int));
    t->count = rn_alloc((size_t)out_size * sizeof(int));
    t->k = rn_alloc((size_t)out_size * (size_t)ksize * sizeof(int32_t));
    for (int xx = 0; xx < out_size; xx++) {
        const double center = (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0)
            xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size)
            xmax = in_size;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; x++) {
            w[x] = triangle((x + xmin - center + 0.5) * ss);
            ww += w[x];
        }
        for (int x = 0; x < xmax; x++) {
            if (ww != 0.0)
                w[x] /= ww;
            const double f = w[x] * (1 << PRECISION_BITS);
            t->k[(size_t)xx * ksize + x] = (int32_t)(f < 0 ? -0.5 + f : 0.5 + f);
        }
        t->first[xx] = xmin;
        t->count[xx] = xmax;
    }
    rn_free(w);
}

static void taps_free(taps *t)
{
    rn_free(t->first);
    rn_free(t->count);
    rn_free(t->k);
}

static unsigned char clip8(int32_t v)
{
    v >>= PRECISION_BITS;
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* One pass along x (horizontal) or y (vertical) of an image with c channels. */
static void pass(const unsigned char *in, int iw, int ih, int c, unsigned char *out, int ow,
                 int oh, int horizontal, const taps *t)
{
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            const int i = horizontal ? x : y;
            const int32_t *k = t->k + (size_t)i * t->ksize;
            for (int ch = 0; ch < c; ch++) {
                int32_t acc = 1 << (PRECISION_BITS - 1);
                for (int j = 0; j < t->count[i]; j++) {
                    const size_t at = horizontal
                                          ? ((size_t)y * iw + (size_t)(t->first[i] + j)) * c + ch
                                          : ((size_t)(t->first[i] + j) * iw + (size_t)x) * c + ch;
                    acc += (int32_t)in[at] * k[j];
                }
                out[((size_t)y * ow + x) * c + ch] = clip8(acc);
            }
        }
    (void)ih;
}

int rn_image_resize(const rn_image *in, int w, int h, rn_image *out)
{
    memset(out, 0, sizeof *out);
    if (w < 1 || h < 1 || (uint64_t)w * (uint64_t)h > ((uint64_t)1 << 28))
        return rn_error("resize: cannot resize to %d x %d", w, h);
    const int c = in->c;
    unsigned char *cur = in->pix;
    int cw = in->w;
    unsigned char *tmp = NULL;
    if (w != in->w) {   /* horizontal pass first, as Pillow */
        taps t;
        taps_make(in->w, w, &t);
        tmp = rn_alloc((size_t)w * (size_t)in->h * (size_t)c);
        pass(cur, in->w, in->h, c, tmp, w, in->h, 1, &t);
        taps_free(&t);
        cur = tmp;
        cw = w;
    }
    out->w = w;
    out->h = h;
    out->c = c;
    if (h != in->h) {
        taps t;
        taps_make(in->h, h, &t);
        out->pix = rn_alloc((size_t)w * (size_t)h * (size_t)c);
        pass(cur, cw, in->h, c, out->pix, w, h, 0, &t);
        taps_free(&t);
        rn_free(tmp);
    } else if (tmp != NULL) {
        out->pix = tmp;
    } else {
        out->pix = rn_alloc((size_t)w * (size_t)h * (size_t)c);
        memcpy(out->pix, in->pix, (size_t)w * (size_t)h * (size_t)c);
    }
    return 0;
}

/* torchvision's CenterCrop offset along one axis of `size` pixels cropped to `crop`: the
 * rounded half difference (Python's round: half to even), or minus the left/top zero
 * padding when the image is smaller. */
static int crop_offset(int size, int crop)
{
    if (crop > size)
        return -((crop - size) / 2);
    return (int)nearbyint((size - crop) / 2.0);
}

int rn_image_to_input(const char *what, const rn_image *img, int h, int w, rn_image_fit fit,
                      const float *mean, const float *std, float *out)
{
    rn_image sized = *img, owned = {0, 0, 0, NULL};
    if (fit == RN_FIT_EXACT) {
        if (img->w != w || img->h != h)
            return rn_error("%s: the image is %d x %d (W x H); with --resize none it must be the "
                            "model's input size, %d x %d",
                            what, img->w, img->h, w, h);
    } else {
        /* Resize(R): the shorter side to R, the longer to int(R * long / short) */
        const int s = h < w ? h : w;
        const int r = (int)floor(s * 256.0 / 224.0 + 0.5);
        int nw, nh;
        if (img->w <= img->h) {
            nw = r;
            nh = (int)((double)((int64_t)r * img->h) / img->w);
        } else {
            nh = r;
            nw = (int)((double)((int64_t)r * img->w) / img->h);
        }
        if (nw != img->w || nh != img->h) {
            if (rn_image_resize(img, nw, nh, &owned) != 0)
                return rn_error("%s: cannot resize %d x %d to %d x %d", what, img->w, img->h, nw,
                                nh);
            sized = owned;
        }
    }
    const int top = fit == RN_FIT_EXACT ? 0 : crop_offset(sized.h, h);
    const int left = fit == RN_FIT_EXACT ? 0 : crop_offset(sized.w, w);
    const int c = sized.c;
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const int sy = y + top, sx = x + left;
                const unsigned char v = (sy >= 0 && sy < sized.h && sx >= 0 && sx < sized.w)
                                            ? sized.pix[((size_t)sy * sized.w + sx) * c + ch]
                                            : 0;
                const float t = (float)v / 255.0f;   /* ToTensor */
                out[((size_t)ch * h + y) * w + x] = (t - mean[ch]) / std[ch];   /* Normalize */
            }
    rn_image_free(&owned);
    return 0;
}
