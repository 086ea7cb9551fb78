/* safetensors_write.c: the safetensors writer (see resnetc/safetensors.h for the layout it
 * writes). Tensors and metadata are copied into the writer (rn_alloc) as they are added;
 * the file is serialized in one buffer and written in one atomic step. Does not read files
 * (safetensors_read.c).
 */
#include "resnetc/safetensors.h"
#include "resnetc/util.h"

#include "safetensors_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct st_entry {
    char *name;
    rn_st_dtype dtype;
    int ndim;
    int64_t shape[RN_ST_MAX_DIMS];
    size_t nbytes;
    unsigned char *data;
} st_entry;

struct rn_st_writer {
    int n, cap;             /* tensors; room in e */
    st_entry *e;
    int nmeta, meta_cap;
    char **meta_key, **meta_val;
};

/* A fresh rn_alloc copy of s. */
static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = rn_alloc(n);
    memcpy(c, s, n);
    return c;
}

rn_st_writer *rn_st_writer_new(void)
{
    return rn_alloc(sizeof(rn_st_writer));
}

void rn_st_writer_free(rn_st_writer *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < w->n; i++) {
        rn_free(w->e[i].name);
        rn_free(w->e[i].data);
    }
    for (int i = 0; i < w->nmeta; i++) {
        rn_free(w->meta_key[i]);
        rn_free(w->meta_val[i]);
    }
    rn_free(w->e);
    rn_free(w->meta_key);
    rn_free(w->meta_val);
    rn_free(w);
}

int rn_st_writer_add(rn_st_writer *w, const char *name, rn_st_dtype dtype, int ndim,
                     const int64_t *shape, const void *data)
{
    if (name == NULL || name[0] == '\0' || strcmp(name, "__metadata__") == 0)
        return rn_error("safetensors writer: invalid tensor name '%s'", name ? name : "");
    if (rn_st_dtype_size(dtype) == 0)
        return rn_error("safetensors writer: tensor '%s': unknown dtype %d", name, (int)dtype);
    if (ndim < 0 || ndim > RN_ST_MAX_DIMS)
        return rn_error("safetensors writer: tensor '%s': expected 0 to %d dimensions, found "
                        "%d", name, RN_ST_MAX_DIMS, ndim);
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->e[i].name, name) == 0)
            return rn_error("safetensors writer: tensor '%s' added twice", name);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return rn_error("safetensors writer: tensor '%s': negative dimension %" PRId64,
                            name, shape[i]);
        if (shape[i] != 0 && count > SIZE_MAX / 16 / (size_t)shape[i])
            return rn_error("safetensors writer: tensor '%s': shape too large", name);
        count *= (size_t)shape[i];
    }
    if (w->n == w->cap) {
        int cap = rn_st_grown(w->cap);
        w->e = rn_st_resize(w->e, (size_t)w->n * sizeof *w->e, (size_t)cap * sizeof *w->e);
        w->cap = cap;
    }
    st_entry *e = &w->e[w->n++];
    memset(e, 0, sizeof *e);
    e->name = copy_string(name);
    e->dtype = dtype;
    e->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        e->shape[i] = shape[i];
    e->nbytes = count * rn_st_dtype_size(dtype);
    e->data = rn_alloc(e->nbytes);
    if (e->nbytes)
        memcpy(e->data, data, e->nbytes);
    return 0;
}

int rn_st_writer_add_f32(rn_st_writer *w, const char *name, int ndim, const int64_t *shape,
                         const float *data)
{
    return rn_st_writer_add(w, name, RN_ST_F32, ndim, shape, data);
}

int rn_st_writer_add_i64(rn_st_writer *w, const char *name, int ndim, const int64_t *shape,
                         const int64_t *data)
{
    return rn_st_writer_add(w, name, RN_ST_I64, ndim, shape, data);
}

int rn_st_writer_metadata(rn_st_writer *w, const char *key, const char *value)
{
    for (int i = 0; i < w->nmeta; i++)
        if (strcmp(w->meta_key[i], key) == 0) {
            rn_free(w->meta_val[i]);
            w->meta_val[i] = copy_string(value);
            return 0;
        }
    if (w->nmeta == w->meta_cap) {
        int cap = rn_st_grown(w->meta_cap);
        w->meta_key = rn_st_resize(w->meta_key, (size_t)w->nmeta * sizeof(char *),
                                   (size_t)cap * sizeof(char *));
        w->meta_val = rn_st_resize(w->meta_val, (size_t)w->nmeta * sizeof(char *),
                                   (size_t)cap * sizeof(char *));
        w->meta_cap = cap;
    }
    w->meta_key[w->nmeta] = copy_string(key);
    w->meta_val[w->nmeta] = copy_string(value);
    w->nmeta++;
    return 0;
}

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = rn_st_resize(b->s, b->len, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_json_string(sbuf *b, const char *s)
{
    sb_putn(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"')
            sb_putn(b, "\\\"", 2);
        else if (*p == '\\')
            sb_putn(b, "\\\\", 2);
        else if (*p == '\n')
            sb_putn(b, "\\n", 2);
        else if (*p == '\t')
            sb_putn(b, "\\t", 2);
        else if (*p == '\r')
            sb_putn(b, "\\r", 2);
        else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            sb_puts(b, esc);
        } else
            sb_putn(b, (const char *)p, 1);
    }
    sb_putn(b, "\"", 1);
}

static const rn_st_writer *wsort_ctx;

static int cmp_entry(const void *a, const void *b)
{
    const st_entry *x = &wsort_ctx->e[*(const int *)a], *y = &wsort_ctx->e[*(const int *)b];
    size_t sx = rn_st_dtype_size(x->dtype), sy = rn_st_dtype_size(y->dtype);
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The tensors' order in the data section (largest dtype first, then by name), as a fresh
 * array of entry indices. */
static int *data_order(const rn_st_writer *w)
{
    int *order = rn_alloc((size_t)w->n * sizeof(int));
    for (int i = 0; i < w->n; i++)
        order[i] = i;
    wsort_ctx = w;
    qsort(order, (size_t)w->n, sizeof(int), cmp_entry);
    return order;
}

int rn_st_writer_serialize(const rn_st_writer *w, void **data, size_t *bytes)
{
    int *order = data_order(w);

    sbuf h = {0};
    sb_puts(&h, "{");
    int first = 1;
    if (w->nmeta > 0) {
        /* metadata keys sorted, for byte-identical output whatever the insertion order */
        char **keys = rn_alloc((size_t)w->nmeta * sizeof(char *));
        memcpy(keys, w->meta_key, (size_t)w->nmeta * sizeof(char *));
        qsort(keys, (size_t)w->nmeta, sizeof(char *), cmp_str);
        sb_puts(&h, "\"__metadata__\":{");
        for (int k = 0; k < w->nmeta; k++) {
            const char *val = "";
            for (int i = 0; i < w->nmeta; i++)
                if (w->meta_key[i] == keys[k])
                    val = w->meta_val[i];
            if (k)
                sb_puts(&h, ",");
            sb_json_string(&h, keys[k]);
            sb_puts(&h, ":");
            sb_json_string(&h, val);
        }
        sb_puts(&h, "}");
        rn_free(keys);
        first = 0;
    }
    size_t off = 0;
    for (int k = 0; k < w->n; k++) {
        const st_entry *e = &w->e[order[k]];
        char num[64];
        if (!first)
            sb_puts(&h, ",");
        first = 0;
        sb_json_string(&h, e->name);
        sb_puts(&h, ":{\"dtype\":");
        sb_json_string(&h, rn_st_dtype_name(e->dtype));
        sb_puts(&h, ",\"shape\":[");
        for (int d = 0; d < e->ndim; d++) {
            snprintf(num, sizeof num, "%s%" PRId64, d ? "," : "", e->shape[d]);
            sb_puts(&h, num);
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%zu,%zu]}", off, off + e->nbytes);
        sb_puts(&h, num);
        off += e->nbytes;
    }
    sb_puts(&h, "}");
    while (h.len % 8 != 0)
        sb_puts(&h, " ");
    if (h.len > RN_ST_MAX_HEADER) {
        rn_free(h.s);
        rn_free(order);
        return rn_error("safetensors writer: header of %zu bytes exceeds the 100000000-byte "
                        "limit", h.len);
    }

    size_t total = 8 + h.len + off;
    unsigned char *out = rn_alloc(total);
    uint64_t n = h.len;
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(n >> (8 * i));
    memcpy(out + 8, h.s, h.len);
    size_t pos = 8 + h.len;
    for (int k = 0; k < w->n; k++) {
        const st_entry *e = &w->e[order[k]];
        if (e->nbytes)
            memcpy(out + pos, e->data, e->nbytes);
        pos += e->nbytes;
    }
    rn_free(h.s);
    rn_free(order);
    *data = out;
    *bytes = total;
    return 0;
}

int rn_st_writer_seal(rn_st_writer *w)
{
    int *order = data_order(w); /* the data section: the tensors in the serializer's order */
    uint32_t crc = 0;
    for (int k = 0; k < w->n; k++)
        crc = rn_st_crc32(crc, w->e[order[k]].data, w->e[order[k]].nbytes);
    rn_free(order);
    char hex[16];
    snprintf(hex, sizeof hex, "%08" PRIx32, crc);
    return rn_st_writer_metadata(w, RN_ST_CRC32_KEY, hex);
}

int rn_st_writer_write(const rn_st_writer *w, const char *path)
{
    void *data;
    size_t bytes;
    if (rn_st_writer_serialize(w, &data, &bytes) != 0)
        return rn_error("%s: not written", path);
    int rc = rn_write_file_atomic(path, data, bytes);
    rn_free(data);
    return rc;
}
