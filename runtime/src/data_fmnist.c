/* data_fmnist.c: the IDX reader (through zlib) and Fashion-MNIST loading (see resnetc/data.h).
 *
 * Provides rn_idx_load and rn_fmnist_load. IDX: a big-endian u32 magic (0x00000803 for
 * 3-D unsigned-byte images, 0x00000801 for 1-D unsigned-byte labels), one big-endian u32
 * per dimension, then the bytes. gzread reads gzip and plain files alike.
 * Does not read other IDX element types (int16/float IDX files are rejected by the magic).
 */
#include "resnetc/data.h"
#include "resnetc/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

enum { IDX_IMAGES = 0x00000803, IDX_LABELS = 0x00000801 };

/* Largest image count accepted from a header (guards allocations against damaged files). */
#define IDX_MAX_ITEMS 100000000u

/* Read exactly `bytes` into buf. Returns 0, or -1 with a message naming path and `what`. */
static int gz_read_exact(gzFile g, const char *path, const char *what, void *buf, size_t bytes)
{
    unsigned char *p = buf;
    size_t done = 0;
    while (done < bytes) {
        size_t chunk = bytes - done > (1u << 30) ? (1u << 30) : bytes - done;
        int r = gzread(g, p + done, (unsigned)chunk);
        if (r < 0) {
            int errnum = 0;
            const char *msg = gzerror(g, &errnum);
            return rn_error("%s: decompression error reading %s: %s", path, what,
                            errnum == Z_ERRNO ? strerror(errno) : msg);
        }
        if (r == 0)
            return rn_error("%s: truncated: %s needs %zu bytes, the file ends after %zu", path,
                            what, bytes, done);
        done += (size_t)r;
    }
    return 0;
}

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* After the payload the file must end. */
static int gz_expect_end(gzFile g, const char *path)
{
    unsigned char extra;
    int r = gzread(g, &extra, 1);
    if (r < 0) {
        int errnum = 0;
        const char *msg = gzerror(g, &errnum);
        return rn_error("%s: decompression error at the end of the data: %s", path,
                        errnum == Z_ERRNO ? strerror(errno) : msg);
    }
    if (r > 0)
        return rn_error("%s: trailing bytes after the data announced by the IDX header", path);
    return 0;
}

static gzFile open_gz(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        rn_error("%s: cannot open IDX file: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        rn_error("%s: not a regular file", path);
        return NULL;
    }
    gzFile g = gzopen(path, "rb");
    if (g == NULL)
        rn_error("%s: cannot open IDX file: %s", path, strerror(errno));
    return g;
}

int rn_idx_load(const char *images_path, const char *labels_path, int classes,
                rn_dataset *out)
{
    memset(out, 0, sizeof *out);
    unsigned char hdr[16];

    gzFile g = open_gz(images_path);
    if (g == NULL)
        return -1;
    if (gz_read_exact(g, images_path, "the IDX header", hdr, 16) != 0)
        goto fail_g;
    uint32_t magic = be32(hdr);
    if (magic != IDX_IMAGES) {
        rn_error("%s: bad IDX magic 0x%08x, expected 0x%08x (unsigned-byte images, 3 "
                 "dimensions)",
                 images_path, (unsigned)magic, (unsigned)IDX_IMAGES);
        goto fail_g;
    }
    uint32_t n = be32(hdr + 4), rows = be32(hdr + 8), cols = be32(hdr + 12);
    if (n == 0 || n > IDX_MAX_ITEMS || rows == 0 || rows > 4096 || cols == 0 || cols > 4096) {
        rn_error("%s: implausible IDX dimensions %u x %u x %u", images_path, (unsigned)n,
                 (unsigned)rows, (unsigned)cols);
        goto fail_g;
    }
    size_t pixels = (size_t)n * rows * cols;
    /* grow the buffer as the data arrives: a damaged header must not make us allocate what
     * the file cannot hold */
    size_t cap = pixels < ((size_t)1 << 26) ? pixels : ((size_t)1 << 26), done = 0;
    out->images = rn_alloc(cap);
    while (done < pixels) {
        if (done == cap) {
            size_t grown_cap = cap * 2 < pixels ? cap * 2 : pixels;
            uint8_t *grown = rn_alloc(grown_cap);
            memcpy(grown, out->images, done);
            rn_free(out->images);
            out->images = grown;
            cap = grown_cap;
        }
        if (gz_read_exact(g, images_path, "the image pixels", out->images + done, cap - done) != 0)
            goto fail_g;
        done = cap;
    }
    if (gz_expect_end(g, images_path) != 0)
        goto fail_g;
    gzclose(g);

    g = open_gz(labels_path);
    if (g == NULL)
        goto fail;
    if (gz_read_exact(g, labels_path, "the IDX header", hdr, 8) != 0)
        goto fail_g;
    magic = be32(hdr);
    if (magic != IDX_LABELS) {
        rn_error("%s: bad IDX magic 0x%08x, expected 0x%08x (unsigned-byte labels, 1 "
                 "dimension)",
                 labels_path, (unsigned)magic, (unsigned)IDX_LABELS);
        goto fail_g;
    }
    uint32_t nl = be32(hdr + 4);
    if (nl != n) {
        rn_error("%s: holds %u labels but %s holds %u images", labels_path, (unsigned)nl,
                 images_path, (unsigned)n);
        goto fail_g;
    }
    uint8_t *lab8 = rn_alloc(n);
    if (gz_read_exact(g, labels_path, "the labels", lab8, n) != 0 ||
        gz_expect_end(g, labels_path) != 0) {
        rn_free(lab8);
        goto fail_g;
    }
    gzclose(g);
    out->labels = rn_alloc((size_t)n * sizeof(int32_t));
    for (uint32_t i = 0; i < n; i++) {
        if (lab8[i] >= classes) {
            rn_error("%s: record %u: label %u is out of range 0..%d", labels_path, (unsigned)i,
                     (unsigned)lab8[i], classes - 1);
            rn_free(lab8);
            goto fail;
        }
        out->labels[i] = lab8[i];
    }
    rn_free(lab8);
    out->n = (int)n;
    out->c = 1;
    out->h = (int)rows;
    out->w = (int)cols;
    out->classes = classes;
    return 0;

fail_g:
    gzclose(g);
fail:
    rn_dataset_free(out);
    return -1;
}

/* dir/name.gz if it exists, else dir/name if that exists, else dir/name.gz (for the error). */
static int pick(char *out, size_t cap, const char *dir, const char *name)
{
    int len = snprintf(out, cap, "%s/%s.gz", dir, name);
    if (len < 0 || (size_t)len >= cap)
        return rn_error("%s: path too long", dir);
    struct stat st;
    if (stat(out, &st) == 0)
        return 0;
    char plain[4096];
    len = snprintf(plain, sizeof plain, "%s/%s", dir, name);
    if (len >= 0 && (size_t)len < sizeof plain && stat(plain, &st) == 0)
        memcpy(out, plain, (size_t)len + 1);
    return 0;
}

int rn_fmnist_load(const char *dir, rn_split split, rn_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (dir == NULL || dir[0] == '\0')
        return rn_error("fashion-mnist: no data directory given");
    const char *prefix = split == RN_SPLIT_TRAIN ? "train" : "t10k";
    char name[64], img[4096], lab[4096];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    if (pick(img, sizeof img, dir, name) != 0)
        return -1;
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    if (pick(lab, sizeof lab, dir, name) != 0)
        return -1;
    if (rn_idx_load(img, lab, 10, out) != 0)
        return -1;
    snprintf(out->name, sizeof out->name, "fashion-mnist");
    return 0;
}
