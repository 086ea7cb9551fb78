/* test_safetensors.c: safetensors writer/reader round trip, the exact byte layout of a
 * written file, dtype conversions, and damaged files that must fail with a specific
 * message (each built here, byte by byte, in a scratch directory). */
#include "resnetc/rng.h"
#include "resnetc/safetensors.h"
#include "resnetc/util.h"
#include "rt_test.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

/* A file with the given header JSON (length prefix = its length) and data bytes. */
static void st_raw(const char *path, const char *header, const void *data, size_t n)
{
    size_t h = strlen(header);
    unsigned char *b = malloc(8 + h + n + 1);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    if (n)
        memcpy(b + 8 + h, data, n);
    rt_write(path, b, 8 + h + n);
    free(b);
}

static int opens(const char *path)
{
    rn_st_file *f = rn_st_open(path);
    rn_st_close(f);
    return f ? 0 : -1;
}

static void test_round_trip(void)
{
    float a[6] = {1, -2, 3.5f, 4, 5, 6e-8f};
    int64_t sa[2] = {2, 3};
    int64_t idx[3] = {-1, 0, 1LL << 40};
    int64_t si[1] = {3};
    float scalar = 0.25f;
    rn_st_writer *w = rn_st_writer_new();
    CHECK(rn_st_writer_add_f32(w, "layer1.0.conv1.weight", 2, sa, a) == 0);
    CHECK(rn_st_writer_add_i64(w, "bn.num_batches_tracked", 1, si, idx) == 0);
    CHECK(rn_st_writer_add_f32(w, "loss", 0, NULL, &scalar) == 0);
    int64_t zero[2] = {0, 4};
    CHECK(rn_st_writer_add_f32(w, "empty", 2, zero, NULL) == 0);
    CHECK(rn_st_writer_add_f32(w, "caf\xc3\xa9 \"quoted\"\n", 1, si, a) == 0);
    CHECK(rn_st_writer_metadata(w, "format", "pt") == 0);
    CHECK(rn_st_writer_metadata(w, "note", "tab\there \\ \"q\"") == 0);
    EXPECT_FAIL(rn_st_writer_add_f32(w, "loss", 0, NULL, &scalar), "added twice");
    EXPECT_FAIL(rn_st_writer_add_f32(w, "__metadata__", 0, NULL, &scalar), "invalid tensor name");
    CHECK(rn_st_writer_write(w, rt_path("rt.safetensors")) == 0);
    rn_st_writer_free(w);

    rn_st_file *f = rn_st_open(rt_path("rt.safetensors"));
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(rn_st_count(f) == 5);
    const rn_st_tensor *t = rn_st_find(f, "layer1.0.conv1.weight");
    CHECK(t && t->dtype == RN_ST_F32 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 &&
          t->count == 6 && t->nbytes == 24);
    float back[6] = {0};
    CHECK(t && rn_st_read_f32(f, t, back) == 0 && memcmp(back, a, sizeof a) == 0);
    t = rn_st_find(f, "bn.num_batches_tracked");
    int64_t iback[3] = {0};
    CHECK(t && t->dtype == RN_ST_I64 && rn_st_read_i64(f, t, iback) == 0 &&
          memcmp(iback, idx, sizeof idx) == 0);
    EXPECT_FAIL(rn_st_read_f32(f, t, back), "expected a floating-point dtype");
    t = rn_st_find(f, "loss");
    CHECK(t && t->ndim == 0 && t->count == 1 && rn_st_read_f32(f, t, back) == 0 &&
          back[0] == 0.25f);
    t = rn_st_find(f, "empty");
    CHECK(t && t->count == 0 && t->nbytes == 0 && t->ndim == 2);
    CHECK(rn_st_find(f, "caf\xc3\xa9 \"quoted\"\n") != NULL);
    CHECK(rn_st_find(f, "nope") == NULL);
    CHECK(rn_st_metadata(f, "format") && strcmp(rn_st_metadata(f, "format"), "pt") == 0);
    CHECK(rn_st_metadata(f, "note") &&
          strcmp(rn_st_metadata(f, "note"), "tab\there \\ \"q\"") == 0);
    CHECK(rn_st_metadata(f, "absent") == NULL);
    rn_st_close(f);
}

/* The exact bytes of a small file: length prefix, compact JSON, 8-byte padding with
 * spaces, larger dtypes first, data packed in header order. */
static void test_layout(void)
{
    float a[2] = {1.0f, 2.0f};
    int64_t b[1] = {7};
    int64_t s2[1] = {2}, s1[1] = {1};
    rn_st_writer *w = rn_st_writer_new();
    rn_st_writer_add_f32(w, "a", 1, s2, a);
    rn_st_writer_add_i64(w, "b", 1, s1, b);
    rn_st_writer_metadata(w, "format", "pt");
    void *data;
    size_t n;
    CHECK(rn_st_writer_serialize(w, &data, &n) == 0);
    CHECK(rn_st_writer_write(w, rt_path("layout.safetensors")) == 0);
    rn_st_writer_free(w);
    const char *json = "{\"__metadata__\":{\"format\":\"pt\"},"
                       "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
    size_t jl = strlen(json), padded = (jl + 7) / 8 * 8;
    const unsigned char *p = data;
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | p[i];
    CHECK(hl == padded);
    CHECK(hl % 8 == 0);
    CHECK(n == 8 + padded + 16);
    CHECK(memcmp(p + 8, json, jl) == 0);
    for (size_t i = jl; i < padded; i++)
        CHECK(p[8 + i] == ' ');
    int64_t b_back;
    float a_back[2];
    memcpy(&b_back, p + 8 + padded, 8);
    memcpy(a_back, p + 8 + padded + 8, 8);
    CHECK(b_back == 7 && a_back[0] == 1.0f && a_back[1] == 2.0f);
    /* the file on disk is the same bytes */
    size_t fn;
    unsigned char *file = rt_slurp(rt_path("layout.safetensors"), &fn);
    CHECK(file && fn == n && memcmp(file, data, n) == 0);
    free(file);
    rn_free(data);

    /* an empty writer: "{}" padded to 8 */
    w = rn_st_writer_new();
    CHECK(rn_st_writer_serialize(w, &data, &n) == 0);
    rn_st_writer_free(w);
    CHECK(n == 16 && memcmp((char *)data + 8, "{}      ", 8) == 0 &&
          ((unsigned char *)data)[0] == 8);
    rn_free(data);
}

static void test_conversions(void)
{
    /* F64, F16, BF16 -> float; I32, I8, U8 -> int64; hand-written header, unaligned data */
    unsigned char data[64];
    double d[2] = {1.5, -2.25};
    uint16_t h[3] = {0x3c00, 0xc000, 0x0001}; /* 1, -2, smallest subnormal */
    uint16_t bf[1] = {0x4049};                 /* 3.140625 */
    int32_t i32[2] = {-5, 7};
    int8_t i8[1] = {-3};
    memcpy(data, d, 16);
    memcpy(data + 16, h, 6);
    memcpy(data + 22, bf, 2);
    memcpy(data + 24, i32, 8);
    memcpy(data + 32, i8, 1);
    st_raw(rt_path("conv.safetensors"),
           "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
           " \"h\" : {\"shape\":[3],\"dtype\":\"F16\",\"data_offsets\":[16,22], \"extra\": [1, {\"x\": \"y\"}]},"
           "\"bf\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[22,24]},"
           "\"i\":{\"dtype\":\"I32\",\"shape\":[2,1],\"data_offsets\":[24,32]},"
           "\"\\u0069\\u0038\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[32,33]}}  ",
           data, 33);
    rn_st_file *f = rn_st_open(rt_path("conv.safetensors"));
    CHECK(f != NULL);
    if (!f)
        return;
    float v[3];
    int64_t iv[2];
    CHECK(rn_st_read_f32(f, rn_st_find(f, "d"), v) == 0 && v[0] == 1.5f && v[1] == -2.25f);
    CHECK(rn_st_read_f32(f, rn_st_find(f, "h"), v) == 0 && v[0] == 1.0f && v[1] == -2.0f &&
          fabsf(v[2] - 5.9604645e-8f) < 1e-12f);
    CHECK(rn_st_read_f32(f, rn_st_find(f, "bf"), v) == 0 && v[0] == 3.140625f);
    CHECK(rn_st_read_i64(f, rn_st_find(f, "i"), iv) == 0 && iv[0] == -5 && iv[1] == 7);
    CHECK(rn_st_find(f, "i8") && rn_st_read_i64(f, rn_st_find(f, "i8"), iv) == 0 &&
          iv[0] == -3);
    EXPECT_FAIL(rn_st_read_i64(f, rn_st_find(f, "d"), iv), "expected an integer dtype");
    rn_st_close(f);
}

static void test_damaged(void)
{
    const char *p = rt_path("bad.safetensors");
    float z[16] = {0};

    /* 1: shorter than the length prefix */
    rt_write(p, "abc", 3);
    EXPECT_FAIL(opens(p), "expected at least 8 bytes (the header length), found 3");

    /* 2, 3: header length out of range */
    unsigned char b[32] = {1, 0, 0, 0, 0, 0, 0, 0, '{'};
    rt_write(p, b, 16);
    EXPECT_FAIL(opens(p), "header length 1 out of range");
    memset(b, 0, sizeof b);
    b[5] = 1; /* 2^40 */
    rt_write(p, b, 16);
    EXPECT_FAIL(opens(p), "header length 1099511627776 out of range");

    /* 4: header longer than the file */
    memset(b, 0, sizeof b);
    b[0] = 100;
    memcpy(b + 8, "{}", 2);
    rt_write(p, b, 10);
    EXPECT_FAIL(opens(p), "truncated safetensors file: header length 100 but only 2 bytes");

    /* 5: JSON syntax, with the byte offset */
    st_raw(p, "{\"a\" {}}", NULL, 0);
    EXPECT_FAIL(opens(p), "JSON syntax error at header byte 5 (file offset 13): expected "
                          "':' after an object key, found '{'");

    /* 6: unknown dtype */
    st_raw(p, "{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", z, 1);
    EXPECT_FAIL(opens(p), "tensor 'a': expected a dtype among");

    /* 7: shape x dtype size != data length */
    st_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", z, 20);
    EXPECT_FAIL(opens(p), "tensor 'w': expected 24 bytes of data (F32 shape [2, 3]), found "
                          "data_offsets spanning 20 bytes");

    /* 8: offsets beyond the data section */
    st_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", z, 16);
    EXPECT_FAIL(opens(p), "tensor 'w': data_offsets [8, 24] lie outside the data section");

    /* 9: overlapping tensors */
    st_raw(p,
           "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
           z, 12);
    EXPECT_FAIL(opens(p), "tensors 'a' [0, 8) and 'b' [4, 12) overlap");

    /* 10: duplicate names */
    st_raw(p,
           "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
           "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
           z, 8);
    EXPECT_FAIL(opens(p), "tensor 'a' appears twice in the header");

    /* 11: begin > end */
    st_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", z, 8);
    EXPECT_FAIL(opens(p), "tensor 'a': data_offsets: expected begin <= end, found [8, 4]");

    /* 12: missing key */
    st_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", z, 4);
    EXPECT_FAIL(opens(p), "tensor 'a': expected keys dtype, shape and data_offsets, missing "
                          "data_offsets");

    /* 13: negative dimension */
    st_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", z, 4);
    EXPECT_FAIL(opens(p), "tensor 'a': shape: expected non-negative integers");

    /* 14: a float where an integer belongs */
    st_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", z, 4);
    EXPECT_FAIL(opens(p), "expected an integer (no fraction or exponent), found '.'");

    /* 15: trailing garbage after the object */
    st_raw(p, "{} x", NULL, 0);
    EXPECT_FAIL(opens(p), "expected only spaces after the header object, found 'x'");

    /* 16: non-string metadata value */
    st_raw(p, "{\"__metadata__\":{\"epoch\":3}}", NULL, 0);
    EXPECT_FAIL(opens(p), "expected a string value in __metadata__, found '3'");

    /* 17: invalid escape */
    st_raw(p, "{\"a\\q\":{}}", NULL, 0);
    EXPECT_FAIL(opens(p), "JSON syntax error at header byte 4");

    /* 18: unterminated string */
    st_raw(p, "{\"abc", NULL, 0);
    EXPECT_FAIL(opens(p), "expected '\"' closing the string, found end of header");

    /* 19: header is not an object */
    st_raw(p, "[]", NULL, 0);
    EXPECT_FAIL(opens(p), "expected '{' (the header is a JSON object), found '['");

    /* 20: nesting bomb inside an ignored key */
    {
        char deep[256] = "{\"a\":{\"x\":";
        for (int i = 0; i < 40; i++)
            strcat(deep, "[");
        st_raw(p, deep, NULL, 0);
        EXPECT_FAIL(opens(p), "nesting at most 32 levels deep");
    }

    /* 21: too many dimensions */
    st_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
           z, 4);
    EXPECT_FAIL(opens(p), "tensor 'a': shape: expected at most 8 entries");

    /* 22: control character inside a string */
    st_raw(p, "{\"a\nb\":{}}", NULL, 0);
    EXPECT_FAIL(opens(p), "found byte 0x0a");

    /* 23: lone low surrogate */
    st_raw(p, "{\"\\udc00\":{}}", NULL, 0);
    EXPECT_FAIL(opens(p), "not a lone low surrogate");

    /* 24: shape product overflows */
    st_raw(p,
           "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
           z, 4);
    EXPECT_FAIL(opens(p), "is too large");

    /* 25: a missing file names the path */
    EXPECT_FAIL(opens(rt_path("does-not-exist.safetensors")), "does-not-exist.safetensors: cannot open");

    /* Acceptable edge cases: empty header object with padding; surrogate pair; gaps. */
    st_raw(p, "{}      ", NULL, 0);
    CHECK(opens(p) == 0);
    st_raw(p, "{\"\\ud83d\\ude00\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[2,3]}}", z,
           4);
    rn_st_file *f = rn_st_open(p);
    CHECK(f && rn_st_find(f, "\xf0\x9f\x98\x80") != NULL);
    rn_st_close(f);
}

/* Deterministic mutations of a valid file (byte flips in the header and length prefix,
 * truncations): each must either open with consistent tensors or fail with a message;
 * never crash or read outside the file (run under sanitizers to make that strict). */
static void test_mutations(void)
{
    float a[6] = {1, 2, 3, 4, 5, 6};
    int64_t sa[2] = {2, 3}, si[1] = {2}, iv[2] = {5, 6};
    rn_st_writer *w = rn_st_writer_new();
    rn_st_writer_add_f32(w, "layer1.0.conv1.weight", 2, sa, a);
    rn_st_writer_add_i64(w, "idx", 1, si, iv);
    rn_st_writer_metadata(w, "format", "pt");
    void *data;
    size_t n;
    CHECK(rn_st_writer_serialize(w, &data, &n) == 0);
    rn_st_writer_free(w);
    unsigned char *m = malloc(n);
    rn_rng r;
    rn_rng_seed(&r, 1234, 0);
    char p[512];
    snprintf(p, sizeof p, "%s", rt_path("mut.safetensors"));
    const char *repl = "{}[]\":,0123456789-.e \\\x01\xff";
    int opened = 0, failed = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(m, data, n);
        size_t len = n;
        int kind = (int)rn_rng_below(&r, 4);
        if (kind == 0) {
            len = rn_rng_below(&r, (uint32_t)n);
        } else if (kind == 1) {
            m[rn_rng_below(&r, 8)] = (unsigned char)rn_rng_u32(&r);
        } else {
            int flips = 1 + (int)rn_rng_below(&r, 3);
            size_t hl = n - 8 - 40;
            for (int f = 0; f < flips; f++)
                m[8 + rn_rng_below(&r, (uint32_t)hl)] =
                    (unsigned char)repl[rn_rng_below(&r, (uint32_t)strlen(repl))];
        }
        rt_write(p, m, len);
        rt_capture_begin();
        rn_st_file *f = rn_st_open(p);
        const char *msg = rt_capture_end();
        if (f) {
            opened++;
            for (int i = 0; i < rn_st_count(f); i++) {
                const rn_st_tensor *t = rn_st_at(f, i);
                unsigned char sum = 0;
                for (size_t b = 0; b < t->nbytes; b++)
                    sum ^= t->data[b];   /* touches every byte: sanitizers catch overreads */
                (void)sum;
            }
            rn_st_close(f);
        } else {
            failed++;
            CHECK(strstr(msg, "resnetc: ") != NULL && strstr(msg, "mut.safetensors") != NULL);
        }
    }
    CHECK(failed > 1000 && opened > 0);
    printf("test_safetensors: mutations: %d opened, %d rejected with a message\n", opened,
           failed);
    free(m);
    rn_free(data);
}

/* rn_st_writer_seal / rn_st_verify: the checksum written is zlib's CRC-32 of the file's
 * data section (computed here from the file's bytes, independently of the writer's order),
 * and any changed data byte or header value is refused at verification. */
static void test_checksum(void)
{
    float a[5] = {1, 2, 3, 4, 5};
    int64_t i64[2] = {7, -7}, s5[1] = {5}, s2[1] = {2};
    rn_st_writer *w = rn_st_writer_new();
    CHECK(rn_st_writer_add_f32(w, "b.weight", 1, s5, a) == 0);
    CHECK(rn_st_writer_add_i64(w, "a.step", 1, s2, i64) == 0);
    CHECK(rn_st_writer_write(w, rt_path("plain.safetensors")) == 0);
    CHECK(rn_st_writer_seal(w) == 0);
    CHECK(rn_st_writer_write(w, rt_path("sealed.safetensors")) == 0);
    rn_st_writer_free(w);

    size_t n = 0;
    unsigned char *b = rt_slurp(rt_path("sealed.safetensors"), &n);
    CHECK(b != NULL && n > 8);
    if (b == NULL || n <= 8)
        return;
    size_t start = 8;
    for (int i = 0; i < 8; i++)
        start += (size_t)b[i] << (8 * i);
    CHECK(start + 5 * 4 + 2 * 8 == n);
    char want[16];
    snprintf(want, sizeof want, "%08lx", crc32(crc32(0L, Z_NULL, 0), b + start, (uInt)(n - start)));
    rn_st_file *f = rn_st_open(rt_path("sealed.safetensors"));
    CHECK(f != NULL);
    if (f) {
        const char *got = rn_st_metadata(f, RN_ST_CRC32_KEY);
        CHECK(got != NULL && strcmp(got, want) == 0);
        CHECK(rn_st_verify(f, 1) == 0);
        rn_st_close(f);
    }
    /* a data byte flipped: refused */
    b[n - 3] ^= 0x10;
    rt_write(rt_path("flipped.safetensors"), b, n);
    f = rn_st_open(rt_path("flipped.safetensors"));
    CHECK(f != NULL);
    if (f) {
        EXPECT_FAIL(rn_st_verify(f, 0), "checksum mismatch");
        rn_st_close(f);
    }
    b[n - 3] ^= 0x10;
    /* the header's checksum changed (one hex digit): refused */
    char *key = strstr((char *)b + 8, want);
    CHECK(key != NULL);
    if (key) {
        key[0] = key[0] == '0' ? '1' : '0';
        rt_write(rt_path("rehashed.safetensors"), b, n);
        f = rn_st_open(rt_path("rehashed.safetensors"));
        CHECK(f != NULL);
        if (f) {
            EXPECT_FAIL(rn_st_verify(f, 0), "checksum mismatch");
            rn_st_close(f);
        }
    }
    free(b);
    /* no checksum: accepted unless required */
    f = rn_st_open(rt_path("plain.safetensors"));
    CHECK(f != NULL);
    if (f) {
        CHECK(rn_st_verify(f, 0) == 0);
        EXPECT_FAIL(rn_st_verify(f, 1), "no resnetc_crc32 checksum");
        rn_st_close(f);
    }
}

int main(void)
{
    rt_mkdir();
    test_mutations();
    test_round_trip();
    test_layout();
    test_conversions();
    test_damaged();
    test_checksum();
    return rt_finish("test_safetensors");
}
