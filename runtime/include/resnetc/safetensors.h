/* resnetc/safetensors.h: reading and writing Hugging Face safetensors files.
 *
 * Format: 8-byte little-endian header length N, N bytes of JSON
 *   {"__metadata__": {"key": "value", ...},
 *    "name": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]}, ...}
 * then the data section (offsets are relative to its start, little-endian values).
 *
 * Reader: rn_st_open reads the whole file and validates everything before returning: the
 * header length (>= 2, <= 100 MB, inside the file), the JSON (own parser; errors give the
 * byte offset), known dtypes, shape product x dtype size == end - begin, offsets inside
 * the data section, no overlapping tensors, no duplicate names (gaps between tensors and
 * trailing bytes are tolerated, unlike the reference reader). Every message names the
 * file and, where it applies, the tensor. Unknown keys inside a tensor entry are ignored
 * (as the reference implementation does); non-string metadata values are errors.
 *
 * Writer: collects tensors in memory (copies), then writes the file in one atomic step
 * (rn_write_file_atomic): never a half-written file. Layout as the reference writer:
 * "__metadata__" first, tensors ordered by dtype size (largest first) then by name, data
 * packed in that order, header padded with spaces to a multiple of 8 bytes.
 *
 * Not provided: memory mapping, big-endian hosts, lazy loading.
 */
#ifndef RESNETC_SAFETENSORS_H
#define RESNETC_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define RN_ST_MAX_DIMS 8

typedef enum rn_st_dtype {
    RN_ST_BOOL, RN_ST_U8, RN_ST_I8, RN_ST_U16, RN_ST_I16, RN_ST_F16, RN_ST_BF16,
    RN_ST_U32, RN_ST_I32, RN_ST_F32, RN_ST_U64, RN_ST_I64, RN_ST_F64
} rn_st_dtype;

typedef struct rn_st_tensor {
    const char *name;
    rn_st_dtype dtype;
    int ndim;                       /* 0 for a scalar (shape []) */
    int64_t shape[RN_ST_MAX_DIMS];
    size_t count;                   /* product of shape (1 for a scalar) */
    size_t nbytes;                  /* count * element size */
    const unsigned char *data;      /* inside the file buffer; NOT necessarily aligned */
} rn_st_tensor;

typedef struct rn_st_file rn_st_file;

/* "F32" for RN_ST_F32, and its element size in bytes. */
const char *rn_st_dtype_name(rn_st_dtype t);
size_t rn_st_dtype_size(rn_st_dtype t);

/* Read and validate a whole file; NULL after a message on any error. */
rn_st_file *rn_st_open(const char *path);
void rn_st_close(rn_st_file *f);
const char *rn_st_path(const rn_st_file *f);
/* Tensors in header order: 0 <= i < rn_st_count(f). */
int rn_st_count(const rn_st_file *f);
const rn_st_tensor *rn_st_at(const rn_st_file *f, int i);
/* Lookup by name; NULL if absent (no message). */
const rn_st_tensor *rn_st_find(const rn_st_file *f, const char *name);
/* A __metadata__ value; NULL if absent. */
const char *rn_st_metadata(const rn_st_file *f, const char *key);

/* Integrity: the __metadata__ key holding the CRC-32 (zlib's, 8 lowercase hex digits) of
 * the whole data section, written by rn_st_writer_seal. rn_st_verify checks it: 0 when it
 * matches (or when it is absent and not `required`), else -1 after a message naming the
 * file. */
#define RN_ST_CRC32_KEY "resnetc_crc32"
int rn_st_verify(const rn_st_file *f, int required);

/* Copy a tensor's values into dst (exactly t->count elements), converting: to float from
 * F32, F64, F16, BF16; to int64 from I64, I32, I16, I8, U8, U32 (and U64 that fits).
 * -1 with a message naming file and tensor for other dtypes. */
int rn_st_read_f32(const rn_st_file *f, const rn_st_tensor *t, float *dst);
int rn_st_read_i64(const rn_st_file *f, const rn_st_tensor *t, int64_t *dst);

/* Writer. */
typedef struct rn_st_writer rn_st_writer;
rn_st_writer *rn_st_writer_new(void);
void rn_st_writer_free(rn_st_writer *w);
/* Add a tensor (data copied, count = product of shape, ndim 0 for a scalar). Any dtype is
 * stored as raw little-endian bytes; resnetc writes F32 and I64. -1 on a duplicate or
 * invalid name or shape. */
int rn_st_writer_add(rn_st_writer *w, const char *name, rn_st_dtype dtype, int ndim,
                     const int64_t *shape, const void *data);
int rn_st_writer_add_f32(rn_st_writer *w, const char *name, int ndim, const int64_t *shape,
                         const float *data);
int rn_st_writer_add_i64(rn_st_writer *w, const char *name, int ndim, const int64_t *shape,
                         const int64_t *data);
/* Add (or replace) a __metadata__ entry. */
int rn_st_writer_metadata(rn_st_writer *w, const char *key, const char *value);
/* Add the RN_ST_CRC32_KEY metadata entry for the tensors added so far (call it last). */
int rn_st_writer_seal(rn_st_writer *w);
/* Serialize into a fresh rn_alloc buffer (for tests and embedding). */
int rn_st_writer_serialize(const rn_st_writer *w, void **data, size_t *bytes);
/* Serialize and write atomically; -1 after a message. */
int rn_st_writer_write(const rn_st_writer *w, const char *path);

#endif /* RESNETC_SAFETENSORS_H */
