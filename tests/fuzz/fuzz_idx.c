/* fuzz_idx.c: libFuzzer harness for the IDX (Fashion-MNIST) reader (rn_idx_load).
 *
 * Input layout: two bytes (little-endian) choose where the rest splits into the images
 * file and the labels file; both are written to scratch files and loaded with 10 classes.
 * zlib reads gzip and plain files alike, so gzip seeds fuzz the decompression path too.
 * When neither file starts with the gzip magic, the outcome is predicted independently
 * from the IDX layout (magics, non-zero plausible dimensions, equal counts, exact sizes,
 * labels below 10) and must match; an accepted set must hold what the files hold. */
#include "resnetc/data.h"
#include "fuzz_util.h"

#include <string.h>

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The reader's contract for plain files: 1 if it must accept them. */
static int plain_ok(const uint8_t *img, size_t ni, const uint8_t *lab, size_t nl)
{
    if (ni < 16 || nl < 8 || be32(img) != 0x803 || be32(lab) != 0x801)
        return 0;
    uint64_t n = be32(img + 4), rows = be32(img + 8), cols = be32(img + 12);
    if (n == 0 || n > 100000000u || rows == 0 || rows > 4096 || cols == 0 || cols > 4096)
        return 0;
    if (be32(lab + 4) != n || ni - 16 != n * rows * cols || nl - 8 != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lab[8 + i] >= 10)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t rest = size - 2;
    size_t split = ((size_t)data[0] | (size_t)data[1] << 8) % (rest + 1);
    const uint8_t *img = data + 2, *lab = data + 2 + split;
    size_t ni = split, nl = rest - split;
    int gz = (ni >= 2 && img[0] == 0x1f && img[1] == 0x8b) ||
             (nl >= 2 && lab[0] == 0x1f && lab[1] == 0x8b);
    rn_dataset d;
    int rc = rn_idx_load(fz_file(0, img, ni), fz_file(1, lab, nl), 10, &d);
    if (!gz)
        FZ_ASSERT((rc == 0) == plain_ok(img, ni, lab, nl));
    if (rc != 0) {
        FZ_ASSERT(d.images == NULL && d.labels == NULL);
        return 0;
    }
    FZ_ASSERT(d.n > 0 && d.c == 1 && d.h > 0 && d.h <= 4096 && d.w > 0 && d.w <= 4096);
    FZ_ASSERT(d.classes == 10);
    size_t pixels = (size_t)d.n * (size_t)d.h * (size_t)d.w;
    for (int i = 0; i < d.n; i++)
        FZ_ASSERT(d.labels[i] >= 0 && d.labels[i] < 10);
    if (!gz) {
        FZ_ASSERT(memcmp(d.images, img + 16, pixels) == 0);
        for (int i = 0; i < d.n; i++)
            FZ_ASSERT(d.labels[i] == lab[8 + i]);
    } else {
        unsigned sum = 0;
        for (size_t i = 0; i < pixels; i++)
            sum += d.images[i];
        (void)sum;
    }
    rn_dataset_free(&d);
    return 0;
}
