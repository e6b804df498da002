/* phases: the connect phases' messages parse to exactly their parsed form,
 * and a value a parser would change or refuse leaves it out
 * (sim/run/phases.h). */
#include <check.h>
#include <string.h>

#include "base/count.h"
#include "model/xmlstream.h"
#include "run/phases.h"
#include "suites.h"

static const char *const values[] = {"localhost", "a&b<c>'\"", "", "x y", "tab\there",
                                     "cr\rlf\n", "caf\xc3\xa9", "\x01"};

static bool printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* Compares a stanza message's tree with what its bytes parse to. */
static void assert_tree_is_the_parse(const struct phases_msg *m, bool expected)
{
    ck_assert_int_eq(m->tree != NULL, expected);
    if (m->tree == NULL)
        return;
    enum xmlstream_error err;
    unsigned long line, col;
    struct stanza *parsed = xmlstream_parse_element(m->bytes.data, m->bytes.len, STANZA_NS_CLIENT,
                                                    &err, &line, &col);
    ck_assert_ptr_nonnull(parsed);
    ck_assert(stanza_equal(stanza_root(parsed), stanza_root(m->tree)));
    stanza_free(parsed);
}

START_TEST(test_phases_bind_tree_is_its_parse)
{
    struct phases_msg m;
    phases_bind("bind_1", values[_i], &m);
    assert_tree_is_the_parse(&m, printable(values[_i]));
    phases_msg_free(&m);
}
END_TEST

START_TEST(test_phases_auth_tree_is_its_parse)
{
    struct phases_msg m;
    phases_auth(values[_i], values[(_i + 1) % COUNT(values)], &m);
    assert_tree_is_the_parse(&m, true);   /* base64: always plain */
    phases_msg_free(&m);
}
END_TEST

static void on_opened(void *ctx, const struct xmlstream_header *h)
{
    *(struct xmlstream_header *)ctx = *h;
}

static bool same(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The header a parser reads from the bytes is the one given, field by
 * field (the strings compared while the parser holds them). */
START_TEST(test_phases_header_is_its_parse)
{
    for (int declaration = 0; declaration <= 1; declaration++) {
        struct phases_msg m;
        phases_header(values[_i], declaration, &m);
        ck_assert_int_eq(m.header != NULL, printable(values[_i]));
        struct xmlstream_header got = {0};
        struct xmlstream_callbacks cb = {.opened = on_opened};
        struct xmlstream *p = xmlstream_new(NULL, &cb, &got, NULL, 1);
        xmlstream_feed(p, m.bytes.data, m.bytes.len);
        if (m.header != NULL) {
            ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
            ck_assert(same(got.to, m.header->to));
            ck_assert(same(got.from, m.header->from));
            ck_assert(same(got.version, m.header->version));
            ck_assert(same(got.lang, m.header->lang));
            ck_assert(same(got.id, m.header->id));
            ck_assert(same(got.content_ns, m.header->content_ns));
        }
        xmlstream_free(p);
        phases_msg_free(&m);
    }
}
END_TEST

Suite *phases_suite(void)
{
    Suite *s = suite_create("phases");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_phases_bind_tree_is_its_parse, 0, (int)COUNT(values));
    tcase_add_loop_test(tc, test_phases_auth_tree_is_its_parse, 0, (int)COUNT(values));
    tcase_add_loop_test(tc, test_phases_header_is_its_parse, 0, (int)COUNT(values));
    suite_add_tcase(s, tc);
    return s;
}
