/* stanza: building, querying, equality, serializer escaping and namespaces. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "helpers.h"
#include "stanza.h"
#include "suites.h"

static const char *serialize(const struct stanza *st, struct buf *out)
{
    buf_clear(out);
    stanza_serialize(stanza_root(st), STANZA_NS_CLIENT, true, out);
    return buf_cstr(out);
}

START_TEST(test_stanza_builds_and_serializes)
{
    struct stanza *st = stanza_new(NULL);
    struct stanza_node *iq = stanza_element_add(st, NULL, STANZA_NS_CLIENT, "iq");
    stanza_attr_add(st, iq, "", "type", "result");
    stanza_attr_add(st, iq, STANZA_NS_XML, "lang", "en");
    struct stanza_node *q = stanza_element_add(st, iq, "jabber:iq:roster", "query");
    struct stanza_node *item = stanza_element_add(st, q, "jabber:iq:roster", "item");
    stanza_attr_add(st, item, "", "name", "R&J <\"'>\t\n\r");
    struct stanza_node *g = stanza_element_add(st, item, "jabber:iq:roster", "group");
    stanza_text_add(st, g, "a&b", 3);
    stanza_text_add(st, g, "<c>]]>\r", 7);
    stanza_element_add(st, iq, "", "bare");
    struct stanza_node *err = stanza_element_add(st, iq, STANZA_NS_STREAM, "error");
    stanza_attr_add(st, err, "urn:x", "a", "1");
    struct buf out = {0};
    ck_assert_str_eq(serialize(st, &out),
                     "<iq type='result' xml:lang='en'><query xmlns='jabber:iq:roster'>"
                     "<item name='R&amp;J &lt;&quot;&apos;&gt;&#9;&#10;&#13;'>"
                     "<group>a&amp;b&lt;c&gt;]]&gt;&#13;</group></item></query>"
                     "<bare xmlns=''/><stream:error xmlns:ns1='urn:x' ns1:a='1'/></iq>");
    buf_clear(&out);
    stanza_serialize(stanza_root(st), "", false, &out);
    ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "<iq xmlns='jabber:client'"));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "<error xmlns='http://etherx.jabber.org/streams'"));
    /* the serializer terminates the buffer itself (buf.h), over the
     * longer bytes written before */
    buf_clear(&out);
    stanza_serialize(stanza_child(iq, "", "bare"), "", false, &out);
    ck_assert_str_eq(out.data, "<bare/>");
    ck_assert_str_eq(stanza_text(g, &out), "a&b<c>]]>\r");
    ck_assert_uint_eq(stanza_child_count(iq), 3);
    ck_assert_ptr_eq(stanza_child(iq, "", "bare"), iq->children->next);
    ck_assert_ptr_eq(stanza_child_next(q, NULL, NULL), iq->children->next);
    ck_assert_ptr_null(stanza_child(iq, "urn:none", NULL));
    ck_assert_str_eq(stanza_attr(iq, STANZA_NS_XML, "lang"), "en");
    ck_assert_ptr_null(stanza_attr(iq, "", "lang"));
    ck_assert_uint_ge(stanza_arena_bytes(st), 900);
    buf_free(&out);
    stanza_free(st);
    stanza_free(NULL);
}
END_TEST

START_TEST(test_stanza_attr_set_replaces_appends_removes)
{
    struct stanza *st = helpers_element("<message to='a' from='b' id='c'/>");
    struct stanza_node *m = stanza_root(st);
    struct buf out = {0};
    stanza_attr_set(st, m, "from", "z");
    stanza_attr_set(st, m, "type", "chat");
    stanza_attr_set(st, m, "to", NULL);
    stanza_attr_set(st, m, "type", NULL);
    stanza_attr_set(st, m, "nothere", NULL);
    ck_assert_str_eq(serialize(st, &out), "<message from='z' id='c'/>");
    stanza_attr_set(st, m, "id", NULL);
    stanza_attr_set(st, m, "from", NULL);
    stanza_attr_set(st, m, "x", "1");
    ck_assert_str_eq(serialize(st, &out), "<message x='1'/>");
    /* removing from the middle keeps the rest; an append still goes last */
    stanza_attr_set(st, m, "y", "2");
    stanza_attr_set(st, m, "z", "3");
    stanza_attr_set(st, m, "y", NULL);
    stanza_attr_set(st, m, "w", "4");
    ck_assert_str_eq(serialize(st, &out), "<message x='1' z='3' w='4'/>");
    buf_free(&out);
    stanza_free(st);
}
END_TEST

START_TEST(test_stanza_copy_and_equal)
{
    struct stanza *a = helpers_element(
        "<message xmlns:x='urn:x' x:y='1' to='t'><body>hi<b/>there</body><x:e/></message>");
    struct stanza *b = stanza_clone(NULL, stanza_root(a));
    ck_assert(stanza_equal(stanza_root(a), stanza_root(b)));
    struct stanza *c = stanza_new(NULL);
    struct stanza_node *wrap = stanza_element_add(c, NULL, "", "wrap");
    stanza_copy_into(c, wrap, stanza_root(a));
    ck_assert(stanza_equal(wrap->children, stanza_root(a)));
    stanza_attr_set(b, stanza_root(b), "to", "u");
    ck_assert(!stanza_equal(stanza_root(a), stanza_root(b)));
    struct stanza *d = helpers_element("<message xmlns:x='urn:x' x:y='1' to='t'>"
                                       "<body>hi<b/>there</body></message>");
    ck_assert(!stanza_equal(stanza_root(a), stanza_root(d)));
    struct stanza *e = helpers_element("<message to='t' xmlns:x='urn:x' x:y='1'>"
                                       "<body>hi<b/>there</body><x:e/></message>");
    ck_assert(!stanza_equal(stanza_root(a), stanza_root(e)));   /* attribute order */
    stanza_free(a);
    stanza_free(b);
    stanza_free(c);
    stanza_free(d);
    stanza_free(e);
}
END_TEST

/* Attributes in foreign namespaces get one prefix each (ns1, ns2, ...,
 * ns24: two digits, distinct), xml:lang keeps xml: and a default-namespace child
 * keeps its own xmlns; reparsing the output gives the same tree, every
 * attribute found again under its namespace. */
START_TEST(test_stanza_foreign_attributes_survive_a_round_trip)
{
    struct buf xml = {0}, out = {0};
    buf_puts(&xml, "<message to='t' xml:lang='en'");
    for (unsigned i = 0; i < 24; i++) {
        char a[96];
        snprintf(a, sizeof a, " xmlns:p%u='urn:example:%u' p%u:a%u='v%u'", i, i, i, i, i);
        buf_puts(&xml, a);
    }
    buf_puts(&xml, "><body xmlns='urn:other'>x</body></message>");
    struct stanza *a = helpers_element(buf_cstr(&xml));
    stanza_serialize(stanza_root(a), STANZA_NS_CLIENT, true, &out);
    struct stanza *b = helpers_element(buf_cstr(&out));
    ck_assert_msg(stanza_equal(stanza_root(a), stanza_root(b)), "%s", buf_cstr(&out));
    for (unsigned i = 0; i < 24; i++) {
        char ns[32], name[16], value[16];
        snprintf(ns, sizeof ns, "urn:example:%u", i);
        snprintf(name, sizeof name, "a%u", i);
        snprintf(value, sizeof value, "v%u", i);
        ck_assert_ptr_nonnull(stanza_attr(stanza_root(b), ns, name));
        ck_assert_str_eq(stanza_attr(stanza_root(b), ns, name), value);
    }
    ck_assert_str_eq(stanza_attr(stanza_root(b), STANZA_NS_XML, "lang"), "en");
    stanza_free(a);
    stanza_free(b);
    buf_free(&xml);
    buf_free(&out);
}
END_TEST

/* Texts of the same length but different bytes, and attributes that
 * differ only in value or namespace, make trees unequal. */
START_TEST(test_stanza_equal_compares_contents)
{
    static const char *const pairs[][2] = {
        {"<body>abc</body>", "<body>abd</body>"},
        {"<m a='1'/>", "<m a='2'/>"},
        {"<m xmlns:x='urn:x' x:a='1'/>", "<m xmlns:y='urn:y' y:a='1'/>"},
        {"<m><a/></m>", "<m><a/><a/></m>"},
        {"<m>t</m>", "<m><t/></m>"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct stanza *a = helpers_element(pairs[i][0]), *b = helpers_element(pairs[i][1]);
        ck_assert_msg(!stanza_equal(stanza_root(a), stanza_root(b)), "%s", pairs[i][0]);
        ck_assert_msg(!stanza_equal(stanza_root(b), stanza_root(a)), "%s", pairs[i][1]);
        ck_assert_msg(stanza_equal(stanza_root(a), stanza_root(a)), "%s", pairs[i][0]);
        stanza_free(a);
        stanza_free(b);
    }
}
END_TEST

/* Texts added one after the other join into one text node. */
START_TEST(test_stanza_adjacent_texts_join)
{
    struct stanza *st = stanza_new(NULL);
    struct stanza_node *b = stanza_element_add(st, NULL, STANZA_NS_CLIENT, "body");
    stanza_text_add(st, b, "ab", 2);
    stanza_text_add(st, b, "", 0);
    stanza_text_add(st, b, "cde", 3);
    ck_assert_ptr_null(b->children->next);
    struct buf text = {0}, out = {0};
    ck_assert_str_eq(stanza_text(b, &text), "abcde");
    ck_assert_str_eq(serialize(st, &out), "<body>abcde</body>");
    buf_free(&text);
    buf_free(&out);
    stanza_free(st);
}
END_TEST

START_TEST(test_stanza_large_tree_spills_arena)
{
    struct stanza *st = stanza_new(NULL);
    struct stanza_node *root = stanza_element_add(st, NULL, "urn:big", "root");
    for (int i = 0; i < 2000; i++) {
        struct stanza_node *c = stanza_element_add(st, root, "urn:big", "child");
        stanza_attr_add(st, c, "", "n", "0123456789");
    }
    ck_assert_uint_eq(stanza_child_count(root), 2000);
    ck_assert_uint_gt(stanza_arena_bytes(st), 100000);
    struct buf out = {0};
    stanza_serialize(root, "", false, &out);
    enum xmlstream_error e;
    unsigned long line, col;
    struct stanza *again = xmlstream_parse_element(out.data, out.len, "", &e, &line, &col);
    ck_assert_ptr_nonnull(again);
    ck_assert(stanza_equal(root, stanza_root(again)));
    stanza_free(again);
    buf_free(&out);
    stanza_free(st);
}
END_TEST

/* An empty tree takes exactly its arena's bytes of strings before growing
 * (strings pack without padding). */
START_TEST(test_stanza_arena_holds_its_bytes_of_strings)
{
    struct stanza *st = stanza_new(NULL);
    size_t cap = stanza_arena_bytes(st);
    ck_assert_uint_gt(cap, 0);
    for (size_t i = 0; i < cap; i++)
        ck_assert_str_eq(stanza_strndup(st, "xyz", 0), "");
    ck_assert_uint_eq(stanza_arena_bytes(st), cap);
    ck_assert_str_eq(stanza_strndup(st, "xyz", 2), "xy");
    ck_assert_uint_gt(stanza_arena_bytes(st), cap);
    stanza_free(st);
}
END_TEST

/* A new tree is one allocation of 1 KiB with a heap's block header (its
 * own header is at least 32 bytes and at most 64), which glibc serves
 * from its per-thread cache. */
START_TEST(test_stanza_new_tree_is_one_kib)
{
    struct stanza *st = stanza_new(NULL);
    size_t first = stanza_arena_bytes(st) + sizeof(struct heap_block);
    ck_assert_uint_le(first, 1024 - 32);
    ck_assert_uint_ge(first, 1024 - 64);
    stanza_free(st);
}
END_TEST

/* Empty text adds no node: the element stays empty and serializes as such. */
START_TEST(test_stanza_empty_text_adds_nothing)
{
    struct stanza *st = stanza_new(NULL);
    struct stanza_node *b = stanza_element_add(st, NULL, STANZA_NS_CLIENT, "body");
    stanza_text_add(st, b, "", 0);
    stanza_text_add(st, b, "ignored", 0);
    ck_assert_ptr_null(b->children);
    struct buf out = {0};
    ck_assert_str_eq(serialize(st, &out), "<body/>");
    buf_free(&out);
    stanza_free(st);
}
END_TEST

static void *poisoned_malloc(size_t n)
{
    unsigned char *p = malloc(n);
    if (p != NULL)
        memset(p, 0xA5, n);
    return p;
}

/* A joined text stays NUL-terminated at its length, whatever the arena's
 * memory held and whatever is allocated after it. */
START_TEST(test_stanza_joined_text_is_terminated)
{
    struct heap h;
    heap_init(&h, poisoned_malloc, NULL, NULL);
    struct stanza *st = stanza_new(&h);
    struct stanza_node *b = stanza_element_add(st, NULL, STANZA_NS_CLIENT, "body");
    stanza_text_add(st, b, "ab", 2);
    stanza_text_add(st, b, "cd", 2);
    ck_assert_str_eq(stanza_strdup(st, "XY"), "XY");
    ck_assert_uint_eq(b->children->text_len, 4);
    ck_assert_str_eq(b->children->text, "abcd");
    stanza_free(st);
    ck_assert_uint_eq(heap_blocks(&h), 0);
}
END_TEST

static bool realloc_refused;

static void *refusing_realloc(void *p, size_t n)
{
    return realloc_refused ? NULL : realloc(p, n);
}

struct serialize_call {
    const struct stanza_node *el;
    struct buf *out;
};

static void serialize_body(void *p)
{
    const struct serialize_call *c = p;
    stanza_serialize(c->el, STANZA_NS_CLIENT, true, c->out);
}

/* A serialization cut short by a failed allocation (heap.h) leaves what
 * it wrote terminated (buf.h), over the longer bytes written before. */
START_TEST(test_stanza_serialize_cut_short_is_terminated)
{
    struct heap h;
    heap_init(&h, NULL, refusing_realloc, NULL);
    struct buf out = {.heap = &h};
    char fill[64], to[101];
    memset(fill, 'x', sizeof fill - 1);
    fill[sizeof fill - 1] = '\0';
    buf_puts(&out, fill);   /* 64 bytes: the next growth reallocates */
    buf_clear(&out);
    memset(to, 'a', sizeof to - 1);
    to[sizeof to - 1] = '\0';
    struct stanza *st = stanza_new(NULL);
    struct stanza_node *m = stanza_element_add(st, NULL, STANZA_NS_CLIENT, "message");
    stanza_attr_add(st, m, "", "to", to);
    realloc_refused = true;
    struct serialize_call c = {m, &out};
    ck_assert(!heap_run(&h, serialize_body, &c));
    realloc_refused = false;
    ck_assert_str_eq(out.data, "<message to='");
    ck_assert_uint_eq(out.len, strlen("<message to='"));
    buf_free(&out);
    stanza_free(st);
    ck_assert_uint_eq(heap_blocks(&h), 0);
}
END_TEST

/* A clone takes one block of its heap, and stanza_clone_extra's extra
 * bytes of strings fit in it too. */
START_TEST(test_stanza_clone_fits_one_block)
{
    struct stanza *a = helpers_element(
        "<message xmlns:x='urn:x' x:y='1' to='t' xml:lang='en'><body>hi<b/>there"
        "<c xmlns='urn:c'>text<d>more text</d>!</c></body><x:e/>tail</message>");
    struct heap h;
    heap_init(&h, NULL, NULL, NULL);
    struct stanza *b = stanza_clone(&h, stanza_root(a));
    ck_assert_uint_eq(heap_blocks(&h), 1);
    ck_assert(stanza_equal(stanza_root(a), stanza_root(b)));
    stanza_free(b);
    b = stanza_clone_extra(&h, stanza_root(a), 64);
    for (int i = 0; i < 64; i++)
        stanza_strndup(b, "", 0);
    ck_assert_uint_eq(heap_blocks(&h), 1);
    ck_assert(stanza_equal(stanza_root(a), stanza_root(b)));
    stanza_free(b);
    stanza_free(a);
}
END_TEST

/* Clones of trees of elements, attributes and texts of every length modulo
 * the node alignment take one block each: the size estimate covers every
 * padding. */
START_TEST(test_stanza_clone_fits_one_block_any_lengths)
{
    static const char chars[] = "abcdefghijklmnop";
    for (int lens = 0; lens < 8 * 8 * 8; lens++) {
        int name_len = 1 + lens % 8, value_len = 1 + lens / 8 % 8, text_len = 1 + lens / 64;
        char name[9] = {0}, value[9] = {0};
        memcpy(name, chars, (size_t)name_len);
        memcpy(value, chars, (size_t)value_len);
        struct stanza *a = stanza_new(NULL);
        struct stanza_node *r = stanza_element_add(a, NULL, "", "r");
        for (int i = 0; i < 32; i++) {
            struct stanza_node *c = stanza_element_add(a, r, "urn:x", name);
            stanza_attr_add(a, c, "urn:y", "a", value);
            stanza_text_add(a, r, chars, (size_t)text_len);
        }
        struct heap h;
        heap_init(&h, NULL, NULL, NULL);
        struct stanza *b = stanza_clone(&h, r);
        ck_assert_msg(heap_blocks(&h) == 1, "names %d, values %d, texts %d", name_len,
                      value_len, text_len);
        ck_assert(stanza_equal(r, stanza_root(b)));
        stanza_free(b);
        stanza_free(a);
    }
}
END_TEST

/* Elements that differ in attribute count, in namespace only, in name only
 * or in attributes only are unequal, either way round. */
START_TEST(test_stanza_equal_compares_each_part)
{
    static const char *const pairs[][2] = {
        {"<m a='1'/>", "<m a='1' b='2'/>"},
        {"<m/>", "<m a='1'/>"},
        {"<m xmlns='urn:a'/>", "<m xmlns='urn:b'/>"},
        {"<m/>", "<n/>"},
        {"<m b='1'/>", "<m a='1'/>"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct stanza *a = helpers_element(pairs[i][0]), *b = helpers_element(pairs[i][1]);
        ck_assert_msg(!stanza_equal(stanza_root(a), stanza_root(b)), "%s", pairs[i][0]);
        ck_assert_msg(!stanza_equal(stanza_root(b), stanza_root(a)), "%s", pairs[i][1]);
        stanza_free(a);
        stanza_free(b);
    }
}
END_TEST

/* The escapers read len bytes and no further. */
START_TEST(test_stanza_escape_reads_len_bytes)
{
    struct buf out = {0};
    stanza_escape_text("a&b", 1, &out);
    ck_assert_str_eq(buf_cstr(&out), "a");
    buf_clear(&out);
    stanza_escape_attr("'<", 1, &out);
    ck_assert_str_eq(buf_cstr(&out), "&apos;");
    buf_free(&out);
}
END_TEST

/* Text escapes & < > and CR only; an attribute value also quotes, tab
 * and line feed (which attribute normalisation would turn into spaces). */
START_TEST(test_stanza_escape_text_and_attr_differ)
{
    static const char all[] = "a&<>\r\"'\t\nz";
    static const char longer[] = "0123456789012345678901234567890123456789012345678901234";
    struct buf out = {0};
    /* each escaper leaves the buffer terminated (buf.h), even over the
     * bytes of a longer string before it */
    buf_puts(&out, longer);
    buf_clear(&out);
    stanza_escape_text(all, sizeof all - 1, &out);
    ck_assert_str_eq(out.data, "a&amp;&lt;&gt;&#13;\"'\t\nz");
    buf_clear(&out);
    buf_puts(&out, longer);
    buf_clear(&out);
    stanza_escape_attr(all, sizeof all - 1, &out);
    ck_assert_str_eq(out.data, "a&amp;&lt;&gt;&#13;&quot;&apos;&#9;&#10;z");
    buf_free(&out);
    /* nothing to escape (no bytes at all) still gives a terminated buffer */
    struct buf empty = {0};
    stanza_escape_text(NULL, 0, &empty);
    ck_assert_str_eq(empty.data, "");
    stanza_escape_attr(NULL, 0, &empty);
    ck_assert_str_eq(empty.data, "");
    buf_free(&empty);
}
END_TEST

/* A namespace equal to the parent's, or a common one, is shared rather
 * than copied: the same string in every tree. */
START_TEST(test_stanza_namespaces_are_shared)
{
    char ns[] = "urn:example:own";
    char copy[] = "urn:example:own";
    char client[] = STANZA_NS_CLIENT;
    char none[] = "";
    struct stanza *a = stanza_new(NULL), *b = stanza_new(NULL);
    struct stanza_node *ra = stanza_element_add(a, NULL, ns, "r");
    struct stanza_node *ca = stanza_element_add(a, ra, copy, "c");
    ck_assert_ptr_ne(ra->ns, ns);
    ck_assert_ptr_eq(ca->ns, ra->ns);
    struct stanza_node *ma = stanza_element_add(a, ca, client, "m");
    struct stanza_node *ea = stanza_element_add(a, ma, none, "e");
    struct stanza_node *rb = stanza_element_add(b, NULL, STANZA_NS_CLIENT, "m");
    struct stanza_node *eb = stanza_element_add(b, rb, "", "e");
    ck_assert_ptr_eq(ma->ns, rb->ns);
    ck_assert_ptr_eq(ea->ns, eb->ns);
    ck_assert_str_eq(ma->ns, STANZA_NS_CLIENT);
    ck_assert_str_eq(ea->ns, "");
    stanza_free(a);
    stanza_free(b);
}
END_TEST

Suite *stanza_suite(void)
{
    Suite *s = suite_create("stanza");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_stanza_builds_and_serializes);
    tcase_add_test(tc, test_stanza_attr_set_replaces_appends_removes);
    tcase_add_test(tc, test_stanza_copy_and_equal);
    tcase_add_test(tc, test_stanza_large_tree_spills_arena);
    tcase_add_test(tc, test_stanza_foreign_attributes_survive_a_round_trip);
    tcase_add_test(tc, test_stanza_equal_compares_contents);
    tcase_add_test(tc, test_stanza_adjacent_texts_join);
    tcase_add_test(tc, test_stanza_arena_holds_its_bytes_of_strings);
    tcase_add_test(tc, test_stanza_new_tree_is_one_kib);
    tcase_add_test(tc, test_stanza_empty_text_adds_nothing);
    tcase_add_test(tc, test_stanza_joined_text_is_terminated);
    tcase_add_test(tc, test_stanza_clone_fits_one_block);
    tcase_add_test(tc, test_stanza_clone_fits_one_block_any_lengths);
    tcase_add_test(tc, test_stanza_equal_compares_each_part);
    tcase_add_test(tc, test_stanza_escape_reads_len_bytes);
    tcase_add_test(tc, test_stanza_escape_text_and_attr_differ);
    tcase_add_test(tc, test_stanza_serialize_cut_short_is_terminated);
    tcase_add_test(tc, test_stanza_namespaces_are_shared);
    suite_add_tcase(s, tc);
    return s;
}
