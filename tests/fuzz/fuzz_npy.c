/* fuzz_npy.c: libFuzzer harness for the .npy reader (rn_npy_read).
 *
 * The input is written to a scratch file and read both as float32 and as int64 data
 * (exactly one can succeed, decided by the dtype). An accepted array must be consistent:
 * 0..8 non-negative dimensions whose product is `count`, every element readable (ASan
 * checks the bounds), a descr among '<f4' '<f8' '<i4' '<i8'; and writing it back and
 * reading that again must give the same shape and the same bytes. */
#include "resnetc/npy.h"
#include "fuzz_util.h"

static void check(const rn_npy *a, rn_npy_type want)
{
    FZ_ASSERT(a->type == want && a->data != NULL);
    FZ_ASSERT(a->ndim >= 0 && a->ndim <= RN_NPY_MAX_DIMS);
    size_t count = 1;
    for (int d = 0; d < a->ndim; d++) {
        FZ_ASSERT(a->shape[d] >= 0);
        count *= (size_t)a->shape[d];
    }
    FZ_ASSERT(count == a->count);
    FZ_ASSERT(strcmp(a->descr, "<f4") == 0 || strcmp(a->descr, "<f8") == 0 ||
              strcmp(a->descr, "<i4") == 0 || strcmp(a->descr, "<i8") == 0);
    FZ_ASSERT((want == RN_NPY_F32) == (a->descr[1] == 'f'));
    const unsigned char *p = a->data;
    unsigned sum = 0;
    size_t bytes = a->count * (want == RN_NPY_F32 ? 4 : 8);
    for (size_t i = 0; i < bytes; i++)
        sum += p[i];
    (void)sum;

    /* write back and read again */
    const char *again = fz_path(1);
    int rc = want == RN_NPY_F32
                 ? rn_npy_write_f32(again, a->data, a->ndim, a->shape)
                 : rn_npy_write_i64(again, a->data, a->ndim, a->shape);
    FZ_ASSERT(rc == 0);
    rn_npy b;
    FZ_ASSERT(rn_npy_read(again, want, &b) == 0);
    FZ_ASSERT(b.ndim == a->ndim && b.count == a->count);
    FZ_ASSERT(memcmp(b.shape, a->shape, (size_t)a->ndim * sizeof a->shape[0]) == 0);
    FZ_ASSERT(bytes == 0 || memcmp(b.data, a->data, bytes) == 0);
    rn_npy_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file(0, data, size);
    rn_npy a, b;
    int fa = rn_npy_read(path, RN_NPY_F32, &a);
    int ib = rn_npy_read(path, RN_NPY_I64, &b);
    FZ_ASSERT(fa != 0 || ib != 0);
    if (fa == 0) {
        check(&a, RN_NPY_F32);
        rn_npy_free(&a);
    }
    if (ib == 0) {
        check(&b, RN_NPY_I64);
        rn_npy_free(&b);
    }
    return 0;
}
