/* fuzz_safetensors.c: libFuzzer harness for the safetensors reader (rn_st_open).
 *
 * The input is written to a scratch file and opened. A rejected file is fine (the reader
 * printed its message); an accepted one must be consistent: every tensor findable by name,
 * 0..8 non-negative dimensions whose product is `count`, nbytes = count x dtype size, every
 * data byte readable (ASan checks the bounds), the float or integer conversion succeeds for
 * its dtype family, and a round trip through the writer reproduces every tensor (name,
 * dtype, shape, bytes). Tensors named "" are not round-tripped (the writer refuses them). */
#include "resnetc/safetensors.h"
#include "fuzz_util.h"

static int is_float(rn_st_dtype d)
{
    return d == RN_ST_F32 || d == RN_ST_F64 || d == RN_ST_F16 || d == RN_ST_BF16;
}

static int is_int(rn_st_dtype d)
{
    return d == RN_ST_I64 || d == RN_ST_I32 || d == RN_ST_I16 || d == RN_ST_I8 ||
           d == RN_ST_U8 || d == RN_ST_U16 || d == RN_ST_U32 || d == RN_ST_U64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rn_st_file *f = rn_st_open(fz_file(0, data, size));
    if (f == NULL)
        return 0;
    int n = rn_st_count(f);
    FZ_ASSERT(n >= 0);
    (void)rn_st_metadata(f, "format");
    rn_st_writer *w = rn_st_writer_new();
    unsigned checksum = 0;
    for (int i = 0; i < n; i++) {
        const rn_st_tensor *t = rn_st_at(f, i);
        FZ_ASSERT(t != NULL && t->name != NULL);
        FZ_ASSERT(rn_st_find(f, t->name) == t);
        FZ_ASSERT(t->ndim >= 0 && t->ndim <= RN_ST_MAX_DIMS);
        size_t count = 1;
        for (int d = 0; d < t->ndim; d++) {
            FZ_ASSERT(t->shape[d] >= 0);
            count *= (size_t)t->shape[d];
        }
        FZ_ASSERT(count == t->count);
        FZ_ASSERT(t->nbytes == t->count * rn_st_dtype_size(t->dtype));
        FZ_ASSERT(t->nbytes <= size);
        for (size_t b = 0; b < t->nbytes; b++)
            checksum += t->data[b];
        if (is_float(t->dtype)) {
            float *v = malloc((t->count ? t->count : 1) * sizeof *v);
            FZ_ASSERT(v != NULL && rn_st_read_f32(f, t, v) == 0);
            free(v);
        } else if (is_int(t->dtype)) {
            int64_t *v = malloc((t->count ? t->count : 1) * sizeof *v);
            FZ_ASSERT(v != NULL);
            int rc = rn_st_read_i64(f, t, v);
            /* only U64 values >= 2^63 may be refused */
            FZ_ASSERT(rc == 0 || t->dtype == RN_ST_U64);
            free(v);
        }
        if (t->name[0] != '\0')
            FZ_ASSERT(rn_st_writer_add(w, t->name, t->dtype, t->ndim, t->shape, t->data) == 0);
    }
    (void)checksum;

    /* round trip through the writer */
    FZ_ASSERT(rn_st_writer_write(w, fz_path(1)) == 0);
    rn_st_writer_free(w);
    rn_st_file *g = rn_st_open(fz_path(1));
    FZ_ASSERT(g != NULL);
    int kept = 0;
    for (int i = 0; i < n; i++) {
        const rn_st_tensor *t = rn_st_at(f, i);
        if (t->name[0] == '\0')
            continue;
        kept++;
        const rn_st_tensor *u = rn_st_find(g, t->name);
        FZ_ASSERT(u != NULL);
        FZ_ASSERT(u->dtype == t->dtype && u->ndim == t->ndim && u->nbytes == t->nbytes);
        FZ_ASSERT(memcmp(u->shape, t->shape, (size_t)t->ndim * sizeof t->shape[0]) == 0);
        FZ_ASSERT(t->nbytes == 0 || memcmp(u->data, t->data, t->nbytes) == 0);
    }
    FZ_ASSERT(rn_st_count(g) == kept);
    rn_st_close(g);
    rn_st_close(f);
    return 0;
}
