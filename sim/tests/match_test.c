/* Tests for sim/match: patterns, captures, receive sets, substitution. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/match.h"
#include "suites.h"
#include "model/xmlstream.h"

static struct stanza *parse(const char *xml)
{
    enum xmlstream_error err;
    unsigned long line, col;
    struct stanza *st = xmlstream_parse_element(xml, strlen(xml), STANZA_NS_CLIENT, &err, &line,
                                                &col);
    ck_assert_msg(st != NULL, "fixture does not parse (%s at %lu:%lu): %s",
                  xmlstream_error_name(err), line, col, xml);
    return st;
}

/* One pattern against one stanza. var: a capture to check after the match
 * (value NULL: it must stay unbound). */
struct match_row {
    const char *pattern;
    const char *actual;
    bool expect;
    const char *var;
    const char *value;
};

static const struct match_row match_rows[] = {
    /* element namespace and name */
    {"<presence/>", "<presence/>", true, NULL, NULL},
    {"<presence/>", "<message/>", false, NULL, NULL},
    {"<query xmlns='jabber:iq:roster'/>", "<query xmlns='jabber:iq:roster' ver='1'/>", true,
     NULL, NULL},
    {"<query xmlns='jabber:iq:roster'/>", "<query xmlns='jabber:iq:version'/>", false, NULL,
     NULL},
    {"<query xmlns='jabber:iq:roster'/>", "<query/>", false, NULL, NULL},
    /* attributes */
    {"<presence type='unavailable'/>", "<presence type='unavailable' from='r@l/o'/>", true,
     NULL, NULL},
    {"<presence type='unavailable'/>", "<presence type='available'/>", false, NULL, NULL},
    {"<presence type='unavailable'/>", "<presence/>", false, NULL, NULL},
    {"<presence type=''/>", "<presence type=''/>", true, NULL, NULL},
    {"<presence type=''/>", "<presence/>", false, NULL, NULL},
    {"<iq id='{any}'/>", "<iq id='x1'/>", true, NULL, NULL},
    {"<iq id='{any}'/>", "<iq id=''/>", true, NULL, NULL},
    {"<iq id='{any}'/>", "<iq/>", false, NULL, NULL},
    {"<presence type='{absent}'/>", "<presence/>", true, NULL, NULL},
    {"<presence type='{absent}'/>", "<presence type='unavailable'/>", false, NULL, NULL},
    {"<message xml:lang='en'/>", "<message xml:lang='en' to='a@b'/>", true, NULL, NULL},
    {"<message xml:lang='en'/>", "<message xml:lang='fr'/>", false, NULL, NULL},
    {"<message xml:lang='en'/>", "<message lang='en'/>", false, NULL, NULL},
    {"<a xmlns:x='urn:x' x:v='1'/>", "<a xmlns:y='urn:x' y:v='1'/>", true, NULL, NULL},
    {"<a xmlns:x='urn:x' x:v='1'/>", "<a v='1'/>", false, NULL, NULL},
    {"<a v='&lt;&amp;'/>", "<a v='&lt;&amp;'/>", true, NULL, NULL},
    /* children: any order, distinct, nested, extra allowed */
    {"<iq><b/><a/></iq>", "<iq><a/><b/></iq>", true, NULL, NULL},
    {"<iq><a/></iq>", "<iq><c/><a/><b/></iq>", true, NULL, NULL},
    {"<iq><a/><d/></iq>", "<iq><a/><b/></iq>", false, NULL, NULL},
    {"<iq><a/><a/></iq>", "<iq><a/></iq>", false, NULL, NULL},
    {"<iq><a/><a/></iq>", "<iq><a/><b/><a/></iq>", true, NULL, NULL},
    {"<r><a/><a x='1'/></r>", "<r><a x='1'/><a/></r>", true, NULL, NULL},
    {"<iq><query xmlns='jabber:iq:roster'/></iq>", "<iq><query xmlns='jabber:iq:private'/></iq>",
     false, NULL, NULL},
    {"<iq type='result'><query xmlns='jabber:iq:roster'><item jid='j@l' subscription='both'/>"
     "</query></iq>",
     "<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='2'>"
     "<item jid='n@l' subscription='none'/><item jid='j@l' subscription='both' name='J'>"
     "<group>Friends</group></item></query></iq>",
     true, NULL, NULL},
    {"<iq><query xmlns='jabber:iq:roster'><item jid='j@l'><group>Friends</group></item>"
     "</query></iq>",
     "<iq><query xmlns='jabber:iq:roster'><item jid='j@l'><group>Family</group></item>"
     "</query></iq>",
     false, NULL, NULL},
    {"<iq><query/></iq>", "<iq><x><query/></x></iq>", false, NULL, NULL},
    /* absent children */
    {"<presence><show sessim:absent='true'/></presence>", "<presence/>", true, NULL, NULL},
    {"<presence><show sessim:absent='true'/></presence>", "<presence><show>away</show></presence>",
     false, NULL, NULL},
    {"<presence><x xmlns='urn:x' v='1' sessim:absent='true'/></presence>",
     "<presence><x xmlns='urn:x' v='2'/></presence>", true, NULL, NULL},
    {"<presence><x xmlns='urn:x' v='1' sessim:absent='true'/></presence>",
     "<presence><x xmlns='urn:x' v='2'/><x xmlns='urn:x' v='1'/></presence>", false, NULL, NULL},
    {"<presence><show sessim:absent='false'/></presence>", "<presence/>", false, NULL, NULL},
    {"<presence><show sessim:absent='false'/></presence>", "<presence><show/></presence>", true,
     NULL, NULL},
    {"<m><a/><a sessim:absent='true'/></m>", "<m><a/></m>", false, NULL, NULL},
    /* exact children (1.9): these, one each, in this order, none more */
    {"<p sessim:exact='true'><a/><b/></p>", "<p><a x='1'/><b/></p>", true, NULL, NULL},
    {"<p sessim:exact='true'><a/><b/></p>", "<p><b/><a/></p>", false, NULL, NULL},
    {"<p sessim:exact='true'><a/><b/></p>", "<p><a/><b/><c/></p>", false, NULL, NULL},
    {"<p sessim:exact='true'><a/><b/></p>", "<p><a/></p>", false, NULL, NULL},
    {"<p sessim:exact='true'><a/><a/></p>", "<p><a/><a/><a/></p>", false, NULL, NULL},
    {"<p sessim:exact='true'/>", "<p>text only</p>", true, NULL, NULL},
    {"<p sessim:exact='true'/>", "<p><a/></p>", false, NULL, NULL},
    {"<p sessim:exact='false'><b/><a/></p>", "<p><a/><b/><c/></p>", true, NULL, NULL},
    {"<p sessim:exact='true'><a/><c sessim:absent='true'/></p>", "<p><a/></p>", true, NULL,
     NULL},
    {"<p><q sessim:exact='true'><a/><b/></q></p>", "<p><x/><q><a/><b/></q></p>", true, NULL,
     NULL},
    {"<p><q sessim:exact='true'><a/><b/></q></p>", "<p><q><b/><a/></q></p>", false, NULL, NULL},
    {"<p sessim:exact='true'><a v='{capture:x}'/><a v='2'/></p>", "<p><a v='1'/><a v='2'/></p>",
     true, "x", "1"},
    {"<p sessim:exact='true'><a v='{capture:x}'/><a v='2'/></p>", "<p><a v='2'/><a v='1'/></p>",
     false, "x", NULL},
    /* text */
    {"<body>hi</body>", "<body>  hi\n\t</body>", true, NULL, NULL},
    {"<body>\n  hi  \n</body>", "<body>hi</body>", true, NULL, NULL},
    {"<body>hi</body>", "<body>ho</body>", false, NULL, NULL},
    {"<body>a b</body>", "<body>a  b</body>", false, NULL, NULL},
    {"<body>hi</body>", "<body/>", false, NULL, NULL},
    {"<body/>", "<body>anything</body>", true, NULL, NULL},
    {"<body>   </body>", "<body>anything</body>", true, NULL, NULL},
    {"<body>{any}</body>", "<body> x </body>", true, NULL, NULL},
    {"<body>{any}</body>", "<body>  \n </body>", false, NULL, NULL},
    {"<body>{absent}</body>", "<body/>", true, NULL, NULL},
    {"<body>{absent}</body>", "<body>x</body>", false, NULL, NULL},
    {"<body>&lt;b&gt;</body>", "<body><![CDATA[<b>]]></body>", true, NULL, NULL},
    {"<a v='{capture:}'/>", "<a v='{capture:}'/>", true, NULL, NULL},
    {"<a v='{capture:}'/>", "<a v='x'/>", false, NULL, NULL},
    /* captures */
    {"<presence from='{capture:who}'/>", "<presence from='r@l/o'/>", true, "who", "r@l/o"},
    {"<presence from='{capture:who}'/>", "<presence/>", false, "who", NULL},
    {"<message><body>{capture:b}</body></message>", "<message><body>  hello there\n</body></message>",
     true, "b", "hello there"},
    {"<message><body>{capture:b}</body></message>", "<message><body/></message>", false, "b",
     NULL},
    {"<r><a v='{capture:x}' k='2'/></r>", "<r><a v='1' k='1'/><a v='2' k='2'/></r>", true, "x",
     "2"},
    {"<r><a v='{capture:x}'/><b/></r>", "<r><a v='1'/></r>", false, "x", NULL},
    {"<r id='{capture:x}'><c/></r>", "<r id='7'/>", false, "x", NULL},
    {"<r><a/><a v='{capture:x}'><k/></a></r>", "<r><a v='1'><k/></a><a v='2'/></r>", true, "x",
     "1"},
};

START_TEST(test_match_table)
{
    const struct match_row *row = &match_rows[_i];
    struct stanza *p = parse(row->pattern), *a = parse(row->actual);
    struct match_vars caps = {0};
    ck_assert_int_eq(match_stanza(stanza_root(p), stanza_root(a), &caps), row->expect);
    ck_assert_int_eq(match_stanza(stanza_root(p), stanza_root(a), NULL), row->expect);
    if (row->var != NULL && row->value != NULL)
        ck_assert_str_eq(match_vars_get(&caps, row->var), row->value);
    if (row->var != NULL && row->value == NULL)
        ck_assert_ptr_null(match_vars_get(&caps, row->var));
    if (!row->expect)
        ck_assert_uint_eq(caps.len, 0);
    match_vars_free(&caps);
    stanza_free(p);
    stanza_free(a);
}
END_TEST

START_TEST(test_match_failure_keeps_earlier_bindings)
{
    struct stanza *p = parse("<presence from='{capture:x}' type='a'/>");
    struct stanza *a = parse("<presence from='new' type='b'/>");
    struct match_vars caps = {0};
    match_vars_set(&caps, "x", "old");
    ck_assert(!match_stanza(stanza_root(p), stanza_root(a), &caps));
    ck_assert_str_eq(match_vars_get(&caps, "x"), "old");
    stanza_attr_set(a, stanza_root(a), "type", "a");
    ck_assert(match_stanza(stanza_root(p), stanza_root(a), &caps));
    ck_assert_str_eq(match_vars_get(&caps, "x"), "new");
    ck_assert_uint_eq(caps.len, 1);
    match_vars_free(&caps);
    stanza_free(p);
    stanza_free(a);
}
END_TEST

/* Equal children make a permutation search explode; the assignment does not. */
START_TEST(test_match_many_equal_children_is_fast)
{
    struct stanza *p = stanza_new(NULL), *a = stanza_new(NULL);
    struct stanza_node *pr = stanza_element_add(p, NULL, STANZA_NS_CLIENT, "r");
    struct stanza_node *ar = stanza_element_add(a, NULL, STANZA_NS_CLIENT, "r");
    for (int i = 0; i < 300; i++) {
        stanza_element_add(p, pr, STANZA_NS_CLIENT, "x");
        if (i > 0)
            stanza_element_add(a, ar, STANZA_NS_CLIENT, "x");
    }
    ck_assert(!match_stanza(pr, ar, NULL));
    stanza_element_add(a, ar, STANZA_NS_CLIENT, "x");
    ck_assert(match_stanza(pr, ar, NULL));
    stanza_free(p);
    stanza_free(a);
}
END_TEST

START_TEST(test_match_vars_keep_insertion_order)
{
    struct match_vars v = {0};
    match_vars_set(&v, "b", "1");
    match_vars_set(&v, "a", "2");
    match_vars_set(&v, "b", "3");
    ck_assert_uint_eq(v.len, 2);
    ck_assert_str_eq(v.items[0].name, "b");
    ck_assert_str_eq(v.items[0].value, "3");
    ck_assert_str_eq(v.items[1].name, "a");
    ck_assert_str_eq(match_vars_lookup(&v, "a"), "2");
    ck_assert_ptr_null(match_vars_get(&v, "c"));
    match_vars_free(&v);
    ck_assert_uint_eq(v.len, 0);
    match_vars_set(&v, "c", "");
    ck_assert_str_eq(match_vars_get(&v, "c"), "");
    match_vars_free(&v);
}
END_TEST

/* Substitution: text, expected result, expected unknown name. */
struct subst_row {
    const char *text;
    const char *result;
    const char *bad;
};

static const struct subst_row subst_rows[] = {
    {"<presence/>", "<presence/>", NULL},
    {"", "", NULL},
    {"to='${romeo.full}'", "to='romeo@localhost/orchard'", NULL},
    {"${domain}${domain}", "localhostlocalhost", NULL},
    {"${x}", "${y}", NULL},
    {"a ${nope} b", NULL, "nope"},
    {"${}", NULL, ""},
    {"cost: $5 ${ and {braces}", NULL, " and {braces"},
    {"cost: $5 {braces} ${", "cost: $5 {braces} ${", NULL},
    {"${domain", "${domain", NULL},
    {"$${domain}}", "$localhost}", NULL},
};

static const char *subst_lookup(void *ctx, const char *name)
{
    (void)ctx;
    static const char *const vars[][2] = {
        {"romeo.full", "romeo@localhost/orchard"}, {"domain", "localhost"}, {"x", "${y}"}};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (strcmp(vars[i][0], name) == 0)
            return vars[i][1];
    return NULL;
}

START_TEST(test_match_substitute_table)
{
    const struct subst_row *row = &subst_rows[_i];
    char *bad = NULL;
    char *out = match_substitute(row->text, subst_lookup, NULL, &bad);
    if (row->result != NULL) {
        ck_assert_str_eq(out, row->result);
        ck_assert_ptr_null(bad);
    } else {
        ck_assert_ptr_null(out);
        ck_assert_str_eq(bad, row->bad);
    }
    free(out);
    free(bad);
}
END_TEST

START_TEST(test_match_substitute_uses_vars)
{
    struct match_vars v = {0};
    match_vars_set(&v, "id", "abc");
    char *bad = NULL;
    char *out = match_substitute("<iq id='${id}'/>", match_vars_lookup, &v, &bad);
    ck_assert_str_eq(out, "<iq id='abc'/>");
    free(out);
    match_vars_free(&v);
}
END_TEST

/* Receive sets: patterns and actual stanzas separated by '|'. */
struct set_row {
    const char *patterns[3];
    const char *actual[3];
    size_t m;
    bool expect;
};

static const struct set_row set_rows[] = {
    {{"<a/>", "<b/>"}, {"<a/>", "<b/>"}, 2, true},
    {{"<a/>", "<b/>"}, {"<b/>", "<a/>"}, 2, true},
    {{"<a/>", "<a/>"}, {"<a/>", "<b/>"}, 2, false},
    {{"<a/>", "<a x='1'/>"}, {"<a x='1'/>", "<a/>"}, 2, true},
    {{"<a/>", "<b/>"}, {"<a/>"}, 1, false},
    {{"<a/>", "<b/>"}, {"<a/>", "<c/>", "<b/>"}, 3, false},
    {{"<a/>"}, {"<a/>", "<b/>"}, 2, true},
    {{"<a/>"}, {"<b/>", "<a/>"}, 2, false},
};

static size_t parse_all(const char *const *xml, size_t max, struct stanza **st,
                        const struct stanza_node **nodes)
{
    size_t n = 0;
    for (; n < max && xml[n] != NULL; n++) {
        st[n] = parse(xml[n]);
        nodes[n] = stanza_root(st[n]);
    }
    return n;
}

START_TEST(test_match_receive_set_table)
{
    const struct set_row *row = &set_rows[_i];
    struct stanza *ps[3], *as[3];
    const struct stanza_node *pn[3], *an[3];
    size_t n = parse_all(row->patterns, 3, ps, pn);
    size_t m = parse_all(row->actual, 3, as, an);
    ck_assert_uint_eq(m, row->m);
    size_t assign[3];
    ck_assert_int_eq(match_receive_set(pn, n, an, m, NULL, assign), row->expect);
    for (size_t i = 0; row->expect && i < n; i++)
        ck_assert(match_stanza(pn[i], an[assign[i]], NULL));
    for (size_t i = 0; i < n; i++)
        stanza_free(ps[i]);
    for (size_t i = 0; i < m; i++)
        stanza_free(as[i]);
}
END_TEST

START_TEST(test_match_receive_set_captures_and_assignment)
{
    const char *pats[] = {"<presence from='{capture:j}'/>", "<message id='{capture:id}'/>", NULL};
    const char *acts[] = {"<message id='m1'/>", "<presence from='j@l/b'/>", NULL};
    struct stanza *ps[2], *as[2];
    const struct stanza_node *pn[2], *an[2];
    parse_all(pats, 2, ps, pn);
    parse_all(acts, 2, as, an);
    struct match_vars caps = {0};
    size_t assign[2];
    ck_assert(match_receive_set(pn, 2, an, 2, &caps, assign));
    ck_assert_uint_eq(assign[0], 1);
    ck_assert_uint_eq(assign[1], 0);
    ck_assert_str_eq(match_vars_get(&caps, "j"), "j@l/b");
    ck_assert_str_eq(match_vars_get(&caps, "id"), "m1");
    match_vars_free(&caps);
    stanza_attr_set(as[0], stanza_root(as[0]), "id", NULL);
    ck_assert(!match_receive_set(pn, 2, an, 2, &caps, assign));
    ck_assert_uint_eq(caps.len, 0);
    ck_assert_uint_eq(assign[0], 1);
    ck_assert_uint_eq(assign[1], MATCH_UNASSIGNED);
    for (size_t i = 0; i < 2; i++) {
        stanza_free(ps[i]);
        stanza_free(as[i]);
    }
}
END_TEST

/* Pattern validation: pattern, expected message ("" = valid). */
struct check_row {
    const char *pattern;
    const char *msg;
};

static const struct check_row check_rows[] = {
    {"<presence from='{capture:a}'><show>{any}</show><x sessim:absent='true'/></presence>", ""},
    {"<presence><x sessim:absent='false' v='{capture:b}'/></presence>", ""},
    {"<presence sessim:absent='true'/>",
     "pattern element <presence>: sessim:absent is only allowed on a child element"},
    {"<presence><x sessim:missing='true'/></presence>",
     "pattern element <x>: unknown attribute sessim:missing"},
    {"<presence><x sessim:absent='yes'/></presence>",
     "pattern element <x>: sessim:absent must be \"true\" or \"false\", not yes"},
    {"<presence sessim:exact='true'><x sessim:exact='false'/></presence>", ""},
    {"<presence sessim:exact='1'/>",
     "pattern element <presence>: sessim:exact must be \"true\" or \"false\", not 1"},
    {"<presence from='{capture:}'/>",
     "pattern element <presence>: capture names use letters, digits, _ and -: {capture:}"},
    {"<presence from='{capture:a.b}'/>",
     "pattern element <presence>: capture names use letters, digits, _ and -: {capture:a.b}"},
    {"<m id='{capture:a}'><body> {capture:a} </body></m>",
     "pattern element <body>: capture bound twice: a"},
    {"<m><x sessim:absent='true'><y v='{capture:a}'/></x></m>",
     "pattern element <y>: a capture inside an absent child never binds: {capture:a}"},
};

START_TEST(test_match_pattern_check_table)
{
    const struct check_row *row = &check_rows[_i];
    struct stanza *p = parse(row->pattern);
    struct buf msg = {0};
    bool ok = match_pattern_check(stanza_root(p), NULL, &msg);
    ck_assert_int_eq(ok, row->msg[0] == '\0');
    ck_assert_str_eq(buf_cstr(&msg), row->msg);
    buf_free(&msg);
    stanza_free(p);
}
END_TEST

START_TEST(test_match_pattern_check_across_a_set)
{
    struct stanza *a = parse("<a v='{capture:x}'/>"), *b = parse("<b><c>{capture:x}</c></b>");
    struct match_vars names = {0};
    struct buf msg = {0};
    ck_assert(match_pattern_check(stanza_root(a), &names, &msg));
    ck_assert(!match_pattern_check(stanza_root(b), &names, &msg));
    ck_assert_str_eq(buf_cstr(&msg), "pattern element <c>: capture bound twice: x");
    buf_free(&msg);
    match_vars_free(&names);
    stanza_free(a);
    stanza_free(b);
}
END_TEST

#define ROWS(t) ((int)(sizeof(t) / sizeof((t)[0])))

Suite *match_suite(void)
{
    Suite *s = suite_create("match");
    TCase *tc = tcase_create("match");
    tcase_add_loop_test(tc, test_match_table, 0, ROWS(match_rows));
    tcase_add_test(tc, test_match_failure_keeps_earlier_bindings);
    tcase_add_test(tc, test_match_many_equal_children_is_fast);
    tcase_add_test(tc, test_match_vars_keep_insertion_order);
    tcase_add_loop_test(tc, test_match_substitute_table, 0, ROWS(subst_rows));
    tcase_add_test(tc, test_match_substitute_uses_vars);
    tcase_add_loop_test(tc, test_match_receive_set_table, 0, ROWS(set_rows));
    tcase_add_test(tc, test_match_receive_set_captures_and_assignment);
    tcase_add_loop_test(tc, test_match_pattern_check_table, 0, ROWS(check_rows));
    tcase_add_test(tc, test_match_pattern_check_across_a_set);
    suite_add_tcase(s, tc);
    return s;
}
