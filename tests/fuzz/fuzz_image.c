/* fuzz_image.c: libFuzzer harness for the PNG/JPEG decoders and the preprocessing of
 * `infer --image` (rn_image_read, rn_image_to_input).
 *
 * The input is written to a scratch file and decoded as RGB and as grayscale (the two must
 * agree on acceptance and size). An accepted image must be consistent: 1 <= w, h, w * h <=
 * 2^28, every byte readable (ASan checks the bounds). Small accepted images are then fitted
 * to a 7 x 5 input (crop mode: resize and center crop) and normalized: every value must be
 * finite and within what (0..255 / 255 - 0.5) / 0.25 allows. */
#include "resnetc/image.h"
#include "fuzz_util.h"

#include <math.h>

static void check(const rn_image *img, int c)
{
    FZ_ASSERT(img->c == c && img->pix != NULL);
    FZ_ASSERT(img->w >= 1 && img->h >= 1 && (uint64_t)img->w * (uint64_t)img->h <= ((uint64_t)1 << 28));
    const size_t n = (size_t)img->w * (size_t)img->h * (size_t)c;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += img->pix[i];
    (void)sum;
    if ((size_t)img->w * (size_t)img->h > ((size_t)1 << 16))
        return;
    const float mean[3] = {0.5f, 0.5f, 0.5f}, std[3] = {0.25f, 0.25f, 0.25f};
    float out[3 * 5 * 7];
    FZ_ASSERT(rn_image_to_input("fuzz", img, 5, 7, RN_FIT_CROP, mean, std, out) == 0);
    for (int i = 0; i < c * 5 * 7; i++)
        FZ_ASSERT(isfinite(out[i]) && out[i] >= -2.0001f && out[i] <= 2.0001f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file(0, data, size);
    rn_image rgb, gray;
    int a = rn_image_read(path, 3, &rgb);
    int b = rn_image_read(path, 1, &gray);
    FZ_ASSERT((a == 0) == (b == 0));
    if (a == 0) {
        FZ_ASSERT(rgb.w == gray.w && rgb.h == gray.h);
        check(&rgb, 3);
        check(&gray, 1);
        rn_image_free(&rgb);
        rn_image_free(&gray);
    }
    return 0;
}
