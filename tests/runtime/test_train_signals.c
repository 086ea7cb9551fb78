/* test_train_signals.c: rn_train installs its SIGINT and SIGTERM handlers for the run and
 * puts the caller's back on every way out. Each case installs its own handlers, calls
 * rn_train with options that fail at one of its checks (no --out, a --resume directory
 * without a checkpoint or with a damaged one, --out and --resume apart, a batch of 0, a run
 * directory that cannot be made or already holds a run, data that is not there), and asks
 * sigaction which handlers are in place afterwards. The model is a stand-in: every case
 * fails before the first step.
 */
#include "resnetc/train.h"
#include "rt_test.h"

#include <signal.h>

static const rn_model toy = {.name = "toy", .in_c = 1, .in_h = 28, .in_w = 28, .classes = 10};

static void caller_int(int sig) { (void)sig; }
static void caller_term(int sig) { (void)sig; }

static void (*current(int sig))(int)
{
    struct sigaction now;
    sigaction(sig, NULL, &now);
    return now.sa_handler;
}

/* rn_train on o must fail (exit status != 0) with a message containing frag, and leave
 * the caller's handlers in place. */
static void expect_restored(const char *what, const rn_train_options *o, const char *frag)
{
    struct sigaction a;
    memset(&a, 0, sizeof a);
    sigemptyset(&a.sa_mask);
    a.sa_handler = caller_int;
    sigaction(SIGINT, &a, NULL);
    a.sa_handler = caller_term;
    sigaction(SIGTERM, &a, NULL);

    rt_capture_begin();
    const int status = rn_train(&toy, o);
    const char *msg = rt_capture_end();
    fprintf(stderr, "  [%s] status %d: %s", what, status, msg);
    CHECK(status != 0);
    CHECK(strstr(msg, frag) != NULL);
    const int int_ok = current(SIGINT) == caller_int, term_ok = current(SIGTERM) == caller_term;
    if (!int_ok || !term_ok)
        fprintf(stderr, "%s: the caller's %s handler%s not restored\n", what,
                !int_ok && !term_ok ? "SIGINT and SIGTERM" : !int_ok ? "SIGINT" : "SIGTERM",
                !int_ok && !term_ok ? "s were" : " was");
    CHECK(int_ok);
    CHECK(term_ok);
}

int main(void)
{
    rt_mkdir();
    char no_data[512];   /* rt_path's buffers rotate: paths kept across calls are copied */
    snprintf(no_data, sizeof no_data, "%s", rt_path("no-data"));
    rn_train_options base;
    rn_train_defaults(&base);
    base.dataset = "fashion-mnist";
    base.data_dir = no_data;
    base.epochs = 1;
    base.batch = 8;
    base.threads = 1;
    base.progress = 0;
    rn_train_options o;

    o = base;
    o.out_dir = NULL;
    expect_restored("no --out", &o, "--out RUN_DIR is required");

    o = base;
    o.resume_dir = rt_path("no-run");
    expect_restored("--resume without a checkpoint", &o, "no-run/checkpoint.safetensors");

    char damaged[512], elsewhere[512], held[512];
    snprintf(damaged, sizeof damaged, "%s", rt_path("damaged"));
    mkdir(damaged, 0700);
    rt_write(rt_path("damaged/checkpoint.safetensors"), "\x08\0\0\0\0\0\0\0{}      ", 16);
    o = base;
    o.resume_dir = damaged;
    expect_restored("--resume with a damaged checkpoint", &o, "checkpoint.safetensors");

    o = base;
    o.resume_dir = damaged;
    snprintf(elsewhere, sizeof elsewhere, "%s", rt_path("elsewhere"));
    o.out_dir = elsewhere;
    expect_restored("--out apart from --resume", &o, "continues in its own directory");

    o = base;
    o.out_dir = rt_path("run0");
    o.batch = 0;
    expect_restored("--batch 0", &o, "does not divide");

    o = base;
    o.out_dir = rt_path("missing-parent/run");
    expect_restored("uncreatable run directory", &o, "cannot create the run directory");

    snprintf(held, sizeof held, "%s", rt_path("held"));
    mkdir(held, 0700);
    rt_write(rt_path("held/checkpoint.safetensors"), "x", 1);
    o = base;
    o.out_dir = held;
    expect_restored("run directory holding a run", &o, "already holds a run");

    o = base;
    o.out_dir = rt_path("run1");
    expect_restored("missing data", &o, "no-data");

    rt_rmdir_tree(rt_dir);
    if (rt_failures) {
        fprintf(stderr, "test_train_signals: %d failure(s)\n", rt_failures);
        return 1;
    }
    printf("test_train_signals: ok\n");
    return 0;
}
