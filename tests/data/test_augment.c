/* test_augment.c: normalization statistics, crop/flip draws and the image transform.
 * Crops stay in bounds and read the pixel the formula names, the flip is an exact mirror,
 * the padding value is the documented one, draws cover [0, 2*pad] and repeat from a seed. */
#include "dt_test.h"

#include "resnetc/augment.h"
#include "resnetc/util.h"

#include <math.h>
#include <stdint.h>

enum { C = 3, H = 6, W = 5 };

/* An identity normalization (scale 1, offset 0) with a recognizable padding value. */
static rn_norm identity_norm(void)
{
    rn_norm nm;
    memset(&nm, 0, sizeof nm);
    nm.c = C;
    nm.h = H;
    nm.w = W;
    nm.scale = rn_alloc(C * H * W * sizeof(float));
    nm.offset = rn_alloc(C * H * W * sizeof(float));
    for (int i = 0; i < C * H * W; i++)
        nm.scale[i] = 1.0f;
    for (int c = 0; c < C; c++)
        nm.pad_value[c] = -1.0f - (float)c;
    return nm;
}

static void test_transform(void)
{
    uint8_t img[C * H * W];
    for (int i = 0; i < C * H * W; i++)
        img[i] = (uint8_t)(i + 1); /* distinct, non-zero */
    rn_norm nm = identity_norm();
    float out[C * H * W];
    const int pad = 2;

    /* identity */
    rn_transform_image(img, &nm, pad, NULL, out);
    for (int i = 0; i < C * H * W; i++)
        CHECK(out[i] == (float)img[i]);

    for (int oy = 0; oy <= 2 * pad; oy++)
        for (int ox = 0; ox <= 2 * pad; ox++)
            for (int flip = 0; flip < 2; flip++) {
                rn_crop cr = {oy, ox, flip};
                for (int i = 0; i < C * H * W; i++)
                    out[i] = NAN;
                rn_transform_image(img, &nm, pad, &cr, out);
                int pads = 0;
                for (int c = 0; c < C; c++)
                    for (int y = 0; y < H; y++)
                        for (int x = 0; x < W; x++) {
                            /* padded image P (H+2p x W+2p), crop at (oy, ox), then mirror */
                            int cx = flip ? W - 1 - x : x;
                            int py = y + oy, px = cx + ox;
                            int sy = py - pad, sx = px - pad;
                            float v = out[(c * H + y) * W + x];
                            CHECK(py >= 0 && py < H + 2 * pad && px >= 0 && px < W + 2 * pad);
                            if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
                                CHECK(v == nm.pad_value[c]);
                                pads++;
                            } else {
                                CHECK(v == (float)img[(c * H + sy) * W + sx]);
                            }
                        }
                int rows_out = abs(oy - pad), cols_out = abs(ox - pad);
                CHECK(pads == C * (rows_out * W + cols_out * H - rows_out * cols_out));
            }

    /* flip with a centered crop is the exact mirror, and flipping twice is the identity */
    rn_crop fl = {pad, pad, 1};
    rn_transform_image(img, &nm, pad, &fl, out);
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                CHECK(out[(c * H + y) * W + x] == (float)img[(c * H + y) * W + (W - 1 - x)]);
    uint8_t mirrored[C * H * W];
    for (int i = 0; i < C * H * W; i++)
        mirrored[i] = (uint8_t)out[i];
    float back[C * H * W];
    rn_transform_image(mirrored, &nm, pad, &fl, back);
    for (int i = 0; i < C * H * W; i++)
        CHECK(back[i] == (float)img[i]);
    rn_norm_free(&nm);
}

static void test_draws(void)
{
    rn_augment a = {4, 1};
    rn_rng r1, r2;
    rn_rng_seed(&r1, 42, 7);
    rn_rng_seed(&r2, 42, 7);
    int seen_y[9] = {0}, seen_x[9] = {0}, flips = 0;
    const int draws = 20000;
    for (int i = 0; i < draws; i++) {
        rn_crop c1 = rn_augment_draw(&a, &r1), c2 = rn_augment_draw(&a, &r2);
        CHECK(c1.oy == c2.oy && c1.ox == c2.ox && c1.flip == c2.flip);
        CHECK(c1.oy >= 0 && c1.oy <= 8 && c1.ox >= 0 && c1.ox <= 8);
        CHECK(c1.flip == 0 || c1.flip == 1);
        if (c1.oy >= 0 && c1.oy <= 8 && c1.ox >= 0 && c1.ox <= 8) {
            seen_y[c1.oy]++;
            seen_x[c1.ox]++;
        }
        flips += c1.flip;
    }
    for (int k = 0; k < 9; k++) {
        CHECK(seen_y[k] > draws / 9 - draws / 30 && seen_y[k] < draws / 9 + draws / 30);
        CHECK(seen_x[k] > draws / 9 - draws / 30 && seen_x[k] < draws / 9 + draws / 30);
    }
    CHECK(flips > draws / 2 - draws / 30 && flips < draws / 2 + draws / 30);

    /* a different seed gives a different sequence */
    rn_rng r3;
    rn_rng_seed(&r3, 43, 7);
    rn_rng_seed(&r1, 42, 7);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        rn_crop c1 = rn_augment_draw(&a, &r1), c3 = rn_augment_draw(&a, &r3);
        differ += c1.oy != c3.oy || c1.ox != c3.ox || c1.flip != c3.flip;
    }
    CHECK(differ > 50);

    /* augmentation off consumes nothing and gives the identity crop */
    rn_augment off = {0, 0};
    rn_rng_seed(&r1, 42, 7);
    rn_rng_seed(&r2, 42, 7);
    rn_crop c0 = rn_augment_draw(&off, &r1);
    CHECK(c0.oy == 0 && c0.ox == 0 && c0.flip == 0);
    CHECK(rn_rng_u32(&r1) == rn_rng_u32(&r2));
}

static void test_norm(void)
{
    /* 4 images, 2 channels of 2x2: channel 0 values {0, 255} half each, channel 1 constant
     * per image: 10, 20, 30, 40. */
    rn_dataset d = {.name = "synthetic", .n = 4, .c = 2, .h = 2, .w = 2, .classes = 10};
    d.images = rn_alloc(4 * 8);
    d.labels = rn_alloc(4 * sizeof(int32_t));
    for (int i = 0; i < 4; i++) {
        uint8_t *p = d.images + i * 8;
        p[0] = 0;
        p[1] = 255;
        p[2] = (uint8_t)(i < 2 ? 0 : 255);
        p[3] = (uint8_t)(i < 2 ? 255 : 0);
        for (int k = 4; k < 8; k++)
            p[k] = (uint8_t)(10 * (i + 1));
    }
    rn_norm nm;
    CHECK(rn_norm_compute(&nm, &d, RN_NORM_CHANNEL) == 0);
    CHECK_NEAR(nm.mean[0], 0.5, 1e-12);
    CHECK_NEAR(nm.std[0], 0.5, 1e-12);
    CHECK_NEAR(nm.mean[1], 25.0 / 255.0, 1e-12);
    CHECK_NEAR(nm.std[1], sqrt(125.0) / 255.0, 1e-12);
    /* normalized training set: each channel mean 0, std 1 */
    float out[8];
    double s[2] = {0, 0}, s2[2] = {0, 0};
    for (int i = 0; i < 4; i++) {
        rn_transform_image(d.images + i * 8, &nm, 0, NULL, out);
        for (int k = 0; k < 8; k++) {
            s[k / 4] += out[k];
            s2[k / 4] += (double)out[k] * out[k];
        }
    }
    for (int c = 0; c < 2; c++) {
        CHECK_NEAR(s[c] / 16, 0.0, 1e-6);
        CHECK_NEAR(s2[c] / 16, 1.0, 1e-5);
    }
    CHECK_NEAR(nm.pad_value[0], -1.0, 1e-6); /* a black pixel: (0 - 0.5) / 0.5 */
    rn_norm_free(&nm);

    /* per-pixel mean subtraction: the mean image becomes 0, padding is 0 */
    CHECK(rn_norm_compute(&nm, &d, RN_NORM_PIXEL) == 0);
    for (int k = 0; k < 8; k++) {
        double acc = 0;
        for (int i = 0; i < 4; i++) {
            rn_transform_image(d.images + i * 8, &nm, 0, NULL, out);
            acc += out[k];
        }
        CHECK_NEAR(acc / 4, 0.0, 1e-6);
    }
    rn_transform_image(d.images, &nm, 0, NULL, out);
    CHECK_NEAR(out[0], 0.0, 1e-7);             /* pixel 0 is always 0 */
    CHECK_NEAR(out[1], 0.0, 1e-7);             /* pixel 1 always 255 */
    CHECK_NEAR(out[2], -0.5, 1e-6);            /* 0 - mean 127.5 */
    CHECK_NEAR(out[4], (10.0 - 25.0) / 255.0, 1e-6);
    CHECK(nm.pad_value[0] == 0.0f && nm.pad_value[1] == 0.0f);
    rn_norm_free(&nm);

    CHECK(rn_norm_compute(&nm, &d, RN_NORM_NONE) == 0);
    rn_transform_image(d.images + 8, &nm, 0, NULL, out);
    CHECK_NEAR(out[1], 1.0, 1e-7);
    CHECK_NEAR(out[4], 20.0 / 255.0, 1e-7);
    rn_norm_free(&nm);

    /* a constant channel cannot be standardized */
    for (int i = 0; i < 4; i++)
        memset(d.images + i * 8, 7, 4);
    dt_capture_begin();
    int rc = rn_norm_compute(&nm, &d, RN_NORM_CHANNEL);
    const char *msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "channel 0 is constant");
    rn_norm_mode mode;
    CHECK(rn_norm_parse_mode("pixel", &mode) == 0 && mode == RN_NORM_PIXEL);
    dt_capture_begin();
    CHECK(rn_norm_parse_mode("zca", &mode) == -1);
    msg = dt_capture_end();
    CHECK_MSG(msg, "--norm", "zca");
    rn_dataset_free(&d);
}

int main(void)
{
    dt_mkdir();
    test_transform();
    test_draws();
    test_norm();
    return dt_finish("test_data_augment");
}
