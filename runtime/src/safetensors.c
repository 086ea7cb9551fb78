/* safetensors.c: safetensors reader and writer with its own JSON parser (see
 * resnetc/safetensors.h for the format and what is validated).
 *
 * The JSON parser accepts exactly the grammar safetensors headers use: objects, arrays,
 * strings (all escapes, \uXXXX with surrogate pairs, encoded as UTF-8) and integers.
 * Floats, true/false/null, and nesting deeper than 32 levels are syntax errors. It does not
 * validate UTF-8 inside strings (bytes pass through).
 */
#include "resnetc/safetensors.h"
#include "resnetc/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define RN_ST_MAX_HEADER 100000000ull
#define RN_ST_MAX_DEPTH 32

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

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "resnetc: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "resnetc: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

/* ------------------------------------------------------------------------------------ */
/* File                                                                                  */

struct rn_st_file {
    char *path;
    unsigned char *buf;     /* whole file */
    size_t size;
    size_t data_start;      /* 8 + N */
    int n;
    rn_st_tensor *t;
    uint64_t *begin, *end;  /* data_offsets per tensor */
    int *by_name;           /* indices sorted by name */
    int nmeta;
    char **meta_key, **meta_val;
};

/* ------------------------------------------------------------------------------------ */
/* JSON parser                                                                           */

typedef struct parser {
    const char *path;
    const unsigned char *s;
    size_t n, pos;
    int failed;
} parser;

static void describe_here(const parser *p, char *buf, size_t size)
{
    if (p->pos >= p->n)
        snprintf(buf, size, "end of header");
    else if (p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7f)
        snprintf(buf, size, "'%c'", p->s[p->pos]);
    else
        snprintf(buf, size, "byte 0x%02x", p->s[p->pos]);
}

static int syntax(parser *p, const char *expected)
{
    if (p->failed)
        return -1;
    char found[32];
    describe_here(p, found, sizeof found);
    p->failed = 1;
    return rn_error("%s: safetensors header: JSON syntax error at header byte %zu (file "
                    "offset %zu): expected %s, found %s",
                    p->path, p->pos, p->pos + 8, expected, found);
}

static void ws(parser *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static int peek(parser *p)
{
    ws(p);
    return p->pos < p->n ? p->s[p->pos] : -1;
}

static int expect(parser *p, char c, const char *what)
{
    if (peek(p) != (unsigned char)c)
        return syntax(p, what);
    p->pos++;
    return 0;
}

static int hex4(parser *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (p->pos >= p->n)
            return syntax(p, "4 hex digits after \\u");
        unsigned char c = p->s[p->pos];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return syntax(p, "4 hex digits after \\u");
        v = v * 16 + d;
        p->pos++;
    }
    *out = v;
    return 0;
}

static void put_utf8(char *dst, size_t *len, unsigned cp)
{
    if (cp < 0x80) {
        dst[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        dst[(*len)++] = (char)(0xc0 | (cp >> 6));
        dst[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        dst[(*len)++] = (char)(0xe0 | (cp >> 12));
        dst[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        dst[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        dst[(*len)++] = (char)(0xf0 | (cp >> 18));
        dst[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        dst[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        dst[(*len)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* A JSON string into a fresh malloc'd, NUL-terminated buffer (out may be NULL to skip).
 * An escaped NUL (\u0000) is rejected: names and metadata are C strings here. */
static int parse_string(parser *p, char **out)
{
    if (out)
        *out = NULL;
    if (peek(p) != '"')
        return syntax(p, "'\"' (a string)");
    size_t start = ++p->pos;
    /* The decoded string is never longer than the encoded one. */
    size_t cap = 0;
    while (start + cap < p->n && p->s[start + cap] != '"') {
        if (p->s[start + cap] == '\\' && start + cap + 1 < p->n)
            cap++;
        cap++;
    }
    char *dst = xmalloc(cap + 1);
    size_t len = 0;
    for (;;) {
        if (p->pos >= p->n) {
            free(dst);
            return syntax(p, "'\"' closing the string");
        }
        unsigned char c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            free(dst);
            return syntax(p, "a printable character or an escape inside the string");
        }
        if (c != '\\') {
            dst[len++] = (char)c;
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->n) {
            free(dst);
            return syntax(p, "an escape character after '\\'");
        }
        c = p->s[p->pos++];
        switch (c) {
        case '"': dst[len++] = '"'; break;
        case '\\': dst[len++] = '\\'; break;
        case '/': dst[len++] = '/'; break;
        case 'b': dst[len++] = '\b'; break;
        case 'f': dst[len++] = '\f'; break;
        case 'n': dst[len++] = '\n'; break;
        case 'r': dst[len++] = '\r'; break;
        case 't': dst[len++] = '\t'; break;
        case 'u': {
            unsigned cp = 0;
            if (hex4(p, &cp) != 0) {
                free(dst);
                return -1;
            }
            if (cp >= 0xd800 && cp < 0xdc00) {
                unsigned lo = 0;
                if (p->pos + 1 >= p->n || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    free(dst);
                    return syntax(p, "a low surrogate \\uDC00-\\uDFFF after a high one");
                }
                p->pos += 2;
                if (hex4(p, &lo) != 0) {
                    free(dst);
                    return -1;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    p->pos -= 4;
                    free(dst);
                    return syntax(p, "a low surrogate \\uDC00-\\uDFFF after a high one");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                p->pos -= 4;
                free(dst);
                return syntax(p, "a code point that is not a lone low surrogate");
            } else if (cp == 0) {
                p->pos -= 4;
                free(dst);
                return syntax(p, "a non-NUL character (\\u0000 is not allowed in names)");
            }
            put_utf8(dst, &len, cp);
            break;
        }
        default:
            p->pos--;
            free(dst);
            return syntax(p, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
        }
    }
    dst[len] = '\0';
    if (out)
        *out = dst;
    else
        free(dst);
    return 0;
}

/* A JSON integer (optionally negative). Non-negative values go to *out; a negative one
 * sets *negative. Fractions and exponents are errors. */
static int parse_int(parser *p, uint64_t *out, int *negative)
{
    int c = peek(p);
    *negative = 0;
    if (c == '-') {
        *negative = 1;
        p->pos++;
        c = p->pos < p->n ? p->s[p->pos] : -1;
    }
    if (c < '0' || c > '9')
        return syntax(p, "an integer");
    uint64_t v = 0;
    size_t start = p->pos;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        unsigned d = p->s[p->pos] - '0';
        if (v > (UINT64_MAX - d) / 10)
            return syntax(p, "an integer below 2^64");
        v = v * 10 + d;
        p->pos++;
    }
    if (p->s[start] == '0' && p->pos - start > 1) {
        p->pos = start + 1;
        return syntax(p, "no leading zeros in an integer");
    }
    if (p->pos < p->n && (p->s[p->pos] == '.' || p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
        return syntax(p, "an integer (no fraction or exponent)");
    *out = v;
    return 0;
}

static int skip_value(parser *p, int depth)
{
    if (depth > RN_ST_MAX_DEPTH)
        return syntax(p, "nesting at most 32 levels deep");
    int c = peek(p);
    if (c == '"')
        return parse_string(p, NULL);
    if (c == '-' || (c >= '0' && c <= '9')) {
        uint64_t v;
        int neg;
        return parse_int(p, &v, &neg);
    }
    if (c == '[') {
        p->pos++;
        if (peek(p) == ']') {
            p->pos++;
            return 0;
        }
        for (;;) {
            if (skip_value(p, depth + 1) != 0)
                return -1;
            c = peek(p);
            if (c == ',') {
                p->pos++;
                continue;
            }
            return expect(p, ']', "',' or ']' in an array");
        }
    }
    if (c == '{') {
        p->pos++;
        if (peek(p) == '}') {
            p->pos++;
            return 0;
        }
        for (;;) {
            if (parse_string(p, NULL) != 0 || expect(p, ':', "':' after an object key") != 0 ||
                skip_value(p, depth + 1) != 0)
                return -1;
            c = peek(p);
            if (c == ',') {
                p->pos++;
                continue;
            }
            return expect(p, '}', "',' or '}' in an object");
        }
    }
    return syntax(p, "a value (string, integer, array or object)");
}

/* An array of non-negative integers, at most `max` of them. */
static int parse_uint_array(parser *p, const char *what, const char *tensor, uint64_t *vals,
                            int max, int *count)
{
    *count = 0;
    if (expect(p, '[', "'[' starting an array") != 0)
        return -1;
    if (peek(p) == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        uint64_t v;
        int neg;
        size_t at = p->pos;
        if (parse_int(p, &v, &neg) != 0)
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
        int c = peek(p);
        if (c == ',') {
            p->pos++;
            continue;
        }
        return expect(p, ']', "',' or ']' in an array");
    }
}

static int parse_tensor(parser *p, rn_st_file *f, char *name)
{
    if (peek(p) != '{') {
        char msg[64];
        snprintf(msg, sizeof msg, "'{' (the entry of a tensor)");
        return syntax(p, msg);
    }
    p->pos++;
    int have_dtype = 0, have_shape = 0, have_offsets = 0;
    rn_st_dtype dtype = RN_ST_F32;
    uint64_t shape[RN_ST_MAX_DIMS], offs[2];
    int ndim = 0, noffs = 0;
    if (peek(p) != '}') {
        for (;;) {
            char *key;
            size_t key_at = p->pos;
            if (parse_string(p, &key) != 0)
                return -1;
            if (expect(p, ':', "':' after an object key") != 0) {
                free(key);
                return -1;
            }
            int dup = 0;
            if (strcmp(key, "dtype") == 0) {
                dup = have_dtype++;
                char *ds;
                size_t at = p->pos;
                if (!dup) {
                    if (parse_string(p, &ds) != 0) {
                        free(key);
                        return -1;
                    }
                    if (dtype_from_name(ds, &dtype) != 0) {
                        rn_error("%s: tensor '%s': expected a dtype among BOOL U8 I8 U16 I16 "
                                 "F16 BF16 U32 I32 F32 U64 I64 F64, found '%s' (header byte "
                                 "%zu)",
                                 p->path, name, ds, at);
                        p->failed = 1;
                        free(ds);
                        free(key);
                        return -1;
                    }
                    free(ds);
                }
            } else if (strcmp(key, "shape") == 0) {
                dup = have_shape++;
                if (!dup && parse_uint_array(p, "shape", name, shape, RN_ST_MAX_DIMS, &ndim) != 0) {
                    free(key);
                    return -1;
                }
            } else if (strcmp(key, "data_offsets") == 0) {
                dup = have_offsets++;
                if (!dup && parse_uint_array(p, "data_offsets", name, offs, 2, &noffs) != 0) {
                    free(key);
                    return -1;
                }
            } else if (skip_value(p, 2) != 0) {
                free(key);
                return -1;
            }
            if (dup) {
                rn_error("%s: tensor '%s': key '%s' appears twice (header byte %zu)", p->path,
                         name, key, key_at);
                p->failed = 1;
                free(key);
                return -1;
            }
            free(key);
            int c = peek(p);
            if (c == ',') {
                p->pos++;
                continue;
            }
            if (expect(p, '}', "',' or '}' in a tensor entry") != 0)
                return -1;
            break;
        }
    } else {
        p->pos++;
    }
    p->failed = 1; /* any return below is a semantic error */
    if (!have_dtype || !have_shape || !have_offsets)
        return rn_error("%s: tensor '%s': expected keys dtype, shape and data_offsets, "
                        "missing %s",
                        p->path, name, !have_dtype ? "dtype" : !have_shape ? "shape"
                                                                          : "data_offsets");
    if (noffs != 2)
        return rn_error("%s: tensor '%s': data_offsets: expected [begin, end], found %d "
                        "entries", p->path, name, noffs);
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
    uint64_t count = 1;
    int overflow = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] > (uint64_t)INT64_MAX || (shape[i] != 0 && count > UINT64_MAX / shape[i]))
            overflow = 1;
        else
            count *= shape[i];
    }
    size_t esize = rn_st_dtype_size(dtype);
    uint64_t nbytes = 0;
    if (!overflow && count > UINT64_MAX / esize)
        overflow = 1;
    if (!overflow)
        nbytes = count * esize;
    if (overflow || nbytes != offs[1] - offs[0]) {
        char sh[256];
        size_t o = 0;
        sh[o++] = '[';
        for (int i = 0; i < ndim && o < sizeof sh - 40; i++)
            o += (size_t)snprintf(sh + o, sizeof sh - o, "%s%" PRIu64, i ? ", " : "", shape[i]);
        snprintf(sh + o, sizeof sh - o, "]");
        if (overflow)
            return rn_error("%s: tensor '%s': shape %s is too large", p->path, name, sh);
        return rn_error("%s: tensor '%s': expected %" PRIu64 " bytes of data (%s shape %s), "
                        "found data_offsets spanning %" PRIu64 " bytes",
                        p->path, name, nbytes, rn_st_dtype_name(dtype), sh, offs[1] - offs[0]);
    }
    p->failed = 0;

    int i = f->n++;
    f->t = xrealloc(f->t, (size_t)f->n * sizeof *f->t);
    f->begin = xrealloc(f->begin, (size_t)f->n * sizeof *f->begin);
    f->end = xrealloc(f->end, (size_t)f->n * sizeof *f->end);
    rn_st_tensor *t = &f->t[i];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->dtype = dtype;
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++)
        t->shape[d] = (int64_t)shape[d];
    t->count = (size_t)count;
    t->nbytes = (size_t)nbytes;
    t->data = f->buf + f->data_start + offs[0];
    f->begin[i] = offs[0];
    f->end[i] = offs[1];
    return 0;
}

static int parse_metadata(parser *p, rn_st_file *f)
{
    if (expect(p, '{', "'{' (the __metadata__ object)") != 0)
        return -1;
    if (peek(p) == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        char *key, *val;
        if (parse_string(p, &key) != 0)
            return -1;
        if (expect(p, ':', "':' after an object key") != 0) {
            free(key);
            return -1;
        }
        if (peek(p) != '"') {
            free(key);
            return syntax(p, "a string value in __metadata__");
        }
        if (parse_string(p, &val) != 0) {
            free(key);
            return -1;
        }
        for (int i = 0; i < f->nmeta; i++)
            if (strcmp(f->meta_key[i], key) == 0) {
                rn_error("%s: __metadata__: key '%s' appears twice", p->path, key);
                p->failed = 1;
                free(key);
                free(val);
                return -1;
            }
        f->meta_key = xrealloc(f->meta_key, (size_t)(f->nmeta + 1) * sizeof(char *));
        f->meta_val = xrealloc(f->meta_val, (size_t)(f->nmeta + 1) * sizeof(char *));
        f->meta_key[f->nmeta] = key;
        f->meta_val[f->nmeta] = val;
        f->nmeta++;
        int c = peek(p);
        if (c == ',') {
            p->pos++;
            continue;
        }
        return expect(p, '}', "',' or '}' in __metadata__");
    }
}

static int parse_header(parser *p, rn_st_file *f)
{
    if (expect(p, '{', "'{' (the header is a JSON object)") != 0)
        return -1;
    int have_meta = 0;
    if (peek(p) == '}') {
        p->pos++;
    } else {
        for (;;) {
            char *name;
            if (parse_string(p, &name) != 0)
                return -1;
            if (expect(p, ':', "':' after an object key") != 0) {
                free(name);
                return -1;
            }
            if (strcmp(name, "__metadata__") == 0) {
                free(name);
                if (have_meta++) {
                    p->failed = 1;
                    return rn_error("%s: __metadata__ appears twice in the header", p->path);
                }
                if (parse_metadata(p, f) != 0)
                    return -1;
            } else if (parse_tensor(p, f, name) != 0) {
                free(name);
                return -1;
            }
            int c = peek(p);
            if (c == ',') {
                p->pos++;
                continue;
            }
            if (expect(p, '}', "',' or '}' in the header object") != 0)
                return -1;
            break;
        }
    }
    if (peek(p) != -1)
        return syntax(p, "only spaces after the header object");
    return 0;
}

/* ------------------------------------------------------------------------------------ */

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
        free((char *)f->t[i].name);
    for (int i = 0; i < f->nmeta; i++) {
        free(f->meta_key[i]);
        free(f->meta_val[i]);
    }
    free(f->meta_key);
    free(f->meta_val);
    free(f->t);
    free(f->begin);
    free(f->end);
    free(f->by_name);
    rn_free(f->buf);
    free(f->path);
    free(f);
}

rn_st_file *rn_st_open(const char *path)
{
    void *buf;
    size_t size;
    if (rn_read_file(path, &buf, &size) != 0)
        return NULL;
    rn_st_file *f = xmalloc(sizeof *f);
    memset(f, 0, sizeof *f);
    f->path = xmalloc(strlen(path) + 1);
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
    parser p = {path, f->buf + 8, (size_t)n, 0, 0};
    if (parse_header(&p, f) != 0)
        goto fail;

    /* duplicate names */
    f->by_name = xmalloc((size_t)f->n * sizeof(int));
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
    int *order = xmalloc((size_t)f->n * sizeof(int));
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
            free(order);
            goto fail;
        }
    }
    free(order);
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

/* CRC-32 (zlib's) of `bytes` bytes, in pieces that fit zlib's uInt. */
static uint32_t crc32_of(uint32_t crc, const unsigned char *p, size_t bytes)
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
    uint32_t crc = crc32_of((uint32_t)crc32(0L, Z_NULL, 0), f->buf + f->data_start,
                            f->size - f->data_start);
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

/* ------------------------------------------------------------------------------------ */
/* Writer                                                                                */

typedef struct st_entry {
    char *name;
    rn_st_dtype dtype;
    int ndim;
    int64_t shape[RN_ST_MAX_DIMS];
    size_t nbytes;
    unsigned char *data;
} st_entry;

struct rn_st_writer {
    int n;
    st_entry *e;
    int nmeta;
    char **meta_key, **meta_val;
};

rn_st_writer *rn_st_writer_new(void)
{
    rn_st_writer *w = xmalloc(sizeof *w);
    memset(w, 0, sizeof *w);
    return w;
}

void rn_st_writer_free(rn_st_writer *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < w->n; i++) {
        free(w->e[i].name);
        free(w->e[i].data);
    }
    for (int i = 0; i < w->nmeta; i++) {
        free(w->meta_key[i]);
        free(w->meta_val[i]);
    }
    free(w->e);
    free(w->meta_key);
    free(w->meta_val);
    free(w);
}

int rn_st_writer_add(rn_st_writer *w, const char *name, rn_st_dtype dtype, int ndim,
                     const int64_t *shape, const void *data)
{
    if (name == NULL || name[0] == '\0' || strcmp(name, "__metadata__") == 0)
        return rn_error("safetensors writer: invalid tensor name '%s'", name ? name : "");
    if ((int)dtype < 0 || (int)dtype >= N_DTYPES)
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
    w->e = xrealloc(w->e, (size_t)(w->n + 1) * sizeof *w->e);
    st_entry *e = &w->e[w->n++];
    memset(e, 0, sizeof *e);
    e->name = xmalloc(strlen(name) + 1);
    strcpy(e->name, name);
    e->dtype = dtype;
    e->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        e->shape[i] = shape[i];
    e->nbytes = count * rn_st_dtype_size(dtype);
    e->data = xmalloc(e->nbytes);
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
            free(w->meta_val[i]);
            w->meta_val[i] = xmalloc(strlen(value) + 1);
            strcpy(w->meta_val[i], value);
            return 0;
        }
    w->meta_key = xrealloc(w->meta_key, (size_t)(w->nmeta + 1) * sizeof(char *));
    w->meta_val = xrealloc(w->meta_val, (size_t)(w->nmeta + 1) * sizeof(char *));
    w->meta_key[w->nmeta] = xmalloc(strlen(key) + 1);
    strcpy(w->meta_key[w->nmeta], key);
    w->meta_val[w->nmeta] = xmalloc(strlen(value) + 1);
    strcpy(w->meta_val[w->nmeta], value);
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
        b->s = xrealloc(b->s, cap);
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
    int *order = xmalloc((size_t)w->n * sizeof(int));
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
        char **keys = xmalloc((size_t)w->nmeta * sizeof(char *));
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
        free(keys);
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
        free(h.s);
        free(order);
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
    free(h.s);
    free(order);
    *data = out;
    *bytes = total;
    return 0;
}

int rn_st_writer_seal(rn_st_writer *w)
{
    int *order = data_order(w); /* the data section: the tensors in the serializer's order */
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    for (int k = 0; k < w->n; k++)
        crc = crc32_of(crc, w->e[order[k]].data, w->e[order[k]].nbytes);
    free(order);
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
