/* dt_test.h: helpers for the data/optimizer tests: CHECK macros that count failures, a
 * scratch directory removed at exit, raw file writing, and stderr capture so a test can
 * assert that an error message names the file and record. Header-only, one include per test.
 */
#ifndef DT_TEST_H
#define DT_TEST_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int dt_failures;
static char dt_dir[256];

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
            dt_failures++;                                                                \
        }                                                                                 \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                             \
    do {                                                                                  \
        double dt_a_ = (a), dt_b_ = (b);                                                  \
        if (!(dt_a_ - dt_b_ <= (tol) && dt_b_ - dt_a_ <= (tol))) {                        \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.17g, %s = %.17g\n", __FILE__, \
                    __LINE__, #a, dt_a_, #b, dt_b_);                                      \
            dt_failures++;                                                                \
        }                                                                                 \
    } while (0)

static inline void dt_rmdir(void)
{
    DIR *d = opendir(dt_dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dt_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dt_dir);
}

/* A fresh scratch directory under $TMPDIR (or /tmp), removed at exit (flat: files only). */
static inline void dt_mkdir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dt_dir, sizeof dt_dir, "%s/resnetc_dt_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dt_dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(dt_rmdir);
}

/* dt_dir + "/" + name in one of 8 rotating static buffers. */
static inline const char *dt_path(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 512, "%s/%s", dt_dir, name);
    return b;
}

static inline void dt_write(const char *path, const void *data, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, bytes, f) != bytes || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* stderr capture: dt_capture_begin(); ...; const char *msg = dt_capture_end(); */
static int dt_saved_fd = -1;
static char dt_captured[8192];

static inline void dt_capture_begin(void)
{
    fflush(stderr);
    dt_saved_fd = dup(2);
    int fd = open(dt_path("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (dt_saved_fd < 0 || fd < 0) {
        perror("capture");
        exit(1);
    }
    dup2(fd, 2);
    close(fd);
}

static inline const char *dt_capture_end(void)
{
    fflush(stderr);
    dup2(dt_saved_fd, 2);
    close(dt_saved_fd);
    dt_saved_fd = -1;
    dt_captured[0] = '\0';
    FILE *f = fopen(dt_path("stderr.txt"), "rb");
    if (f != NULL) {
        size_t n = fread(dt_captured, 1, sizeof dt_captured - 1, f);
        dt_captured[n] = '\0';
        fclose(f);
    }
    return dt_captured;
}

/* Check that msg contains every one of the (NULL-terminated) substrings. */
#define CHECK_MSG(msg, ...)                                                               \
    do {                                                                                  \
        const char *dt_subs_[] = {__VA_ARGS__, NULL};                                     \
        for (int dt_i_ = 0; dt_subs_[dt_i_] != NULL; dt_i_++)                             \
            if (strstr((msg), dt_subs_[dt_i_]) == NULL) {                                 \
                fprintf(stderr, "%s:%d: message lacks '%s': %s\n", __FILE__, __LINE__,    \
                        dt_subs_[dt_i_], (msg));                                          \
                dt_failures++;                                                            \
            }                                                                             \
    } while (0)

static inline int dt_finish(const char *name)
{
    if (dt_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, dt_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif /* DT_TEST_H */
