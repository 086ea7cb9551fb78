/* npy.c: NumPy .npy reader and writer (see resnetc/npy.h).
 *
 * The header dictionary is parsed as the small Python-literal subset NumPy writes:
 * a dict with quoted keys, string values, True/False, and tuples of integers (a trailing
 * 'L' from Python 2 files is accepted). It does not evaluate anything else.
 */
#include "resnetc/npy.h"
#include "resnetc/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

typedef struct hparser {
    const char *path;
    const char *s;
    size_t n, pos;
} hparser;

static void hws(hparser *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static int hsyntax(hparser *p, const char *expected)
{
    char found[32];
    if (p->pos >= p->n)
        snprintf(found, sizeof found, "end of header");
    else if ((unsigned char)p->s[p->pos] >= 0x20 && (unsigned char)p->s[p->pos] < 0x7f)
        snprintf(found, sizeof found, "'%c'", p->s[p->pos]);
    else
        snprintf(found, sizeof found, "byte 0x%02x", (unsigned char)p->s[p->pos]);
    return rn_error("%s: .npy header: syntax error at header byte %zu: expected %s, found %s",
                    p->path, p->pos, expected, found);
}

static int hexpect(hparser *p, char c, const char *what)
{
    hws(p);
    if (p->pos >= p->n || p->s[p->pos] != c)
        return hsyntax(p, what);
    p->pos++;
    return 0;
}

/* A quoted string into buf (truncated to size-1; longer strings are an error). */
static int hstring(hparser *p, char *buf, size_t size)
{
    hws(p);
    if (p->pos >= p->n || (p->s[p->pos] != '\'' && p->s[p->pos] != '"'))
        return hsyntax(p, "a quoted string");
    char q = p->s[p->pos++];
    size_t len = 0;
    while (p->pos < p->n && p->s[p->pos] != q) {
        if (p->s[p->pos] == '\\' || len + 1 >= size)
            return hsyntax(p, "a short string without escapes");
        buf[len++] = p->s[p->pos++];
    }
    if (p->pos >= p->n)
        return hsyntax(p, "a closing quote");
    p->pos++;
    buf[len] = '\0';
    return 0;
}

static int hword(hparser *p, const char *w)
{
    size_t l = strlen(w);
    if (p->pos + l <= p->n && memcmp(p->s + p->pos, w, l) == 0) {
        p->pos += l;
        return 1;
    }
    return 0;
}

static int hshape(hparser *p, int *ndim, int64_t *shape)
{
    if (hexpect(p, '(', "'(' starting the shape tuple") != 0)
        return -1;
    *ndim = 0;
    for (;;) {
        hws(p);
        if (p->pos < p->n && p->s[p->pos] == ')') {
            p->pos++;
            return 0;
        }
        if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
            return hsyntax(p, "a non-negative integer or ')' in the shape");
        int64_t v = 0;
        while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            int d = p->s[p->pos] - '0';
            if (v > (INT64_MAX - d) / 10)
                return hsyntax(p, "a dimension below 2^63");
            v = v * 10 + d;
            p->pos++;
        }
        if (p->pos < p->n && p->s[p->pos] == 'L')
            p->pos++;
        if (*ndim >= RN_NPY_MAX_DIMS)
            return rn_error("%s: .npy header: expected at most %d dimensions, found more",
                            p->path, RN_NPY_MAX_DIMS);
        shape[(*ndim)++] = v;
        hws(p);
        if (p->pos < p->n && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->n && p->s[p->pos] == ')') {
            p->pos++;   /* "(5)" (no comma) is accepted as a 1-d shape */
            return 0;
        }
        return hsyntax(p, "',' or ')' in the shape");
    }
}

typedef struct npy_header {
    char descr[16];
    int fortran;
    int ndim;
    int64_t shape[RN_NPY_MAX_DIMS];
} npy_header;

static int parse_dict(hparser *p, npy_header *h)
{
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    if (hexpect(p, '{', "'{' (the header is a Python dict)") != 0)
        return -1;
    for (;;) {
        hws(p);
        if (p->pos < p->n && p->s[p->pos] == '}') {
            p->pos++;
            break;
        }
        char key[32];
        if (hstring(p, key, sizeof key) != 0 || hexpect(p, ':', "':' after a key") != 0)
            return -1;
        hws(p);
        if (strcmp(key, "descr") == 0) {
            if (have_descr++)
                return rn_error("%s: .npy header: key 'descr' appears twice", p->path);
            if (p->pos < p->n && p->s[p->pos] == '[')
                return rn_error("%s: .npy header: expected a simple dtype such as '<f4', "
                                "found a structured dtype", p->path);
            if (hstring(p, h->descr, sizeof h->descr) != 0)
                return -1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_fortran++)
                return rn_error("%s: .npy header: key 'fortran_order' appears twice", p->path);
            if (hword(p, "True"))
                h->fortran = 1;
            else if (hword(p, "False"))
                h->fortran = 0;
            else
                return hsyntax(p, "True or False for fortran_order");
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape++)
                return rn_error("%s: .npy header: key 'shape' appears twice", p->path);
            if (hshape(p, &h->ndim, h->shape) != 0)
                return -1;
        } else {
            return rn_error("%s: .npy header: expected keys 'descr', 'fortran_order', "
                            "'shape', found '%s'", p->path, key);
        }
        hws(p);
        if (p->pos < p->n && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (hexpect(p, '}', "',' or '}' in the header dict") != 0)
            return -1;
        break;
    }
    hws(p);
    if (p->pos != p->n)
        return hsyntax(p, "only spaces and a newline after the header dict");
    if (!have_descr || !have_fortran || !have_shape)
        return rn_error("%s: .npy header: expected keys 'descr', 'fortran_order' and 'shape', "
                        "missing '%s'", p->path,
                        !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
    return 0;
}

static void shape_str(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t o = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && o < size - 32; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%" PRId64, i ? ", " : "", shape[i]);
    snprintf(buf + o, size - o, ndim == 1 ? ",)" : ")");
}

void rn_npy_free(rn_npy *a)
{
    if (a == NULL)
        return;
    rn_free(a->data);
    memset(a, 0, sizeof *a);
}

int rn_npy_read(const char *path, rn_npy_type want, rn_npy *out)
{
    memset(out, 0, sizeof *out);
    unsigned char *buf;
    size_t size;
    if (rn_read_file(path, (void **)&buf, &size) != 0)
        return -1;
    int rc = -1;
    if (size < 10 || memcmp(buf, npy_magic, 6) != 0) {
        rn_error("%s: not a .npy file: expected the magic \\x93NUMPY at the start", path);
        goto done;
    }
    int major = buf[6], minor = buf[7];
    if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
        rn_error("%s: .npy format version: expected 1.0, 2.0 or 3.0, found %d.%d", path, major,
                 minor);
        goto done;
    }
    size_t hstart = major == 1 ? 10 : 12;
    if (size < hstart) {
        rn_error("%s: truncated .npy file: expected at least %zu bytes, found %zu", path,
                 hstart, size);
        goto done;
    }
    size_t hlen = major == 1 ? (size_t)buf[8] | (size_t)buf[9] << 8
                             : (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
                                   (size_t)buf[11] << 24;
    if (hlen > size - hstart) {
        rn_error("%s: truncated .npy file: header of %zu bytes but only %zu bytes follow", path,
                 hlen, size - hstart);
        goto done;
    }
    npy_header h;
    memset(&h, 0, sizeof h);
    hparser p = {path, (const char *)buf + hstart, hlen, 0};
    if (parse_dict(&p, &h) != 0)
        goto done;

    const char *d = h.descr;
    int is_float;
    size_t esize;
    if (h.fortran) {
        rn_error("%s: expected C-order data (fortran_order False), found fortran_order True; "
                 "save with np.ascontiguousarray", path);
        goto done;
    }
    if (d[0] == '>' && strlen(d) == 3) {
        rn_error("%s: expected little-endian data ('<%s'), found big-endian '%s'; convert "
                 "with a.astype(a.dtype.newbyteorder('<'))", path, d + 1, d);
        goto done;
    }
    if (strcmp(d, "<f4") == 0) {
        is_float = 1;
        esize = 4;
    } else if (strcmp(d, "<f8") == 0) {
        is_float = 1;
        esize = 8;
    } else if (strcmp(d, "<i4") == 0) {
        is_float = 0;
        esize = 4;
    } else if (strcmp(d, "<i8") == 0) {
        is_float = 0;
        esize = 8;
    } else {
        rn_error("%s: expected dtype '<f4', '<f8', '<i4' or '<i8', found '%s'", path, d);
        goto done;
    }
    if (want == RN_NPY_F32 && !is_float) {
        rn_error("%s: expected float32 data ('<f4', or '<f8' converted), found '%s'", path, d);
        goto done;
    }
    if (want == RN_NPY_I64 && is_float) {
        rn_error("%s: expected int64 data ('<i8', or '<i4' converted), found '%s'", path, d);
        goto done;
    }
    size_t count = 1;
    char sh[256];
    shape_str(sh, sizeof sh, h.ndim, h.shape);
    for (int i = 0; i < h.ndim; i++) {
        if (h.shape[i] != 0 && count > SIZE_MAX / 8 / (uint64_t)h.shape[i]) {
            rn_error("%s: shape %s is too large", path, sh);
            goto done;
        }
        count *= (size_t)h.shape[i];
    }
    size_t have = size - hstart - hlen;
    if (have != count * esize) {
        rn_error("%s: %s: expected %zu bytes of data for shape %s of '%s', found %zu", path,
                 have < count * esize ? "truncated .npy file" : "trailing bytes in .npy file",
                 count * esize, sh, d, have);
        goto done;
    }
    const unsigned char *src = buf + hstart + hlen;
    out->type = want;
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, sizeof h.shape);
    out->count = count;
    memcpy(out->descr, d, 4); /* one of the four 3-character descrs checked above */
    if (want == RN_NPY_F32) {
        float *dst = rn_alloc(count * sizeof(float));
        if (esize == 4) {
            memcpy(dst, src, count * 4);
        } else {
            for (size_t i = 0; i < count; i++) {
                double v;
                memcpy(&v, src + 8 * i, 8);
                dst[i] = (float)v;
            }
        }
        out->data = dst;
    } else {
        int64_t *dst = rn_alloc(count * sizeof(int64_t));
        if (esize == 8) {
            memcpy(dst, src, count * 8);
        } else {
            for (size_t i = 0; i < count; i++) {
                int32_t v;
                memcpy(&v, src + 4 * i, 4);
                dst[i] = v;
            }
        }
        out->data = dst;
    }
    rc = 0;
done:
    rn_free(buf);
    return rc;
}

static int npy_write(const char *path, const char *descr, const void *data, size_t esize,
                     int ndim, const int64_t *shape)
{
    if (ndim < 0 || ndim > RN_NPY_MAX_DIMS)
        return rn_error("%s: cannot write .npy: expected 0 to %d dimensions, found %d", path,
                        RN_NPY_MAX_DIMS, ndim);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return rn_error("%s: cannot write .npy: negative dimension %" PRId64, path,
                            shape[i]);
        count *= (size_t)shape[i];
    }
    char sh[300], dict[400];
    shape_str(sh, sizeof sh, ndim, shape);
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                      descr, sh);
    /* magic(6) + version(2) + length(2 or 4) + dict + spaces + '\n' = multiple of 64 */
    int major = 1;
    size_t prefix = 10;
    size_t total = prefix + (size_t)dl + 1;
    total = (total + 63) / 64 * 64;
    if (total - prefix > 65535) {
        major = 2;
        prefix = 12;
        total = (prefix + (size_t)dl + 1 + 63) / 64 * 64;
    }
    size_t hlen = total - prefix;
    size_t bytes = total + count * esize;
    unsigned char *buf = rn_alloc(bytes);
    memcpy(buf, npy_magic, 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    if (major == 1) {
        buf[8] = (unsigned char)(hlen & 0xff);
        buf[9] = (unsigned char)(hlen >> 8);
    } else {
        for (int i = 0; i < 4; i++)
            buf[8 + i] = (unsigned char)(hlen >> (8 * i));
    }
    memcpy(buf + prefix, dict, (size_t)dl);
    memset(buf + prefix + dl, ' ', hlen - (size_t)dl - 1);
    buf[total - 1] = '\n';
    if (count)
        memcpy(buf + total, data, count * esize);
    int rc = rn_write_file_atomic(path, buf, bytes);
    rn_free(buf);
    return rc;
}

int rn_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape)
{
    return npy_write(path, "<f4", data, 4, ndim, shape);
}

int rn_npy_write_i64(const char *path, const int64_t *data, int ndim, const int64_t *shape)
{
    return npy_write(path, "<i8", data, 8, ndim, shape);
}
