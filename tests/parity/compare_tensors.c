/* compare_tensors: compare two safetensors files tensor by tensor, or two .npy files.
 *
 *   compare_tensors EXPECTED ACTUAL [--tol NAME=TOL ...] [--default-tol T] [--ignore NAME ...]
 *                   [--tiny E] [--quiet]
 *
 * Per tensor: relative L2 error ||actual - expected|| / max(||expected||, tiny), in double
 * precision (default tiny 1e-20). A tensor passes when its error is finite and <= its
 * tolerance: the first --tol whose NAME matches (a shell glob: "*.running_var"), else
 * --default-tol (1e-4). For .npy files the one tensor is named by EXPECTED's base name.
 * --ignore NAME (a glob) leaves matching tensors out of both files (e.g.
 * "*.num_batches_tracked"). __metadata__ is not compared.
 *
 * Prints a table (name, shape, rel err, tolerance, OK/FAIL) and the largest error, and
 * exits 0 when everything matches; 1 on any FAIL, a tensor missing from ACTUAL, an extra
 * tensor in ACTUAL, a shape mismatch, a non-finite value or a numeric/non-numeric dtype
 * mismatch; 2 on a usage error or a file the runtime's readers reject.
 * Reads through the runtime (resnetc/safetensors.h, resnetc/npy.h): no Python at test time.
 */
#include "resnetc/npy.h"
#include "resnetc/safetensors.h"
#include "resnetc/util.h"

#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 256

typedef struct tol_rule {
    const char *pattern;
    double tol;
} tol_rule;

typedef struct options {
    tol_rule tols[MAX_RULES];
    int n_tols;
    const char *ignore[MAX_RULES];
    int n_ignore;
    double default_tol;
    double tiny;
    int quiet;
} options;

/* One tensor as doubles, whatever its file and dtype. */
typedef struct tensor {
    char name[256];
    int ndim;
    int64_t shape[8];
    size_t count;
    int integer; /* stored as an integer dtype */
    double *v;
} tensor;

typedef struct tensor_set {
    tensor *t;
    int n;
} tensor_set;

static void set_free(tensor_set *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->t[i].v);
    free(s->t);
    s->t = NULL;
    s->n = 0;
}

static int is_npy(const char *path, int *ok)
{
    unsigned char magic[6] = {0};
    FILE *f = fopen(path, "rb");
    *ok = f != NULL;
    if (f == NULL) {
        rn_error("%s: cannot open", path);
        return 0;
    }
    size_t got = fread(magic, 1, 6, f);
    fclose(f);
    return got == 6 && memcmp(magic, "\x93NUMPY", 6) == 0;
}

static int ignored(const options *o, const char *name)
{
    for (int i = 0; i < o->n_ignore; i++)
        if (fnmatch(o->ignore[i], name, 0) == 0)
            return 1;
    return 0;
}

static int is_integer_dtype(rn_st_dtype d)
{
    switch (d) {
    case RN_ST_BOOL: case RN_ST_U8: case RN_ST_I8: case RN_ST_U16: case RN_ST_I16:
    case RN_ST_U32: case RN_ST_I32: case RN_ST_U64: case RN_ST_I64:
        return 1;
    default:
        return 0;
    }
}

static int load_safetensors(const char *path, const options *o, tensor_set *out)
{
    rn_st_file *f = rn_st_open(path);
    if (f == NULL)
        return -1;
    int n = rn_st_count(f);
    out->t = calloc((size_t)(n > 0 ? n : 1), sizeof(tensor));
    out->n = 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const rn_st_tensor *st = rn_st_at(f, i);
        if (ignored(o, st->name))
            continue;
        tensor *t = &out->t[out->n++];
        snprintf(t->name, sizeof t->name, "%s", st->name);
        t->ndim = st->ndim;
        for (int d = 0; d < st->ndim && d < 8; d++)
            t->shape[d] = st->shape[d];
        t->count = st->count;
        t->integer = is_integer_dtype(st->dtype);
        t->v = malloc((t->count ? t->count : 1) * sizeof(double));
        if (t->integer) {
            int64_t *tmp = malloc((t->count ? t->count : 1) * sizeof(int64_t));
            rc = rn_st_read_i64(f, st, tmp);
            for (size_t k = 0; rc == 0 && k < t->count; k++)
                t->v[k] = (double)tmp[k];
            free(tmp);
        } else {
            float *tmp = malloc((t->count ? t->count : 1) * sizeof(float));
            rc = rn_st_read_f32(f, st, tmp);
            for (size_t k = 0; rc == 0 && k < t->count; k++)
                t->v[k] = (double)tmp[k];
            free(tmp);
        }
    }
    rn_st_close(f);
    if (rc != 0)
        set_free(out);
    return rc;
}

/* The dtype an .npy file declares, from its header: 1 for integer ('<i'), 0 otherwise. */
static int npy_is_integer(const char *path)
{
    char head[256] = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t got = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    for (size_t i = 0; i + 1 < got; i++)
        if (head[i] == '\0')
            head[i] = ' ';
    const char *d = strstr(head, "'descr'");
    if (d == NULL)
        return 0;
    d = strchr(d + 7, '\'');
    return d != NULL && (d[1] == '<' || d[1] == '|') && (d[2] == 'i' || d[2] == 'u');
}

static int load_npy(const char *path, const char *name, tensor_set *out)
{
    rn_npy a;
    int integer = npy_is_integer(path);
    if (rn_npy_read(path, integer ? RN_NPY_I64 : RN_NPY_F32, &a) != 0)
        return -1;
    out->t = calloc(1, sizeof(tensor));
    out->n = 1;
    tensor *t = &out->t[0];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = a.ndim;
    for (int d = 0; d < a.ndim && d < 8; d++)
        t->shape[d] = a.shape[d];
    t->count = a.count;
    t->integer = integer;
    t->v = malloc((t->count ? t->count : 1) * sizeof(double));
    for (size_t k = 0; k < t->count; k++)
        t->v[k] = integer ? (double)((const int64_t *)a.data)[k] : (double)((const float *)a.data)[k];
    rn_npy_free(&a);
    return 0;
}

static const tensor *find(const tensor_set *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->t[i].name, name) == 0)
            return &s->t[i];
    return NULL;
}

static double tolerance_for(const options *o, const char *name)
{
    for (int i = 0; i < o->n_tols; i++)
        if (fnmatch(o->tols[i].pattern, name, 0) == 0)
            return o->tols[i].tol;
    return o->default_tol;
}

static void shape_text(const tensor *t, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < t->ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", d ? "," : "",
                                 (long long)t->shape[d]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

static int same_shape(const tensor *a, const tensor *b)
{
    if (a->ndim != b->ndim)
        return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return 0;
    return 1;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: compare_tensors EXPECTED ACTUAL [--tol NAME=TOL ...] [--default-tol T]\n"
            "                       [--ignore NAME ...] [--tiny E] [--quiet]\n"
            "  EXPECTED, ACTUAL: two .safetensors files, or two .npy files\n"
            "  per tensor: ||actual - expected|| / max(||expected||, tiny) <= tolerance\n"
            "  NAME is a shell glob; the first matching --tol applies, else --default-tol (1e-4)\n"
            "  exit 0: all match; 1: a mismatch, missing/extra tensor or shape mismatch; 2: error\n");
}

static int parse_double(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= 0) || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static options o;
    o.default_tol = 1e-4;
    o.tiny = 1e-20;
    const char *paths[2] = {NULL, NULL};
    int n_paths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--tol") == 0 || strcmp(a, "--ignore") == 0 ||
                   strcmp(a, "--default-tol") == 0 || strcmp(a, "--tiny") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "compare_tensors: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--tol") == 0) {
                const char *eq = strrchr(v, '=');
                double tol;
                if (eq == NULL || eq == v || parse_double(eq + 1, &tol) != 0 ||
                    o.n_tols >= MAX_RULES) {
                    fprintf(stderr, "compare_tensors: --tol expects NAME=TOL (TOL >= 0), "
                                    "found '%s'\n", v);
                    return 2;
                }
                size_t len = (size_t)(eq - v);
                char *pat = malloc(len + 1);
                memcpy(pat, v, len);
                pat[len] = '\0';
                o.tols[o.n_tols].pattern = pat;
                o.tols[o.n_tols++].tol = tol;
            } else if (strcmp(a, "--ignore") == 0) {
                if (o.n_ignore >= MAX_RULES) {
                    fprintf(stderr, "compare_tensors: too many --ignore\n");
                    return 2;
                }
                o.ignore[o.n_ignore++] = v;
            } else {
                double *dst = strcmp(a, "--tiny") == 0 ? &o.tiny : &o.default_tol;
                if (parse_double(v, dst) != 0) {
                    fprintf(stderr, "compare_tensors: %s expects a number >= 0, found '%s'\n",
                            a, v);
                    return 2;
                }
            }
        } else if (strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "compare_tensors: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (n_paths < 2) {
            paths[n_paths++] = a;
        } else {
            fprintf(stderr, "compare_tensors: expected two files, found a third: '%s'\n", a);
            return 2;
        }
    }
    if (n_paths != 2) {
        usage(stderr);
        return 2;
    }

    int ok0, ok1;
    int npy0 = is_npy(paths[0], &ok0), npy1 = is_npy(paths[1], &ok1);
    if (!ok0 || !ok1)
        return 2;
    if (npy0 != npy1) {
        fprintf(stderr, "compare_tensors: %s is %s but %s is %s\n", paths[0],
                npy0 ? ".npy" : "safetensors", paths[1], npy1 ? ".npy" : "safetensors");
        return 2;
    }
    tensor_set exp = {0}, act = {0};
    if (npy0) {
        const char *base = strrchr(paths[0], '/');
        base = base ? base + 1 : paths[0];
        if (load_npy(paths[0], base, &exp) != 0 || load_npy(paths[1], base, &act) != 0) {
            set_free(&exp);
            return 2;
        }
    } else if (load_safetensors(paths[0], &o, &exp) != 0 ||
               load_safetensors(paths[1], &o, &act) != 0) {
        set_free(&exp);
        return 2;
    }

    int failures = 0, width = 4;
    for (int i = 0; i < exp.n; i++)
        if ((int)strlen(exp.t[i].name) > width)
            width = (int)strlen(exp.t[i].name);
    for (int i = 0; i < act.n; i++)
        if ((int)strlen(act.t[i].name) > width)
            width = (int)strlen(act.t[i].name);
    printf("expected %s\nactual   %s\n", paths[0], paths[1]);
    printf("%-*s  %-18s  %-11s  %-9s  %s\n", width, "name", "shape", "rel err", "tol", "status");
    double worst = 0;
    const char *worst_name = NULL;
    for (int i = 0; i < exp.n; i++) {
        const tensor *e = &exp.t[i];
        const tensor *a = find(&act, e->name);
        char shape[64], ashape[64];
        shape_text(e, shape, sizeof shape);
        double tol = tolerance_for(&o, e->name);
        if (a == NULL) {
            printf("%-*s  %-18s  %-11s  %-9.2g  FAIL (missing from actual)\n", width, e->name,
                   shape, "-", tol);
            failures++;
            continue;
        }
        if (!same_shape(e, a)) {
            shape_text(a, ashape, sizeof ashape);
            printf("%-*s  %-18s  %-11s  %-9.2g  FAIL (actual shape %s)\n", width, e->name,
                   shape, "-", tol, ashape);
            failures++;
            continue;
        }
        if (e->integer != a->integer) {
            printf("%-*s  %-18s  %-11s  %-9.2g  FAIL (%s expected, %s actual)\n", width,
                   e->name, shape, "-", tol, e->integer ? "integer" : "float",
                   a->integer ? "integer" : "float");
            failures++;
            continue;
        }
        double diff = 0, norm = 0;
        size_t nonfinite = 0;
        for (size_t k = 0; k < e->count; k++) {
            double d = a->v[k] - e->v[k];
            if (!isfinite(a->v[k]) || !isfinite(e->v[k]))
                nonfinite++;
            diff += d * d;
            norm += e->v[k] * e->v[k];
        }
        double den = sqrt(norm);
        double rel = sqrt(diff) / (den > o.tiny ? den : o.tiny);
        int pass = nonfinite == 0 && isfinite(rel) && rel <= tol;
        if (!pass)
            failures++;
        if (nonfinite == 0 && (worst_name == NULL || rel > worst || !isfinite(rel))) {
            worst = rel;
            worst_name = e->name;
        }
        if (!pass || !o.quiet) {
            if (nonfinite)
                printf("%-*s  %-18s  %-11.4e  %-9.2g  FAIL (%zu non-finite values)\n", width,
                       e->name, shape, rel, tol, nonfinite);
            else
                printf("%-*s  %-18s  %-11.4e  %-9.2g  %s\n", width, e->name, shape, rel, tol,
                       pass ? "OK" : "FAIL");
        }
    }
    for (int i = 0; i < act.n; i++) {
        if (find(&exp, act.t[i].name) == NULL) {
            char shape[64];
            shape_text(&act.t[i], shape, sizeof shape);
            printf("%-*s  %-18s  %-11s  %-9s  FAIL (extra: not in expected)\n", width,
                   act.t[i].name, shape, "-", "-");
            failures++;
        }
    }
    if (worst_name)
        printf("max rel err %.4e (%s); %d tensor%s compared, %d failure%s\n", worst, worst_name,
               exp.n, exp.n == 1 ? "" : "s", failures, failures == 1 ? "" : "s");
    else
        printf("%d tensor%s compared, %d failure%s\n", exp.n, exp.n == 1 ? "" : "s", failures,
               failures == 1 ? "" : "s");
    set_free(&exp);
    set_free(&act);
    for (int i = 0; i < o.n_tols; i++)
        free((void *)o.tols[i].pattern);
    return failures ? 1 : 0;
}
