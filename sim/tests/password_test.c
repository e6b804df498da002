/* password: which sent stanzas are noted as password changes, and which
 * answers make them the account's password (sim/run/password.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "model/xmlstream.h"
#include "run/password.h"
#include "suites.h"

#define REG "<query xmlns='jabber:iq:register'>"

static struct stanza *parse(const char *xml)
{
    enum xmlstream_error err;
    unsigned long line, col;
    struct stanza *st = xmlstream_parse_element(xml, strlen(xml), STANZA_NS_CLIENT, &err, &line,
                                                &col);
    ck_assert_ptr_nonnull(st);
    return st;
}

/* Notes sent (client 0, authenticated as authed or not), then reads got;
 * returns the learnt "account:password", or "" (static buffer). */
static const char *learn(const char *authed, const char *sent, const char *got)
{
    static char out[128];
    struct password_changes p = {0};
    struct stanza *s = parse(sent), *g = parse(got);
    password_note_sent(&p, 0, authed, stanza_root(s));
    char *account = NULL, *password = NULL;
    out[0] = '\0';
    if (password_take_answer(&p, 0, stanza_root(g), &account, &password))
        snprintf(out, sizeof out, "%s:%s", account, password);
    free(account);
    free(password);
    password_changes_free(&p);
    stanza_free(s);
    stanza_free(g);
    return out;
}

static const struct {
    const char *authed, *sent, *got, *learnt;
} rows[] = {
    /* a change on an authenticated stream: the session's account */
    {"romeo", "<iq type='set' id='a'>" REG "<username>romeo</username><password>new</password></query></iq>",
     "<iq type='result' id='a'/>", "romeo:new"},
    /* a hand-written registration: the username it names */
    {NULL, "<iq type='set' id='b'>" REG "<username>tybalt</username><password>pw2</password></query></iq>",
     "<iq type='result' id='b'/>", "tybalt:pw2"},
    /* refused: the old password stays */
    {"romeo", "<iq type='set' id='c'>" REG "<username>juliet</username><password>x</password></query></iq>",
     "<iq type='error' id='c'/>", ""},
    /* another id answered */
    {"romeo", "<iq type='set' id='d'>" REG "<username>romeo</username><password>x</password></query></iq>",
     "<iq type='result' id='e'/>", ""},
    /* not a change: removal, a get, no id, no password, another namespace */
    {"romeo", "<iq type='set' id='f'>" REG "<remove/><password>x</password></query></iq>",
     "<iq type='result' id='f'/>", ""},
    {"romeo", "<iq type='get' id='g'>" REG "<password>x</password></query></iq>",
     "<iq type='result' id='g'/>", ""},
    {"romeo", "<iq type='set'>" REG "<password>x</password></query></iq>", "<iq type='result'/>", ""},
    {"romeo", "<iq type='set' id='h'>" REG "<username>romeo</username></query></iq>",
     "<iq type='result' id='h'/>", ""},
    {"romeo", "<iq type='set' id='i'><query xmlns='jabber:iq:roster'><password>x</password></query></iq>",
     "<iq type='result' id='i'/>", ""},
};

START_TEST(test_password_learns_from_the_result_only)
{
    const char *got = learn(rows[_i].authed, rows[_i].sent, rows[_i].got);
    ck_assert_str_eq(got, rows[_i].learnt);
}
END_TEST

START_TEST(test_password_answers_belong_to_their_client)
{
    struct password_changes p = {0};
    struct stanza *s = parse("<iq type='set' id='a'>" REG "<password>new</password></query></iq>");
    struct stanza *g = parse("<iq type='result' id='a'/>");
    password_note_sent(&p, 1, "romeo", stanza_root(s));
    char *account = NULL, *password = NULL;
    ck_assert(!password_take_answer(&p, 0, stanza_root(g), &account, &password));
    ck_assert_uint_eq(p.len, 1);
    password_forget(&p, 1);       /* a new connection of client 1 */
    ck_assert_uint_eq(p.len, 0);
    ck_assert(!password_take_answer(&p, 1, stanza_root(g), &account, &password));
    password_changes_free(&p);
    stanza_free(s);
    stanza_free(g);
}
END_TEST

Suite *password_suite(void)
{
    Suite *s = suite_create("password");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_password_learns_from_the_result_only, 0, (int)COUNT(rows));
    tcase_add_test(tc, test_password_answers_belong_to_their_client);
    suite_add_tcase(s, tc);
    return s;
}
