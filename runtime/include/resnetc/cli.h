/* resnetc/cli.h: the command line of a model executable: `<model> <command> [flags]`.
 *
 * A generated <model>_main.c calls rn_cli_main(&<model>_model, argc, argv). Each command is
 * `int f(const rn_model *m, int argc, char **argv)` where argv[0] is the first flag (after
 * the command name) and the result is the process exit code: 0 ok, 1 runtime error,
 * 2 usage error. Output files are written atomically (never half-written).
 * Not provided here: the training loop (cmd_train.c) and evaluation (cmd_eval.c).
 */
#ifndef RESNETC_CLI_H
#define RESNETC_CLI_H

#include "resnetc/args.h"
#include "resnetc/model.h"

#define RN_EXIT_OK 0
#define RN_EXIT_ERROR 1
#define RN_EXIT_USAGE 2

typedef int (*rn_cmd_fn)(const rn_model *m, int argc, char **argv);

typedef struct rn_cli_command {
    const char *name;
    const char *help;    /* one line */
    rn_cmd_fn fn;
} rn_cli_command;

/* Dispatch argv[1] to a command; --help and --version; unknown command: exit 2. */
int rn_cli_main(const rn_model *m, int argc, char **argv);

/* The commands. */
int rn_cmd_summary(const rn_model *m, int argc, char **argv); /* cmd_summary.c */
int rn_cmd_init(const rn_model *m, int argc, char **argv);    /* cmd_init.c */
int rn_cmd_infer(const rn_model *m, int argc, char **argv);   /* cmd_infer.c */
int rn_cmd_grad(const rn_model *m, int argc, char **argv);    /* cmd_grad.c */
int rn_cmd_train(const rn_model *m, int argc, char **argv);   /* cmd_train.c */
int rn_cmd_eval(const rn_model *m, int argc, char **argv);    /* cmd_eval.c */
int rn_cmd_bench(const rn_model *m, int argc, char **argv);   /* cmd_bench.c */
int rn_cmd_analyze(const rn_model *m, int argc, char **argv); /* cmd_analyze.c */
int rn_cmd_export(const rn_model *m, int argc, char **argv);  /* cmd_export.c */

/* Map rn_args_parse's result to an exit code: 0 -> -1 (continue), 1 (--help) -> 0,
 * -1 -> 2. Lets a command write `if ((rc = rn_cli_args(...)) >= 0) return rc;`. */
int rn_cli_args(const char *cmd, rn_arg *args, int argc, char **argv);

/* Read a float32 NCHW batch from an .npy file and check that it is N x in_c x in_h x in_w
 * for this model (clear error otherwise). x is an rn_npy (npy.h); 0 or -1. */
struct rn_npy;
int rn_cli_load_input(const rn_model *m, const char *path, struct rn_npy *x);

#endif /* RESNETC_CLI_H */
