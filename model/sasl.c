/* sasl: PLAIN authentication (see sasl.h).
 *
 * Protocol coupling, the stream circle (session <-> sasl, registration,
 * route, smacks): session dispatches a stream's top-level elements by state
 * (S6, A11) to SASL, registration, routing and stream management, and
 * those act back on the stream: SASL success restarts it (A5), removing
 * an account or changing its password closes its streams (G7), stream
 * management closes, hibernates and resumes them (SM11-SM21).
 */
#include "sasl.h"

#include <string.h>
#include <stdlib.h>

#include "account.h"
#include "conn.h"
#include "internal.h"
#include "jid.h"
#include "session.h"
#include "xmpp.h"

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

bool sasl_base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len)
{
    if (len % 4 != 0)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; k++) {
            char c = in[i + k];
            bool last = i + 4 == len;
            /* "xx==" or "xxx=": at k == 3 in[i + 3] is c itself */
            if (c == '=' && last && k >= 2 && in[i + 3] == '=') {
                pad++;   /* its digit is never read */
                continue;
            }
            if ((v[k] = b64_value(c)) < 0)
                return false;
        }
        out[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (pad < 2)
            out[n++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
        if (pad < 1)
            out[n++] = (unsigned char)(v[2] << 6 | v[3]);
    }
    out[n] = '\0';
    *out_len = n;
    return true;
}

static void sasl_reply(struct session *s, const char *name, const char *condition,
                       const char *text)
{
    struct stanza *st = stanza_new(&s->m->heap);
    struct stanza_node *r = stanza_element_add(st, NULL, XMPP_NS_SASL, name);
    if (condition != NULL)
        stanza_element_add(st, r, XMPP_NS_SASL, condition);
    if (text != NULL) {
        struct stanza_node *t = stanza_element_add(st, r, XMPP_NS_SASL, "text");
        stanza_text_add(st, t, text, strlen(text));
    }
    conn_send(s->m, s, r);
    stanza_free(st);
}

/* A2, A3: checks the decoded `authzid NUL authcid NUL password`. Returns
 * the failure condition (setting *text when it has one), or NULL with the
 * normalised username in user. */
static const char *plain_check(struct session *s, const unsigned char *msg, size_t len,
                               char *user, const char **text)
{
    const unsigned char *nul1 = memchr(msg, 0, len);
    const unsigned char *nul2 = nul1 ? memchr(nul1 + 1, 0, len - (size_t)(nul1 + 1 - msg)) : NULL;
    if (nul2 == NULL || memchr(nul2 + 1, 0, len - (size_t)(nul2 + 1 - msg)) != NULL)
        return "malformed-request";
    const char *authcid = (const char *)nul1 + 1;
    size_t authcid_len = (size_t)(nul2 - nul1 - 1);
    const char *at = memchr(authcid, '@', authcid_len);
    if (PROFILE_EJABBERD(s->m) && nul1 == msg && at != NULL)
        authcid_len = (size_t)(at - authcid);   /* EJ24: "user@anything" names user */
    const char *password = (const char *)nul2 + 1;
    if (password[0] == '\0' || jid_local_prep(authcid, authcid_len, user) != JID_E_OK) {
        *text = "Invalid username or password.";
        return "malformed-request";
    }
    struct account *a = account_find(s->m, user);
    if (a == NULL || strcmp(a->password, password) != 0) {
        *text = "Unable to authorize you with the authentication credentials you've sent.";
        return "not-authorized";
    }
    return NULL;
}

static void plain_auth(struct session *s, const struct stanza_node *el)
{
    struct buf payload = {.heap = &s->m->heap};
    const char *b64 = stanza_text(el, &payload);
    size_t len = strlen(b64);
    unsigned char *msg = heap_alloc(&s->m->heap, len + 1);
    char *user = heap_alloc(&s->m->heap, len + 1);
    size_t msg_len;
    const char *cond, *text = NULL;
    if (strcmp(b64, "=") == 0)   /* RFC 6120 6.4.2: an empty response */
        cond = "malformed-request";
    else if (!sasl_base64_decode(b64, len, msg, &msg_len))
        cond = "incorrect-encoding";
    else
        cond = plain_check(s, msg, msg_len, user, &text);
    if (cond != NULL && PROFILE_EJABBERD(s->m)) {
        /* EJ24: a message ejabberd cannot split is not-authorized with
         * "Response decoding failed", one whose credentials fail with
         * "Invalid username or password". */
        text = text != NULL ? "Invalid username or password" : "Response decoding failed";
        cond = "not-authorized";
    }
    if (cond != NULL) {
        sasl_reply(s, "failure", cond, text);
    } else {
        s->authenticated = true;   /* A5 */
        s->username = heap_strdup(&s->m->heap, user);
        sasl_reply(s, "success", NULL, NULL);
        session_restart_stream(s);
    }
    heap_free(&s->m->heap, msg);
    heap_free(&s->m->heap, user);
    buf_free(&payload);
}

void sasl_handle(struct session *s, const struct stanza_node *el)
{
    if (strcmp(el->name, "auth") == 0) {
        const char *mech = stanza_attr(el, "", "mechanism");
        if (mech == NULL || strcmp(mech, "PLAIN") != 0)
            sasl_reply(s, "failure", "invalid-mechanism", NULL);   /* A1 */
        else
            plain_auth(s, el);
    } else if (strcmp(el->name, "response") == 0) {
        sasl_reply(s, "failure", "not-authorized",   /* A4 */
                   PROFILE_TEXT(s->m, "Out of order SASL element",
                                "SASL negotiation is not allowed in this state"));
    } else if (strcmp(el->name, "abort") == 0) {
        sasl_reply(s, "failure", "aborted", NULL);
    } else if (PROFILE_EJABBERD(s->m)) {   /* EJ50 */
        if (strcmp(el->name, "challenge") == 0 || strcmp(el->name, "failure") == 0)
            session_close(s, "not-authorized", NULL, NULL, NULL);
    } else {
        session_close(s, "unsupported-stanza-type", NULL, NULL, NULL);
    }
}

void sasl_handle_late(struct session *s)
{
    sasl_reply(s, "failure", "not-authorized", "SASL negotiation is not allowed in this state");
}
