/* fuzz_cifar10.c: libFuzzer harness for the CIFAR-10 binary reader (rn_cifar10_read_file).
 *
 * The reader only accepts files of exactly 10000 records (30,730,000 bytes), so the first
 * input byte picks a mode:
 *   even: the rest of the input is the whole file (sizes, truncation, empty files);
 *   odd:  a full-size file of zeros (sparse) with the rest of the input written at the
 *         start AND over the last records, so labels and pixels of real record positions
 *         are fuzzed.
 * In the full-size mode the outcome is predicted independently: the file must be accepted
 * exactly when every label byte is below 10, and then the labels and the pixels of the
 * records the input covers must be what the file holds. */
#include "resnetc/data.h"
#include "fuzz_util.h"

enum { REC = RN_CIFAR10_RECORD_BYTES, NREC = RN_CIFAR10_RECORDS_PER_FILE };
#define FILE_BYTES ((size_t)REC * NREC)

static uint8_t *images;
static int32_t *labels;

/* The byte of the full-size file at `off`. */
static uint8_t file_byte(const uint8_t *pay, size_t n, size_t tail_at, size_t off)
{
    uint8_t v = 0;
    if (off < n)
        v = pay[off];
    if (off >= tail_at && off - tail_at < n)
        v = pay[off - tail_at];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (images == NULL) {
        images = malloc((size_t)NREC * 3072);
        labels = malloc((size_t)NREC * sizeof *labels);
        FZ_ASSERT(images && labels);
    }
    if (size == 0 || !(data[0] & 1)) {
        const char *path = fz_file(0, size ? data + 1 : data, size ? size - 1 : 0);
        FZ_ASSERT(rn_cifar10_read_file(path, images, labels) != 0);
        return 0;
    }
    const uint8_t *pay = data + 1;
    size_t n = size - 1;
    if (n > FILE_BYTES / 2)
        n = FILE_BYTES / 2;
    size_t tail_at = FILE_BYTES - n; /* the copy over the last records ends the file */
    const char *path = fz_file_sized(0, pay, n, FILE_BYTES);
    int fd = open(path, O_WRONLY);
    FZ_ASSERT(fd >= 0);
    FZ_ASSERT(pwrite(fd, pay, n, (off_t)tail_at) == (ssize_t)n);
    close(fd);

    int expect_ok = 1;
    for (size_t r = 0; r < NREC && expect_ok; r++)
        if (file_byte(pay, n, tail_at, r * REC) >= 10)
            expect_ok = 0;
    int rc = rn_cifar10_read_file(path, images, labels);
    FZ_ASSERT((rc == 0) == expect_ok);
    if (rc != 0)
        return 0;
    for (size_t r = 0; r < NREC; r++) {
        FZ_ASSERT(labels[r] == file_byte(pay, n, tail_at, r * REC));
        size_t start = r * REC;
        if (start < n || start + REC > tail_at)
            for (size_t k = 0; k < 3072; k++)
                FZ_ASSERT(images[r * 3072 + k] == file_byte(pay, n, tail_at, start + 1 + k));
    }
    return 0;
}
