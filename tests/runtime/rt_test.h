/* rt_test.h: tiny helpers shared by the runtime tests: CHECK macros that count failures,
 * a scratch directory, raw file writing, and capture of stderr so a test can assert on the
 * exact message an error printed. Header-only; each test includes it once. */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rt_failures;
static char rt_dir[256];

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
            rt_failures++;                                                                \
        }                                                                                 \
    } while (0)

/* A fresh scratch directory under $TMPDIR (or /tmp). */
static inline void rt_mkdir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(rt_dir, sizeof rt_dir, "%s/resnetc_rt_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(rt_dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
}

/* rt_dir + "/" + name, in a rotating set of 8 static buffers (copy to keep longer). */
static inline const char *rt_path(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 512, "%s/%s", rt_dir, name);
    return b;
}

/* Remove the scratch directory (one level of files and directories). */
static inline void rt_rmdir_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[2048];
            if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
                continue;
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
                chmod(p, 0700);
                rt_rmdir_tree(p);
            } else {
                unlink(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static inline void rt_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* Whole file into a malloc'd buffer (NUL-terminated); NULL if unreadable. */
static inline unsigned char *rt_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    if (fread(b, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(b);
        return NULL;
    }
    fclose(f);
    b[len] = 0;
    if (n)
        *n = (size_t)len;
    return b;
}

/* stderr capture: everything written to fd 2 between begin and end. */
static int rt_saved_fd = -1;
static char rt_captured[8192];
static char rt_capture_path[512];

static inline void rt_capture_begin(void)
{
    fflush(stderr);
    rt_saved_fd = dup(2);
    snprintf(rt_capture_path, sizeof rt_capture_path, "%s/.stderr", rt_dir);
    int fd = open(rt_capture_path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    dup2(fd, 2);
    close(fd);
}

static inline const char *rt_capture_end(void)
{
    fflush(stderr);
    dup2(rt_saved_fd, 2);
    close(rt_saved_fd);
    size_t n = 0;
    unsigned char *b = rt_slurp(rt_capture_path, &n);
    snprintf(rt_captured, sizeof rt_captured, "%s", b ? (char *)b : "");
    free(b);
    unlink(rt_capture_path);
    return rt_captured;
}

/* Run `expr` (an int: 0 ok / -1 error) with stderr captured; it must fail and print a
 * message containing `frag`. The message is echoed so the test log shows it. */
#define EXPECT_FAIL(expr, frag)                                                           \
    do {                                                                                  \
        rt_capture_begin();                                                               \
        int rc_ = (expr);                                                                 \
        const char *msg_ = rt_capture_end();                                              \
        fprintf(stderr, "  [expected error] %s", msg_);                                   \
        if (rc_ == 0 || strstr(msg_, (frag)) == NULL) {                                   \
            fprintf(stderr, "%s:%d: expected failure with '%s', got rc %d and '%s'\n",    \
                    __FILE__, __LINE__, (frag), rc_, msg_);                               \
            rt_failures++;                                                                \
        }                                                                                 \
    } while (0)

static inline int rt_finish(const char *name)
{
    rt_rmdir_tree(rt_dir);
    if (rt_failures) {
        fprintf(stderr, "%s: %d check(s) FAILED\n", name, rt_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif /* RT_TEST_H */
