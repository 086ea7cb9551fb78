/* resnetc/args.h: command-line flags for the model executable's subcommands.
 *
 * A subcommand declares its flags in a table, then calls rn_args_parse once. Unknown flags,
 * missing values, malformed numbers and out-of-range values are clear errors that name the
 * flag ("resnetc: train: --batch: expected an integer >= 1, got '0'"); parsing returns -1.
 * "--help" prints the table and returns 1.
 */
#ifndef RESNETC_ARGS_H
#define RESNETC_ARGS_H

typedef enum rn_arg_type {
    RN_ARG_STRING,  /* const char ** */
    RN_ARG_INT,     /* long * ; within [min, max] */
    RN_ARG_FLOAT,   /* double * ; within [min, max] */
    RN_ARG_FLAG     /* int * ; set to 1 when present, takes no value */
} rn_arg_type;

typedef struct rn_arg {
    const char *name;     /* "--batch" */
    rn_arg_type type;
    void *value;          /* where to store; holds the default on entry */
    double min, max;      /* range for INT and FLOAT */
    int required;         /* 1: error if absent */
    const char *help;     /* one line */
} rn_arg;

/* Parse argv[0..argc) (argv[0] is the first flag, not the program) against `args`
 * (terminated by an entry with name NULL). `cmd` names the subcommand in messages.
 * Returns 0 on success, 1 after --help, -1 on error (message printed). */
int rn_args_parse(const char *cmd, rn_arg *args, int argc, char **argv);

#endif /* RESNETC_ARGS_H */
