/* weights.c: load, save and initialize a model's tensors (see resnetc/weights.h).
 * Converts conv weights OIHW <-> HWIO; knows nothing about optimizers or checkpoints. */
#include "resnetc/weights.h"
#include "resnetc/rng.h"
#include "resnetc/safetensors.h"
#include "resnetc/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTED 40

static int is_param(rn_role role)
{
    return role <= RN_FC_BIAS;
}

/* torch OIHW -> HWIO */
static void oihw_to_hwio(const float *src, float *dst, int o, int c, int kh, int kw)
{
    for (int k = 0; k < o; k++)
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    dst[(((size_t)i * kw + j) * c + ch) * o + k] =
                        src[(((size_t)k * c + ch) * kh + i) * kw + j];
}

static void hwio_to_oihw(const float *src, float *dst, int o, int c, int kh, int kw)
{
    for (int k = 0; k < o; k++)
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    dst[(((size_t)k * c + ch) * kh + i) * kw + j] =
                        src[(((size_t)i * kw + j) * c + ch) * o + k];
}

void rn_tensor_to_torch(const rn_tensor_info *t, const float *internal, float *torch)
{
    if (t->role == RN_CONV_WEIGHT && t->ndim == 4)
        hwio_to_oihw(internal, torch, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
    else
        memcpy(torch, internal, t->count * sizeof(float));
}

void rn_tensor_from_torch(const rn_tensor_info *t, const float *torch, float *internal)
{
    if (t->role == RN_CONV_WEIGHT && t->ndim == 4)
        oihw_to_hwio(torch, internal, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
    else
        memcpy(internal, torch, t->count * sizeof(float));
}

static void shape_text(char *buf, size_t size, int ndim, const int *s32, const int64_t *s64)
{
    size_t o = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && o < size - 24; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%lld", i ? ", " : "",
                              s32 ? (long long)s32[i] : (long long)s64[i]);
    snprintf(buf + o, size - o, "]");
}

/* Checks the generated table itself (a generator bug, not a user error). */
static int check_table(const rn_model *m)
{
    for (int i = 0; i < m->n_tensors; i++) {
        const rn_tensor_info *t = &m->tensors[i];
        size_t count = 1;
        for (int d = 0; d < t->ndim; d++)
            count *= (size_t)t->shape[d];
        size_t limit = is_param(t->role) ? m->param_floats : m->stats_floats;
        if (t->ndim < 0 || t->ndim > 4 || count != t->count || t->offset > limit ||
            t->count > limit - t->offset || (t->role == RN_CONV_WEIGHT && t->ndim != 4))
            return rn_error("model %s: tensor table entry '%s' is inconsistent (shape, count "
                            "%zu, offset %zu, buffer %zu floats)",
                            m->name, t->name, t->count, t->offset, limit);
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Append a name to a comma-separated list (at most MAX_LISTED names). */
static void list_add(char **list, size_t *len, int *count, const char *name)
{
    (*count)++;
    if (*count > MAX_LISTED)
        return;
    size_t add = strlen(name) + 2;
    char *nl = realloc(*list, *len + add + 1);
    if (nl == NULL) {
        fprintf(stderr, "resnetc: out of memory\n");
        abort();
    }
    *list = nl;
    if (*len > 0) {
        memcpy(*list + *len, ", ", 2);
        *len += 2;
    }
    memcpy(*list + *len, name, add - 2);
    *len += add - 2;
    (*list)[*len] = '\0';
}

int rn_weights_load(const rn_model *m, const char *path, float *params, float *stats)
{
    if (check_table(m) != 0)
        return -1;
    rn_st_file *f = rn_st_open(path);
    if (f == NULL)
        return -1;
    if (rn_st_verify(f, 0) != 0) { /* checked where a checksum was written (checkpoints) */
        rn_st_close(f);
        return -1;
    }
    int rc = -1, bad = 0;
    char *missing = NULL, *unexpected = NULL;
    size_t missing_len = 0, unexpected_len = 0;
    int n_missing = 0, n_unexpected = 0;

    for (int i = 0; i < m->n_tensors; i++) {
        const rn_tensor_info *t = &m->tensors[i];
        const rn_st_tensor *s = rn_st_find(f, t->name);
        if (s == NULL) {
            list_add(&missing, &missing_len, &n_missing, t->name);
            continue;
        }
        int same = s->ndim == t->ndim;
        for (int d = 0; same && d < t->ndim; d++)
            same = s->shape[d] == t->shape[d];
        if (!same) {
            char want[96], got[160];
            shape_text(want, sizeof want, t->ndim, t->shape, NULL);
            shape_text(got, sizeof got, s->ndim, NULL, s->shape);
            rn_error("%s: tensor '%s': expected shape %s, found %s", path, t->name, want, got);
            bad = 1;
        }
        if (s->dtype != RN_ST_F32 && s->dtype != RN_ST_F64 && s->dtype != RN_ST_F16 &&
            s->dtype != RN_ST_BF16) {
            rn_error("%s: tensor '%s': expected dtype F32 (or F64, F16, BF16), found %s", path,
                     t->name, rn_st_dtype_name(s->dtype));
            bad = 1;
        }
    }
    for (int i = 0; i < rn_st_count(f); i++) {
        const rn_st_tensor *s = rn_st_at(f, i);
        int known = 0;
        for (int k = 0; k < m->n_tensors && !known; k++)
            known = strcmp(m->tensors[k].name, s->name) == 0;
        if (!known && !ends_with(s->name, ".num_batches_tracked") &&
            strcmp(s->name, "num_batches_tracked") != 0)
            list_add(&unexpected, &unexpected_len, &n_unexpected, s->name);
    }
    if (n_missing || n_unexpected) {
        char more_m[48] = "", more_u[48] = "";
        if (n_missing > MAX_LISTED)
            snprintf(more_m, sizeof more_m, ", ... (%d more)", n_missing - MAX_LISTED);
        if (n_unexpected > MAX_LISTED)
            snprintf(more_u, sizeof more_u, ", ... (%d more)", n_unexpected - MAX_LISTED);
        rn_error("%s: does not match model %s: %d missing tensor%s%s%s%s%s; %d unexpected "
                 "tensor%s%s%s%s%s",
                 path, m->name, n_missing, n_missing == 1 ? "" : "s", n_missing ? ": " : "",
                 n_missing ? missing : "", more_m, "", n_unexpected,
                 n_unexpected == 1 ? "" : "s", n_unexpected ? ": " : "",
                 n_unexpected ? unexpected : "", more_u, "");
        bad = 1;
    }
    if (bad)
        goto done;

    /* Everything checked: now convert. */
    size_t maxc = 0;
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].count > maxc)
            maxc = m->tensors[i].count;
    float *tmp = rn_alloc(maxc * sizeof(float));
    for (int i = 0; i < m->n_tensors; i++) {
        const rn_tensor_info *t = &m->tensors[i];
        const rn_st_tensor *s = rn_st_find(f, t->name);
        float *dst = (is_param(t->role) ? params : stats) + t->offset;
        if (t->role == RN_CONV_WEIGHT) {
            if (rn_st_read_f32(f, s, tmp) != 0) {
                rn_free(tmp);
                goto done;
            }
            oihw_to_hwio(tmp, dst, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
        } else if (rn_st_read_f32(f, s, dst) != 0) {
            rn_free(tmp);
            goto done;
        }
    }
    rn_free(tmp);
    rc = 0;
done:
    free(missing);
    free(unexpected);
    rn_st_close(f);
    return rc;
}

/* Add tensor i of the model (from buffer base) to the writer in torch layout. */
static int add_tensor(rn_st_writer *w, const rn_tensor_info *t, const float *base, float *tmp)
{
    int64_t shape[4];
    for (int d = 0; d < t->ndim; d++)
        shape[d] = t->shape[d];
    const float *src = base + t->offset;
    if (t->role == RN_CONV_WEIGHT) {
        hwio_to_oihw(src, tmp, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
        src = tmp;
    }
    return rn_st_writer_add_f32(w, t->name, t->ndim, shape, src);
}

static float *scratch_for(const rn_model *m)
{
    size_t maxc = 0;
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].count > maxc)
            maxc = m->tensors[i].count;
    return rn_alloc(maxc * sizeof(float));
}

int rn_weights_save(const rn_model *m, const char *path, const float *params,
                    const float *stats)
{
    if (check_table(m) != 0)
        return -1;
    rn_st_writer *w = rn_st_writer_new();
    float *tmp = scratch_for(m);
    int rc = 0;
    for (int i = 0; i < m->n_tensors && rc == 0; i++) {
        const rn_tensor_info *t = &m->tensors[i];
        rc = add_tensor(w, t, is_param(t->role) ? params : stats, tmp);
    }
    rn_free(tmp);
    if (rc == 0) {
        rn_st_writer_metadata(w, "format", "pt");
        rn_st_writer_metadata(w, "resnetc_model", m->name);
        rc = rn_st_writer_write(w, path);
    }
    rn_st_writer_free(w);
    return rc;
}

int rn_grads_save(const rn_model *m, const char *path, const float *grads, float loss)
{
    if (check_table(m) != 0)
        return -1;
    rn_st_writer *w = rn_st_writer_new();
    float *tmp = scratch_for(m);
    int rc = 0;
    for (int i = 0; i < m->n_tensors && rc == 0; i++) {
        const rn_tensor_info *t = &m->tensors[i];
        if (is_param(t->role))
            rc = add_tensor(w, t, grads, tmp);
    }
    rn_free(tmp);
    if (rc == 0)
        rc = rn_st_writer_add_f32(w, "loss", 0, NULL, &loss);
    if (rc == 0) {
        rn_st_writer_metadata(w, "format", "pt");
        rn_st_writer_metadata(w, "resnetc_model", m->name);
        rn_st_writer_metadata(w, "content", "gradients");
        rc = rn_st_writer_write(w, path);
    }
    rn_st_writer_free(w);
    return rc;
}

/* in_features of the fc layer a bias belongs to: the FC_WEIGHT named like it (".bias" ->
 * ".weight"), else the nearest preceding FC_WEIGHT with as many outputs. */
static int fc_fan_in(const rn_model *m, int bias_index)
{
    const rn_tensor_info *b = &m->tensors[bias_index];
    size_t len = strlen(b->name);
    for (int i = 0; i < m->n_tensors; i++) {
        const rn_tensor_info *t = &m->tensors[i];
        if (t->role != RN_FC_WEIGHT || t->ndim != 2)
            continue;
        if (len >= 5 && ends_with(b->name, ".bias") && ends_with(t->name, ".weight") &&
            strlen(t->name) == len + 2 && strncmp(t->name, b->name, len - 4) == 0)
            return t->shape[1];
    }
    for (int i = bias_index - 1; i >= 0; i--) {
        const rn_tensor_info *t = &m->tensors[i];
        if (t->role == RN_FC_WEIGHT && t->ndim == 2 && (size_t)t->shape[0] == b->count)
            return t->shape[1];
    }
    fprintf(stderr, "resnetc: model %s: fc bias '%s' has no matching fc weight\n", m->name,
            b->name);
    abort();
}

void rn_weights_init(const rn_model *m, uint64_t seed, float *params, float *stats)
{
    if (check_table(m) != 0)
        abort();
    rn_rng rng;
    rn_rng_seed(&rng, seed, RN_WEIGHTS_INIT_STREAM);
    float *tmp = scratch_for(m);
    for (int i = 0; i < m->n_tensors; i++) {
        const rn_tensor_info *t = &m->tensors[i];
        float *dst = (is_param(t->role) ? params : stats) + t->offset;
        switch (t->role) {
        case RN_CONV_WEIGHT: {
            double fan_out = (double)t->shape[0] * t->shape[2] * t->shape[3];
            float std = (float)sqrt(2.0 / fan_out);
            for (size_t k = 0; k < t->count; k++)
                tmp[k] = std * rn_rng_normal(&rng);
            oihw_to_hwio(tmp, dst, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
            break;
        }
        case RN_BN_WEIGHT:
        case RN_BN_VAR:
            for (size_t k = 0; k < t->count; k++)
                dst[k] = 1.0f;
            break;
        case RN_BN_BIAS:
        case RN_BN_MEAN:
            for (size_t k = 0; k < t->count; k++)
                dst[k] = 0.0f;
            break;
        case RN_FC_WEIGHT:
        case RN_FC_BIAS: {
            int fan_in = t->role == RN_FC_WEIGHT ? t->shape[1] : fc_fan_in(m, i);
            float bound = fan_in > 0 ? (float)(1.0 / sqrt((double)fan_in)) : 0.0f;
            for (size_t k = 0; k < t->count; k++)
                dst[k] = (2.0f * rn_rng_uniform(&rng) - 1.0f) * bound;
            break;
        }
        }
    }
    rn_free(tmp);
}
