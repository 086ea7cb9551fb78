/* test_cli.c: the command-line plumbing (rn_cli_main and the summary/init/infer/grad
 * commands) on a hand-written toy model: global average pooling of the NCHW input, then a
 * linear layer. Checks exit codes (0/1/2), chunked inference equal to direct computation,
 * the gradient file (parameter names only, 0-d loss, values from the analytic gradient),
 * the input gradient, and that failing commands leave existing outputs untouched.
 * Needs the generic kernels (rn_softmax_xent), so it is built only once they exist. */
#include "resnetc/cli.h"
#include "resnetc/kernels.h"
#include "resnetc/npy.h"
#include "resnetc/safetensors.h"
#include "resnetc/util.h"
#include "rt_test.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>

enum { C = 2, H = 2, W = 3, K = 3 };

static const rn_tensor_info toy_tensors[] = {
    {"fc.weight", RN_FC_WEIGHT, 2, {K, C}, 0, K * C},
    {"fc.bias", RN_FC_BIAS, 1, {K}, K * C, K},
    {"bn.running_mean", RN_BN_MEAN, 1, {C}, 0, C},
    {"bn.running_var", RN_BN_VAR, 1, {C}, C, C},
};

static void features(const float *x, float *feat)
{
    for (int c = 0; c < C; c++) {
        double s = 0;
        for (int p = 0; p < H * W; p++)
            s += x[c * H * W + p];
        feat[c] = (float)(s / (H * W));
    }
}

static void toy_forward(rn_run *r, const float *x, float *logits, int keep)
{
    const float *w = r->params, *b = r->params + K * C;
    for (int i = 0; i < r->n; i++) {
        float *feat = r->act + (size_t)i * C;
        features(x + (size_t)i * C * H * W, feat);
        for (int k = 0; k < K; k++) {
            float z = b[k];
            for (int c = 0; c < C; c++)
                z += w[k * C + c] * feat[c];
            logits[(size_t)i * K + k] = z;
        }
    }
    (void)keep;
}

static void toy_forward_train(rn_run *r, const float *x, float *logits)
{
    toy_forward(r, x, logits, 1);
}

static void toy_forward_infer(rn_run *r, const float *x, float *logits)
{
    toy_forward(r, x, logits, 0);
}

static void toy_backward(rn_run *r, const float *dlogits)
{
    float *dw = r->grads, *db = r->grads + K * C;
    memset(r->grads, 0, (K * C + K) * sizeof(float));
    for (int i = 0; i < r->n; i++) {
        const float *feat = r->act + (size_t)i * C;
        for (int k = 0; k < K; k++) {
            db[k] += dlogits[i * K + k];
            for (int c = 0; c < C; c++)
                dw[k * C + c] += dlogits[i * K + k] * feat[c];
        }
        if (r->dinput)
            for (int c = 0; c < C; c++) {
                float g = 0;
                for (int k = 0; k < K; k++)
                    g += r->params[k * C + c] * dlogits[i * K + k];
                for (int p = 0; p < H * W; p++)
                    r->dinput[((size_t)i * C + c) * H * W + p] = g / (H * W);
            }
    }
}

static const rn_model toy = {
    .name = "toy", .spec = "none", .isa = "generic",
    .in_c = C, .in_h = H, .in_w = W, .classes = K,
    .n_tensors = 4, .tensors = toy_tensors,
    .param_floats = K * C + K, .stats_floats = 2 * C,
    .train_act_floats = C, .infer_act_floats = C, .work_floats = 0,
    .macs_per_image = C * H * W + K * C,
    .summary = "toy: gap -> fc",
    .forward_train = toy_forward_train,
    .forward_infer = toy_forward_infer,
    .backward = toy_backward,
};

/* Run the CLI with a NULL-terminated list of arguments (after the program name), stdout
 * and stderr captured; returns the exit code. */
static int cli(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "toy";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    int saved = dup(1);
    int fd = open(rt_path("stdout.txt"), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fd, 1);
    close(fd);
    rt_capture_begin();
    int rc = rn_cli_main(&toy, argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    rt_capture_end();
    size_t len = strlen(rt_captured);
    fprintf(stderr, "  [toy %s ...] exit %d: %s%s", first ? first : "", rc, rt_captured,
            len && rt_captured[len - 1] == '\n' ? "" : "\n");
    return rc;
}

static int out_has(const char *s)
{
    unsigned char *b = rt_slurp(rt_path("stdout.txt"), NULL);
    int ok = b && strstr((char *)b, s) != NULL;
    free(b);
    return ok;
}

int main(void)
{
    rt_mkdir();
    char w[512], x[512], y[512], ybad[512], out[512], g[512], dx[512];
    snprintf(w, sizeof w, "%s", rt_path("w.safetensors"));
    snprintf(x, sizeof x, "%s", rt_path("x.npy"));
    snprintf(y, sizeof y, "%s", rt_path("y.npy"));
    snprintf(ybad, sizeof ybad, "%s", rt_path("ybad.npy"));
    snprintf(out, sizeof out, "%s", rt_path("logits.npy"));
    snprintf(g, sizeof g, "%s", rt_path("g.safetensors"));
    snprintf(dx, sizeof dx, "%s", rt_path("dx.npy"));

    CHECK(cli(NULL) == 2);
    CHECK(cli("--help", NULL) == 0 && out_has("commands:") && out_has("infer"));
    CHECK(cli("--version", NULL) == 0 && out_has("resnetc 0.1.0") && out_has("toy"));
    CHECK(cli("frobnicate", NULL) == 2 && strstr(rt_captured, "unknown command 'frobnicate'") &&
          strstr(rt_captured, "summary, init, infer, grad"));
    CHECK(cli("summary", "--batch", "4", NULL) == 0 && out_has("toy: gap -> fc") &&
          out_has("memory (float32), batch 4"));
    CHECK(cli("summary", "--batch", "0", NULL) == 2);
    CHECK(cli("init", "--help", NULL) == 0 && out_has("--seed"));
    CHECK(cli("init", NULL) == 2 && strstr(rt_captured, "--output is required"));
    CHECK(cli("init", "--seed", "5", "--output", w, NULL) == 0);

    /* 7 images */
    enum { N = 7 };
    static float xs[N * C * H * W];
    for (int i = 0; i < N * C * H * W; i++)
        xs[i] = sinf((float)i * 0.37f);
    int64_t xshape[4] = {N, C, H, W};
    CHECK(rn_npy_write_f32(x, xs, 4, xshape) == 0);
    int64_t labels[N] = {0, 1, 2, 2, 1, 0, 1}, lshape[1] = {N};
    CHECK(rn_npy_write_i64(y, labels, 1, lshape) == 0);
    int64_t bad[N] = {0, 1, 2, 3, 1, 0, 1};
    CHECK(rn_npy_write_i64(ybad, bad, 1, lshape) == 0);

    CHECK(cli("infer", "--weights", w, "--input", x, "--output", out, "--batch", "3", NULL) == 0);
    rn_npy lg;
    CHECK(rn_npy_read(out, RN_NPY_F32, &lg) == 0 && lg.ndim == 2 && lg.shape[0] == N &&
          lg.shape[1] == K);
    /* direct computation from the weights file */
    rn_st_file *wf = rn_st_open(w);
    float fw[K * C], fb[K];
    CHECK(wf && rn_st_read_f32(wf, rn_st_find(wf, "fc.weight"), fw) == 0 &&
          rn_st_read_f32(wf, rn_st_find(wf, "fc.bias"), fb) == 0);
    rn_st_close(wf);
    float direct[N * K];
    for (int i = 0; i < N; i++) {
        float feat[C];
        features(xs + i * C * H * W, feat);
        for (int k = 0; k < K; k++) {
            direct[i * K + k] = fb[k];
            for (int c = 0; c < C; c++)
                direct[i * K + k] += fw[k * C + c] * feat[c];
        }
    }
    CHECK(lg.data && memcmp(lg.data, direct, sizeof direct) == 0);
    rn_npy_free(&lg);

    /* wrong input shape: exit 1, the earlier output untouched */
    int64_t wrong[4] = {N, H, W, C};
    CHECK(rn_npy_write_f32(rt_path("xbad.npy"), xs, 4, wrong) == 0);
    size_t before_n, after_n;
    unsigned char *before = rt_slurp(out, &before_n);
    CHECK(cli("infer", "--weights", w, "--input", rt_path("xbad.npy"), "--output", out, NULL) ==
              1 &&
          strstr(rt_captured, "expected input of shape [N, 2, 2, 3]"));
    CHECK(cli("infer", "--weights", rt_path("nope.safetensors"), "--input", x, "--output", out,
              NULL) == 1);
    unsigned char *after = rt_slurp(out, &after_n);
    CHECK(before && after && before_n == after_n && memcmp(before, after, after_n) == 0);
    free(before);
    free(after);
    CHECK(cli("infer", "--weights", w, "--input", x, "--output", out, "--batch", "x", NULL) == 2);

    /* grad */
    CHECK(cli("grad", "--weights", w, "--input", x, "--labels", ybad, "--output", g, NULL) == 1 &&
          strstr(rt_captured, "label 3: expected a class in [0, 3), found 3"));
    CHECK(access(g, F_OK) != 0);
    CHECK(cli("grad", "--weights", w, "--input", x, "--labels", y, "--output", g,
              "--input-grad", dx, NULL) == 0);
    rn_st_file *gf = rn_st_open(g);
    CHECK(gf && rn_st_count(gf) == 3 && rn_st_find(gf, "bn.running_mean") == NULL);
    if (gf) {
        float gw[K * C], gb[K], loss;
        const rn_st_tensor *lt = rn_st_find(gf, "loss");
        CHECK(lt && lt->ndim == 0);
        CHECK(rn_st_read_f32(gf, rn_st_find(gf, "fc.weight"), gw) == 0 &&
              rn_st_read_f32(gf, rn_st_find(gf, "fc.bias"), gb) == 0 && lt &&
              rn_st_read_f32(gf, lt, &loss) == 0);
        /* analytic: softmax - onehot, averaged */
        double want_loss = 0, want_b[K] = {0}, want_w[K * C] = {0};
        for (int i = 0; i < N; i++) {
            float feat[C];
            features(xs + i * C * H * W, feat);
            double m = direct[i * K], s = 0;
            for (int k = 1; k < K; k++)
                m = fmax(m, direct[i * K + k]);
            for (int k = 0; k < K; k++)
                s += exp(direct[i * K + k] - m);
            want_loss += m + log(s) - direct[i * K + labels[i]];
            for (int k = 0; k < K; k++) {
                double d = (exp(direct[i * K + k] - m) / s - (k == labels[i])) / N;
                want_b[k] += d;
                for (int c = 0; c < C; c++)
                    want_w[k * C + c] += d * feat[c];
            }
        }
        CHECK(fabs(loss - want_loss / N) < 1e-5);
        for (int k = 0; k < K; k++) {
            CHECK(fabs(gb[k] - want_b[k]) < 1e-5);
            for (int c = 0; c < C; c++)
                CHECK(fabs(gw[k * C + c] - want_w[k * C + c]) < 1e-5);
        }
        rn_st_close(gf);
    }
    rn_npy d;
    CHECK(rn_npy_read(dx, RN_NPY_F32, &d) == 0 && d.ndim == 4 && d.shape[0] == N &&
          d.shape[1] == C && d.shape[2] == H && d.shape[3] == W);
    rn_npy_free(&d);
    return rt_finish("test_cli");
}
