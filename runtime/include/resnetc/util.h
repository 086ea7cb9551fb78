/* resnetc/util.h: error reporting and checked wrappers that name file and line.
 *
 * Every runtime error is reported as "resnetc: <context>: <message>" on stderr.
 * Functions that can fail on user input return an int status (0 ok, -1 error) after
 * printing the message with rn_error; only programming errors and out-of-memory abort.
 */
#ifndef RESNETC_UTIL_H
#define RESNETC_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* Print "resnetc: " + formatted message + newline to stderr. Returns -1 for convenience. */
int rn_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that aborts with file:line on failure; memory is 64-byte aligned and zeroed;
 * from 4 MiB on, 2 MiB aligned in whole 2 MiB pages, with transparent huge pages asked for. */
void *rn_alloc_at(size_t bytes, const char *file, int line);
#define rn_alloc(bytes) rn_alloc_at((bytes), __FILE__, __LINE__)
void rn_free(void *p);

/* Write `bytes` to `path` atomically: a temporary file in the same directory, fsync,
 * rename over the target, fsync of the directory. On any failure the target is untouched,
 * the temporary removed, and -1 returned after an error naming the path. */
int rn_write_file_atomic(const char *path, const void *data, size_t bytes);
/* Read a whole file into a fresh rn_alloc buffer; -1 with a message on failure. */
int rn_read_file(const char *path, void **data, size_t *bytes);

/* Monotonic wall-clock seconds. */
double rn_seconds(void);

#endif /* RESNETC_UTIL_H */
