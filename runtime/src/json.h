/* json.h (private to the runtime): a reader of the small JSON subset that a file's header
 * uses (safetensors: see resnetc/safetensors.h), as pieces the format's reader combines.
 *
 * Accepted: objects, arrays, strings (all escapes, \uXXXX with surrogate pairs, encoded as
 * UTF-8) and integers. Floats, true/false/null, and nesting deeper than RN_JSON_MAX_DEPTH
 * levels are syntax errors. UTF-8 inside strings is not validated (bytes pass through),
 * and \u0000 is refused (strings come back as C strings).
 *
 * Errors: the first syntax error prints one message naming the file, the header byte and
 * the file offset, what was expected and what was found; `failed` is then set and later
 * errors print nothing, so a caller that prints its own (semantic) message sets it too.
 * Every function returns 0 on success and -1 after an error.
 *
 * Not provided: a tree of values (the caller reads the members it knows and skips the
 * rest), writing JSON.
 */
#ifndef RESNETC_JSON_H
#define RESNETC_JSON_H

#include <stddef.h>
#include <stdint.h>

#define RN_JSON_MAX_DEPTH 32

typedef struct rn_json {
    const char *path;         /* the file, named in every message */
    const char *what;         /* the text's role in it: "safetensors header" */
    size_t base;              /* file offset of s[0] (messages give both offsets) */
    const unsigned char *s;   /* the JSON text, n bytes, not NUL-terminated */
    size_t n, pos;            /* its length; the reading position */
    int failed;               /* 1 once a message has been printed */
} rn_json;

/* Print "expected <expected>, found <what is at pos>" (unless failed); returns -1. */
int rn_json_syntax_error(rn_json *p, const char *expected);
/* The next byte after white space (which is skipped), or -1 at the end of the text. */
int rn_json_peek(rn_json *p);
/* 1 and past it when the next byte (after white space) is c, else 0 and not moved. */
int rn_json_accept(rn_json *p, char c);
/* Past c, or a syntax error expecting `what`. */
int rn_json_expect(rn_json *p, char c, const char *what);
/* A string into a fresh rn_alloc'd, NUL-terminated buffer (*out; out NULL: skipped). */
int rn_json_string(rn_json *p, char **out);
/* An integer: its magnitude (below 2^64) into *out, and *negative. No leading zeros,
 * fractions or exponents. */
int rn_json_int(rn_json *p, uint64_t *out, int *negative);
/* Skip one value of any kind, counting `depth` as the nesting level it starts at. */
int rn_json_skip(rn_json *p, int depth);

#endif /* RESNETC_JSON_H */
