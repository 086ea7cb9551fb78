/* test_readers.c: the CIFAR-10 and Fashion-MNIST readers on the real files and on damaged
 * copies made in a scratch directory (truncated, wrong record count, bad label, bad magic,
 * count mismatch, trailing bytes, corrupt gzip), checking the messages name file and record.
 *
 * The CIFAR-10 part reads $RESNETC_CIFAR10_DIR (the folder of the .bin files or its parent)
 * and is skipped with a message when unset; the Fashion-MNIST part reads
 * $RESNETC_FMNIST_DIR or /usr/share/datasets/fashion-mnist and is skipped when absent. */
#include "dt_test.h"

#include "resnetc/data.h"
#include "resnetc/util.h"

#include <stdint.h>
#include <zlib.h>

static void check_class_counts(const rn_dataset *d, int per_class)
{
    int counts[10] = {0};
    for (int i = 0; i < d->n; i++) {
        CHECK(d->labels[i] >= 0 && d->labels[i] < 10);
        if (d->labels[i] >= 0 && d->labels[i] < 10)
            counts[d->labels[i]]++;
    }
    for (int c = 0; c < 10; c++)
        CHECK(counts[c] == per_class);
}

/* One synthetic CIFAR-10 record stream: label i % 10, pixels (i + k) & 255. */
static uint8_t *synthetic_cifar(int records)
{
    uint8_t *b = malloc((size_t)records * 3073);
    for (int i = 0; i < records; i++) {
        b[(size_t)i * 3073] = (uint8_t)(i % 10);
        for (int k = 0; k < 3072; k++)
            b[(size_t)i * 3073 + 1 + k] = (uint8_t)((i + k) & 255);
    }
    return b;
}

static void test_cifar_synthetic(void)
{
    uint8_t *imgs = malloc((size_t)10000 * 3072);
    int32_t *labs = malloc(10000 * sizeof(int32_t));
    uint8_t *good = synthetic_cifar(10000);
    size_t full = (size_t)10000 * 3073;

    /* a good file reads back exactly */
    dt_write(dt_path("good.bin"), good, full);
    CHECK(rn_cifar10_read_file(dt_path("good.bin"), imgs, labs) == 0);
    CHECK(labs[0] == 0 && labs[9999] == 9 && labs[1234] == 4);
    CHECK(imgs[0] == 0 && imgs[3071] == (3071 & 255));
    CHECK(imgs[(size_t)7 * 3072 + 5] == 12);
    CHECK(memcmp(imgs + (size_t)9999 * 3072, good + (size_t)9999 * 3073 + 1, 3072) == 0);

    /* truncated mid-record: not a multiple of 3073 */
    dt_write(dt_path("trunc.bin"), good, full - 100);
    dt_capture_begin();
    int rc = rn_cifar10_read_file(dt_path("trunc.bin"), imgs, labs);
    const char *msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "trunc.bin", "not a multiple", "3073");

    /* whole records but the wrong number */
    dt_write(dt_path("short.bin"), good, full - 3073);
    dt_capture_begin();
    rc = rn_cifar10_read_file(dt_path("short.bin"), imgs, labs);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "short.bin", "9999 records", "10000");

    /* empty file */
    dt_write(dt_path("empty.bin"), good, 0);
    dt_capture_begin();
    rc = rn_cifar10_read_file(dt_path("empty.bin"), imgs, labs);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "empty.bin", "0 records");

    /* a label out of range, named by record */
    good[(size_t)4321 * 3073] = 10;
    dt_write(dt_path("label.bin"), good, full);
    dt_capture_begin();
    rc = rn_cifar10_read_file(dt_path("label.bin"), imgs, labs);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "label.bin", "record 4321", "label 10");
    good[(size_t)4321 * 3073] = 1;

    /* a missing file */
    dt_capture_begin();
    rc = rn_cifar10_read_file(dt_path("missing.bin"), imgs, labs);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "missing.bin", "cannot open");

    /* rn_cifar10_load on a directory: test split, and a damaged training batch named */
    dt_write(dt_path("test_batch.bin"), good, full);
    rn_dataset d;
    CHECK(rn_cifar10_load(dt_dir, RN_SPLIT_TEST, &d) == 0);
    CHECK(d.n == 10000 && d.c == 3 && d.h == 32 && d.w == 32 && d.classes == 10);
    CHECK(d.labels != NULL && d.labels[4321] == 1);
    rn_dataset_free(&d);
    dt_write(dt_path("data_batch_1.bin"), good, full);
    dt_write(dt_path("data_batch_2.bin"), good, full);
    dt_write(dt_path("data_batch_3.bin"), good, full - 3073);
    dt_capture_begin();
    rc = rn_cifar10_load(dt_dir, RN_SPLIT_TRAIN, &d);
    msg = dt_capture_end();
    CHECK(rc == -1 && d.images == NULL && d.labels == NULL);
    CHECK_MSG(msg, "data_batch_3.bin", "9999 records");
    /* data_batch_4 absent */
    dt_write(dt_path("data_batch_3.bin"), good, full);
    dt_capture_begin();
    rc = rn_cifar10_load(dt_dir, RN_SPLIT_TRAIN, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "data_batch_4.bin");
    for (int i = 1; i <= 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "data_batch_%d.bin", i);
        unlink(dt_path(name));
    }
    unlink(dt_path("test_batch.bin"));

    /* a directory without batches */
    dt_capture_begin();
    rc = rn_cifar10_load(dt_dir, RN_SPLIT_TEST, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "no CIFAR-10 binary batches");

    /* the validation split takes the last images */
    rn_dataset full_set = {.name = "cifar10", .n = 10, .c = 3, .h = 32, .w = 32, .classes = 10};
    full_set.images = rn_alloc((size_t)10 * 3072);
    full_set.labels = rn_alloc(10 * sizeof(int32_t));
    for (int i = 0; i < 10; i++) {
        full_set.labels[i] = i;
        memset(full_set.images + (size_t)i * 3072, i, 3072);
    }
    rn_dataset val;
    CHECK(rn_dataset_split_tail(&full_set, 3, &val) == 0);
    CHECK(full_set.n == 7 && val.n == 3);
    CHECK(val.labels[0] == 7 && val.labels[2] == 9 && val.images[0] == 7 &&
          val.images[3 * 3072 - 1] == 9);
    CHECK(full_set.labels[6] == 6);
    dt_capture_begin();
    rn_dataset v2;
    CHECK(rn_dataset_split_tail(&full_set, 7, &v2) == -1);
    dt_capture_end();
    rn_dataset_free(&val);
    rn_dataset_free(&full_set);

    free(good);
    free(imgs);
    free(labs);
}

static void test_cifar_real(void)
{
    const char *dir = getenv("RESNETC_CIFAR10_DIR");
    if (dir == NULL || dir[0] == '\0') {
        printf("SKIP: real CIFAR-10 files: RESNETC_CIFAR10_DIR is not set "
               "(unpack with /work/shared/data/unpack-cifar10.sh DEST)\n");
        return;
    }
    rn_dataset d;
    CHECK(rn_dataset_load("cifar10", dir, RN_SPLIT_TEST, &d) == 0);
    CHECK(d.n == 10000 && d.c == 3 && d.h == 32 && d.w == 32);
    if (d.n == 10000)
        check_class_counts(&d, 1000);
    /* not blank: mean pixel between 50 and 200 */
    uint64_t s = 0;
    for (size_t i = 0; i < (size_t)d.n * 3072; i++)
        s += d.images[i];
    double mean = (double)s / ((double)d.n * 3072);
    CHECK(mean > 50 && mean < 200);
    rn_dataset_free(&d);

    CHECK(rn_dataset_load("cifar10", dir, RN_SPLIT_TRAIN, &d) == 0);
    CHECK(d.n == 50000);
    if (d.n == 50000)
        check_class_counts(&d, 5000);
    rn_dataset_free(&d);
    printf("real CIFAR-10 (%s): ok\n", dir);
}

/* Write an IDX file, gzip-compressed, from a header and a body. */
static void write_gz(const char *path, const uint8_t *hdr, size_t hn, const uint8_t *body,
                     size_t bn)
{
    gzFile g = gzopen(path, "wb");
    if (g == NULL || gzwrite(g, hdr, (unsigned)hn) != (int)hn ||
        (bn > 0 && gzwrite(g, body, (unsigned)bn) != (int)bn) || gzclose(g) != Z_OK) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static void test_idx_synthetic(void)
{
    enum { N = 5, R = 4, C = 3 };
    uint8_t ih[16], lh[8], pix[N * R * C + 1], lab[N + 1];
    put32(ih, 0x803);
    put32(ih + 4, N);
    put32(ih + 8, R);
    put32(ih + 12, C);
    put32(lh, 0x801);
    put32(lh + 4, N);
    for (int i = 0; i < N * R * C + 1; i++)
        pix[i] = (uint8_t)(i * 7);
    for (int i = 0; i < N + 1; i++)
        lab[i] = (uint8_t)(i % 10);
    char img[512], lbl[512];
    snprintf(img, sizeof img, "%s", dt_path("img.gz"));
    snprintf(lbl, sizeof lbl, "%s", dt_path("lbl.gz"));
    write_gz(img, ih, 16, pix, N * R * C);
    write_gz(lbl, lh, 8, lab, N);
    rn_dataset d;
    CHECK(rn_idx_load(img, lbl, 10, &d) == 0);
    CHECK(d.n == N && d.c == 1 && d.h == R && d.w == C && d.classes == 10);
    CHECK(d.images != NULL && memcmp(d.images, pix, N * R * C) == 0);
    CHECK(d.labels != NULL && d.labels[4] == 4);
    rn_dataset_free(&d);

    /* a plain (uncompressed) IDX file reads as well */
    uint8_t plain[16 + N * R * C];
    memcpy(plain, ih, 16);
    memcpy(plain + 16, pix, N * R * C);
    dt_write(dt_path("plain-img"), plain, sizeof plain);
    CHECK(rn_idx_load(dt_path("plain-img"), lbl, 10, &d) == 0);
    rn_dataset_free(&d);

    const char *msg;
    int rc;
    /* bad magic in the images */
    uint8_t bad[16];
    memcpy(bad, ih, 16);
    put32(bad, 0x801);
    write_gz(dt_path("badmagic.gz"), bad, 16, pix, N * R * C);
    dt_capture_begin();
    rc = rn_idx_load(dt_path("badmagic.gz"), lbl, 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1 && d.images == NULL);
    CHECK_MSG(msg, "badmagic.gz", "bad IDX magic 0x00000801", "0x00000803");
    /* bad magic in the labels */
    write_gz(dt_path("lblmagic.gz"), ih, 8, lab, N);
    dt_capture_begin();
    rc = rn_idx_load(img, dt_path("lblmagic.gz"), 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "lblmagic.gz", "bad IDX magic");
    /* truncated pixels */
    write_gz(dt_path("trunc.gz"), ih, 16, pix, N * R * C - 1);
    dt_capture_begin();
    rc = rn_idx_load(dt_path("trunc.gz"), lbl, 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "trunc.gz", "truncated");
    /* truncated header */
    write_gz(dt_path("hdr.gz"), ih, 10, NULL, 0);
    dt_capture_begin();
    rc = rn_idx_load(dt_path("hdr.gz"), lbl, 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "hdr.gz", "truncated", "header");
    /* trailing bytes */
    write_gz(dt_path("trail.gz"), ih, 16, pix, N * R * C + 1);
    dt_capture_begin();
    rc = rn_idx_load(dt_path("trail.gz"), lbl, 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "trail.gz", "trailing");
    /* label count differs from image count */
    uint8_t lh6[8];
    memcpy(lh6, lh, 8);
    put32(lh6 + 4, N + 1);
    write_gz(dt_path("count.gz"), lh6, 8, lab, N + 1);
    dt_capture_begin();
    rc = rn_idx_load(img, dt_path("count.gz"), 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "count.gz", "6 labels", "5 images");
    /* a label out of range, named by record */
    uint8_t lab2[N];
    memcpy(lab2, lab, N);
    lab2[3] = 11;
    write_gz(dt_path("badlab.gz"), lh, 8, lab2, N);
    dt_capture_begin();
    rc = rn_idx_load(img, dt_path("badlab.gz"), 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1 && d.images == NULL);
    CHECK_MSG(msg, "badlab.gz", "record 3", "label 11");
    /* corrupt gzip stream: flip bytes inside the deflate data of a valid file */
    uint8_t big[16 + 4096];
    memcpy(big, ih, 16);
    put32(big + 4, 4096 / (R * C) + 1);
    for (int i = 0; i < 4096; i++)
        big[16 + i] = (uint8_t)(i * 13 + (i >> 5));
    write_gz(dt_path("corrupt.gz"), big, sizeof big, NULL, 0);
    void *raw;
    size_t rawn;
    CHECK(rn_read_file(dt_path("corrupt.gz"), &raw, &rawn) == 0);
    for (size_t i = 20; i < rawn - 10; i += 7)
        ((uint8_t *)raw)[i] ^= 0x5a;
    dt_write(dt_path("corrupt.gz"), raw, rawn);
    rn_free(raw);
    dt_capture_begin();
    rc = rn_idx_load(dt_path("corrupt.gz"), lbl, 10, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "corrupt.gz");
    /* missing file */
    dt_capture_begin();
    rc = rn_fmnist_load(dt_dir, RN_SPLIT_TEST, &d);
    msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "t10k-images-idx3-ubyte.gz", "cannot open");
}

static void test_fmnist_real(void)
{
    const char *dir = getenv("RESNETC_FMNIST_DIR");
    if (dir == NULL || dir[0] == '\0')
        dir = rn_dataset_default_dir("fashion-mnist");
    char probe[512];
    snprintf(probe, sizeof probe, "%s/t10k-labels-idx1-ubyte.gz", dir);
    if (access(probe, R_OK) != 0) {
        printf("SKIP: real Fashion-MNIST files: %s not found\n", probe);
        return;
    }
    rn_dataset d;
    CHECK(rn_dataset_load("fashion-mnist", dir, RN_SPLIT_TEST, &d) == 0);
    CHECK(d.n == 10000 && d.c == 1 && d.h == 28 && d.w == 28 && d.classes == 10);
    if (d.n == 10000) {
        check_class_counts(&d, 1000);
        CHECK(d.labels[0] == 9); /* the first test image is an ankle boot */
    }
    rn_dataset_free(&d);
    CHECK(rn_dataset_load("fashion-mnist", dir, RN_SPLIT_TRAIN, &d) == 0);
    CHECK(d.n == 60000);
    if (d.n == 60000) {
        check_class_counts(&d, 6000);
        CHECK(d.labels[0] == 9 && d.labels[1] == 0);
    }
    rn_dataset_free(&d);
    CHECK(strcmp(rn_dataset_class_names("fashion-mnist")[9], "Ankle boot") == 0);
    CHECK(strcmp(rn_dataset_class_names("cifar10")[0], "airplane") == 0);
    printf("real Fashion-MNIST (%s): ok\n", dir);
}

int main(void)
{
    dt_mkdir();
    test_cifar_synthetic();
    test_idx_synthetic();
    /* unknown data set name */
    rn_dataset d;
    dt_capture_begin();
    int rc = rn_dataset_load("mnist", "/nonexistent", RN_SPLIT_TEST, &d);
    const char *msg = dt_capture_end();
    CHECK(rc == -1);
    CHECK_MSG(msg, "unknown data set 'mnist'");
    test_cifar_real();
    test_fmnist_real();
    return dt_finish("test_data_readers");
}
