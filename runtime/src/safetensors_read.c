/* safetensors_read.c: the safetensors reader (rn_st_open and the accessors, the checksum
 * check, the conversions to float and int64) and the dtype table (see
 * resnetc/safetensors.h for the format and what is validated).
 *
 * The header's JSON is read with the runtime's JSON reader (json.h); this file knows the
 * header's keys and checks what they say against the file. Everything is allocated with
 * rn_alloc. Does not write files (safetensors_write.c).
 */
#include "resnetc/safetensors.h"
#include "resnetc/util.h"

#include "json.h"
#include "safetensors_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const struct {
    const char *name;
    size_t size;
} dtype_table[] = {
    [RN_ST_BOOL] = {"BOOL", 1}, [RN_ST_U8] = {"U8", 1},     [RN_ST_I8] = {"I8", 1},
    [RN_ST_U16] = {"U16", 2},   [RN_ST_I16] = {"I16", 2},   [RN_ST_F16] = {"F16", 2},
    [RN_ST_BF16] = {"BF16", 2}, [RN_ST_U32] = {"U32", 4},   [RN_ST_I32] = {"I32", 4},
    [RN_ST_F32] = {"F32", 4},   [RN_ST_U64] = {"U64", 8},   [RN_ST_I64] = {"I64", 8},
    [RN_ST_F64] = {"F64", 8},
};
#define N_DTYPES ((int)(sizeof dtype_table / sizeof dtype_table[0]))

const char *rn_st_dtype_name(rn_st_dtype t)
{
    return (int)t >= 0 && (int)t < N_DTYPES ? dtype_table[t].name : "?";
}

size_t rn_st_dtype_size(rn_st_dtype t)
{
    return (int)t >= 0 && (int)t < N_DTYPES ? dtype_table[t].size : 0;
}

static int dtype_from_name(const char *s, rn_st_dtype *out)
{
    for (int i = 0; i < N_DTYPES; i++)
        if (strcmp(s, dtype_table[i].name) == 0) {
            *out = (rn_st_dtype)i;
            return 0;
        }
    return -1;
}

struct rn_st_file {
    char *path;
    unsigned char *buf;     /* whole file */
    size_t size;
    size_t data_start;      /* 8 + N */
    int n, cap;             /* tensors; room in t, begin and end */
    rn_st_tensor *t;
    uint64_t *begin, *end;  /* data_offsets per tensor */
    int *by_name;           /* indices sorted by name */
    int nmeta, meta_cap;
    char **meta_key, **meta_val;
};

/* ------------------------------------------------------------------------------------ */
/* Header                                                                                */

/* An array of non-negative integers, at most `max` of them. */
static int parse_uint_array(rn_json *p, const char *what, const char *tensor, uint64_t *vals,
                            int max, int *count)
{
    *count = 0;
    if (rn_json_expect(p, '[', "'[' starting an array") != 0)
        return -1;
    if (rn_json_accept(p, ']'))
        return 0;
    do {
        uint64_t v;
        int neg;
        size_t at = p->pos;
        if (rn_json_int(p, &v, &neg) != 0)
            return -1;
        if (neg) {
            p->failed = 1;
            return rn_error("%s: tensor '%s': %s: expected non-negative integers, found a "
                            "negative one at header byte %zu",
                            p->path, tensor, what, at);
        }
        if (*count >= max) {
            p->failed = 1;
            return rn_error("%s: tensor '%s': %s: expected at most %d entries, found more",
                            p->path, tensor, what, max);
        }
        vals[(*count)++] = v;
    } while (rn_json_accept(p, ','));
    return rn_json_expect(p, ']', "',' or ']' in an array");
}

/* What a tensor entry says, before it is checked against the file. */
typedef struct tensor_entry {
    int have_dtype, have_shape, have_offsets;  /* times each key appeared */
    rn_st_dtype dtype;
    uint64_t shape[RN_ST_MAX_DIMS], offs[2];
    int ndim, noffs;
} tensor_entry;

/* One key of a tensor entry and its value; unknown keys are skipped, a known one given
 * twice is an error. */
static int parse_tensor_key(rn_json *p, const char *name, tensor_entry *e)
{
    char *key;
    size_t key_at = p->pos;
    if (rn_json_string(p, &key) != 0)
        return -1;
    int rc = -1, dup = 0;
    if (rn_json_expect(p, ':', "':' after an object key") != 0)
        goto done;
    if (strcmp(key, "dtype") == 0) {
        dup = e->have_dtype++;
        char *ds;
        size_t at = p->pos;
        if (!dup) {
            if (rn_json_string(p, &ds) != 0)
                goto done;
            if (dtype_from_name(ds, &e->dtype) != 0) {
                rn_error("%s: tensor '%s': expected a dtype among BOOL U8 I8 U16 I16 F16 BF16 "
                         "U32 I32 F32 U64 I64 F64, found '%s' (header byte %zu)",
                         p->path, name, ds, at);
                p->failed = 1;
                rn_free(ds);
                goto done;
            }
            rn_free(ds);
        }
    } else if (strcmp(key, "shape") == 0) {
        dup = e->have_shape++;
        if (!dup &&
            parse_uint_array(p, "shape", name, e->shape, RN_ST_MAX_DIMS, &e->ndim) != 0)
            goto done;
    } else if (strcmp(key, "data_offsets") == 0) {
        dup = e->have_offsets++;
        if (!dup && parse_uint_array(p, "data_offsets", name, e->offs, 2, &e->noffs) != 0)
            goto done;
    } else if (rn_json_skip(p, 2) != 0) {
        goto done;
    }
    if (dup) {
        rn_error("%s: tensor '%s': key '%s' appears twice (header byte %zu)", p->path, name,
                 key, key_at);
        p->failed = 1;
        goto done;
    }
    rc = 0;
done:
    rn_free(key);
    return rc;
}

/* Check a tensor entry against the file: keys present, offsets inside the data section,
 * shape x dtype size == the bytes the offsets span. -1 after a message. */
static int check_tensor(const rn_json *p, const rn_st_file *f, const char *name,
                        const tensor_entry *e, uint64_t *count, uint64_t *nbytes)
{
    if (!e->have_dtype || !e->have_shape || !e->have_offsets)
        return rn_error("%s: tensor '%s': expected keys dtype, shape and data_offsets, "
                        "missing %s",
                        p->path, name, !e->have_dtype ? "dtype" : !e->have_shape ? "shape"
                                                                              : "data_offsets");
    if (e->noffs != 2)
        return rn_error("%s: tensor '%s': data_offsets: expected [begin, end], found %d "
                        "entries", p->path, name, e->noffs);
    const uint64_t *offs = e->offs;
    if (offs[0] > offs[1])
        return rn_error("%s: tensor '%s': data_offsets: expected begin <= end, found [%" PRIu64
                        ", %" PRIu64 "]", p->path, name, offs[0], offs[1]);
    size_t data_len = f->size - f->data_start;
    if (offs[1] > data_len)
        return rn_error("%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] lie outside "
                        "the data section: expected end <= %zu (file size %zu, data starts "
                        "at %zu)",
                        p->path, name, offs[0], offs[1], data_len, f->size, f->data_start);
    /* shape product x element size, overflow-checked */
    *count = 1;
    int overflow = 0;
    for (int i = 0; i < e->ndim; i++) {
        if (e->shape[i] > (uint64_t)INT64_MAX ||
            (e->shape[i] != 0 && *count > UINT64_MAX / e->shape[i]))
            overflow = 1;
        else
            *count *= e->shape[i];
    }
    size_t esize = rn_st_dtype_size(e->dtype);
    *nbytes = 0;
    if (!overflow && *count > UINT64_MAX / esize)
        overflow = 1;
    if (!overflow)
        *nbytes = *count * esize;
    if (overflow || *nbytes != offs[1] - offs[0]) {
        char sh[256];
        size_t o = 0;
        sh[o++] = '[';
        for (int i = 0; i < e->ndim && o < sizeof sh - 40; i++)
            o += (size_t)snprintf(sh + o, sizeof sh - o, "%s%" PRIu64, i ? ", " : "",
                                  e->shape[i]);
        snprintf(sh + o, sizeof sh - o, "]");
        if (overflow)
            return rn_error("%s: tensor '%s': shape %s is too large", p->path, name, sh);
        return rn_error("%s: tensor '%s': expected %" PRIu64 " bytes of data (%s shape %s), "
                        "found data_offsets spanning %" PRIu64 " bytes",
                        p->path, name, *nbytes, rn_st_dtype_name(e->dtype), sh,
                        offs[1] - offs[0]);
    }
    return 0;
}

/* A tensor's entry; on success the tensor is added to f and owns `name`. */
static int parse_tensor(rn_json *p, rn_st_file *f, char *name)
{
    if (rn_json_peek(p) != '{')
        return rn_json_syntax_error(p, "'{' (the entry of a tensor)");
    p->pos++;
    tensor_entry e = {.dtype = RN_ST_F32};
    if (!rn_json_accept(p, '}')) {
        do {
            if (parse_tensor_key(p, name, &e) != 0)
                return -1;
        } while (rn_json_accept(p, ','));
        if (rn_json_expect(p, '}', "',' or '}' in a tensor entry") != 0)
            return -1;
    }
    uint64_t count = 0, nbytes = 0;
    if (check_tensor(p, f, name, &e, &count, &nbytes) != 0) {
        p->failed = 1;
        return -1;
    }

    if (f->n == f->cap) {
        int cap = rn_st_grown(f->cap);
        f->t = rn_st_resize(f->t, (size_t)f->n * sizeof *f->t, (size_t)cap * sizeof *f->t);
        f->begin = rn_st_resize(f->begin, (size_t)f->n * sizeof *f->begin,
                                (size_t)cap * sizeof *f->begin);
        f->end = rn_st_resize(f->end, (size_t)f->n * sizeof *f->end,
                              (size_t)cap * sizeof *f->end);
        f->cap = cap;
    }
    int i = f->n++;
    rn_st_tensor *t = &f->t[i];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->dtype = e.dtype;
    t->ndim = e.ndim;
    for (int d = 0; d < e.ndim; d++)
        t->shape[d] = (int64_t)e.shape[d];
    t->count = (size_t)count;
    t->nbytes = (size_t)nbytes;
    t->data = f->buf + f->data_start + e.offs[0];
    f->begin[i] = e.offs[0];
    f->end[i] = e.offs[1];
    return 0;
}

/* One "key": "value" of __metadata__, added to f (a repeated key is an error). */
static int parse_metadata_entry(rn_json *p, rn_st_file *f)
{
    char *key, *val;
    if (rn_json_string(p, &key) != 0)
        return -1;
    if (rn_json_expect(p, ':', "':' after an object key") != 0) {
        rn_free(key);
        return -1;
    }
    if (rn_json_peek(p) != '"') {
        rn_free(key);
        return rn_json_syntax_error(p, "a string value in __metadata__");
    }
    if (rn_json_string(p, &val) != 0) {
        rn_free(key);
        return -1;
    }
    for (int i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta_key[i], key) == 0) {
            rn_error("%s: __metadata__: key '%s' appears twice", p->path, key);
            p->failed = 1;
            rn_free(key);
            rn_free(val);
            return -1;
        }
    if (f->nmeta == f->meta_cap) {
        int cap = rn_st_grown(f->meta_cap);
        f->meta_key = rn_st_resize(f->meta_key, (size_t)f->nmeta * sizeof(char *),
                                   (size_t)cap * sizeof(char *));
        f->meta_val = rn_st_resize(f->meta_val, (size_t)f->nmeta * sizeof(char *),
                                   (size_t)cap * sizeof(char *));
        f->meta_cap = cap;
    }
    f->meta_key[f->nmeta] = key;
    f->meta_val[f->nmeta] = val;
    f->nmeta++;
    return 0;
}

static int parse_metadata(rn_json *p, rn_st_file *f)
{
    if (rn_json_expect(p, '{', "'{' (the __metadata__ object)") != 0)
        return -1;
    if (rn_json_accept(p, '}'))
        return 0;
    do {
        if (parse_metadata_entry(p, f) != 0)
            return -1;
    } while (rn_json_accept(p, ','));
    return rn_json_expect(p, '}', "',' or '}' in __metadata__");
}

static int parse_header(rn_json *p, rn_st_file *f)
{
    if (rn_json_expect(p, '{', "'{' (the header is a JSON object)") != 0)
        return -1;
    int have_meta = 0;
    if (!rn_json_accept(p, '}')) {
        do {
            char *name;
            if (rn_json_string(p, &name) != 0)
                return -1;
            if (rn_json_expect(p, ':', "':' after an object key") != 0) {
                rn_free(name);
                return -1;
            }
            if (strcmp(name, "__metadata__") == 0) {
                rn_free(name);
                if (have_meta++) {
                    p->failed = 1;
                    return rn_error("%s: __metadata__ appears twice in the header", p->path);
                }
                if (parse_metadata(p, f) != 0)
                    return -1;
            } else if (parse_tensor(p, f, name) != 0) {
                rn_free(name);
                return -1;
            }
        } while (rn_json_accept(p, ','));
        if (rn_json_expect(p, '}', "',' or '}' in the header object") != 0)
            return -1;
    }
    if (rn_json_peek(p) != -1)
        return rn_json_syntax_error(p, "only spaces after the header object");
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* File                                                                                  */

static const rn_st_file *sort_ctx;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(sort_ctx->t[*(const int *)a].name, sort_ctx->t[*(const int *)b].name);
}

static int cmp_begin(const void *a, const void *b)
{
    uint64_t x = sort_ctx->begin[*(const int *)a], y = sort_ctx->begin[*(const int *)b];
    if (x != y)
        return x < y ? -1 : 1;
    uint64_t ex = sort_ctx->end[*(const int *)a], ey = sort_ctx->end[*(const int *)b];
    return ex < ey ? -1 : ex > ey;
}

void rn_st_close(rn_st_file *f)
{
    if (f == NULL)
        return;
    for (int i = 0; i < f->n; i++)
        rn_free((char *)f->t[i].name);
    for (int i = 0; i < f->nmeta; i++) {
        rn_free(f->meta_key[i]);
        rn_free(f->meta_val[i]);
    }
    rn_free(f->meta_key);
    rn_free(f->meta_val);
    rn_free(f->t);
    rn_free(f->begin);
    rn_free(f->end);
    rn_free(f->by_name);
    rn_free(f->buf);
    rn_free(f->path);
    rn_free(f);
}

rn_st_file *rn_st_open(const char *path)
{
    void *buf;
    size_t size;
    if (rn_read_file(path, &buf, &size) != 0)
        return NULL;
    rn_st_file *f = rn_alloc(sizeof *f);
    f->path = rn_alloc(strlen(path) + 1);
    strcpy(f->path, path);
    f->buf = buf;
    f->size = size;
    if (size < 8) {
        rn_error("%s: not a safetensors file: expected at least 8 bytes (the header length), "
                 "found %zu", path, size);
        goto fail;
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | f->buf[i];
    if (n < 2 || n > RN_ST_MAX_HEADER) {
        rn_error("%s: not a safetensors file: header length %" PRIu64 " out of range: expected "
                 "2 to 100000000 bytes", path, n);
        goto fail;
    }
    if (n > size - 8) {
        rn_error("%s: truncated safetensors file: header length %" PRIu64 " but only %zu "
                 "bytes follow the length prefix", path, n, size - 8);
        goto fail;
    }
    f->data_start = 8 + (size_t)n;
    rn_json p = {.path = path, .what = "safetensors header", .base = 8, .s = f->buf + 8,
                 .n = (size_t)n};
    if (parse_header(&p, f) != 0)
        goto fail;

    /* duplicate names */
    f->by_name = rn_alloc((size_t)f->n * sizeof(int));
    for (int i = 0; i < f->n; i++)
        f->by_name[i] = i;
    sort_ctx = f;
    qsort(f->by_name, (size_t)f->n, sizeof(int), cmp_name);
    for (int i = 1; i < f->n; i++)
        if (strcmp(f->t[f->by_name[i]].name, f->t[f->by_name[i - 1]].name) == 0) {
            rn_error("%s: tensor '%s' appears twice in the header", path,
                     f->t[f->by_name[i]].name);
            goto fail;
        }
    /* overlaps (empty tensors overlap nothing) */
    int *order = rn_alloc((size_t)f->n * sizeof(int));
    int m = 0;
    for (int i = 0; i < f->n; i++)
        if (f->end[i] > f->begin[i])
            order[m++] = i;
    qsort(order, (size_t)m, sizeof(int), cmp_begin);
    for (int i = 1; i < m; i++) {
        int a = order[i - 1], b = order[i];
        if (f->begin[b] < f->end[a]) {
            rn_error("%s: tensors '%s' [%" PRIu64 ", %" PRIu64 ") and '%s' [%" PRIu64
                     ", %" PRIu64 ") overlap in the data section: expected disjoint "
                     "data_offsets",
                     path, f->t[a].name, f->begin[a], f->end[a], f->t[b].name, f->begin[b],
                     f->end[b]);
            rn_free(order);
            goto fail;
        }
    }
    rn_free(order);
    return f;
fail:
    rn_st_close(f);
    return NULL;
}

const char *rn_st_path(const rn_st_file *f)
{
    return f->path;
}

int rn_st_count(const rn_st_file *f)
{
    return f->n;
}

const rn_st_tensor *rn_st_at(const rn_st_file *f, int i)
{
    return i >= 0 && i < f->n ? &f->t[i] : NULL;
}

const rn_st_tensor *rn_st_find(const rn_st_file *f, const char *name)
{
    int lo = 0, hi = f->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(name, f->t[f->by_name[mid]].name);
        if (c == 0)
            return &f->t[f->by_name[mid]];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *rn_st_metadata(const rn_st_file *f, const char *key)
{
    for (int i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta_key[i], key) == 0)
            return f->meta_val[i];
    return NULL;
}

/* In pieces that fit zlib's uInt. */
uint32_t rn_st_crc32(uint32_t crc, const unsigned char *p, size_t bytes)
{
    while (bytes > 0) {
        uInt n = bytes > (1u << 30) ? (1u << 30) : (uInt)bytes;
        crc = (uint32_t)crc32(crc, p, n);
        p += n;
        bytes -= n;
    }
    return crc;
}

int rn_st_verify(const rn_st_file *f, int required)
{
    const char *want = rn_st_metadata(f, RN_ST_CRC32_KEY);
    if (want == NULL)
        return required ? rn_error("%s: no %s checksum in the header (not written by "
                                   "resnetc, or damaged)", f->path, RN_ST_CRC32_KEY)
                        : 0;
    uint32_t crc = rn_st_crc32(0, f->buf + f->data_start, f->size - f->data_start);
    char got[16];
    snprintf(got, sizeof got, "%08" PRIx32, crc);
    if (strcmp(got, want) != 0)
        return rn_error("%s: checksum mismatch (%s %s in the header, %s computed over the "
                        "data): the file is damaged", f->path, RN_ST_CRC32_KEY, want, got);
    return 0;
}

/* Little-endian loads from unaligned memory. */
static uint64_t load_le(const unsigned char *p, size_t size)
{
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalize */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

int rn_st_read_f32(const rn_st_file *f, const rn_st_tensor *t, float *dst)
{
    const unsigned char *src = t->data;
    switch (t->dtype) {
    case RN_ST_F32:
        memcpy(dst, src, t->count * 4);
        return 0;
    case RN_ST_F64:
        for (size_t i = 0; i < t->count; i++) {
            uint64_t b = load_le(src + 8 * i, 8);
            double d;
            memcpy(&d, &b, 8);
            dst[i] = (float)d;
        }
        return 0;
    case RN_ST_F16:
        for (size_t i = 0; i < t->count; i++)
            dst[i] = half_to_float((uint16_t)load_le(src + 2 * i, 2));
        return 0;
    case RN_ST_BF16:
        for (size_t i = 0; i < t->count; i++) {
            uint32_t b = (uint32_t)load_le(src + 2 * i, 2) << 16;
            memcpy(&dst[i], &b, 4);
        }
        return 0;
    default:
        return rn_error("%s: tensor '%s': expected a floating-point dtype (F32, F64, F16, "
                        "BF16), found %s", f->path, t->name, rn_st_dtype_name(t->dtype));
    }
}

int rn_st_read_i64(const rn_st_file *f, const rn_st_tensor *t, int64_t *dst)
{
    const unsigned char *src = t->data;
    size_t es = rn_st_dtype_size(t->dtype);
    switch (t->dtype) {
    case RN_ST_I64:
    case RN_ST_I32:
    case RN_ST_I16:
    case RN_ST_I8:
        for (size_t i = 0; i < t->count; i++) {
            uint64_t b = load_le(src + es * i, es);
            unsigned bits = (unsigned)(8 * es);
            if (bits < 64 && (b >> (bits - 1)) & 1)   /* sign-extend */
                b |= ~(uint64_t)0 << bits;
            dst[i] = (int64_t)b;
        }
        return 0;
    case RN_ST_U8:
    case RN_ST_U16:
    case RN_ST_U32:
    case RN_ST_U64:
        for (size_t i = 0; i < t->count; i++) {
            uint64_t b = load_le(src + es * i, es);
            if (b > (uint64_t)INT64_MAX)
                return rn_error("%s: tensor '%s': element %zu: expected a value below 2^63, "
                                "found %" PRIu64, f->path, t->name, i, b);
            dst[i] = (int64_t)b;
        }
        return 0;
    default:
        return rn_error("%s: tensor '%s': expected an integer dtype (I64, I32, ...), found %s",
                        f->path, t->name, rn_st_dtype_name(t->dtype));
    }
}
