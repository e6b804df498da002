/* plainxml: what it parses, expat parses into the same tree; what it
 * leaves to expat, it leaves whole (sim/run/plainxml.h). */
#include <check.h>
#include <string.h>

#include "base/count.h"
#include "model/xmlstream.h"
#include "run/plainxml.h"
#include "suites.h"

/* Plain stanzas: each parses, to what expat reads. */
static const char *const plain[] = {
    "<presence/>",
    "<presence></presence>",
    "<presence type='unavailable'><status>bye</status></presence>",
    "<message to=\"u1@localhost/r\" type='chat' id='e1'><body>a &amp; b &lt;&gt; "
    "&apos;&quot; > ]] ]></body></message>",
    "<iq type='get' id='x'><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>",
    "<iq type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource>"
    "</bind></iq>",
    "<message xml:lang='en' lang='de'><body xml:lang='fr'>x</body></message>",
    "<presence\ttype = \"a'b\"\n id='x\"y'  ><show>chat</show ></presence\n>",
    "<message><body>line one\n\tline two</body><thread>t</thread>tail</message>",
    "<message xmlns='jabber:client'><x xmlns='urn:x'><y/>text<z xmlns='urn:z'/></x></message>",
    "<a-b.c_d e.f-g='&amp;&amp;'/>",
    "<presence a1='1' a2='2' a3='3' a4='4' a5='5' a6='6' a7='7' a8='8' a9='9' a10='10' "
    "a11='11' a12='12' a13='13' a14='14' a15='15' a16='16'/>",
};

/* Not plain (some are not XML at all): left to expat. */
static const char *const not_plain[] = {
    "",
    " <presence/>",
    "<presence/> ",
    "<presence/><presence/>",
    "text",
    "<presence>",
    "<presence",
    "<presence><show></presence>",
    "</presence>",
    "<presence/>\n",
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
    "<p:presence xmlns:p='jabber:client'/>",
    "<presence xmlns:p='urn:p'/>",
    "<presence p:a='1' xmlns:p='urn:p'/>",
    "<message><body>&#65;</body></message>",
    "<message><body>&nbsp;</body></message>",
    "<message><body>&amp</body></message>",
    "<presence/><!-- c -->",
    "<message><!-- c --></message>",
    "<message><![CDATA[x]]></message>",
    "<message><?pi x?></message>",
    "<?xml version='1.0'?><presence/>",
    "<message><body>caf\xc3\xa9</body></message>",
    "<message><body>a\rb</body></message>",
    "<message><body>\x01</body></message>",
    "<message><body>\x7f</body></message>",
    "<presence to='a\tb'/>",
    "<presence to='a\nb'/>",
    "<presence to='a<b'/>",
    "<presence to='a&#10;b'/>",
    "<presence to='x'type='y'/>",
    "<presence to='x' to='y'/>",
    "<presence xmlns='a' xmlns='a'/>",
    "<presence xmlns=''/>",
    "<presence xmlns='http://www.w3.org/XML/1998/namespace'/>",
    "<presence xmlns='http://www.w3.org/2000/xmlns/'/>",
    "<presence xml:space='preserve'/>",
    "<message><body>a]]>b</body></message>",
    "<presence to=x/>",
    "<presence to='x/>",
    "<presence / >",
    "<1presence/>",
    "<presence a1='1' a2='2' a3='3' a4='4' a5='5' a6='6' a7='7' a8='8' a9='9' a10='10' "
    "a11='11' a12='12' a13='13' a14='14' a15='15' a16='16' a17='17'/>",
    "<a234567890123456789012345678901234567890123456789012345678901234/>",
};

static struct stanza *expat_parse(const char *text, size_t len)
{
    enum xmlstream_error err;
    unsigned long line, col;
    return xmlstream_parse_element(text, len, STANZA_NS_CLIENT, &err, &line, &col);
}

/* plainxml gives NULL, or expat's tree. */
static bool agrees(const char *text, size_t len)
{
    struct stanza *fast = plainxml_parse(text, len, STANZA_NS_CLIENT);
    if (fast == NULL)
        return true;
    struct stanza *slow = expat_parse(text, len);
    bool same = slow != NULL && stanza_equal(stanza_root(fast), stanza_root(slow));
    stanza_free(fast);
    stanza_free(slow);
    return same;
}

START_TEST(test_plainxml_parses_what_expat_reads)
{
    const char *text = plain[_i];
    struct stanza *fast = plainxml_parse(text, strlen(text), STANZA_NS_CLIENT);
    ck_assert_msg(fast != NULL, "not taken as plain: %s", text);
    struct stanza *slow = expat_parse(text, strlen(text));
    ck_assert_ptr_nonnull(slow);
    ck_assert_msg(stanza_equal(stanza_root(fast), stanza_root(slow)), "differs: %s", text);
    stanza_free(fast);
    stanza_free(slow);
}
END_TEST

START_TEST(test_plainxml_leaves_the_rest_to_expat)
{
    const char *text = not_plain[_i];
    struct stanza *fast = plainxml_parse(text, strlen(text), STANZA_NS_CLIENT);
    ck_assert_msg(fast == NULL, "taken as plain: %s", text);
}
END_TEST

/* The default namespace given is the root's unless it declares one. */
START_TEST(test_plainxml_default_namespace)
{
    struct stanza *st = plainxml_parse("<presence><x xmlns='urn:x'><y/></x></presence>", 46,
                                       "jabber:server");
    ck_assert_ptr_nonnull(st);
    const struct stanza_node *root = stanza_root(st);
    ck_assert_str_eq(root->ns, "jabber:server");
    ck_assert_str_eq(root->children->ns, "urn:x");
    ck_assert_str_eq(root->children->children->ns, "urn:x");
    stanza_free(st);
}
END_TEST

/* Nesting: as deep as a stream parser with the default limits takes, and
 * one element deeper (left to expat, which refuses it), whether the
 * innermost is empty or not. */
START_TEST(test_plainxml_depth_limit)
{
    for (unsigned depth = XMLSTREAM_DEPTH_MAX_DEFAULT; depth <= XMLSTREAM_DEPTH_MAX_DEFAULT + 1;
         depth++) {
        struct buf text = {0};
        for (unsigned i = 1; i < depth; i++)
            buf_puts(&text, "<a>");
        buf_puts(&text, _i ? "<b/>" : "<b></b>");
        for (unsigned i = 1; i < depth; i++)
            buf_puts(&text, "</a>");
        struct stanza *fast = plainxml_parse(text.data, text.len, STANZA_NS_CLIENT);
        struct stanza *slow = expat_parse(text.data, text.len);
        ck_assert_int_eq(fast != NULL, depth <= XMLSTREAM_DEPTH_MAX_DEFAULT);
        ck_assert_int_eq(slow != NULL, depth <= XMLSTREAM_DEPTH_MAX_DEFAULT);
        ck_assert(fast == NULL || stanza_equal(stanza_root(fast), stanza_root(slow)));
        stanza_free(fast);
        stanza_free(slow);
        buf_free(&text);
    }
}
END_TEST

/* Every cut and every one-byte change of the plain stanzas: whatever
 * plainxml still takes, expat reads the same. */
START_TEST(test_plainxml_near_misses_agree_with_expat)
{
    static const char bytes[] = "<>/='\"& \t\n\rax:;#]![?-\x01\x7f\xc3";
    const char *text = plain[_i];
    size_t len = strlen(text);
    char copy[512];
    ck_assert_uint_lt(len, sizeof copy);
    for (size_t cut = 0; cut <= len; cut++)
        ck_assert_msg(agrees(text, cut), "cut at %zu: %.*s", cut, (int)cut, text);
    for (size_t at = 0; at < len; at++) {
        for (size_t b = 0; b < sizeof bytes - 1; b++) {
            memcpy(copy, text, len);
            copy[at] = bytes[b];
            ck_assert_msg(agrees(copy, len), "byte %zu as 0x%02x: %.*s", at,
                          (unsigned char)bytes[b], (int)len, copy);
        }
    }
}
END_TEST

Suite *plainxml_suite(void)
{
    Suite *s = suite_create("plainxml");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_plainxml_parses_what_expat_reads, 0, (int)COUNT(plain));
    tcase_add_loop_test(tc, test_plainxml_leaves_the_rest_to_expat, 0, (int)COUNT(not_plain));
    tcase_add_test(tc, test_plainxml_default_namespace);
    tcase_add_loop_test(tc, test_plainxml_depth_limit, 0, 2);
    tcase_add_loop_test(tc, test_plainxml_near_misses_agree_with_expat, 0, (int)COUNT(plain));
    suite_add_tcase(s, tc);
    return s;
}
