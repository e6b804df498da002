/* pace: tag-level tracking of a connection for round trips (see pace.h).
 *
 * Both directions are read as norm.h reads a server: a tag runs from '<'
 * to the '>' outside quotes. Client bytes may be anything a scenario
 * writes (send_raw), so whatever the tracker cannot follow (comments,
 * CDATA, a declaration, an end tag with nothing open) marks the
 * connection as one it never pings: a ping must never change what the
 * server makes of the client's bytes. XEP-0198's elements are told by
 * their xmlns attribute (Prosody writes it on each); on the client's side
 * any tag naming an XEP-0198 namespace counts as using it.
 */
#include "live/pace.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "live/norm.h"

bool pace_mode_parse(const char *text, enum pace_mode *mode)
{
    if (strcmp(text, "roundtrip") == 0)
        *mode = PACE_ROUNDTRIP;
    else if (strcmp(text, "settle") == 0)
        *mode = PACE_SETTLE;
    else
        return false;
    return true;
}

const char *pace_mode_name(enum pace_mode mode)
{
    switch (mode) {
    case PACE_SETTLE:
        return "settle";
    case PACE_ROUNDTRIP:
        return "roundtrip";
    }
    return "?";
}

static const char *const end_names[] = {
#define PACE_END_NAME(n, name, text) [PACE_END_##n] = name,
    PACE_ENDS(PACE_END_NAME)
#undef PACE_END_NAME
};

static const char *const end_texts[] = {
#define PACE_END_TEXT(n, name, text) [PACE_END_##n] = text,
    PACE_ENDS(PACE_END_TEXT)
#undef PACE_END_TEXT
};

const char *pace_end_name(enum pace_end e)
{
    return e < PACE_END_COUNT ? end_names[e] : "?";
}

const char *pace_end_text(enum pace_end e)
{
    return e < PACE_END_COUNT ? end_texts[e] : "?";
}

/* ---- tags ---- */

enum tag_kind { TAG_START, TAG_EMPTY, TAG_END, TAG_PI, TAG_OTHER };

static enum tag_kind tag_kind(const char *tag, size_t len)
{
    if (len >= 2 && tag[1] == '?')
        return TAG_PI;
    if (len >= 2 && tag[1] == '!')
        return TAG_OTHER;
    if (len >= 2 && tag[1] == '/')
        return TAG_END;
    return len >= 3 && tag[len - 2] == '/' ? TAG_EMPTY : TAG_START;
}

static bool tag_is(const char *tag, size_t len, const char *name, bool *prefixed)
{
    const char *local;
    size_t llen;
    bool p;
    norm_tag_local(tag + (tag_kind(tag, len) == TAG_END), len, &local, &llen, &p);
    if (prefixed != NULL)
        *prefixed = p;
    return llen == strlen(name) && memcmp(local, name, llen) == 0;
}

/* A stream header: <stream:stream> (any prefix), or <stream> before any. */
static bool is_header(const char *tag, size_t len, unsigned depth)
{
    bool prefixed;
    return tag_kind(tag, len) == TAG_START && tag_is(tag, len, "stream", &prefixed) &&
           (prefixed || depth == 0);
}

static bool attr_is(const char *tag, size_t len, const char *name, const char *value,
                    bool prefix)
{
    size_t vs, ve, n = strlen(value);
    return norm_tag_attr(tag, len, name, &vs, &ve) &&
           (prefix ? ve - vs > n : ve - vs == n) && memcmp(tag + vs, value, n) == 0;
}

static bool all_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

static bool contains(const char *s, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(s + i, what, n) == 0)
            return true;
    return false;
}

static const char sm2_ns[] = "urn:xmpp:sm:2", sm3_ns[] = "urn:xmpp:sm:3";

/* The XEP-0198 namespaces a tag names anywhere (a prefix declared in it too). */
static unsigned sm_named(const char *tag, size_t len)
{
    return (contains(tag, len, sm2_ns) ? PACE_SM2 : 0) | (contains(tag, len, sm3_ns) ? PACE_SM3 : 0);
}

/* The namespace bit of a tag's xmlns attribute, 0 when not XEP-0198's. */
static unsigned sm_xmlns(const char *tag, size_t len)
{
    return attr_is(tag, len, "xmlns", sm2_ns, false)   ? PACE_SM2
           : attr_is(tag, len, "xmlns", sm3_ns, false) ? PACE_SM3
                                                       : 0;
}

/* ---- client ---- */

/* A stream-level <enable/> or <resume/> of XEP-0198: named so, and in
 * its namespace or prefixed (the prefix may be bound to it elsewhere). */
static bool is_sm_request(const char *tag, size_t len)
{
    bool prefixed;
    bool named = tag_is(tag, len, "enable", &prefixed) || tag_is(tag, len, "resume", &prefixed);
    return named && (prefixed || sm_named(tag, len) != 0);
}

/* A stream-level element that starts a negotiation step (SASL, TLS,
 * compression): the server may reset its parser after answering it, so
 * nothing may follow it until the client opens a new stream or the server
 * says it failed. */
static bool is_negotiation(const char *tag, size_t len)
{
    static const char *const names[] = {"auth", "response", "abort", "starttls", "compress"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (tag_is(tag, len, names[i], NULL))
            return true;
    return false;
}

static void client_tag(struct pace_conn *pc, const char *tag, size_t len)
{
    enum tag_kind k = tag_kind(tag, len);
    if (k == TAG_PI)
        return;
    pc->cns |= sm_named(tag, len);
    if (is_header(tag, len, pc->cdepth)) {
        pc->cdepth = 1;
        pc->ctext = false;
        pc->negotiating = false;
        return;
    }
    if (k == TAG_OTHER || pc->cdepth == 0) {
        pc->cbad = true;
        return;
    }
    if (pc->cdepth == 1) {
        pc->ctext = false;
        if (k == TAG_END) {
            pc->cclosed = true;
            pc->cdepth = 0;
            return;
        }
        if (k != TAG_END && is_sm_request(tag, len))
            pc->sm_asked++;
        pc->negotiating |= is_negotiation(tag, len);
    }
    if (k == TAG_START)
        pc->cdepth++;
    else if (k == TAG_END)
        pc->cdepth--;
}

void pace_conn_client(struct pace_conn *pc, const char *bytes, size_t len)
{
    buf_append(&pc->cheld, bytes, len);
    const char *s = pc->cheld.data;
    size_t n = pc->cheld.len, i = 0;
    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t text_end = lt ? (size_t)(lt - s) : n;
        if (pc->cdepth == 1 && !all_space(s + i, text_end - i))
            pc->ctext = true;
        i = text_end;
        size_t e = i < n ? norm_tag_end(s, n, i) : 0;
        if (e == 0)
            break;
        client_tag(pc, s + i, e - i);
        i = e;
    }
    buf_consume(&pc->cheld, i);
}

/* ---- server ---- */

static void header_seen(struct pace_conn *pc, const char *tag, size_t len)
{
    size_t vs, ve;
    buf_clear(&pc->domain);
    if (norm_tag_attr(tag, len, "from", &vs, &ve))
        buf_append(&pc->domain, tag + vs, ve - vs);
    pc->sdepth = 1;
    pc->sopen = true;
}

/* The server's answer to an <enable/> or <resume/>: <enabled/> and
 * <resumed/> turn stream management on in their namespace, and
 * <resumed/> moves a bound session onto the connection. */
static void sm_answer(struct pace_conn *pc, const char *tag, size_t len)
{
    unsigned ns = sm_xmlns(tag, len);
    bool resumed = tag_is(tag, len, "resumed", NULL);
    bool on = resumed || tag_is(tag, len, "enabled", NULL);
    if (ns == 0 || !(on || tag_is(tag, len, "failed", NULL)))
        return;
    if (pc->sm_asked > 0)
        pc->sm_asked--;
    if (on)
        pc->sm_ns = ns;
    pc->bound |= resumed;
    pc->resumed |= resumed;
}

/* The seq of a ping the iq start tag answers: a result or an error whose
 * id is PACE_ID_PREFIX and a decimal number; 0 when it is not one. */
static unsigned long ping_seq_of(const char *tag, size_t len)
{
    size_t vs, ve, n = sizeof PACE_ID_PREFIX - 1;
    if (!(attr_is(tag, len, "type", "result", false) || attr_is(tag, len, "type", "error", false)) ||
        !norm_tag_attr(tag, len, "id", &vs, &ve) || ve - vs <= n || ve - vs > n + 20)
        return 0;
    unsigned long seq = 0;
    for (size_t i = vs + n; i < ve; i++) {
        if (tag[i] < '0' || tag[i] > '9' || seq > (ULONG_MAX - 9) / 10)
            return 0;
        seq = seq * 10 + (unsigned long)(tag[i] - '0');
    }
    return seq;
}

/* What a stream-level start tag answers: a ping (an iq with the harness's
 * id: one waited for, or late) or a probe (an <a/> in the probe's
 * namespace while probes are out). */
static enum pace_answer answer_of(const struct pace_conn *pc, const char *tag, size_t len)
{
    if (tag_is(tag, len, "iq", NULL) && attr_is(tag, len, "id", PACE_ID_PREFIX, true)) {
        unsigned long seq = ping_seq_of(tag, len);
        return seq > pc->ping_late && seq <= pc->ping_last ? PACE_ANSWER_PING : PACE_ANSWER_LATE;
    }
    if (pc->probes > 0 && tag_is(tag, len, "a", NULL) &&
        sm_xmlns(tag, len) == pace_conn_probe_ns(pc))
        return PACE_ANSWER_PROBE;
    return PACE_ANSWER_NONE;
}

/* A stream-level start tag: an answer begins, or an iq result. */
static void stanza_start(struct pace_conn *pc, const char *tag, size_t len)
{
    bool iq = tag_is(tag, len, "iq", NULL);
    if (tag_is(tag, len, "failure", NULL))
        pc->negotiating = false;
    sm_answer(pc, tag, len);
    pc->in_answer = answer_of(pc, tag, len);
    pc->parent_result = iq && pc->in_answer == PACE_ANSWER_NONE &&
                        attr_is(tag, len, "type", "result", false);
}

/* The stream-level element has ended: whether it was an answer, taken
 * out; *answers counts it when it stands for a ping or probe waited for. */
static bool stanza_end(struct pace_conn *pc, size_t *answers)
{
    enum pace_answer answer = pc->in_answer;
    pc->in_answer = PACE_ANSWER_NONE;
    pc->parent_result = false;
    if (answer == PACE_ANSWER_NONE)
        return false;
    buf_clear(&pc->sheld);
    if (answer == PACE_ANSWER_PROBE && pc->probes > 0)
        pc->probes--;
    if (answer == PACE_ANSWER_LATE)
        return true;   /* it stands for no ping waited for */
    if (answer == PACE_ANSWER_PROBE && pc->late_probes > 0) {
        pc->late_probes--;
        return true;   /* the answer to a probe written before the last give-up */
    }
    if (pc->pending > 0)
        pc->pending--;
    (*answers)++;
    return true;
}

/* Moves depth for one tag; returns whether it ends an answer (taken
 * out), counting in *answers those that stand for a ping or probe. */
static bool server_tag(struct pace_conn *pc, const char *tag, size_t len, size_t *answers)
{
    enum tag_kind k = tag_kind(tag, len);
    if (is_header(tag, len, pc->sdepth)) {
        header_seen(pc, tag, len);
        return false;
    }
    if (k == TAG_PI || k == TAG_OTHER || pc->sdepth == 0)
        return false;
    if (k == TAG_END) {
        if (--pc->sdepth == 0) {
            pc->sopen = false;
            pc->sclosed = true;
        }
        return pc->sdepth == 1 && stanza_end(pc, answers);
    }
    if (pc->sdepth == 1)
        stanza_start(pc, tag, len);
    else if (pc->sdepth == 2 && pc->parent_result && tag_is(tag, len, "bind", NULL))
        pc->bound = true;
    if (k == TAG_START) {
        pc->sdepth++;
        return false;
    }
    return pc->sdepth == 1 && stanza_end(pc, answers);
}

size_t pace_conn_server(struct pace_conn *pc, const char *bytes, size_t len, bool final,
                        struct buf *out)
{
    size_t answers = 0, i = 0;
    while (i < len) {
        const char *lt = memchr(bytes + i, '<', len - i);
        size_t text_end = lt ? (size_t)(lt - bytes) : len;
        buf_append(pc->in_answer != PACE_ANSWER_NONE ? &pc->sheld : out, bytes + i,
                   text_end - i);
        i = text_end;
        if (i == len)
            break;     /* text to the end: the next read goes on */
        size_t e = norm_tag_end(bytes, len, i);
        if (e == 0)
            e = len;   /* an unfinished tag only comes with final */
        bool held = pc->in_answer != PACE_ANSWER_NONE;
        bool ended = server_tag(pc, bytes + i, e - i, &answers);
        if (!held && pc->in_answer == PACE_ANSWER_NONE && !ended)
            buf_append(out, bytes + i, e - i);
        else if (!ended)
            buf_append(&pc->sheld, bytes + i, e - i);
        i = e;
    }
    if (final) {
        buf_clear(&pc->sheld);
        pc->in_answer = PACE_ANSWER_NONE;
        pc->sopen = false;
        pc->pending = pc->probes = pc->late_probes = pc->sm_asked = 0;
        pc->ping_late = pc->ping_last;
    }
    return answers;
}

/* ---- pinging ---- */

enum pace_end pace_conn_why_not(const struct pace_conn *pc)
{
    if (pc->cbad)
        return PACE_END_UNTRACKED;
    if (pc->sm_asked > 0)
        return PACE_END_SM_ASKED;
    if ((pc->cns & pace_conn_probe_ns(pc)) != 0)
        return PACE_END_SM;   /* its answers could not be told from the client's */
    if (!pc->sopen || pc->domain.len == 0)
        return PACE_END_NO_STREAM;
    if (pc->negotiating)
        return PACE_END_NEGOTIATING;
    if (pc->cclosed || !pace_conn_between_stanzas(pc))
        return PACE_END_MID_STANZA;
    return PACE_END_ROUNDTRIP;
}

bool pace_conn_between_stanzas(const struct pace_conn *pc)
{
    return !pc->cbad && pc->cdepth == 1 && pc->cheld.len == 0 && !pc->ctext;
}

bool pace_conn_can_ping(const struct pace_conn *pc)
{
    return pace_conn_why_not(pc) == PACE_END_ROUNDTRIP;
}

bool pace_conn_header_due(const struct pace_conn *pc)
{
    return !pc->sopen && !pc->sclosed && !pc->cbad && !pc->cclosed && pc->cdepth == 1 &&
           pc->cheld.len == 0 && !pc->ctext;
}

bool pace_conn_sm_due(const struct pace_conn *pc)
{
    return pc->sm_asked > 0 && pc->sopen && !pc->cbad;
}

unsigned pace_conn_probe_ns(const struct pace_conn *pc)
{
    return pc->sm_ns == 0 ? 0 : pc->sm_ns == PACE_SM3 ? PACE_SM2 : PACE_SM3;
}

bool pace_conn_ping(struct pace_conn *pc, unsigned long seq, struct buf *out)
{
    unsigned ns = pace_conn_probe_ns(pc);
    pc->pending++;
    if (ns != 0) {
        buf_puts(out, "<r xmlns='");
        buf_puts(out, ns == PACE_SM2 ? sm2_ns : sm3_ns);
        buf_puts(out, "'/>");
        pc->probes++;
        return true;
    }
    char id[32];
    snprintf(id, sizeof id, "%s%lu", PACE_ID_PREFIX, seq);
    pc->ping_last = seq;
    buf_puts(out, "<iq type='get' id='");
    buf_puts(out, id);
    buf_puts(out, "' to='");
    buf_append(out, pc->domain.data, pc->domain.len);
    buf_puts(out, "'><ping xmlns='urn:xmpp:ping'/></iq>");
    return false;
}

void pace_conn_give_up(struct pace_conn *pc)
{
    pc->pending = 0;
    pc->late_probes = pc->probes;
    pc->ping_late = pc->ping_last;
}

void pace_conn_free(struct pace_conn *pc)
{
    buf_free(&pc->cheld);
    buf_free(&pc->sheld);
    buf_free(&pc->domain);
}
