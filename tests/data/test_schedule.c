/* test_schedule.c: every schedule gives the documented lr at chosen iterations (values
 * computed by hand from the formulas in schedule.h, which follow PyTorch's schedulers). */
#include "dt_test.h"

#include "resnetc/schedule.h"

#include <math.h>

static const double PI = 3.14159265358979323846;

static void test_paper(void)
{
    rn_schedule s;
    rn_schedule_init(&s, RN_SCHED_PAPER, 0.1, RN_PAPER_TOTAL, 0);
    CHECK(rn_schedule_check(&s) == 0);
    CHECK_NEAR(rn_schedule_lr(&s, 0), 0.1, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 31999), 0.1, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 32000), 0.01, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 47999), 0.01, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 48000), 0.001, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 63999), 0.001, 1e-15);
    /* ResNet-110 warm-up: 0.01 for 400 iterations, then back to 0.1 */
    rn_schedule_init(&s, RN_SCHED_PAPER, 0.1, RN_PAPER_TOTAL, 400);
    CHECK_NEAR(rn_schedule_lr(&s, 0), 0.01, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 399), 0.01, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 400), 0.1, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 32000), 0.01, 1e-15);
}

static void test_step(void)
{
    rn_schedule s;
    rn_schedule_init(&s, RN_SCHED_STEP, 0.2, 1000, 0);
    CHECK(rn_schedule_parse_milestones(&s, "0.5,0.75") == 0);
    CHECK(rn_schedule_check(&s) == 0);
    CHECK_NEAR(rn_schedule_lr(&s, 0), 0.2, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 499), 0.2, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 500), 0.02, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 749), 0.02, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 750), 0.002, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 999), 0.002, 1e-15);
    /* three milestones, gamma 0.2, floor(m*T) */
    CHECK(rn_schedule_parse_milestones(&s, "0.3,0.6,0.8") == 0);
    s.gamma = 0.2;
    s.total = 999; /* milestones at 299, 599, 799 */
    CHECK(s.n_milestones == 3);
    CHECK_NEAR(rn_schedule_lr(&s, 298), 0.2, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 299), 0.04, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 599), 0.008, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 799), 0.0016, 1e-15);
    /* linear warm-up first */
    s.warmup = 10;
    CHECK_NEAR(rn_schedule_lr(&s, 0), 0.02, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 4), 0.1, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 9), 0.2, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 10), 0.2, 1e-15);
    /* bad milestone lists */
    dt_capture_begin();
    CHECK(rn_schedule_parse_milestones(&s, "0.5,0.4") == -1);
    CHECK(rn_schedule_parse_milestones(&s, "1.5") == -1);
    CHECK(rn_schedule_parse_milestones(&s, "0.5;0.7") == -1);
    CHECK(rn_schedule_parse_milestones(&s, "") == -1);
    const char *msg = dt_capture_end();
    CHECK_MSG(msg, "--milestones");
}

static void test_cosine(void)
{
    rn_schedule s;
    rn_schedule_init(&s, RN_SCHED_COSINE, 0.1, 1000, 0);
    CHECK(rn_schedule_check(&s) == 0);
    CHECK_NEAR(rn_schedule_lr(&s, 0), 0.1, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 500), 0.05, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 250), 0.05 * (1 + cos(PI / 4)), 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 999), 0.05 * (1 + cos(PI * 999 / 1000)), 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 1000), 0.0, 1e-15);
    /* with warm-up: (t+1)/W, then cosine over T - W */
    rn_schedule_init(&s, RN_SCHED_COSINE, 0.4, 1100, 100);
    CHECK_NEAR(rn_schedule_lr(&s, 0), 0.004, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 49), 0.2, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 99), 0.4, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 100), 0.4, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 600), 0.2, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 850), 0.2 * (1 + cos(PI * 0.75)), 1e-15);
    s.warmup = 1100;
    dt_capture_begin();
    CHECK(rn_schedule_check(&s) == -1);
    const char *msg = dt_capture_end();
    CHECK_MSG(msg, "--warmup");
}

static void test_onecycle(void)
{
    /* PyTorch OneCycleLR(max_lr=0.1, total_steps=1000): pct_start 0.3 -> phase 1 ends at
     * step 299, initial 0.004, final 4e-7. */
    rn_schedule s;
    rn_schedule_init(&s, RN_SCHED_ONECYCLE, 0.1, 1000, 0);
    CHECK(rn_schedule_check(&s) == 0);
    const double initial = 0.1 / 25, fin = initial / 1e4;
    CHECK_NEAR(rn_schedule_lr(&s, 0), initial, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 299), 0.1, 1e-15);
    double pct = 100.0 / 299.0;
    CHECK_NEAR(rn_schedule_lr(&s, 100), 0.1 + (initial - 0.1) / 2 * (1 + cos(PI * pct)), 1e-15);
    pct = (649.0 - 299.0) / (999.0 - 299.0);
    CHECK_NEAR(rn_schedule_lr(&s, 649), (0.1 + fin) / 2, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 649), fin + (0.1 - fin) / 2 * (1 + cos(PI * pct)), 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 999), fin, 1e-17);
    /* linear anneal with a 100-iteration warm-up: phase 1 ends at 99, phase 2 at 199 */
    rn_schedule_init(&s, RN_SCHED_ONECYCLE, 0.5, 200, 100);
    s.anneal_linear = 1;
    CHECK(rn_schedule_check(&s) == 0);
    CHECK_NEAR(rn_schedule_lr(&s, 0), 0.02, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 99), 0.5, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 33), 0.02 + (0.5 - 0.02) * (33.0 / 99.0), 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 149), 0.5 + (0.5 / 25 / 1e4 - 0.5) * 0.5, 1e-15);
    CHECK_NEAR(rn_schedule_lr(&s, 199), 0.5 / 25 / 1e4, 1e-17);
    CHECK_NEAR(rn_schedule_lr(&s, 250), 0.5 / 25 / 1e4, 1e-17); /* past T: the last value */
    rn_schedule_init(&s, RN_SCHED_ONECYCLE, 0.1, 3, 0);
    dt_capture_begin();
    CHECK(rn_schedule_check(&s) == -1);
    dt_capture_end();
}

static void test_parse(void)
{
    rn_sched_kind k;
    CHECK(rn_schedule_parse_kind("cosine", &k) == 0 && k == RN_SCHED_COSINE);
    CHECK(rn_schedule_parse_kind("paper", &k) == 0 && k == RN_SCHED_PAPER);
    CHECK(rn_schedule_parse_kind("onecycle", &k) == 0 && k == RN_SCHED_ONECYCLE);
    CHECK(strcmp(rn_schedule_kind_name(RN_SCHED_STEP), "step") == 0);
    dt_capture_begin();
    CHECK(rn_schedule_parse_kind("exp", &k) == -1);
    const char *msg = dt_capture_end();
    CHECK_MSG(msg, "--schedule", "'exp'");
    rn_schedule s;
    rn_schedule_init(&s, RN_SCHED_CONSTANT, 0.05, 10, 0);
    CHECK(rn_schedule_lr(&s, 7) == 0.05);
    s.base_lr = -1;
    dt_capture_begin();
    CHECK(rn_schedule_check(&s) == -1);
    dt_capture_end();
}

int main(void)
{
    dt_mkdir();
    test_paper();
    test_step();
    test_cosine();
    test_onecycle();
    test_parse();
    return dt_finish("test_data_schedule");
}
