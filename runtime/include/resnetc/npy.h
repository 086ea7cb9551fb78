/* resnetc/npy.h: NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Reading: the magic, version, header dictionary ('descr', 'fortran_order', 'shape') and
 * the data size are checked against the file; every message names the file and what was
 * expected and found. Supported element types: '<f4', '<f8' (read as float32), '<i8',
 * '<i4' (read as int64). C order only: fortran_order True is an error, as are big-endian
 * ('>') and other dtypes.
 * Writing: float32 ('<f4') and int64 ('<i8'), version 1.0 (2.0 when the header would not
 * fit), header padded to a multiple of 64 bytes as NumPy does, written atomically.
 * Not provided: object arrays, structured dtypes, memory mapping, big-endian hosts.
 */
#ifndef RESNETC_NPY_H
#define RESNETC_NPY_H

#include <stddef.h>
#include <stdint.h>

#define RN_NPY_MAX_DIMS 8

typedef enum rn_npy_type { RN_NPY_F32, RN_NPY_I64 } rn_npy_type;

typedef struct rn_npy {
    rn_npy_type type;               /* what `data` holds after conversion */
    int ndim;                       /* 0 for a scalar */
    int64_t shape[RN_NPY_MAX_DIMS];
    size_t count;                   /* product of shape */
    void *data;                     /* rn_alloc'd: float* (F32) or int64_t* (I64) */
    char descr[8];                  /* the file's dtype as found, e.g. "<f8" */
} rn_npy;

/* Read `path`, converting to `want` (F32 from <f4/<f8, I64 from <i8/<i4); a file of the
 * other kind is an error ("expected float32 data ... found '<i8'"). 0 or -1. */
int rn_npy_read(const char *path, rn_npy_type want, rn_npy *out);
/* Free out->data and clear *out. */
void rn_npy_free(rn_npy *a);

/* Write C-order arrays atomically. shape has ndim entries (ndim 0: a scalar). */
int rn_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape);
int rn_npy_write_i64(const char *path, const int64_t *data, int ndim, const int64_t *shape);

#endif /* RESNETC_NPY_H */
