/* test_npy.c: .npy round trips (float32, int64, 1-d, 0-d), the exact header NumPy writes,
 * conversions from <f8 and <i4, versions 2.0/3.0, and damaged files: bad magic, Fortran
 * order, big-endian, truncated data and header, wrong dtype, bad version. */
#include "resnetc/npy.h"
#include "resnetc/util.h"
#include "rt_test.h"

#include <stdint.h>

/* A .npy file with the given version and header dict (padded to 64 with '\n'), then data. */
static void npy_raw(const char *path, int major, const char *dict, const void *data, size_t n)
{
    size_t prefix = major == 1 ? 10 : 12;
    size_t dl = strlen(dict);
    size_t total = (prefix + dl + 1 + 63) / 64 * 64;
    size_t hl = total - prefix;
    unsigned char *b = calloc(1, total + n + 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 0; i < prefix - 8; i++)
        b[8 + i] = (unsigned char)(hl >> (8 * i));
    memcpy(b + prefix, dict, dl);
    memset(b + prefix + dl, ' ', hl - dl - 1);
    b[total - 1] = '\n';
    if (n)
        memcpy(b + total, data, n);
    rt_write(path, b, total + n);
    free(b);
}

static int read_f32(const char *path)
{
    rn_npy a;
    int rc = rn_npy_read(path, RN_NPY_F32, &a);
    rn_npy_free(&a);
    return rc;
}

static int read_i64(const char *path)
{
    rn_npy a;
    int rc = rn_npy_read(path, RN_NPY_I64, &a);
    rn_npy_free(&a);
    return rc;
}

static void test_round_trip(void)
{
    float x[2 * 3 * 2 * 2];
    for (int i = 0; i < 24; i++)
        x[i] = (float)i * 0.5f - 3.0f;
    int64_t shape[4] = {2, 3, 2, 2};
    CHECK(rn_npy_write_f32(rt_path("x.npy"), x, 4, shape) == 0);
    size_t n;
    unsigned char *raw = rt_slurp(rt_path("x.npy"), &n);
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 2, 2), }";
    CHECK(raw && n == 128 + 24 * 4);
    CHECK(raw && memcmp(raw, "\x93NUMPY\x01\x00", 8) == 0);
    CHECK(raw && raw[8] == 118 && raw[9] == 0);   /* header length: 128 - 10 */
    CHECK(raw && memcmp(raw + 10, dict, strlen(dict)) == 0 && raw[127] == '\n' &&
          raw[126] == ' ');
    free(raw);
    rn_npy a;
    CHECK(rn_npy_read(rt_path("x.npy"), RN_NPY_F32, &a) == 0);
    CHECK(a.ndim == 4 && a.shape[0] == 2 && a.shape[3] == 2 && a.count == 24 &&
          a.type == RN_NPY_F32 && strcmp(a.descr, "<f4") == 0);
    CHECK(a.data && memcmp(a.data, x, sizeof x) == 0);
    rn_npy_free(&a);
    CHECK(a.data == NULL);

    int64_t lab[5] = {0, 9, -1, 1LL << 40, 3};
    int64_t s1[1] = {5};
    CHECK(rn_npy_write_i64(rt_path("y.npy"), lab, 1, s1) == 0);
    raw = rt_slurp(rt_path("y.npy"), NULL);
    CHECK(raw && strstr((char *)raw + 10, "'shape': (5,), }") != NULL);
    free(raw);
    CHECK(rn_npy_read(rt_path("y.npy"), RN_NPY_I64, &a) == 0);
    CHECK(a.ndim == 1 && a.shape[0] == 5 && memcmp(a.data, lab, sizeof lab) == 0);
    rn_npy_free(&a);

    float s = 42.0f;
    CHECK(rn_npy_write_f32(rt_path("s.npy"), &s, 0, NULL) == 0);
    CHECK(rn_npy_read(rt_path("s.npy"), RN_NPY_F32, &a) == 0);
    CHECK(a.ndim == 0 && a.count == 1 && ((float *)a.data)[0] == 42.0f);
    rn_npy_free(&a);

    int64_t e[2] = {0, 10};
    CHECK(rn_npy_write_f32(rt_path("e.npy"), NULL, 2, e) == 0);
    CHECK(rn_npy_read(rt_path("e.npy"), RN_NPY_F32, &a) == 0);
    CHECK(a.ndim == 2 && a.count == 0);
    rn_npy_free(&a);
}

static void test_conversions(void)
{
    double d[3] = {1.5, -2.0, 1e-3};
    npy_raw(rt_path("d.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
            d, sizeof d);
    rn_npy a;
    CHECK(rn_npy_read(rt_path("d.npy"), RN_NPY_F32, &a) == 0);
    CHECK(a.count == 3 && ((float *)a.data)[0] == 1.5f && ((float *)a.data)[2] == 1e-3f &&
          strcmp(a.descr, "<f8") == 0);
    rn_npy_free(&a);

    int32_t i[4] = {3, -7, 0, 2147483647};
    /* version 2.0, keys in another order, double quotes, Python 2 'L' suffix */
    npy_raw(rt_path("i.npy"), 2,
            "{\"shape\": (2L, 2L), \"fortran_order\": False, \"descr\": \"<i4\"}", i, sizeof i);
    CHECK(rn_npy_read(rt_path("i.npy"), RN_NPY_I64, &a) == 0);
    CHECK(a.ndim == 2 && ((int64_t *)a.data)[1] == -7 && ((int64_t *)a.data)[3] == 2147483647);
    rn_npy_free(&a);

    float f[1] = {2.0f};
    npy_raw(rt_path("v3.npy"), 3, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
            f, 4);
    CHECK(read_f32(rt_path("v3.npy")) == 0);
}

static void test_damaged(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s", rt_path("bad.npy"));
    float z[8] = {0};

    rt_write(p, "\x93NUMPZ\x01\x00\x10\x00{}", 12);
    EXPECT_FAIL(read_f32(p), "not a .npy file: expected the magic \\x93NUMPY");

    npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", z, 16);
    EXPECT_FAIL(read_f32(p), "expected C-order data (fortran_order False), found "
                             "fortran_order True");

    npy_raw(p, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", z, 16);
    EXPECT_FAIL(read_f32(p), "expected little-endian data ('<f4'), found big-endian '>f4'");

    npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", z, 20);
    EXPECT_FAIL(read_f32(p), "truncated .npy file: expected 24 bytes of data for shape "
                             "(2, 3) of '<f4', found 20");

    npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", z, 12);
    EXPECT_FAIL(read_f32(p), "trailing bytes in .npy file: expected 8 bytes");

    /* header length larger than the file */
    rt_write(p, "\x93NUMPY\x01\x00\xff\x00{'descr'", 18);
    EXPECT_FAIL(read_f32(p), "truncated .npy file: header of 255 bytes but only 8 bytes follow");

    npy_raw(p, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", z, 8);
    EXPECT_FAIL(read_f32(p), "expected float32 data ('<f4', or '<f8' converted), found '<i8'");
    npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", z, 8);
    EXPECT_FAIL(read_i64(p), "expected int64 data ('<i8', or '<i4' converted), found '<f4'");
    npy_raw(p, 1, "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", z, 4);
    EXPECT_FAIL(read_f32(p), "expected dtype '<f4', '<f8', '<i4' or '<i8', found '<u2'");
    npy_raw(p, 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", z, 8);
    EXPECT_FAIL(read_f32(p), "found a structured dtype");

    npy_raw(p, 4, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", z, 8);
    EXPECT_FAIL(read_f32(p), "expected 1.0, 2.0 or 3.0, found 4.0");

    npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", z, 8);
    EXPECT_FAIL(read_f32(p), "expected a non-negative integer or ')' in the shape, found '-'");
    npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False}", z, 8);
    EXPECT_FAIL(read_f32(p), "missing 'shape'");
    npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", z, 8);
    EXPECT_FAIL(read_f32(p), "expected True or False for fortran_order");

    EXPECT_FAIL(read_f32(rt_path("missing.npy")), "missing.npy: cannot open");
}

int main(void)
{
    rt_mkdir();
    test_round_trip();
    test_conversions();
    test_damaged();
    return rt_finish("test_npy");
}
