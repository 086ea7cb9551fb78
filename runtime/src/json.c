/* json.c: the JSON subset reader of file headers (see json.h for the grammar and the
 * error rule). Strings are allocated with rn_alloc; nothing else is allocated.
 *
 * It does not know any format's keys: safetensors_read.c reads the members it knows with
 * these functions and skips the others with rn_json_skip.
 */
#include "json.h"

#include "resnetc/util.h"

#include <stdio.h>
#include <string.h>

/* What is at the reading position, for a message: "'x'", "byte 0x01" or "end of header". */
static void describe_here(const rn_json *p, char *buf, size_t size)
{
    if (p->pos >= p->n)
        snprintf(buf, size, "end of header");
    else if (p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7f)
        snprintf(buf, size, "'%c'", p->s[p->pos]);
    else
        snprintf(buf, size, "byte 0x%02x", p->s[p->pos]);
}

int rn_json_syntax_error(rn_json *p, const char *expected)
{
    if (p->failed)
        return -1;
    char found[32];
    describe_here(p, found, sizeof found);
    p->failed = 1;
    return rn_error("%s: %s: JSON syntax error at header byte %zu (file offset %zu): expected "
                    "%s, found %s",
                    p->path, p->what, p->pos, p->pos + p->base, expected, found);
}

static void skip_space(rn_json *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

int rn_json_peek(rn_json *p)
{
    skip_space(p);
    return p->pos < p->n ? p->s[p->pos] : -1;
}

int rn_json_accept(rn_json *p, char c)
{
    if (rn_json_peek(p) != (unsigned char)c)
        return 0;
    p->pos++;
    return 1;
}

int rn_json_expect(rn_json *p, char c, const char *what)
{
    return rn_json_accept(p, c) ? 0 : rn_json_syntax_error(p, what);
}

/* Four hex digits of a \u escape. */
static int hex4(rn_json *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (p->pos >= p->n)
            return rn_json_syntax_error(p, "4 hex digits after \\u");
        unsigned char c = p->s[p->pos];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return rn_json_syntax_error(p, "4 hex digits after \\u");
        v = v * 16 + d;
        p->pos++;
    }
    *out = v;
    return 0;
}

/* Code point cp as UTF-8 at dst + *len (1 to 4 bytes). */
static void put_utf8(char *dst, size_t *len, unsigned cp)
{
    if (cp < 0x80) {
        dst[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        dst[(*len)++] = (char)(0xc0 | (cp >> 6));
        dst[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        dst[(*len)++] = (char)(0xe0 | (cp >> 12));
        dst[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        dst[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        dst[(*len)++] = (char)(0xf0 | (cp >> 18));
        dst[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        dst[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        dst[(*len)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* The code point of a \u escape whose "\u" has been read (a surrogate pair reads both
 * escapes); on an invalid one the position is left at its digits. */
static int unicode_escape(rn_json *p, unsigned *out)
{
    unsigned cp = 0;
    if (hex4(p, &cp) != 0)
        return -1;
    if (cp >= 0xd800 && cp < 0xdc00) {
        unsigned lo = 0;
        if (p->pos + 1 >= p->n || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
            return rn_json_syntax_error(p, "a low surrogate \\uDC00-\\uDFFF after a high one");
        p->pos += 2;
        if (hex4(p, &lo) != 0)
            return -1;
        if (lo < 0xdc00 || lo > 0xdfff) {
            p->pos -= 4;
            return rn_json_syntax_error(p, "a low surrogate \\uDC00-\\uDFFF after a high one");
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    } else if (cp >= 0xdc00 && cp < 0xe000) {
        p->pos -= 4;
        return rn_json_syntax_error(p, "a code point that is not a lone low surrogate");
    } else if (cp == 0) {
        p->pos -= 4;
        return rn_json_syntax_error(p,
                                    "a non-NUL character (\\u0000 is not allowed in names)");
    }
    *out = cp;
    return 0;
}

/* The string's characters after its opening quote, through the closing one, into dst
 * (room enough: decoding never lengthens); *len: the bytes written. */
static int string_body(rn_json *p, char *dst, size_t *len)
{
    for (;;) {
        if (p->pos >= p->n)
            return rn_json_syntax_error(p, "'\"' closing the string");
        unsigned char c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            return 0;
        }
        if (c < 0x20)
            return rn_json_syntax_error(p, "a printable character or an escape inside the "
                                           "string");
        if (c != '\\') {
            dst[(*len)++] = (char)c;
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->n)
            return rn_json_syntax_error(p, "an escape character after '\\'");
        c = p->s[p->pos++];
        switch (c) {
        case '"': dst[(*len)++] = '"'; break;
        case '\\': dst[(*len)++] = '\\'; break;
        case '/': dst[(*len)++] = '/'; break;
        case 'b': dst[(*len)++] = '\b'; break;
        case 'f': dst[(*len)++] = '\f'; break;
        case 'n': dst[(*len)++] = '\n'; break;
        case 'r': dst[(*len)++] = '\r'; break;
        case 't': dst[(*len)++] = '\t'; break;
        case 'u': {
            unsigned cp = 0;
            if (unicode_escape(p, &cp) != 0)
                return -1;
            put_utf8(dst, len, cp);
            break;
        }
        default:
            p->pos--;
            return rn_json_syntax_error(p, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
        }
    }
}

int rn_json_string(rn_json *p, char **out)
{
    if (out)
        *out = NULL;
    if (rn_json_peek(p) != '"')
        return rn_json_syntax_error(p, "'\"' (a string)");
    size_t start = ++p->pos;
    /* The decoded string is never longer than the encoded one. */
    size_t cap = 0;
    while (start + cap < p->n && p->s[start + cap] != '"') {
        if (p->s[start + cap] == '\\' && start + cap + 1 < p->n)
            cap++;
        cap++;
    }
    char *dst = rn_alloc(cap + 1);
    size_t len = 0;
    if (string_body(p, dst, &len) != 0) {
        rn_free(dst);
        return -1;
    }
    dst[len] = '\0';
    if (out)
        *out = dst;
    else
        rn_free(dst);
    return 0;
}

int rn_json_int(rn_json *p, uint64_t *out, int *negative)
{
    int c = rn_json_peek(p);
    *negative = 0;
    if (c == '-') {
        *negative = 1;
        p->pos++;
        c = p->pos < p->n ? p->s[p->pos] : -1;
    }
    if (c < '0' || c > '9')
        return rn_json_syntax_error(p, "an integer");
    uint64_t v = 0;
    size_t start = p->pos;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        unsigned d = p->s[p->pos] - '0';
        if (v > (UINT64_MAX - d) / 10)
            return rn_json_syntax_error(p, "an integer below 2^64");
        v = v * 10 + d;
        p->pos++;
    }
    if (p->s[start] == '0' && p->pos - start > 1) {
        p->pos = start + 1;
        return rn_json_syntax_error(p, "no leading zeros in an integer");
    }
    if (p->pos < p->n && (p->s[p->pos] == '.' || p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
        return rn_json_syntax_error(p, "an integer (no fraction or exponent)");
    *out = v;
    return 0;
}

int rn_json_skip(rn_json *p, int depth)
{
    if (depth > RN_JSON_MAX_DEPTH)
        return rn_json_syntax_error(p, "nesting at most 32 levels deep");
    int c = rn_json_peek(p);
    if (c == '"')
        return rn_json_string(p, NULL);
    if (c == '-' || (c >= '0' && c <= '9')) {
        uint64_t v;
        int neg;
        return rn_json_int(p, &v, &neg);
    }
    if (c == '[') {
        p->pos++;
        if (rn_json_accept(p, ']'))
            return 0;
        do {
            if (rn_json_skip(p, depth + 1) != 0)
                return -1;
        } while (rn_json_accept(p, ','));
        return rn_json_expect(p, ']', "',' or ']' in an array");
    }
    if (c == '{') {
        p->pos++;
        if (rn_json_accept(p, '}'))
            return 0;
        do {
            if (rn_json_string(p, NULL) != 0 ||
                rn_json_expect(p, ':', "':' after an object key") != 0 ||
                rn_json_skip(p, depth + 1) != 0)
                return -1;
        } while (rn_json_accept(p, ','));
        return rn_json_expect(p, '}', "',' or '}' in an object");
    }
    return rn_json_syntax_error(p, "a value (string, integer, array or object)");
}
