/* resnetc/image.h: PNG and JPEG images as a model's input, preprocessed as torchvision's
 * ImageNet evaluation transform (docs/training.md, "Images"):
 *   Image.open(f).convert('RGB' or 'L') -> Resize(round(S * 256 / 224)) -> CenterCrop((H, W))
 *   -> ToTensor() -> Normalize(mean, std)
 * with S = min(H, W) of the model's input. Resize is Pillow's bilinear filter, antialiased
 * when downsampling (the filter's support grows with the scale), in the same fixed-point
 * arithmetic, so the 8-bit pixels equal Pillow's; the floats then follow torchvision's
 * operations in float32.
 *
 * Decoding needs libpng / libjpeg at build time (RN_HAVE_PNG, RN_HAVE_JPEG); without them
 * rn_image_read fails with a message saying so. All functions print an error naming the
 * file and return -1 on failure.
 */
#ifndef RESNETC_IMAGE_H
#define RESNETC_IMAGE_H

#include <stddef.h>

/* An 8-bit image, rows of pixels of c interleaved channels (HWC). */
typedef struct rn_image {
    int w, h, c;
    unsigned char *pix;   /* rn_alloc'd, w * h * c bytes */
} rn_image;

/* Whether this build decodes PNG / JPEG. */
int rn_image_have_png(void);
int rn_image_have_jpeg(void);

/* Decode a PNG or JPEG file (told apart by content) into `channels` channels: 3 as PIL's
 * convert('RGB'), 1 as convert('L'). Palette, grayscale, alpha (dropped) and 16-bit (high
 * byte) PNGs convert; CMYK JPEGs and truncated or corrupt files are errors. */
int rn_image_read(const char *path, int channels, rn_image *img);
void rn_image_free(rn_image *img);

/* Pillow's Image.resize(size, BILINEAR) of `in` to w x h. */
int rn_image_resize(const rn_image *in, int w, int h, rn_image *out);

typedef enum rn_image_fit {
    RN_FIT_CROP,   /* Resize(round(S * 256 / 224)) then CenterCrop((H, W)), S = min(H, W) */
    RN_FIT_EXACT   /* the image must already be H x W; no resampling */
} rn_image_fit;

/* The model input (c x h x w float32, NCHW without N) from image `img` (c channels):
 * fitted as `fit` says, then (pixel / 255 - mean[ch]) / std[ch] in float32. `what` names the
 * image in errors. */
int rn_image_to_input(const char *what, const rn_image *img, int h, int w, rn_image_fit fit,
                      const float *mean, const float *std, float *out);

#endif /* RESNETC_IMAGE_H */
