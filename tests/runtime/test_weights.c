/* test_weights.c: weights I/O and initialization on a small hand-written model table
 * (conv, BN, fc; no generated code needed): OIHW <-> HWIO conversion checked element by
 * element, load/save round trip, num_batches_tracked ignored, missing/unexpected/shape/
 * dtype errors (params untouched), gradient files, torchvision init statistics and seed
 * determinism; and the rn_run arena (alignment, sizes, defaults, degenerate models). */
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/safetensors.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"
#include "rt_test.h"

#include <math.h>
#include <stdint.h>

static const rn_tensor_info tensors[] = {
    {"conv1.weight", RN_CONV_WEIGHT, 4, {8, 3, 3, 3}, 0, 216},
    {"bn1.weight", RN_BN_WEIGHT, 1, {8}, 216, 8},
    {"bn1.bias", RN_BN_BIAS, 1, {8}, 224, 8},
    {"bn1.running_mean", RN_BN_MEAN, 1, {8}, 0, 8},
    {"bn1.running_var", RN_BN_VAR, 1, {8}, 8, 8},
    {"layer1.0.conv1.weight", RN_CONV_WEIGHT, 4, {64, 8, 3, 3}, 232, 4608},
    {"layer1.0.downsample.0.weight", RN_CONV_WEIGHT, 4, {64, 8, 1, 1}, 4840, 512},
    {"fc.weight", RN_FC_WEIGHT, 2, {10, 8}, 5352, 80},
    {"fc.bias", RN_FC_BIAS, 1, {10}, 5432, 10},
};
#define PARAMS 5442
#define STATS 16

static const rn_model model = {
    .name = "tiny",
    .spec = "none",
    .isa = "generic",
    .in_c = 3, .in_h = 5, .in_w = 7,
    .classes = 10,
    .n_tensors = (int)(sizeof tensors / sizeof tensors[0]),
    .tensors = tensors,
    .param_floats = PARAMS,
    .stats_floats = STATS,
    .train_act_floats = 1000,
    .infer_act_floats = 300,
    .work_floats = 33,
};

static size_t hwio(const rn_tensor_info *t, int o, int c, int i, int j)
{
    return (((size_t)i * t->shape[3] + j) * t->shape[1] + c) * t->shape[0] + o;
}

static void test_init(void)
{
    static float p1[PARAMS], s1[STATS], p2[PARAMS], s2[STATS], p3[PARAMS], s3[STATS];
    rn_weights_init(&model, 1, p1, s1);
    rn_weights_init(&model, 1, p2, s2);
    rn_weights_init(&model, 2, p3, s3);
    CHECK(memcmp(p1, p2, sizeof p1) == 0 && memcmp(s1, s2, sizeof s1) == 0);
    CHECK(memcmp(p1, p3, sizeof p1) != 0);
    for (int c = 0; c < 8; c++)
        CHECK(p1[216 + c] == 1.0f && p1[224 + c] == 0.0f && s1[c] == 0.0f && s1[8 + c] == 1.0f);
    /* conv: mean 0, std sqrt(2 / (64*3*3)) */
    double sum = 0, sq = 0;
    for (int k = 0; k < 4608; k++) {
        sum += p1[232 + k];
        sq += (double)p1[232 + k] * p1[232 + k];
    }
    double mean = sum / 4608, sd = sqrt(sq / 4608 - mean * mean), want = sqrt(2.0 / 576.0);
    CHECK(fabs(mean) < 0.1 * want);
    CHECK(fabs(sd / want - 1.0) < 0.05);
    /* 1x1 downsample: std sqrt(2/64) */
    sq = 0;
    for (int k = 0; k < 512; k++)
        sq += (double)p1[4840 + k] * p1[4840 + k];
    CHECK(fabs(sqrt(sq / 512) / sqrt(2.0 / 64.0) - 1.0) < 0.12);
    /* fc weight and bias: uniform(+-1/sqrt(8)) (fan_in of fc.weight, not 10) */
    float bound = 1.0f / sqrtf(8.0f), maxabs = 0;
    int in = 1;
    for (int k = 0; k < 90; k++) {
        in &= fabsf(p1[5352 + k]) <= bound;
        if (fabsf(p1[5352 + k]) > maxabs)
            maxabs = fabsf(p1[5352 + k]);
    }
    CHECK(in && maxabs > 0.8f * bound);
    /* conv draws are in OIHW order: the first value of the stream is conv1.weight[0,0,0,0] */
    rn_rng r;
    rn_rng_seed(&r, 1, RN_WEIGHTS_INIT_STREAM);
    float first = sqrtf(2.0f / 72.0f) * rn_rng_normal(&r);
    float second = sqrtf(2.0f / 72.0f) * rn_rng_normal(&r);
    CHECK(p1[hwio(&tensors[0], 0, 0, 0, 0)] == first);
    CHECK(p1[hwio(&tensors[0], 0, 0, 0, 1)] == second);
}

static void test_save_load(void)
{
    static float p[PARAMS], s[STATS], q[PARAMS], t[STATS];
    for (int k = 0; k < PARAMS; k++)
        p[k] = (float)k * 0.001f - 1.0f;
    for (int k = 0; k < STATS; k++)
        s[k] = 100.0f + (float)k;
    char path[512];
    snprintf(path, sizeof path, "%s", rt_path("w.safetensors"));
    CHECK(rn_weights_save(&model, path, p, s) == 0);

    rn_st_file *f = rn_st_open(path);
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(rn_st_count(f) == model.n_tensors);
    CHECK(rn_st_metadata(f, "format") && strcmp(rn_st_metadata(f, "format"), "pt") == 0);
    /* every conv element: file OIHW == memory HWIO */
    for (int ti = 0; ti < model.n_tensors; ti++) {
        const rn_tensor_info *ti_ = &tensors[ti];
        const rn_st_tensor *st = rn_st_find(f, ti_->name);
        CHECK(st && st->dtype == RN_ST_F32 && st->ndim == ti_->ndim);
        if (!st)
            continue;
        float *v = malloc(st->count * sizeof(float));
        rn_st_read_f32(f, st, v);
        const float *base = ti_->role <= RN_FC_BIAS ? p : s;
        int ok = 1;
        if (ti_->role == RN_CONV_WEIGHT) {
            const int *sh = ti_->shape;
            for (int o = 0; o < sh[0]; o++)
                for (int c = 0; c < sh[1]; c++)
                    for (int i = 0; i < sh[2]; i++)
                        for (int j = 0; j < sh[3]; j++)
                            ok &= v[((o * sh[1] + c) * sh[2] + i) * sh[3] + j] ==
                                  base[ti_->offset + hwio(ti_, o, c, i, j)];
        } else {
            ok = memcmp(v, base + ti_->offset, st->nbytes) == 0;
        }
        CHECK(ok);
        free(v);
    }
    rn_st_close(f);

    CHECK(rn_weights_load(&model, path, q, t) == 0);
    CHECK(memcmp(p, q, sizeof p) == 0 && memcmp(s, t, sizeof s) == 0);

    /* Build variants of the file from its tensors. */
    f = rn_st_open(path);
    float *buf = malloc(PARAMS * sizeof(float));
    for (int variant = 0; variant < 5; variant++) {
        rn_st_writer *w = rn_st_writer_new();
        for (int k = 0; k < rn_st_count(f); k++) {
            const rn_st_tensor *st = rn_st_at(f, k);
            rn_st_read_f32(f, st, buf);
            if (variant == 1 && strcmp(st->name, "fc.bias") == 0)
                continue;   /* missing */
            if (variant == 2 && strcmp(st->name, "conv1.weight") == 0) {
                int64_t bad[4] = {8, 3, 5, 5};
                float *big = calloc(8 * 3 * 25, sizeof(float));
                rn_st_writer_add_f32(w, st->name, 4, bad, big);
                free(big);
                continue;
            }
            if (variant == 3 && strcmp(st->name, "bn1.weight") == 0) {
                int64_t iv[8] = {1, 1, 1, 1, 1, 1, 1, 1};
                rn_st_writer_add_i64(w, st->name, st->ndim, st->shape, iv);
                continue;
            }
            if (variant == 4) {   /* everything as F64 */
                double *d = malloc(st->count * sizeof(double));
                for (size_t e = 0; e < st->count; e++)
                    d[e] = buf[e];
                rn_st_writer_add(w, st->name, RN_ST_F64, st->ndim, st->shape, d);
                free(d);
                continue;
            }
            rn_st_writer_add_f32(w, st->name, st->ndim, st->shape, buf);
        }
        int64_t one = 1;
        int64_t nbt = 390;
        if (variant == 0)
            rn_st_writer_add_i64(w, "bn1.num_batches_tracked", 0, NULL, &nbt);
        if (variant == 1) {
            rn_st_writer_add_f32(w, "extra.weight", 1, &one, buf);
            rn_st_writer_add_f32(w, "layer9.bias", 1, &one, buf);
        }
        char vp[512];
        snprintf(vp, sizeof vp, "%s/v%d.safetensors", rt_dir, variant);
        CHECK(rn_st_writer_write(w, vp) == 0);
        rn_st_writer_free(w);

        memset(q, 0x7f, sizeof q);   /* sentinel: a failed load must not touch it */
        memset(t, 0x7f, sizeof t);
        float sentinel;
        memset(&sentinel, 0x7f, sizeof sentinel);
        switch (variant) {
        case 0:
        case 4:
            CHECK(rn_weights_load(&model, vp, q, t) == 0);
            CHECK(memcmp(p, q, sizeof p) == 0 && memcmp(s, t, sizeof s) == 0);
            break;
        case 1:
            EXPECT_FAIL(rn_weights_load(&model, vp, q, t),
                        "does not match model tiny: 1 missing tensor: fc.bias; 2 unexpected "
                        "tensors: extra.weight, layer9.bias");
            break;
        case 2:
            EXPECT_FAIL(rn_weights_load(&model, vp, q, t),
                        "tensor 'conv1.weight': expected shape [8, 3, 3, 3], found [8, 3, 5, 5]");
            break;
        case 3:
            EXPECT_FAIL(rn_weights_load(&model, vp, q, t),
                        "tensor 'bn1.weight': expected dtype F32 (or F64, F16, BF16), found I64");
            break;
        }
        if (variant >= 1 && variant <= 3)
            CHECK(q[0] == sentinel && q[PARAMS - 1] == sentinel && t[0] == sentinel);
    }
    free(buf);
    rn_st_close(f);
    EXPECT_FAIL(rn_weights_load(&model, rt_path("absent.safetensors"), q, t), "cannot open");

    /* gradients: parameters only, torch layout, 0-d loss */
    CHECK(rn_grads_save(&model, rt_path("g.safetensors"), p, 2.5f) == 0);
    f = rn_st_open(rt_path("g.safetensors"));
    CHECK(f && rn_st_count(f) == 8);
    if (f) {
        CHECK(rn_st_find(f, "bn1.running_mean") == NULL && rn_st_find(f, "bn1.running_var") == NULL);
        const rn_st_tensor *l = rn_st_find(f, "loss");
        float lv = 0;
        CHECK(l && l->ndim == 0 && l->count == 1 && rn_st_read_f32(f, l, &lv) == 0 && lv == 2.5f);
        const rn_st_tensor *c = rn_st_find(f, "layer1.0.conv1.weight");
        float v[4608];
        CHECK(c && rn_st_read_f32(f, c, v) == 0);
        /* element [o=5][c=2][i=1][j=2] */
        CHECK(c && v[((5 * 8 + 2) * 3 + 1) * 3 + 2] == p[232 + hwio(&tensors[5], 5, 2, 1, 2)]);
        rn_st_close(f);
    }
}

static void test_run(void)
{
    rn_run *r = rn_run_create(&model, 4, 1);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK(r->model == &model && r->n == 4 && r->threads == 1 && r->bn_momentum == 0.1f &&
          r->bn_eps == 1e-5f);
    float *ptrs[6] = {r->params, r->grads, r->stats, r->act, r->work, r->dinput};
    size_t sizes[6] = {PARAMS, PARAMS, STATS, 1000 * 4, 33, 3 * 5 * 7 * 4};
    unsigned char *lo = (unsigned char *)r, *hi = lo + rn_run_bytes(&model, 4, 1);
    for (int i = 0; i < 6; i++) {
        CHECK(ptrs[i] != NULL && ((uintptr_t)ptrs[i] & 63) == 0);
        CHECK((unsigned char *)ptrs[i] >= lo + sizeof(rn_run) &&
              (unsigned char *)(ptrs[i] + sizes[i]) <= hi);
        int zero = 1;
        for (size_t k = 0; k < sizes[i]; k++)
            zero &= ptrs[i][k] == 0.0f;
        CHECK(zero);
        for (size_t k = 0; k < sizes[i]; k++)
            ptrs[i][k] = (float)i;   /* regions are disjoint: check below */
    }
    for (int i = 0; i < 6; i++) {
        int mine = 1;
        for (size_t k = 0; k < sizes[i]; k++)
            mine &= ptrs[i][k] == (float)i;
        CHECK(mine);
    }
    rn_run_destroy(r);
    rn_run_destroy(NULL);

    r = rn_run_create(&model, 2, 0);
    CHECK(r && r->dinput == NULL && r->act != NULL);
    rn_run_destroy(r);
    CHECK(rn_run_bytes(&model, 4, 1) > rn_run_bytes(&model, 4, 0));
    CHECK(rn_run_bytes(&model, 8, 0) >= rn_run_bytes(&model, 4, 0) + 4 * 1000 * 4);
    CHECK(rn_run_bytes(&model, 4, 0) >= (2 * PARAMS + STATS + 4000 + 33) * 4);

    /* degenerate: no activations, no work, no stats */
    rn_model z = model;
    z.train_act_floats = z.infer_act_floats = 0;
    z.work_floats = 0;
    z.stats_floats = 0;
    r = rn_run_create(&z, 3, 0);
    CHECK(r && r->act != NULL && r->work != NULL && ((uintptr_t)r->act & 63) == 0);
    rn_run_destroy(r);

    EXPECT_FAIL(rn_run_create(&model, 0, 0) ? 0 : -1, "cannot size a run for batch 0");
    rn_model huge = model;
    huge.train_act_floats = SIZE_MAX / 2;
    EXPECT_FAIL(rn_run_create(&huge, 4, 0) ? 0 : -1, "cannot size a run for batch 4");
    CHECK(rn_run_bytes(&huge, 4, 0) == 0);
}

int main(void)
{
    rt_mkdir();
    test_init();
    test_save_load();
    test_run();
    return rt_finish("test_weights");
}
