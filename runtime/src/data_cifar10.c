/* data_cifar10.c: the CIFAR-10 binary reader (see resnetc/data.h).
 *
 * Provides rn_cifar10_read_file and rn_cifar10_load. A record is 1 label byte followed by
 * 3072 pixel bytes (1024 R, 1024 G, 1024 B, each 32x32 row-major), which is already the
 * C x H x W layout of rn_dataset, so a record's pixels are copied as they are.
 * Does not read the Python pickle release or batches.meta.txt (class names are built in).
 */
#include "resnetc/data.h"
#include "resnetc/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { PIXELS = 3072 };

int rn_cifar10_read_file(const char *path, uint8_t *images, int32_t *labels)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return rn_error("%s: cannot open CIFAR-10 batch: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        return rn_error("%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        fclose(f);
        return rn_error("%s: not a regular file", path);
    }
    long long size = (long long)st.st_size;
    if (size % RN_CIFAR10_RECORD_BYTES != 0) {
        fclose(f);
        return rn_error("%s: size %lld bytes is not a multiple of the CIFAR-10 record size "
                        "%d (1 label byte + 3072 pixel bytes): truncated or not a CIFAR-10 "
                        "binary batch",
                        path, size, RN_CIFAR10_RECORD_BYTES);
    }
    long long records = size / RN_CIFAR10_RECORD_BYTES;
    if (records != RN_CIFAR10_RECORDS_PER_FILE) {
        fclose(f);
        return rn_error("%s: holds %lld records, expected exactly %d", path, records,
                        RN_CIFAR10_RECORDS_PER_FILE);
    }
    size_t bytes = (size_t)size;
    uint8_t *buf = rn_alloc(bytes);
    size_t got = fread(buf, 1, bytes, f);
    int read_err = ferror(f);
    fclose(f);
    if (got != bytes) {
        rn_free(buf);
        return rn_error("%s: read %zu of %zu bytes%s (record %zu is incomplete)", path, got,
                        bytes, read_err ? " (I/O error)" : "", got / RN_CIFAR10_RECORD_BYTES);
    }
    int bad = -1;
    unsigned bad_label = 0;
    for (int i = 0; i < RN_CIFAR10_RECORDS_PER_FILE; i++) {
        const uint8_t *rec = buf + (size_t)i * RN_CIFAR10_RECORD_BYTES;
        if (rec[0] >= 10) {
            bad = i;
            bad_label = rec[0];
            break;
        }
        labels[i] = rec[0];
        memcpy(images + (size_t)i * PIXELS, rec + 1, PIXELS);
    }
    rn_free(buf);
    if (bad >= 0)
        return rn_error("%s: record %d (byte offset %zu): label %u is out of range 0..9", path,
                        bad, (size_t)bad * RN_CIFAR10_RECORD_BYTES, bad_label);
    return 0;
}

/* Join dir and name into out; -1 if it does not fit. */
static int join(char *out, size_t cap, const char *dir, const char *sub, const char *name)
{
    int len = sub ? snprintf(out, cap, "%s/%s/%s", dir, sub, name)
                  : snprintf(out, cap, "%s/%s", dir, name);
    if (len < 0 || (size_t)len >= cap)
        return rn_error("%s: path too long", dir);
    return 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int rn_cifar10_load(const char *dir, rn_split split, rn_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (dir == NULL || dir[0] == '\0')
        return rn_error("cifar10: no data directory given (use --data DIR or set "
                        "RESNETC_CIFAR10_DIR)");
    static const char *const train_files[] = {"data_batch_1.bin", "data_batch_2.bin",
                                              "data_batch_3.bin", "data_batch_4.bin",
                                              "data_batch_5.bin"};
    static const char *const test_files[] = {"test_batch.bin"};
    const char *const *files = split == RN_SPLIT_TRAIN ? train_files : test_files;
    int nfiles = split == RN_SPLIT_TRAIN ? 5 : 1;

    /* The folder of the .bin files, or its parent holding cifar-10-batches-bin/. */
    char path[4096];
    const char *sub = NULL;
    if (join(path, sizeof path, dir, NULL, files[0]) != 0)
        return -1;
    if (!exists(path)) {
        if (join(path, sizeof path, dir, "cifar-10-batches-bin", files[0]) != 0)
            return -1;
        if (!exists(path))
            return rn_error("%s: no CIFAR-10 binary batches here (looked for %s in it and in "
                            "its cifar-10-batches-bin/)",
                            dir, files[0]);
        sub = "cifar-10-batches-bin";
    }

    size_t n = (size_t)nfiles * RN_CIFAR10_RECORDS_PER_FILE;
    snprintf(out->name, sizeof out->name, "cifar10");
    out->n = (int)n;
    out->c = 3;
    out->h = 32;
    out->w = 32;
    out->classes = 10;
    out->images = rn_alloc(n * PIXELS);
    out->labels = rn_alloc(n * sizeof(int32_t));
    for (int i = 0; i < nfiles; i++) {
        if (join(path, sizeof path, dir, sub, files[i]) != 0 ||
            rn_cifar10_read_file(path, out->images + (size_t)i * RN_CIFAR10_RECORDS_PER_FILE * PIXELS,
                                 out->labels + (size_t)i * RN_CIFAR10_RECORDS_PER_FILE) != 0) {
            rn_dataset_free(out);
            return -1;
        }
    }
    return 0;
}
