/* args.c: the flag parser of the model executable's subcommands (see resnetc/args.h).
 *
 * Accepts "--flag value" and "--flag=value"; RN_ARG_FLAG entries take no value. A flag
 * given twice, a positional argument, an unknown flag, a missing or malformed value and a
 * value outside [min, max] are errors naming the subcommand and the flag. An INT or FLOAT
 * entry whose min and max are both 0 has no range check. It does not support short flags,
 * flag bundling or "--" separators.
 */
#include "resnetc/args.h"
#include "resnetc/util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int has_range(const rn_arg *a)
{
    return !(a->min == 0.0 && a->max == 0.0);
}

/* "in [1, 65536]" into buf, or "" when unbounded. */
static void describe_range(const rn_arg *a, char *buf, size_t size)
{
    if (!has_range(a)) {
        buf[0] = '\0';
        return;
    }
    if (a->type == RN_ARG_INT) {
        if (a->max >= 9.2e18)
            snprintf(buf, size, " >= %.0f", a->min);
        else
            snprintf(buf, size, " in [%.0f, %.0f]", a->min, a->max);
    } else {
        snprintf(buf, size, " in [%g, %g]", a->min, a->max);
    }
}

static int set_value(const char *cmd, rn_arg *a, const char *text)
{
    char range[96];
    describe_range(a, range, sizeof range);
    switch (a->type) {
    case RN_ARG_STRING:
        if (text[0] == '\0')
            return rn_error("%s: %s: expected a non-empty value, got ''", cmd, a->name);
        *(const char **)a->value = text;
        return 0;
    case RN_ARG_INT: {
        char *end = NULL;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (text[0] == '\0' || *end != '\0' || errno == ERANGE ||
            (has_range(a) && ((double)v < a->min || (double)v > a->max)))
            return rn_error("%s: %s: expected an integer%s, got '%s'", cmd, a->name, range,
                            text);
        *(long *)a->value = v;
        return 0;
    }
    case RN_ARG_FLOAT: {
        char *end = NULL;
        errno = 0;
        double v = strtod(text, &end);
        if (text[0] == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v) ||
            (has_range(a) && (v < a->min || v > a->max)))
            return rn_error("%s: %s: expected a number%s, got '%s'", cmd, a->name, range,
                            text);
        *(double *)a->value = v;
        return 0;
    }
    case RN_ARG_FLAG:
        *(int *)a->value = 1;
        return 0;
    }
    return rn_error("%s: %s: unknown argument type", cmd, a->name);
}

static void print_help(const char *cmd, const rn_arg *args)
{
    printf("usage: <model> %s", cmd);
    for (const rn_arg *a = args; a->name != NULL; a++) {
        if (!a->required)
            continue;
        printf(" %s %s", a->name, a->type == RN_ARG_INT ? "N"
                                  : a->type == RN_ARG_FLOAT ? "X" : "VALUE");
    }
    printf(" [flags]\n\nflags:\n");
    for (const rn_arg *a = args; a->name != NULL; a++) {
        char def[128] = "";
        char range[96];
        describe_range(a, range, sizeof range);
        switch (a->type) {
        case RN_ARG_STRING:
            if (!a->required && *(const char **)a->value != NULL)
                snprintf(def, sizeof def, " (default '%s')", *(const char **)a->value);
            break;
        case RN_ARG_INT:
            snprintf(def, sizeof def, " (integer%s, default %ld)", range,
                     *(long *)a->value);
            break;
        case RN_ARG_FLOAT:
            snprintf(def, sizeof def, " (number%s, default %g)", range, *(double *)a->value);
            break;
        case RN_ARG_FLAG:
            break;
        }
        printf("  %-18s %s%s%s\n", a->name, a->help ? a->help : "",
               a->required ? " (required)" : def, "");
    }
    printf("  %-18s %s\n", "--help", "print this help");
}

int rn_args_parse(const char *cmd, rn_arg *args, int argc, char **argv)
{
    size_t nargs = 0;
    while (args[nargs].name != NULL)
        nargs++;
    unsigned char seen[nargs + 1];
    memset(seen, 0, nargs + 1);

    for (int i = 0; i < argc; i++) {
        const char *tok = argv[i];
        if (strcmp(tok, "--help") == 0 || strcmp(tok, "-h") == 0) {
            print_help(cmd, args);
            return 1;
        }
        if (strncmp(tok, "--", 2) != 0 || tok[2] == '\0')
            return rn_error("%s: unexpected argument '%s' (flags start with --; try --help)",
                            cmd, tok);
        const char *eq = strchr(tok, '=');
        size_t namelen = eq ? (size_t)(eq - tok) : strlen(tok);
        size_t k = 0;
        for (; k < nargs; k++)
            if (strlen(args[k].name) == namelen && strncmp(args[k].name, tok, namelen) == 0)
                break;
        if (k == nargs)
            return rn_error("%s: unknown flag '%.*s' (try --help)", cmd, (int)namelen, tok);
        rn_arg *a = &args[k];
        if (seen[k])
            return rn_error("%s: %s given more than once", cmd, a->name);
        seen[k] = 1;
        if (a->type == RN_ARG_FLAG) {
            if (eq)
                return rn_error("%s: %s takes no value, got '%s'", cmd, a->name, eq + 1);
            *(int *)a->value = 1;
            continue;
        }
        const char *value;
        if (eq) {
            value = eq + 1;
        } else {
            /* The next token is the value, unless there is none or it is another flag. */
            if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)
                return rn_error("%s: missing value for %s", cmd, a->name);
            value = argv[++i];
        }
        if (set_value(cmd, a, value) != 0)
            return -1;
    }
    for (size_t k = 0; k < nargs; k++)
        if (args[k].required && !seen[k])
            return rn_error("%s: %s is required", cmd, args[k].name);
    return 0;
}
