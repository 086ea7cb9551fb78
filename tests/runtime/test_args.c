/* test_args.c: the subcommand flag parser: both value syntaxes, defaults, flags, --help,
 * and every error (unknown flag, malformed number, out of range, missing value, required,
 * repeated flag, positional argument). */
#include "resnetc/args.h"
#include "rt_test.h"

typedef struct vals {
    const char *weights;
    long batch;
    double lr;
    int verbose;
} vals;

static rn_arg table[5];

static void setup(vals *v)
{
    v->weights = NULL;
    v->batch = 128;
    v->lr = 0.1;
    v->verbose = 0;
    rn_arg t[5] = {
        {"--weights", RN_ARG_STRING, &v->weights, 0, 0, 1, "weights file"},
        {"--batch", RN_ARG_INT, &v->batch, 1, 65536, 0, "batch size"},
        {"--lr", RN_ARG_FLOAT, &v->lr, 0, 10, 0, "learning rate"},
        {"--verbose", RN_ARG_FLAG, &v->verbose, 0, 0, 0, "talk more"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    memcpy(table, t, sizeof t);
}

static int parse(const char *cmd, vals *v, int argc, const char **argv)
{
    setup(v);
    return rn_args_parse(cmd, table, argc, (char **)argv);
}

int main(void)
{
    rt_mkdir();
    vals v;
    {
        const char *a[] = {"--weights", "w.st", "--batch=64", "--lr", "0.5", "--verbose"};
        CHECK(parse("train", &v, 6, a) == 0);
        CHECK(v.weights && strcmp(v.weights, "w.st") == 0 && v.batch == 64 && v.lr == 0.5 &&
              v.verbose == 1);
    }
    {
        const char *a[] = {"--weights=x=y"};
        CHECK(parse("train", &v, 1, a) == 0);
        CHECK(strcmp(v.weights, "x=y") == 0 && v.batch == 128 && v.lr == 0.1 && v.verbose == 0);
    }
    {
        const char *a[] = {"--lr", "-0", "--weights", "w", "--batch", "65536"};
        CHECK(parse("train", &v, 6, a) == 0 && v.batch == 65536);
    }
    {
        const char *a[] = {"--weights", "w", "--batch", "0"};
        EXPECT_FAIL(parse("train", &v, 4, a),
                    "resnetc: train: --batch: expected an integer in [1, 65536], got '0'");
    }
    {
        const char *a[] = {"--weights", "w", "--batch=65537"};
        EXPECT_FAIL(parse("train", &v, 3, a), "--batch: expected an integer in [1, 65536], got '65537'");
    }
    {
        const char *a[] = {"--weights", "w", "--batch", "12x"};
        EXPECT_FAIL(parse("train", &v, 4, a), "--batch: expected an integer in [1, 65536], got '12x'");
    }
    {
        const char *a[] = {"--weights", "w", "--batch", "99999999999999999999999"};
        EXPECT_FAIL(parse("train", &v, 4, a), "--batch: expected an integer");
    }
    {
        const char *a[] = {"--weights", "w", "--lr", "fast"};
        EXPECT_FAIL(parse("train", &v, 4, a), "train: --lr: expected a number in [0, 10], got 'fast'");
    }
    {
        const char *a[] = {"--weights", "w", "--lr", "nan"};
        EXPECT_FAIL(parse("train", &v, 4, a), "--lr: expected a number in [0, 10], got 'nan'");
    }
    {
        const char *a[] = {"--weights", "w", "--lr", "11"};
        EXPECT_FAIL(parse("train", &v, 4, a), "--lr: expected a number in [0, 10], got '11'");
    }
    {
        const char *a[] = {"--weights", "w", "--foo", "1"};
        EXPECT_FAIL(parse("infer", &v, 4, a), "resnetc: infer: unknown flag '--foo'");
    }
    {
        const char *a[] = {"--weights", "w", "--foo=1"};
        EXPECT_FAIL(parse("infer", &v, 3, a), "infer: unknown flag '--foo'");
    }
    {
        const char *a[] = {"--weights"};
        EXPECT_FAIL(parse("infer", &v, 1, a), "resnetc: infer: missing value for --weights");
    }
    {
        const char *a[] = {"--weights", "--batch", "3"};
        EXPECT_FAIL(parse("infer", &v, 3, a), "infer: missing value for --weights");
    }
    {
        const char *a[] = {"--batch", "3"};
        EXPECT_FAIL(parse("infer", &v, 2, a), "resnetc: infer: --weights is required");
    }
    {
        const char *a[] = {"--weights", "a", "--weights", "b"};
        EXPECT_FAIL(parse("infer", &v, 4, a), "--weights given more than once");
    }
    {
        const char *a[] = {"--weights", "a", "stray"};
        EXPECT_FAIL(parse("infer", &v, 3, a), "unexpected argument 'stray'");
    }
    {
        const char *a[] = {"--weights", "a", "--verbose=1"};
        EXPECT_FAIL(parse("infer", &v, 3, a), "--verbose takes no value");
    }
    {
        const char *a[] = {"--weights="};
        EXPECT_FAIL(parse("infer", &v, 1, a), "--weights: expected a non-empty value");
    }
    {
        /* --help wins even when required flags are absent; the help goes to stdout */
        const char *a[] = {"--help"};
        fflush(stdout);
        int saved = dup(1);
        int fd = open(rt_path("help.txt"), O_CREAT | O_TRUNC | O_WRONLY, 0600);
        dup2(fd, 1);
        close(fd);
        int rc = parse("train", &v, 1, a);
        fflush(stdout);
        dup2(saved, 1);
        close(saved);
        CHECK(rc == 1);
        unsigned char *h = rt_slurp(rt_path("help.txt"), NULL);
        CHECK(h && strstr((char *)h, "usage: <model> train --weights VALUE") &&
              strstr((char *)h, "--batch") && strstr((char *)h, "[1, 65536], default 128") &&
              strstr((char *)h, "(required)"));
        free(h);
    }
    return rt_finish("test_args");
}
