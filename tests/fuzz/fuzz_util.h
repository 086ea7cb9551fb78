/* fuzz_util.h: helpers shared by the libFuzzer harnesses in tests/fuzz/ (and by their
 * replay builds): scratch files that hold the current input (the readers take paths, not
 * memory) and an assertion that aborts, so libFuzzer and the replay tests see a broken
 * invariant as a crash. Header-only; each harness includes it once. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the reader under test; a failure is a finding. */
#define FZ_ASSERT(cond)                                                                   \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__,     \
                    #cond);                                                               \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* Scratch file number `slot` (0..3) of this process, created on first use under $TMPDIR
 * (or /tmp) and removed at exit. */
static char fz_paths[4][256];

static void fz_cleanup(void)
{
    for (int i = 0; i < 4; i++)
        if (fz_paths[i][0])
            unlink(fz_paths[i]);
}

static const char *fz_path(int slot)
{
    if (!fz_paths[slot][0]) {
        const char *tmp = getenv("TMPDIR");
        char p[256];
        snprintf(p, sizeof p, "%s/resnetc_fuzz_%d_XXXXXX", tmp && *tmp ? tmp : "/tmp", slot);
        int fd = mkstemp(p);
        if (fd < 0) {
            perror("mkstemp");
            abort();
        }
        close(fd);
        int first = 1;
        for (int i = 0; i < 4; i++)
            first &= !fz_paths[i][0];
        if (first)
            atexit(fz_cleanup);
        memcpy(fz_paths[slot], p, sizeof p);
    }
    return fz_paths[slot];
}

/* Replace the contents of scratch file `slot` with data[0..size); optionally extend it with
 * zeros (a sparse tail) to `total` bytes. Returns the path. */
static const char *fz_file_sized(int slot, const void *data, size_t size, size_t total)
{
    const char *path = fz_path(slot);
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const unsigned char *p = data;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, p + done, size - done);
        if (w <= 0) {
            perror(path);
            abort();
        }
        done += (size_t)w;
    }
    if (total > size && ftruncate(fd, (off_t)total) != 0) {
        perror(path);
        abort();
    }
    close(fd);
    return path;
}

static const char *fz_file(int slot, const void *data, size_t size)
{
    return fz_file_sized(slot, data, size, size);
}

#endif /* FUZZ_UTIL_H */
