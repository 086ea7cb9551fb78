/* image_decode.c: PNG (libpng) and JPEG (libjpeg) files into 8-bit RGB or grayscale, with
 * PIL's conversions (see resnetc/image.h). Files are read whole, then decoded from memory;
 * decoder errors and warnings (truncated or corrupt data) are reported as errors naming the
 * file. Without a library (RN_HAVE_PNG / RN_HAVE_JPEG unset) the format is a clear error. */
#include "resnetc/image.h"
#include "resnetc/util.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(RN_HAVE_PNG) || defined(RN_HAVE_JPEG)
#include <setjmp.h>
#endif
#ifdef RN_HAVE_PNG
#include <png.h>
#endif
#ifdef RN_HAVE_JPEG
#include <jpeglib.h>
#endif

/* Larger images are refused rather than risking memory: 2^28 pixels (16384 x 16384). */
#define MAX_PIXELS ((uint64_t)1 << 28)

int rn_image_have_png(void)
{
#ifdef RN_HAVE_PNG
    return 1;
#else
    return 0;
#endif
}

int rn_image_have_jpeg(void)
{
#ifdef RN_HAVE_JPEG
    return 1;
#else
    return 0;
#endif
}

void rn_image_free(rn_image *img)
{
    rn_free(img->pix);
    img->pix = NULL;
}

#if defined(RN_HAVE_PNG) || defined(RN_HAVE_JPEG)
/* PIL's RGB -> L: (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16. */
static unsigned char luma(const unsigned char *p)
{
    return (unsigned char)(((uint32_t)p[0] * 19595u + (uint32_t)p[1] * 38470u +
                            (uint32_t)p[2] * 7471u + 0x8000u) >> 16);
}

/* Decoded pixels with `got` channels (1 or 3) into img with `want` channels. Frees `pix`. */
static void convert(unsigned char *pix, int w, int h, int got, int want, rn_image *img)
{
    img->w = w;
    img->h = h;
    img->c = want;
    if (got == want) {
        img->pix = pix;
        return;
    }
    size_t n = (size_t)w * (size_t)h;
    img->pix = rn_alloc(n * (size_t)want);
    for (size_t i = 0; i < n; i++) {
        if (want == 3)
            memset(img->pix + 3 * i, pix[i], 3);   /* L -> RGB */
        else
            img->pix[i] = luma(pix + 3 * i);       /* RGB -> L */
    }
    rn_free(pix);
}

static int check_size(const char *path, uint64_t w, uint64_t h)
{
    if (w == 0 || h == 0)
        return rn_error("%s: empty image (%llu x %llu)", path, (unsigned long long)w,
                        (unsigned long long)h);
    if (w * h > MAX_PIXELS)
        return rn_error("%s: image too large (%llu x %llu pixels; at most 2^28)", path,
                        (unsigned long long)w, (unsigned long long)h);
    return 0;
}
#endif

#ifdef RN_HAVE_PNG
typedef struct png_ctx {
    const unsigned char *data;
    size_t size, pos;
    char msg[256];
    unsigned char *pix;
    png_bytep *rows;
} png_ctx;

static void png_read_mem(png_structp p, png_bytep out, size_t n)
{
    png_ctx *s = png_get_io_ptr(p);
    if (n > s->size - s->pos)
        png_error(p, "the file is truncated");
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

static void png_fail(png_structp p, png_const_charp msg)
{
    png_ctx *s = png_get_error_ptr(p);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    png_longjmp(p, 1);
}

/* Warnings (e.g. a bad CRC in an ancillary chunk) are not fatal, as in PIL. */
static void png_note(png_structp p, png_const_charp msg)
{
    (void)p;
    (void)msg;
}

static int decode_png(const char *path, const unsigned char *data, size_t size, int want,
                      rn_image *img)
{
    png_ctx *const s = rn_alloc(sizeof *s);
    s->data = data;
    s->size = size;
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, png_fail, png_note);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    if (info == NULL) {
        png_destroy_read_struct(&p, NULL, NULL);
        rn_free(s);
        return rn_error("%s: cannot start the PNG decoder", path);
    }
    if (setjmp(png_jmpbuf(p))) {
        png_destroy_read_struct(&p, &info, NULL);
        rn_error("%s: bad PNG: %s", path, s->msg);
        rn_free(s->pix);
        rn_free(s->rows);
        rn_free(s);
        return -1;
    }
    png_set_read_fn(p, s, png_read_mem);
    png_read_info(p, info);
    png_uint_32 w, h;
    int depth, type;
    png_get_IHDR(p, info, &w, &h, &depth, &type, NULL, NULL, NULL);
    if (check_size(path, w, h) != 0) {
        png_destroy_read_struct(&p, &info, NULL);
        rn_free(s);
        return -1;
    }
    if (depth == 16)
        png_set_strip_16(p);   /* the high byte, as PIL's "RGB;16B" */
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(p);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(p);
    png_set_interlace_handling(p);
    png_read_update_info(p, info);
    /* 2 or 4 channels: an alpha channel, or transparency (tRNS) the expansion turned into
     * one; dropped below, as convert('RGB') drops it */
    int got = png_get_channels(p, info);
    if (got < 1 || got > 4 || png_get_rowbytes(p, info) != (size_t)w * (size_t)got)
        png_error(p, "unexpected pixel layout after conversion");
    s->pix = rn_alloc((size_t)w * h * (size_t)got);
    s->rows = rn_alloc(h * sizeof(png_bytep));
    for (png_uint_32 y = 0; y < h; y++)
        s->rows[y] = s->pix + (size_t)y * w * (size_t)got;
    png_read_image(p, s->rows);
    png_read_end(p, NULL);
    png_destroy_read_struct(&p, &info, NULL);
    if (got == 2 || got == 4) {
        const size_t n = (size_t)w * h;
        for (size_t i = 0; i < n; i++)
            memmove(s->pix + i * (size_t)(got - 1), s->pix + i * (size_t)got, (size_t)(got - 1));
        got--;
    }
    convert(s->pix, (int)w, (int)h, got, want, img);
    rn_free(s->rows);
    rn_free(s);
    return 0;
}
#endif

#ifdef RN_HAVE_JPEG
typedef struct jpeg_ctx {
    struct jpeg_error_mgr mgr;   /* first: the error handlers cast cinfo.err back to this */
    struct jpeg_decompress_struct cinfo;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    unsigned char *pix;
} jpeg_ctx;

static void jpeg_fail(j_common_ptr c)
{
    jpeg_ctx *e = (jpeg_ctx *)c->err;
    e->mgr.format_message(c, e->msg);
    longjmp(e->jump, 1);
}

/* Warnings are corrupt or truncated data (libjpeg would fill in gray): errors here. */
static void jpeg_note(j_common_ptr c, int level)
{
    if (level < 0)
        jpeg_fail(c);
}

static int decode_jpeg(const char *path, const unsigned char *data, size_t size, int want,
                       rn_image *img)
{
    jpeg_ctx *const e = rn_alloc(sizeof *e);
#define cinfo (e->cinfo)
    cinfo.err = jpeg_std_error(&e->mgr);
    e->mgr.error_exit = jpeg_fail;
    e->mgr.emit_message = jpeg_note;
    if (setjmp(e->jump)) {
        jpeg_destroy_decompress(&cinfo);
        rn_error("%s: bad JPEG: %s", path, e->msg);
        rn_free(e->pix);
        rn_free(e);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        rn_free(e);
        return rn_error("%s: a CMYK JPEG (4 channels): expected an RGB or grayscale image", path);
    }
    if (check_size(path, cinfo.image_width, cinfo.image_height) != 0) {
        jpeg_destroy_decompress(&cinfo);
        rn_free(e);
        return -1;
    }
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    const int got = cinfo.output_components;
    const size_t w = cinfo.output_width, h = cinfo.output_height;
    if (got != 1 && got != 3) {
        snprintf(e->msg, sizeof e->msg, "%d channels", got);
        longjmp(e->jump, 1);
    }
    e->pix = rn_alloc(w * h * (size_t)got);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = e->pix + (size_t)cinfo.output_scanline * w * (size_t)got;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    convert(e->pix, (int)w, (int)h, got, want, img);
    rn_free(e);
    return 0;
#undef cinfo
}
#endif

int rn_image_read(const char *path, int channels, rn_image *img)
{
    memset(img, 0, sizeof *img);
    if (channels != 1 && channels != 3)
        return rn_error("%s: images give 1 (grayscale) or 3 (RGB) channels; the model takes %d",
                        path, channels);
    void *buf;
    size_t size;
    if (rn_read_file(path, &buf, &size) != 0)
        return -1;
    const unsigned char *d = buf;
    int rc;
    if (size >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
#ifdef RN_HAVE_PNG
        rc = decode_png(path, d, size, channels, img);
#else
        rc = rn_error("%s: a PNG file, but this resnetc was built without PNG support "
                      "(libpng-dev was not found, or RESNETC_WITH_PNG was OFF, when it was "
                      "configured; tools/setup.sh installs it, then reconfigure)", path);
#endif
    } else if (size >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
#ifdef RN_HAVE_JPEG
        rc = decode_jpeg(path, d, size, channels, img);
#else
        rc = rn_error("%s: a JPEG file, but this resnetc was built without JPEG support "
                      "(libjpeg62-turbo-dev was not found, or RESNETC_WITH_JPEG was OFF, when it "
                      "was configured; tools/setup.sh installs it, then reconfigure)", path);
#endif
    } else {
        rc = rn_error("%s: not a PNG or JPEG file (%s)", path,
                      size == 0 ? "empty" : "unrecognized first bytes");
    }
    rn_free(buf);
    return rc;
}
