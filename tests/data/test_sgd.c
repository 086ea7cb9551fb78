/* test_sgd.c: rn_sgd against a hand computation of torch.optim.SGD's update rule:
 *   d_p = g + wd * p;  buf = d_p (first step) or momentum * buf + (1 - dampening) * d_p;
 *   d_p = nesterov ? d_p + momentum * buf : buf;  p -= lr * d_p
 * for several steps, with and without nesterov, weight decay, dampening, a per-tensor
 * weight-decay exclusion from the tensor table's roles, and thread-count independence. */
#include "dt_test.h"

#include "resnetc/sgd.h"
#include "resnetc/util.h"

#include <math.h>

/* A few exact, hand-worked steps: p0 = 1, constant gradient 1, lr 0.1, momentum 0.9. */
static void test_hand_values(void)
{
    rn_sgd o;
    rn_sgd_config cfg = {0.9f, 0.0f, 0.0f, 0, 0};
    CHECK(rn_sgd_init(&o, &cfg, NULL, 1) == 0);
    float p = 1.0f, g = 1.0f;
    rn_sgd_step(&o, &p, &g, 0.1f); /* buf 1,    p 0.9 */
    CHECK_NEAR(p, 0.9, 1e-7);
    rn_sgd_step(&o, &p, &g, 0.1f); /* buf 1.9,  p 0.71 */
    CHECK_NEAR(p, 0.71, 1e-7);
    rn_sgd_step(&o, &p, &g, 0.1f); /* buf 2.71, p 0.439 */
    CHECK_NEAR(p, 0.439, 1e-7);
    CHECK(o.steps == 3);
    rn_sgd_free(&o);

    cfg.nesterov = 1;
    CHECK(rn_sgd_init(&o, &cfg, NULL, 1) == 0);
    p = 1.0f;
    rn_sgd_step(&o, &p, &g, 0.1f); /* buf 1,   d 1 + 0.9 = 1.9,   p 0.81 */
    CHECK_NEAR(p, 0.81, 1e-7);
    rn_sgd_step(&o, &p, &g, 0.1f); /* buf 1.9, d 1 + 1.71 = 2.71, p 0.539 */
    CHECK_NEAR(p, 0.539, 1e-7);
    rn_sgd_free(&o);

    /* weight decay 0.1, no momentum: p1 = 1 - 0.1*(1 + 0.1) = 0.89, p2 = 0.89 - 0.1*(1 + 0.089) */
    cfg = (rn_sgd_config){0.0f, 0.1f, 0.0f, 0, 0};
    CHECK(rn_sgd_init(&o, &cfg, NULL, 1) == 0);
    CHECK(o.buf == NULL);
    p = 1.0f;
    rn_sgd_step(&o, &p, &g, 0.1f);
    CHECK_NEAR(p, 0.89, 1e-7);
    rn_sgd_step(&o, &p, &g, 0.1f);
    CHECK_NEAR(p, 0.89 - 0.1 * 1.089, 1e-7);
    rn_sgd_free(&o);
}

/* Reference in double, one element. */
typedef struct ref {
    double p, buf;
    int started;
} ref;

static void ref_step(ref *r, double g, double lr, double m, double wd, double damp, int nest)
{
    double d = g + wd * r->p;
    if (m != 0) {
        r->buf = r->started ? m * r->buf + (1 - damp) * d : d;
        r->started = 1;
        d = nest ? d + m * r->buf : r->buf;
    }
    r->p -= lr * d;
}

static void test_against_reference(int nesterov, float dampening)
{
    enum { N = 64, STEPS = 6 };
    rn_sgd_config cfg = {0.9f, 5e-4f, dampening, nesterov, 0};
    rn_sgd o;
    CHECK(rn_sgd_init(&o, &cfg, NULL, N) == 0);
    float p[N], g[N];
    ref r[N];
    for (int i = 0; i < N; i++) {
        p[i] = (float)sin(0.37 * i + 0.1) * 2.0f;
        r[i] = (ref){p[i], 0, 0};
    }
    const float lrs[STEPS] = {0.1f, 0.1f, 0.05f, 0.02f, 0.2f, 0.001f};
    for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)cos(0.11 * i * (s + 1) + 0.3 * s);
        rn_sgd_step(&o, p, g, lrs[s]);
        for (int i = 0; i < N; i++)
            ref_step(&r[i], g[i], lrs[s], 0.9, (double)5e-4f, dampening, nesterov);
    }
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double e = fabs(p[i] - r[i].p);
        worst = e > worst ? e : worst;
    }
    CHECK(worst < 2e-6);
    rn_sgd_free(&o);
}

static const rn_tensor_info fake_tensors[] = {
    {"conv1.weight", RN_CONV_WEIGHT, 4, {1, 1, 2, 2}, 0, 4},
    {"bn1.weight", RN_BN_WEIGHT, 1, {2}, 4, 2},
    {"bn1.bias", RN_BN_BIAS, 1, {2}, 6, 2},
    {"bn1.running_mean", RN_BN_MEAN, 1, {2}, 0, 2},
    {"bn1.running_var", RN_BN_VAR, 1, {2}, 2, 2},
    {"fc.weight", RN_FC_WEIGHT, 2, {1, 2}, 8, 2},
    {"fc.bias", RN_FC_BIAS, 1, {2}, 10, 2},
};

static void test_no_decay_bn(void)
{
    rn_model m;
    memset(&m, 0, sizeof m);
    m.name = "fake";
    m.n_tensors = (int)(sizeof fake_tensors / sizeof fake_tensors[0]);
    m.tensors = fake_tensors;
    m.param_floats = 12;
    m.stats_floats = 4;
    rn_sgd_config cfg = {0.0f, 0.5f, 0.0f, 0, 1};
    rn_sgd o;
    CHECK(rn_sgd_init(&o, &cfg, &m, 12) == 0);
    float p[12], g[12];
    for (int i = 0; i < 12; i++) {
        p[i] = 1.0f;
        g[i] = 0.0f;
    }
    rn_sgd_step(&o, p, g, 1.0f);
    /* decayed: conv and fc weights (p = 1 - 1*(0 + 0.5*1) = 0.5); BN and fc bias untouched */
    for (int i = 0; i < 12; i++) {
        int decayed = i < 4 || (i >= 8 && i < 10);
        CHECK(p[i] == (decayed ? 0.5f : 1.0f));
    }
    rn_sgd_free(&o);
    /* without the option every element decays */
    cfg.no_decay_bn = 0;
    CHECK(rn_sgd_init(&o, &cfg, &m, 12) == 0);
    for (int i = 0; i < 12; i++)
        p[i] = 1.0f;
    rn_sgd_step(&o, p, g, 1.0f);
    for (int i = 0; i < 12; i++)
        CHECK(p[i] == 0.5f);
    rn_sgd_free(&o);
    /* errors */
    dt_capture_begin();
    CHECK(rn_sgd_init(&o, &cfg, &m, 13) == -1);
    cfg.nesterov = 1; /* needs momentum */
    CHECK(rn_sgd_init(&o, &cfg, NULL, 12) == -1);
    cfg = (rn_sgd_config){0.9f, -1.0f, 0.0f, 0, 0};
    CHECK(rn_sgd_init(&o, &cfg, NULL, 12) == -1);
    const char *msg = dt_capture_end();
    CHECK_MSG(msg, "13 floats", "--nesterov", "--weight-decay");
}

static void test_threads(void)
{
    const size_t n = 300001;
    float *p1 = rn_alloc(n * 4), *p2 = rn_alloc(n * 4), *g = rn_alloc(n * 4);
    for (size_t i = 0; i < n; i++) {
        p1[i] = p2[i] = (float)sin((double)i);
        g[i] = (float)cos((double)i * 0.5);
    }
    rn_sgd_config cfg = {0.9f, 1e-4f, 0.0f, 1, 0};
    rn_sgd a, b;
    CHECK(rn_sgd_init(&a, &cfg, NULL, n) == 0);
    CHECK(rn_sgd_init(&b, &cfg, NULL, n) == 0);
    b.threads = 4;
    for (int s = 0; s < 3; s++) {
        rn_sgd_step(&a, p1, g, 0.1f);
        rn_sgd_step(&b, p2, g, 0.1f);
    }
    CHECK(memcmp(p1, p2, n * 4) == 0);
    CHECK(memcmp(a.buf, b.buf, n * 4) == 0);
    rn_sgd_free(&a);
    rn_sgd_free(&b);
    rn_free(p1);
    rn_free(p2);
    rn_free(g);
}

int main(void)
{
    dt_mkdir();
    test_hand_values();
    test_against_reference(0, 0.0f);
    test_against_reference(1, 0.0f);
    test_against_reference(0, 0.25f);
    test_no_decay_bn();
    test_threads();
    rn_sgd_config d = rn_sgd_defaults();
    CHECK(d.momentum == 0.9f && d.weight_decay == 1e-4f && d.dampening == 0.0f && !d.nesterov);
    return dt_finish("test_data_sgd");
}
