/* util.c: error reporting, aligned zeroed allocation, whole-file read and atomic write,
 * monotonic clock (see resnetc/util.h).
 *
 * Provides exactly what util.h declares. It does not buffer or redirect messages (they go
 * straight to stderr) and does not retry on full disks: a failed write is an error.
 */
#define _DEFAULT_SOURCE   /* madvise and MADV_HUGEPAGE (glibc) */
#include "resnetc/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rn_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("resnetc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    va_end(ap);
    return -1;
}

void *rn_alloc_at(size_t bytes, const char *file, int line)
{
    /* Round up to a whole number of 64-byte lines (at least one), so that a zero-byte
     * request still returns a distinct, freeable, aligned pointer. */
    if (bytes > SIZE_MAX - 63) {
        fprintf(stderr, "resnetc: %s:%d: out of memory allocating %zu bytes\n", file, line,
                bytes);
        abort();
    }
    size_t rounded = (bytes + 63) & ~(size_t)63;
    if (rounded == 0)
        rounded = 64;
    /* Buffers of 4 MiB and more (a run's arena, data sets) in whole 2 MiB pages, asked of
     * the kernel as transparent huge pages: Debian's default THP mode (madvise) gives them
     * only when asked. The kernels walk maps of megabytes at strides of kilobytes (a 1x1
     * conv's tile reads 6 pixels 1-4 KiB apart), beyond the TLB's reach in 4 KiB pages (the
     * VM shows no counters to confirm it; the gain is what was measured): resnet50 bench
     * --mode train, batch 16, 2 threads, Zen 5, 4 interleaved rounds: 14.3 -> 15.4 img/s
     * (faster in 4 of 4); inference unchanged (55.6 -> 55.8). */
    const size_t huge = (size_t)2 << 20;
    const int big = rounded >= 2 * huge && rounded <= SIZE_MAX - huge;
    if (big)
        rounded = (rounded + huge - 1) & ~(huge - 1);
    void *p = NULL;
    int rc = posix_memalign(&p, big ? huge : 64, rounded);
    if (rc != 0 || p == NULL) {
        fprintf(stderr, "resnetc: %s:%d: out of memory allocating %zu bytes\n", file, line,
                bytes);
        abort();
    }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (big)
        (void)madvise(p, rounded, MADV_HUGEPAGE);   /* a hint: refused, it changes nothing */
#endif
    memset(p, 0, rounded);
    return p;
}

void rn_free(void *p)
{
    free(p);
}

/* Directory part of path ("." when there is none); returns a malloc'd string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    size_t len = (size_t)(slash - path);
    char *d = malloc(len + 1);
    if (d != NULL) {
        memcpy(d, path, len);
        d[len] = '\0';
    }
    return d;
}

static int write_all(int fd, const void *data, size_t bytes)
{
    const unsigned char *p = data;
    while (bytes > 0) {
        size_t chunk = bytes > ((size_t)1 << 30) ? ((size_t)1 << 30) : bytes;
        ssize_t w = write(fd, p, chunk);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        bytes -= (size_t)w;
    }
    return 0;
}

int rn_write_file_atomic(const char *path, const void *data, size_t bytes)
{
    if (path == NULL || path[0] == '\0')
        return rn_error("cannot write file: empty path");
    size_t plen = strlen(path);
    if (path[plen - 1] == '/')
        return rn_error("%s: cannot write file: path names a directory", path);
    static const char suffix[] = ".tmp.XXXXXX";
    char *tmp = malloc(plen + sizeof suffix);
    if (tmp == NULL)
        return rn_error("%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof suffix);

    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return rn_error("%s: cannot create temporary file in its directory: %s", path,
                        strerror(e));
    }
    /* mkstemp creates 0600; give the file the mode a plain fopen would (0666 & ~umask). */
    mode_t mask = umask(0);
    umask(mask);
    const char *step = "write";
    if (fchmod(fd, 0666 & ~mask) != 0) {
        step = "chmod";
        goto fail;
    }
    if (write_all(fd, data, bytes) != 0) {
        step = "write";
        goto fail;
    }
    if (fsync(fd) != 0) {
        step = "fsync";
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        step = "close";
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        step = "rename";
        goto fail;
    }
    free(tmp);

    /* Make the rename durable. Some file systems cannot fsync a directory (EINVAL); the
     * file itself is complete and in place by now, so only real I/O errors count. */
    char *dir = dir_of(path);
    if (dir == NULL)
        return rn_error("%s: out of memory", path);
    int dfd = open(dir, O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS && errno != EBADF) {
            int e = errno;
            close(dfd);
            free(dir);
            return rn_error("%s: fsync of directory failed after writing: %s", path,
                            strerror(e));
        }
        close(dfd);
    }
    free(dir);
    return 0;

fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rn_error("%s: cannot write file (%s failed): %s; the file was left untouched", path,
                    step, strerror(e));
}

int rn_read_file(const char *path, void **data, size_t *bytes)
{
    *data = NULL;
    *bytes = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rn_error("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return rn_error("%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return rn_error("%s: cannot read: is a directory", path);
    }
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 65536;
    size_t len = 0;
    /* One spare byte: the buffer is always NUL-terminated (handy for text formats). */
    unsigned char *buf = rn_alloc(cap + 1);
    for (;;) {
        if (len == cap) {
            size_t ncap = cap * 2;
            unsigned char *nb = rn_alloc(ncap + 1);
            memcpy(nb, buf, len);
            rn_free(buf);
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            rn_free(buf);
            return rn_error("%s: read error: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *data = buf;
    *bytes = len;
    return 0;
}

double rn_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
