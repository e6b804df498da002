/* Check suite for model/jid.c: parsing, normalisation, limits, comparison. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jid.h"
#include "suites.h"

/* ---- parse table --------------------------------------------------------- */

struct parse_case {
    const char *input;
    enum jid_error error;
    const char *normalised;   /* expected j.str when error is JID_E_OK */
};

static const struct parse_case parse_cases[] = {
    /* valid: split, case mapping, trailing dot */
    {"example.com", JID_E_OK, "example.com"},
    {"localhost", JID_E_OK, "localhost"},
    {"juliet@example.com", JID_E_OK, "juliet@example.com"},
    {"juliet@example.com/balcony", JID_E_OK, "juliet@example.com/balcony"},
    {"Juliet@Example.COM/Balcony", JID_E_OK, "juliet@example.com/Balcony"},
    {"example.com/Res", JID_E_OK, "example.com/Res"},
    {"a@b", JID_E_OK, "a@b"},
    {"example.com.", JID_E_OK, "example.com"},
    {"User@Example.COM./r", JID_E_OK, "user@example.com/r"},
    {"a@b/c@d", JID_E_OK, "a@b/c@d"},
    {"a@b/c/d", JID_E_OK, "a@b/c/d"},
    {"a@b/c/", JID_E_OK, "a@b/c/"},
    {"a/b@c", JID_E_OK, "a/b@c"},
    {"a@b/ my  res ", JID_E_OK, "a@b/ my  res "},
    {"a@b/<&\"'>:", JID_E_OK, "a@b/<&\"'>:"},
    {"a.b_c+d!#$%*=?^`{|}~-@x", JID_E_OK, "a.b_c+d!#$%*=?^`{|}~-@x"},
    {"a-b.example-1.org", JID_E_OK, "a-b.example-1.org"},
    {"xn--bcher-kva.example", JID_E_OK, "xn--bcher-kva.example"},
    {"1.example", JID_E_OK, "1.example"},
    /* valid: IP literals */
    {"user@192.0.2.1", JID_E_OK, "user@192.0.2.1"},
    {"255.255.255.255/r", JID_E_OK, "255.255.255.255/r"},
    {"0.0.0.0", JID_E_OK, "0.0.0.0"},
    {"user@[::1]", JID_E_OK, "user@[::1]"},
    {"[::]", JID_E_OK, "[::]"},
    {"user@[2001:DB8::1]/R", JID_E_OK, "user@[2001:db8::1]/R"},
    {"[1:2:3:4:5:6:7:8]", JID_E_OK, "[1:2:3:4:5:6:7:8]"},
    {"[1::]", JID_E_OK, "[1::]"},
    {"[::ffff:192.0.2.1]", JID_E_OK, "[::ffff:192.0.2.1]"},
    {"[1:2:3:4:5:6:192.0.2.1]", JID_E_OK, "[1:2:3:4:5:6:192.0.2.1]"},
    {"[1:2:3:4:5:6::7]", JID_E_OK, "[1:2:3:4:5:6::7]"},   /* "::" for one group */
    {"[a:B::]", JID_E_OK, "[a:b::]"},   /* hex digits at the ends of both ranges */
    {"[f:F::]", JID_E_OK, "[f:f::]"},
    {"[A:0::]", JID_E_OK, "[a:0::]"},
    /* letters at both ends of both ranges, upper case mapped */
    {"AZ@az.ZA/Zz", JID_E_OK, "az@az.za/Zz"},
    {"z.Z", JID_E_OK, "z.z"},
    /* valid: non-ASCII kept as is (no Unicode case mapping) */
    {"j\xc3\xbcrgen@m\xc3\xbcnchen.de/R\xc3\xa9sum\xc3\xa9", JID_E_OK,
     "j\xc3\xbcrgen@m\xc3\xbcnchen.de/R\xc3\xa9sum\xc3\xa9"},
    {"J\xc3\x9cRGEN@X", JID_E_OK, "j\xc3\x9crgen@x"},
    {"a@b/\xf0\x9f\x98\x80", JID_E_OK, "a@b/\xf0\x9f\x98\x80"},
    {"a@b/\xef\xbf\xbd\xc2\xa0", JID_E_OK, "a@b/\xef\xbf\xbd\xc2\xa0"},
    /* the last lead byte of each UTF-8 length: U+07FF, U+FFFD, U+10FFFD */
    {"a@b/\xdf\xbf", JID_E_OK, "a@b/\xdf\xbf"},
    {"a@b/\xf4\x8f\xbf\xbd", JID_E_OK, "a@b/\xf4\x8f\xbf\xbd"},
    {"a@b/\xf0\x90\x80\x80", JID_E_OK, "a@b/\xf0\x90\x80\x80"},   /* U+10000, F0's lowest */
    {"a@b/\xe0\xa0\x80", JID_E_OK, "a@b/\xe0\xa0\x80"},   /* U+0800, E0's lowest */
    {"a@b/\xed\x9f\xbf", JID_E_OK, "a@b/\xed\x9f\xbf"},   /* U+D7FF, below the surrogates */
    {"a@b/\xc2\xa0", JID_E_OK, "a@b/\xc2\xa0"},   /* U+00A0, first after the C1 controls */
    /* a non-ASCII domainpart, continuation bytes 80 and 81 (U+1001) */
    {"a@x\xe1\x80\x81", JID_E_OK, "a@x\xe1\x80\x81"},
    {"a@b/\xf0\x8f\xbf\xbf", JID_E_UTF8, NULL},   /* overlong: F0 needs 90..BF */
    /* empty parts */
    {"", JID_E_EMPTY, NULL},
    {"@example.com", JID_E_EMPTY_LOCAL, NULL},
    {"@", JID_E_EMPTY_LOCAL, NULL},
    {"user@", JID_E_EMPTY_DOMAIN, NULL},
    {"/res", JID_E_EMPTY_DOMAIN, NULL},
    {"user@/res", JID_E_EMPTY_DOMAIN, NULL},
    {"/", JID_E_EMPTY_DOMAIN, NULL},
    {".", JID_E_EMPTY_DOMAIN, NULL},
    {"a@./r", JID_E_EMPTY_DOMAIN, NULL},
    {"user@example.com/", JID_E_EMPTY_RESOURCE, NULL},
    {"@/", JID_E_EMPTY_LOCAL, NULL},
    /* localpart characters (RFC 7622 §3.3.1) */
    {"a b@x", JID_E_LOCAL_CHAR, NULL},
    {"a\"b@x", JID_E_LOCAL_CHAR, NULL},
    {"a&b@x", JID_E_LOCAL_CHAR, NULL},
    {"a'b@x", JID_E_LOCAL_CHAR, NULL},
    {"a:b@x", JID_E_LOCAL_CHAR, NULL},
    {"a<b@x", JID_E_LOCAL_CHAR, NULL},
    {"a>b@x", JID_E_LOCAL_CHAR, NULL},
    {"a\tb@x", JID_E_LOCAL_CHAR, NULL},
    {"a\x7f@x", JID_E_LOCAL_CHAR, NULL},
    {"a\xc2\x80@x", JID_E_LOCAL_CHAR, NULL},
    /* domainpart syntax */
    {"a@b@c", JID_E_DOMAIN_CHAR, NULL},
    {"example..com", JID_E_DOMAIN_CHAR, NULL},
    {".example.com", JID_E_DOMAIN_CHAR, NULL},
    {"example.com..", JID_E_DOMAIN_CHAR, NULL},
    {"exa_mple.com", JID_E_DOMAIN_CHAR, NULL},
    {"exa mple.com", JID_E_DOMAIN_CHAR, NULL},
    {"exa:mple", JID_E_DOMAIN_CHAR, NULL},
    {"a@ex\x01", JID_E_DOMAIN_CHAR, NULL},
    {"256.1.1.1", JID_E_DOMAIN_CHAR, NULL},
    {"1.2.3", JID_E_DOMAIN_CHAR, NULL},
    {"1.2.3.4.5", JID_E_DOMAIN_CHAR, NULL},
    {"01.2.3.4", JID_E_DOMAIN_CHAR, NULL},
    {"example.123", JID_E_DOMAIN_CHAR, NULL},
    {"[::1", JID_E_DOMAIN_CHAR, NULL},
    {"::1", JID_E_DOMAIN_CHAR, NULL},
    {"[]", JID_E_DOMAIN_CHAR, NULL},
    {"[", JID_E_DOMAIN_CHAR, NULL},
    {"[1:2:3:4:5:6:7:8:9]", JID_E_DOMAIN_CHAR, NULL},
    {"[1:2:3:4:5:6:7]", JID_E_DOMAIN_CHAR, NULL},
    {"[1:2:3:4::5:6:7:8]", JID_E_DOMAIN_CHAR, NULL},
    {"[1::2::3]", JID_E_DOMAIN_CHAR, NULL},
    {"[::g]", JID_E_DOMAIN_CHAR, NULL},
    {"[12345::]", JID_E_DOMAIN_CHAR, NULL},
    {"[:1::]", JID_E_DOMAIN_CHAR, NULL},
    {"[1:]", JID_E_DOMAIN_CHAR, NULL},
    {"[::1:]", JID_E_DOMAIN_CHAR, NULL},
    {"[:a1]", JID_E_DOMAIN_CHAR, NULL},
    {"[::1.2.3]", JID_E_DOMAIN_CHAR, NULL},
    {"[::1]x", JID_E_DOMAIN_CHAR, NULL},
    {"[fe80::1%25eth0]", JID_E_DOMAIN_CHAR, NULL},
    /* resourcepart characters */
    {"a@b/r\x01", JID_E_RESOURCE_CHAR, NULL},
    {"a@b/r\x7f", JID_E_RESOURCE_CHAR, NULL},
    {"a@b/r\nx", JID_E_RESOURCE_CHAR, NULL},
    {"a@b/\xc2\x85", JID_E_RESOURCE_CHAR, NULL},
    {"a@b/\xc2\x9f", JID_E_RESOURCE_CHAR, NULL},   /* U+009F, the last C1 control */
    /* UTF-8 (RFC 3629) */
    {"a\x80@x", JID_E_UTF8, NULL},
    {"\xc0\xaf@x", JID_E_UTF8, NULL},
    {"x/\xc1\xbf", JID_E_UTF8, NULL},
    {"x/\xe0\x80\xaf", JID_E_UTF8, NULL},
    {"x/\xe0\x9f\xbf", JID_E_UTF8, NULL},   /* overlong: E0 needs A0..BF */
    {"x/\xe1\x80\x80", JID_E_OK, "x/\xe1\x80\x80"},   /* E1 takes 80.. */
    {"x/\xf0\x80\x80\xaf", JID_E_UTF8, NULL},
    {"x/\xed\xa0\x80", JID_E_UTF8, NULL},
    {"x/\xed\xbf\xbf", JID_E_UTF8, NULL},
    {"x/\xf4\x90\x80\x80", JID_E_UTF8, NULL},
    {"x/\xf5\x80\x80\x80", JID_E_UTF8, NULL},
    {"x/\xff", JID_E_UTF8, NULL},
    {"x/\xc3", JID_E_UTF8, NULL},
    {"x/\xe2\x82", JID_E_UTF8, NULL},
    {"x/\xe2\x82z", JID_E_UTF8, NULL},
    {"x/\xe2\x82\x7f", JID_E_UTF8, NULL},   /* a third byte below 80 */
    {"x/\xe2\x82\xc0", JID_E_UTF8, NULL},   /* a third byte above BF */
    {"ex\xc3\x28" "ample", JID_E_UTF8, NULL},
    /* errors left to right; sizes before characters */
    {"a b@/r", JID_E_EMPTY_DOMAIN, NULL},
    {"a b@c d/\x01", JID_E_LOCAL_CHAR, NULL},
    {"a@c d/\x01", JID_E_DOMAIN_CHAR, NULL},
};

static void assert_consistent(const struct jid *j)
{
    size_t full = jid_bare_len(j) + (j->resource_len > 0 ? j->resource_len + 1 : 0);
    ck_assert_uint_eq(strlen(j->str), full);
    ck_assert_uint_gt(j->domain_len, 0);
    if (j->local_len > 0)
        ck_assert_int_eq(j->str[j->local_len], '@');
    if (j->resource_len > 0)
        ck_assert_int_eq(j->str[jid_bare_len(j)], '/');
}

/* The input is copied to a heap block of exactly its length, without a
 * NUL, so that reading past len is caught by the sanitizers. */
static char *exact_copy(const char *s, size_t len)
{
    char *copy = malloc(len > 0 ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, s, len);
    return copy;
}

START_TEST(test_jid_parse_table)
{
    const struct parse_case *c = &parse_cases[_i];
    size_t len = strlen(c->input);
    char *input = exact_copy(c->input, len);
    struct jid j;
    enum jid_error e = jid_parse(&j, NULL, input, len);
    free(input);
    ck_assert_str_eq(jid_error_text(e), jid_error_text(c->error));
    ck_assert_int_eq(e, c->error);
    if (e != JID_E_OK) {
        ck_assert_ptr_null(j.str);
        ck_assert_uint_eq(j.local_len + j.domain_len + j.resource_len, 0);
        return;
    }
    ck_assert_str_eq(j.str, c->normalised);
    assert_consistent(&j);
    jid_free(&j);
}
END_TEST

/* Parsing a normalised form gives it back unchanged. */
START_TEST(test_jid_normalised_form_is_a_fixed_point)
{
    const struct parse_case *c = &parse_cases[_i];
    struct jid j;
    if (c->error != JID_E_OK)
        return;
    ck_assert_int_eq(jid_parse(&j, NULL, c->normalised, strlen(c->normalised)), JID_E_OK);
    ck_assert_str_eq(j.str, c->normalised);
    jid_free(&j);
}
END_TEST

/* ---- embedded NUL bytes and explicit lengths ------------------------------ */

struct sized_case {
    const char *input;
    size_t len;
    enum jid_error error;
    const char *normalised;
};

static const struct sized_case sized_cases[] = {
    {"a\0b@x", 5, JID_E_LOCAL_CHAR, NULL},
    {"\0@x", 3, JID_E_LOCAL_CHAR, NULL},
    {"x\0y", 3, JID_E_DOMAIN_CHAR, NULL},
    {"a@b\0", 4, JID_E_DOMAIN_CHAR, NULL},
    {"\0", 1, JID_E_DOMAIN_CHAR, NULL},
    {"a@b/r\0s", 7, JID_E_RESOURCE_CHAR, NULL},
    {"a@b/r\0", 6, JID_E_RESOURCE_CHAR, NULL},
    {"a@b/res", 3, JID_E_OK, "a@b"},
    {"a@b/res", 5, JID_E_OK, "a@b/r"},
    {"a@b/res", 4, JID_E_EMPTY_RESOURCE, NULL},
    {"a@b/res", 0, JID_E_EMPTY, NULL},
    {"x/\xc3\xa9", 3, JID_E_UTF8, NULL},
    {"x/\xe2\x82\xac", 4, JID_E_UTF8, NULL},
    {"x/\xe2\x82\xac", 5, JID_E_OK, "x/\xe2\x82\xac"},
};

START_TEST(test_jid_parse_uses_explicit_length)
{
    const struct sized_case *c = &sized_cases[_i];
    struct jid j;
    ck_assert_int_eq(jid_parse(&j, NULL, c->input, c->len), c->error);
    if (c->error != JID_E_OK) {
        ck_assert_ptr_null(j.str);
        return;
    }
    ck_assert_str_eq(j.str, c->normalised);
    jid_free(&j);
}
END_TEST

/* ---- part length limits ---------------------------------------------------- */

struct limit_case {
    size_t local, domain, resource;   /* part sizes; 0 = absent */
    bool trailing_dot;                /* domain followed by one extra '.' */
    enum jid_error error;
};

static const struct limit_case limit_cases[] = {
    {1023, 1, 0, false, JID_E_OK},
    {1024, 1, 0, false, JID_E_LOCAL_TOO_LONG},
    {0, 1023, 0, false, JID_E_OK},
    {0, 1024, 0, false, JID_E_DOMAIN_TOO_LONG},
    {0, 1023, 0, true, JID_E_OK},
    {0, 1024, 0, true, JID_E_DOMAIN_TOO_LONG},
    {0, 1, 1023, false, JID_E_OK},
    {0, 1, 1024, false, JID_E_RESOURCE_TOO_LONG},
    {1023, 1023, 1023, false, JID_E_OK},
    {1023, 1023, 1023, true, JID_E_OK},
    {1024, 1024, 1024, false, JID_E_LOCAL_TOO_LONG},
    {1023, 1024, 1024, false, JID_E_DOMAIN_TOO_LONG},
    {1, 1, 100000, false, JID_E_RESOURCE_TOO_LONG},
};

/* Fills n bytes with labels "DDDDDDDDD.DDD..." (a dot every 10 bytes, never at
 * either end) and returns the end. */
static char *fill_domain(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (i % 10 == 9 && i + 1 < n) ? '.' : 'D';
    return p + n;
}

/* Builds "L...@d...[.]/R..." with the table's sizes into a malloc'd buffer. */
static char *build_limit_input(const struct limit_case *c, size_t *len)
{
    char *s = malloc(c->local + c->domain + c->resource + 4);
    char *p = s;
    ck_assert_ptr_nonnull(s);
    memset(p, 'L', c->local);
    p += c->local;
    if (c->local > 0)
        *p++ = '@';
    p = fill_domain(p, c->domain);
    if (c->trailing_dot)
        *p++ = '.';
    if (c->resource > 0) {
        *p++ = '/';
        memset(p, 'R', c->resource);
        p += c->resource;
    }
    *len = (size_t)(p - s);
    return s;
}

START_TEST(test_jid_part_limits)
{
    const struct limit_case *c = &limit_cases[_i];
    size_t len;
    char *s = build_limit_input(c, &len);
    struct jid j;
    enum jid_error e = jid_parse(&j, NULL, s, len);
    ck_assert_int_eq(e, c->error);
    if (e == JID_E_OK) {
        ck_assert_uint_eq(j.local_len, c->local);
        ck_assert_uint_eq(j.domain_len, c->domain);
        ck_assert_uint_eq(j.resource_len, c->resource);
        ck_assert_int_eq(jid_local(&j)[0], c->local > 0 ? 'l' : 'd');
        ck_assert_int_eq(jid_domain(&j)[0], 'd');
        if (c->resource > 0)
            ck_assert_int_eq(jid_resource(&j)[0], 'R');
        assert_consistent(&j);
    }
    jid_free(&j);
    free(s);
}
END_TEST

/* ---- accessors ------------------------------------------------------------- */

struct part_case {
    const char *input;
    const char *local, *domain, *resource;   /* "" = absent */
    size_t bare_len;
    bool is_bare;
};

static const struct part_case part_cases[] = {
    {"User@Example.com/Res", "user", "example.com", "Res", 16, false},
    {"user@example.com", "user", "example.com", "", 16, true},
    {"Example.com/Res", "", "example.com", "Res", 11, false},
    {"example.com.", "", "example.com", "", 11, true},
    {"a@b./c@d/e", "a", "b", "c@d/e", 3, false},
    {"x/y@z", "", "x", "y@z", 1, false},
    {"a@b/c", "a", "b", "c", 3, false},
};

static void assert_part(const char *p, size_t len, const char *want)
{
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_int_eq(memcmp(p, want, len), 0);
}

START_TEST(test_jid_part_accessors)
{
    const struct part_case *c = &part_cases[_i];
    struct jid j;
    ck_assert_int_eq(jid_parse(&j, NULL, c->input, strlen(c->input)), JID_E_OK);
    assert_part(jid_local(&j), j.local_len, c->local);
    assert_part(jid_domain(&j), j.domain_len, c->domain);
    assert_part(jid_resource(&j), j.resource_len, c->resource);
    ck_assert_uint_eq(jid_bare_len(&j), c->bare_len);
    ck_assert_int_eq(jid_is_bare(&j), c->is_bare);
    ck_assert_str_eq(jid_resource(&j), c->resource);
    ck_assert_int_eq(j.str[jid_bare_len(&j)], c->is_bare ? '\0' : '/');
    jid_free(&j);
}
END_TEST

START_TEST(test_jid_accessors_of_zeroed_jid)
{
    struct jid j = {0};
    ck_assert_ptr_null(jid_local(&j));
    ck_assert_ptr_null(jid_domain(&j));
    ck_assert_ptr_null(jid_resource(&j));
    ck_assert_uint_eq(jid_bare_len(&j), 0);
    ck_assert_int_eq(jid_is_bare(&j), true);
    ck_assert_int_eq(jid_equal(&j, &j), true);
    ck_assert_int_eq(jid_bare_equal(&j, &j), true);
    char out[4] = "XXX";
    ck_assert_uint_eq(jid_bare_copy(&j, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
    out[0] = 'X';
    ck_assert_uint_eq(jid_local_copy(&j, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

/* ---- equality ---------------------------------------------------------------- */

struct equal_case {
    const char *a, *b;
    bool equal, bare_equal;
};

static const struct equal_case equal_cases[] = {
    {"User@Example.COM/Res", "user@example.com/Res", true, true},
    {"user@example.com/Res", "user@example.com/res", false, true},
    {"user@example.com", "user@example.com/res", false, true},
    {"user@example.com", "USER@EXAMPLE.COM", true, true},
    {"example.com.", "EXAMPLE.com", true, true},
    {"user@example.com/r", "user@example.com./r", true, true},
    {"user@example.com", "example.com", false, false},
    {"user@example.com", "user@example.org", false, false},
    {"a@b", "b", false, false},
    {"ab", "a@b", false, false},
    {"b/a@b", "a@b/a", false, false},
    {"a@b/c", "a@b/c/", false, true},
    {"a@b/c", "a@b/d", false, true},
    {"a@b/cd", "a@b/ce", false, true},
    {"j\xc3\x9c@x", "j\xc3\xbc@x", false, false},
};

static void parse_ok(struct jid *j, const char *s)
{
    ck_assert_int_eq(jid_parse(j, NULL, s, strlen(s)), JID_E_OK);
}

START_TEST(test_jid_equality)
{
    const struct equal_case *c = &equal_cases[_i];
    struct jid a, b;
    parse_ok(&a, c->a);
    parse_ok(&b, c->b);
    ck_assert_int_eq(jid_equal(&a, &b), c->equal);
    ck_assert_int_eq(jid_equal(&b, &a), c->equal);
    ck_assert_int_eq(jid_bare_equal(&a, &b), c->bare_equal);
    ck_assert_int_eq(jid_bare_equal(&b, &a), c->bare_equal);
    ck_assert_int_eq(jid_equal(&a, &a), true);
    ck_assert_int_eq(jid_bare_equal(&b, &b), true);
    jid_free(&a);
    jid_free(&b);
}
END_TEST

/* ---- copies ------------------------------------------------------------------ */

/* Copies into a heap block of exactly cap bytes (the sanitizers catch a
 * write past it), filled with 'X' first; returns what was written. */
static char *copy_into(size_t (*copy)(const struct jid *, char *, size_t), const struct jid *j,
                       size_t cap, size_t want_len)
{
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    memset(out, 'X', cap);
    ck_assert_uint_eq(copy(j, out, cap), want_len);
    return out;
}

/* The whole form when it fits with its NUL, else its first cap - 1 bytes;
 * the result is the full length either way. */
START_TEST(test_jid_copies_truncate_to_the_buffer)
{
    static const struct {
        size_t cap;
        const char *bare, *local;
    } cases[] = {
        {1, "", ""}, {2, "a", "a"}, {3, "ab", "ab"}, {4, "abc", "abc"},
        {5, "abc@", "abc"}, {8, "abc@d.e", "abc"}, {9, "abc@d.ef", "abc"},
        {10, "abc@d.ef", "abc"},
    };
    struct jid j;
    parse_ok(&j, "ABC@d.ef/res");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = copy_into(jid_bare_copy, &j, cases[i].cap, 8);
        ck_assert_str_eq(out, cases[i].bare);
        free(out);
        out = copy_into(jid_local_copy, &j, cases[i].cap, 3);
        ck_assert_str_eq(out, cases[i].local);
        free(out);
    }
    jid_free(&j);
}
END_TEST

/* ---- single-part preparation ------------------------------------------------ */

enum prep_kind { PREP_LOCAL, PREP_DOMAIN, PREP_RESOURCE };

struct prep_case {
    enum prep_kind kind;
    const char *input;
    enum jid_error error;
    const char *output;   /* expected out; "" on failure */
};

static const struct prep_case prep_cases[] = {
    {PREP_LOCAL, "JuLiEt", JID_E_OK, "juliet"},
    {PREP_LOCAL, "", JID_E_EMPTY_LOCAL, ""},
    {PREP_LOCAL, "ju@liet", JID_E_LOCAL_CHAR, ""},
    {PREP_LOCAL, "ju/liet", JID_E_LOCAL_CHAR, ""},
    {PREP_LOCAL, "\xe2\x82", JID_E_UTF8, ""},
    {PREP_DOMAIN, "Example.COM.", JID_E_OK, "example.com"},
    {PREP_DOMAIN, "[::FFFF:1.2.3.4]", JID_E_OK, "[::ffff:1.2.3.4]"},
    {PREP_DOMAIN, "", JID_E_EMPTY_DOMAIN, ""},
    {PREP_DOMAIN, ".", JID_E_EMPTY_DOMAIN, ""},
    {PREP_DOMAIN, "a..", JID_E_DOMAIN_CHAR, ""},
    {PREP_DOMAIN, "a@b", JID_E_DOMAIN_CHAR, ""},
    {PREP_DOMAIN, "a/b", JID_E_DOMAIN_CHAR, ""},
    {PREP_RESOURCE, "Balcony", JID_E_OK, "Balcony"},
    {PREP_RESOURCE, "a@b/c d", JID_E_OK, "a@b/c d"},
    {PREP_RESOURCE, "", JID_E_EMPTY_RESOURCE, ""},
    {PREP_RESOURCE, "a\x1f", JID_E_RESOURCE_CHAR, ""},
    {PREP_RESOURCE, "\xed\xa0\x80", JID_E_UTF8, ""},
};

typedef enum jid_error prep_fn(const char *s, size_t len, char *out);

static prep_fn *const prep_fns[] = {
    [PREP_LOCAL] = jid_local_prep,
    [PREP_DOMAIN] = jid_domain_prep,
    [PREP_RESOURCE] = jid_resource_prep,
};

START_TEST(test_jid_part_prep)
{
    const struct prep_case *c = &prep_cases[_i];
    size_t len = strlen(c->input);
    char *out = malloc(len + 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(prep_fns[c->kind](c->input, len, out), c->error);
    ck_assert_str_eq(out, c->output);
    free(out);
}
END_TEST

/* Each prep function takes 1023 bytes and refuses 1024. */
START_TEST(test_jid_part_prep_limits)
{
    static const enum jid_error too_long[] = {
        [PREP_LOCAL] = JID_E_LOCAL_TOO_LONG,
        [PREP_DOMAIN] = JID_E_DOMAIN_TOO_LONG,
        [PREP_RESOURCE] = JID_E_RESOURCE_TOO_LONG,
    };
    char in[JID_PART_MAX + 2], out[JID_PART_MAX + 2];
    memset(in, 'X', sizeof in);
    ck_assert_int_eq(prep_fns[_i](in, JID_PART_MAX, out), JID_E_OK);
    ck_assert_uint_eq(strlen(out), JID_PART_MAX);
    ck_assert_int_eq(out[0], _i == PREP_RESOURCE ? 'X' : 'x');
    ck_assert_int_eq(prep_fns[_i](in, JID_PART_MAX + 1, out), too_long[_i]);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_jid_prep_refuses_nul)
{
    char out[8];
    ck_assert_int_eq(jid_local_prep("a\0b", 3, out), JID_E_LOCAL_CHAR);
    ck_assert_int_eq(jid_domain_prep("a\0b", 3, out), JID_E_DOMAIN_CHAR);
    ck_assert_int_eq(jid_resource_prep("a\0b", 3, out), JID_E_RESOURCE_CHAR);
    ck_assert_int_eq(jid_resource_prep("ab\0", 2, out), JID_E_OK);
    ck_assert_str_eq(out, "ab");
}
END_TEST

/* ---- ownership and error texts ------------------------------------------------ */

START_TEST(test_jid_failed_parse_zeroes_the_jid)
{
    static char dummy[] = "x";
    struct jid j = {.str = dummy, .local_len = 1, .domain_len = 2, .resource_len = 3};
    ck_assert_int_eq(jid_parse(&j, NULL, "a@b/", 4), JID_E_EMPTY_RESOURCE);
    ck_assert_ptr_null(j.str);
    ck_assert_uint_eq(j.local_len, 0);
    ck_assert_uint_eq(j.domain_len, 0);
    ck_assert_uint_eq(j.resource_len, 0);
    j = (struct jid){.str = dummy, .local_len = 1, .domain_len = 2, .resource_len = 3};
    ck_assert_int_eq(jid_parse(&j, NULL, "a b@c", 5), JID_E_LOCAL_CHAR);
    ck_assert_ptr_null(j.str);
    ck_assert_uint_eq(j.local_len + j.domain_len + j.resource_len, 0);
}
END_TEST

START_TEST(test_jid_free_is_safe_on_null_zeroed_and_freed)
{
    struct jid j = {0};
    jid_free(NULL);
    jid_free(&j);
    parse_ok(&j, "a@b/c");
    jid_free(&j);
    ck_assert_ptr_null(j.str);
    ck_assert_uint_eq(j.local_len + j.domain_len + j.resource_len, 0);
    jid_free(&j);
}
END_TEST

START_TEST(test_jid_error_texts_are_distinct)
{
    static const enum jid_error all[] = {
#define JID_ALL(name, text) JID_E_##name,
        JID_ERRORS(JID_ALL)
#undef JID_ALL
    };
    size_t n = sizeof all / sizeof all[0];
    ck_assert_str_eq(jid_error_text(JID_E_EMPTY_LOCAL), "empty localpart");
    ck_assert_str_eq(jid_error_text(JID_E_OK), "valid");
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(all[i], (int)i);
        for (size_t k = 0; k < i; k++)
            ck_assert_str_ne(jid_error_text(all[i]), jid_error_text(all[k]));
    }
}
END_TEST

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *jid_suite(void)
{
    Suite *s = suite_create("jid");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_jid_parse_table, 0, N_OF(parse_cases));
    tcase_add_loop_test(tc, test_jid_normalised_form_is_a_fixed_point, 0,
                        N_OF(parse_cases));
    tcase_add_loop_test(tc, test_jid_parse_uses_explicit_length, 0, N_OF(sized_cases));
    tcase_add_loop_test(tc, test_jid_part_limits, 0, N_OF(limit_cases));
    tcase_add_test(tc, test_jid_failed_parse_zeroes_the_jid);
    tcase_add_test(tc, test_jid_free_is_safe_on_null_zeroed_and_freed);
    tcase_add_test(tc, test_jid_error_texts_are_distinct);
    suite_add_tcase(s, tc);
    tc = tcase_create("parts");
    tcase_add_loop_test(tc, test_jid_part_accessors, 0, N_OF(part_cases));
    tcase_add_test(tc, test_jid_accessors_of_zeroed_jid);
    tcase_add_test(tc, test_jid_copies_truncate_to_the_buffer);
    tcase_add_loop_test(tc, test_jid_equality, 0, N_OF(equal_cases));
    tcase_add_loop_test(tc, test_jid_part_prep, 0, N_OF(prep_cases));
    tcase_add_loop_test(tc, test_jid_part_prep_limits, 0, N_OF(prep_fns));
    tcase_add_test(tc, test_jid_prep_refuses_nul);
    suite_add_tcase(s, tc);
    return s;
}
