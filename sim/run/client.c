/* client: one scenario client's connection, parser and traffic (client.h). */
#include "run/client.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/text.h"

static void replace_string(char **slot, const char *s)
{
    free(*slot);
    *slot = s ? mem_strdup(s) : NULL;
}

/* ---- traffic ring ---- */

void client_text_write(const char *text, size_t len, size_t max, struct buf *out)
{
    size_t shown = len > max ? max : len;
    for (size_t i = 0; i < shown; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n')
            buf_puts(out, "\\n");
        else if (ch == '\t')
            buf_puts(out, "\\t");
        else if (ch == '\\')
            buf_puts(out, "\\\\");
        else if (ch < 0x20 || ch == 0x7f) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\x%02x", ch);
            buf_puts(out, esc);
        } else
            buf_putc(out, (char)ch);
    }
    if (shown < len) {
        buf_puts(out, "... (");
        buf_put_u64(out, len);
        buf_puts(out, " bytes)");
    }
}

static const char *const arrows[] = {"->", "<-", "=="};

/* One trace line (client.trace) for an entry kept in the ring. */
static void trace_add(struct client *c, enum client_dir dir, const char *text, size_t len,
                      size_t max)
{
    if (c->trace == NULL)
        return;
    buf_puts(c->trace, "  ");
    buf_puts(c->trace, c->name);
    buf_putc(c->trace, ' ');
    buf_puts(c->trace, arrows[dir]);
    buf_putc(c->trace, ' ');
    client_text_write(text, len, max, c->trace);
    buf_putc(c->trace, '\n');
}

/* Keeps the ring's next entry (just filled), dropping the oldest. */
static void ring_advance(struct client *c)
{
    c->history_next = (c->history_next + 1) % CLIENT_HISTORY_MAX;
    if (c->history_len < CLIENT_HISTORY_MAX)
        c->history_len++;
}

/* Raw bytes go in: escaping them costs more than the runs that fail. */
static void history_add(struct client *c, enum client_dir dir, const char *text, size_t len)
{
    if (c->batching && c->batch_len == CLIENT_BATCH_MAX) {
        memmove(&c->batch[0], &c->batch[1], (CLIENT_BATCH_MAX - 1) * sizeof c->batch[0]);
        c->batch_len--;
    }
    struct client_history_entry *e =
        c->batching ? &c->batch[c->batch_len++] : &c->history[c->history_next];
    e->step = c->step;
    e->dir = dir;
    e->len = len;
    memcpy(e->text, text, len < sizeof e->text ? len : sizeof e->text);
    if (!c->batching) {
        ring_advance(c);
        trace_add(c, dir, text, len, CLIENT_TRACE_TEXT_MAX);
    }
}

void client_batch_begin(struct client *c)
{
    c->batching = true;
}

void client_batch_end(struct client *c, const char *summary)
{
    c->batching = false;
    for (size_t i = 0; i < c->batch_len && summary == NULL; i++) {
        const struct client_history_entry *e = &c->batch[i];
        c->history[c->history_next] = *e;
        ring_advance(c);
        trace_add(c, e->dir, e->text, e->len, sizeof e->text);   /* cut to what was kept */
    }
    c->batch_len = 0;
    if (summary != NULL)
        client_event(c, summary);
}

void client_event(struct client *c, const char *text)
{
    history_add(c, CLIENT_EVENT, text, strlen(text));
}

void client_history_write(const struct client *c, struct buf *out, const char *indent)
{
    size_t first = (c->history_next + CLIENT_HISTORY_MAX - c->history_len) % CLIENT_HISTORY_MAX;
    for (size_t k = 0; k < c->history_len; k++) {
        const struct client_history_entry *e = &c->history[(first + k) % CLIENT_HISTORY_MAX];
        buf_puts(out, indent);
        buf_puts(out, "[step ");
        buf_put_u64(out, e->step + 1);
        buf_puts(out, "] ");
        buf_puts(out, arrows[e->dir]);
        buf_putc(out, ' ');
        client_text_write(e->text, e->len, CLIENT_HISTORY_TEXT_MAX, out);
        buf_putc(out, '\n');
    }
}

void client_stanza_write(const struct stanza_node *n, struct buf *out)
{
    stanza_serialize(n, STANZA_NS_CLIENT, true, out);
}

/* Stream features are long and routine: the ring shows their children. */
static void history_add_stanza(struct client *c, const struct stanza_node *root)
{
    struct buf b = {0};
    if (root->ns != NULL && strcmp(root->ns, STANZA_NS_STREAM) == 0 &&
        strcmp(root->name, "features") == 0) {
        buf_puts(&b, "<stream:features> [");
        const char *sep = "";
        for (const struct stanza_node *ch = stanza_child(root, NULL, NULL); ch != NULL;
             ch = stanza_child_next(ch, NULL, NULL)) {
            buf_puts(&b, sep);
            buf_puts(&b, ch->name);
            sep = " ";
        }
        buf_putc(&b, ']');
    } else if (c->injected != NULL) {   /* its serialisation, as written */
        history_add(c, CLIENT_RECEIVED, c->injected, c->injected_len);
        return;
    } else {
        client_stanza_write(root, &b);
    }
    history_add(c, CLIENT_RECEIVED, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* ---- parser callbacks ---- */

/* Copies at most max bytes of s to line at n; returns the new end. */
static size_t put_cut(char *line, size_t n, const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    memcpy(line + n, s, len);
    return n + len;
}

static void on_opened(void *ctx, const struct xmlstream_header *h)
{
    struct client *c = ctx;
    c->headers++;
    replace_string(&c->stream_id, h->id);
    if (c->state == CLIENT_RAW)
        c->state = CLIENT_UNAUTHED;
    else if (c->state == CLIENT_SASL_DONE)
        c->state = CLIENT_AUTHED;
    char line[200];   /* <stream:stream from='F' id='I'>, each cut to 60 bytes */
    size_t n = 0;
    n = put_cut(line, n, "<stream:stream from='", SIZE_MAX);
    n = put_cut(line, n, h->from ? h->from : "", 60);
    n = put_cut(line, n, "' id='", SIZE_MAX);
    n = put_cut(line, n, h->id ? h->id : "", 60);
    n = put_cut(line, n, "'>", SIZE_MAX);
    history_add(c, CLIENT_RECEIVED, line, n);
}

static bool is_element(const struct stanza_node *n, const char *ns, const char *name)
{
    return n != NULL && n->ns != NULL && strcmp(n->ns, ns) == 0 && strcmp(n->name, name) == 0;
}

/* The bound resource of a bind result (<iq type='result'><bind><jid>). */
static void note_bind_result(struct client *c, const struct stanza_node *root)
{
    const char *type = stanza_attr(root, "", "type");
    if (!is_element(root, STANZA_NS_CLIENT, "iq") || type == NULL || strcmp(type, "result") != 0)
        return;
    const struct stanza_node *bind = stanza_child(root, CLIENT_NS_BIND, "bind");
    const struct stanza_node *jid = bind ? stanza_child(bind, CLIENT_NS_BIND, "jid") : NULL;
    if (jid == NULL)
        return;
    struct buf text = {0};
    const char *slash = strchr(stanza_text(jid, &text), '/');
    if (slash != NULL && slash[1] != '\0') {
        replace_string(&c->bound_resource, slash + 1);
        c->state = CLIENT_BOUND;
        client_sm_reset(c);   /* a new session: no stream management yet */
    }
    buf_free(&text);
}

void client_sm_reset(struct client *c)
{
    c->sm_enabled = false;
    replace_string(&c->sm_id, NULL);
    replace_string(&c->sm_resource, NULL);
    c->sm_h = 0;
    c->sm_requests = 0;
}

void client_sm_claim(struct client *c, const char *h)
{
    uint32_t v = 0;
    size_t i = 0;
    for (; h[i] >= '0' && h[i] <= '9' && i < 10; i++)
        v = v * 10 + (uint32_t)(h[i] - '0');
    if (i > 0 && h[i] == '\0')
        c->sm_h = v;
}

static bool is_sm(const struct stanza_node *n, const char *name)
{
    return is_element(n, CLIENT_NS_SM, name) || is_element(n, "urn:xmpp:sm:2", name);
}

/* XEP-0198 bookkeeping; false when the element is a server <r/>, which
 * the harness absorbs unless a stream error came before it (SM14). */
static bool note_sm(struct client *c, const struct stanza_node *root)
{
    if (is_element(root, STANZA_NS_STREAM, "error"))
        c->stream_error = true;
    if (is_sm(root, "r") && !c->stream_error) {
        c->sm_requests++;
        return false;
    }
    if (is_sm(root, "enabled")) {
        c->sm_enabled = true;
        c->sm_h = 0;
        replace_string(&c->sm_id, stanza_attr(root, "", "id"));
        replace_string(&c->sm_resource, c->bound_resource);
    } else if (is_sm(root, "resumed") && c->state == CLIENT_AUTHED) {
        c->state = CLIENT_BOUND;
        replace_string(&c->bound_resource, c->sm_resource);
        c->sm_enabled = true;
    } else if (c->sm_enabled && root->ns != NULL && strcmp(root->ns, STANZA_NS_CLIENT) == 0 &&
               (strcmp(root->name, "message") == 0 || strcmp(root->name, "presence") == 0 ||
                strcmp(root->name, "iq") == 0)) {
        c->sm_h++;
    }
    return true;
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct client *c = ctx;
    const struct stanza_node *root = stanza_root(st);
    history_add_stanza(c, root);
    if (!note_sm(c, root)) {
        stanza_free(st);
        return;
    }
    if (c->state == CLIENT_UNAUTHED && is_element(root, CLIENT_NS_SASL, "success")) {
        c->state = CLIENT_SASL_DONE;
        xmlstream_restart(c->parser);
    } else if (c->state == CLIENT_AUTHED) {
        note_bind_result(c, root);
    }
    if (c->npending == c->pending_cap) {
        c->pending_cap = c->pending_cap ? 2 * c->pending_cap : 8;
        c->pending = mem_realloc(c->pending, c->pending_cap * sizeof *c->pending);
    }
    c->pending[c->npending++] = (struct client_pending){st, c->step};
}

static void on_closed(void *ctx)
{
    struct client *c = ctx;
    c->stream_ended = true;
    history_add(c, CLIENT_RECEIVED, XMLSTREAM_CLOSE, sizeof XMLSTREAM_CLOSE - 1);
}

static void on_error(void *ctx, enum xmlstream_error e)
{
    struct client *c = ctx;
    c->parse_error = e;
    char line[160];
    snprintf(line, sizeof line, "(bytes the client cannot parse: %s)", xmlstream_error_text(e));
    history_add(c, CLIENT_EVENT, line, strlen(line));
}

static const struct xmlstream_callbacks client_callbacks = {
    .opened = on_opened,
    .stanza = on_stanza,
    .closed = on_closed,
    .error = on_error,
};

/* ---- lifecycle ---- */

void client_init(struct client *c, const char *name, const char *account,
                 const char *resource, uint64_t salt)
{
    memset(c, 0, sizeof *c);
    c->name = mem_strdup(name);
    c->account = mem_strdup(account);
    c->resource = mem_strdup(resource);
    struct xmlstream_limits limits = {.size_max = CLIENT_STANZA_MAX};
    c->parser = xmlstream_new(NULL, &client_callbacks, c, &limits, (unsigned long)salt);
    if (c->parser == NULL)
        abort();
}

void client_free(struct client *c)
{
    xmlstream_free(c->parser);
    for (size_t i = 0; i < c->npending; i++)
        stanza_free(c->pending[i].stanza);
    free(c->pending);
    free(c->name);
    free(c->account);
    free(c->resource);
    free(c->asked_resource);
    free(c->bound_resource);
    free(c->sm_resource);
    free(c->stream_id);
    free(c->sm_id);
    memset(c, 0, sizeof *c);
}

bool client_open(struct client *c, struct target *t)
{
    unsigned conn = target_connect(t);
    if (conn == 0)
        return false;
    xmlstream_reset(c->parser);
    c->conn = conn;
    c->state = CLIENT_RAW;
    c->sm_enabled = false;   /* counting waits for <enabled/> or <resumed/> on it */
    c->closed = false;
    c->stream_ended = false;
    c->stream_error = false;
    c->headers = 0;
    c->parse_error = XMLSTREAM_E_NONE;
    c->wire_fault = NULL;
    c->last_mark = '\0';
    replace_string(&c->stream_id, NULL);
    replace_string(&c->bound_resource, NULL);   /* until this connection binds */
    char line[64];
    text_numbered(line, sizeof line, "new connection ", conn);
    client_event(c, line);
    return true;
}

bool client_is_open(const struct client *c)
{
    return c->conn != 0 && !c->closed;
}

bool client_send_parsed(struct client *c, struct target *t, const char *bytes, size_t len,
                        const struct xmlstream_header *h, const struct stanza_node *el)
{
    history_add(c, CLIENT_SENT, bytes, len);
    return target_send_parsed(t, c->conn, bytes, len, h, el);
}

bool client_send(struct client *c, struct target *t, const char *bytes, size_t len,
                 const char *shown)
{
    if (shown != NULL)
        history_add(c, CLIENT_SENT, shown, strlen(shown));
    else
        history_add(c, CLIENT_SENT, bytes, len);
    return target_send(t, c->conn, bytes, len);
}

/* Parses the received bytes; with use_trees, the stanzas the target holds
 * as trees among them are handed to the parser as those trees, where it
 * can take them (between stanzas), and the stream headers it holds parsed
 * as those headers (at a document's start): their bytes are not parsed. */
static void read_bytes(struct client *c, struct target *t, const char *bytes, size_t len)
{
    size_t n = 0, pos = 0;
    struct target_stanza *ts = c->use_trees ? target_stanzas(t, c->conn, &n) : NULL;
    for (size_t i = 0; i < n && ts[i].end <= len; i++) {
        if (ts[i].start < pos || (ts[i].tree == NULL && ts[i].header == NULL))
            continue;
        xmlstream_feed(c->parser, bytes + pos, ts[i].start - pos);
        pos = ts[i].start;
        c->injected = bytes + pos;
        c->injected_len = ts[i].end - pos;
        if (ts[i].header != NULL) {
            if (xmlstream_inject_header(c->parser, ts[i].header, bytes + pos, ts[i].end - pos))
                pos = ts[i].end;
        } else if (xmlstream_inject(c->parser, ts[i].tree, ts[i].end - pos, STANZA_NS_CLIENT)) {
            ts[i].tree = NULL;
            pos = ts[i].end;
        }
        c->injected = NULL;
    }
    xmlstream_feed(c->parser, bytes + pos, len - pos);
}

static void note_wire_fault(struct client *c, const char *what)
{
    if (c->wire_fault == NULL) {
        c->wire_fault = what;
        client_event(c, what);
    }
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Where a chunk's bytes after the stream's close start: after the last
 * closing tag in it, or (a tag split across chunks) after its last '>'. */
static size_t after_close(const char *bytes, size_t len)
{
    size_t n = sizeof XMLSTREAM_CLOSE - 1, end = 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(bytes + i, XMLSTREAM_CLOSE, n) == 0)
            end = i + n;
    for (size_t i = len; end == 0 && i > 0; i--)
        if (bytes[i - 1] == '>')
            end = i;
    return end;
}

/* RFC 6120 4.4: the closing tag is the last of a stream; nothing but
 * whitespace may follow it (a stray byte the parser no longer reads). */
static void check_wire(struct client *c, const char *bytes, size_t len, bool ended_before)
{
    size_t last = len;
    while (last > 0 && is_blank(bytes[last - 1]))
        last--;
    if (last > 0)
        c->last_mark = bytes[last - 1];
    if (!c->stream_ended)
        return;
    for (size_t i = ended_before ? 0 : after_close(bytes, len); i < len; i++)
        if (!is_blank(bytes[i])) {
            note_wire_fault(c, "the server sent bytes after its </stream:stream>");
            return;
        }
}

void client_pump(struct client *c, struct target *t)
{
    if (c->conn == 0)
        return;
    size_t len;
    const char *bytes = target_received(t, c->conn, &len);
    if (len > 0) {
        bool ended = c->stream_ended;
        /* The parser copies what it needs; consume after feeding. */
        read_bytes(c, t, bytes, len);
        check_wire(c, bytes, len, ended);
        target_consume(t, c->conn, len);
    }
    if (!c->closed && target_closed(t, c->conn)) {
        c->closed = true;
        if (c->last_mark != '\0' && c->last_mark != '>')
            note_wire_fault(c, "the server closed the connection inside markup");
        client_event(c, "connection closed");
    }
}

void client_hangup(struct client *c, struct target *t)
{
    if (c->conn != 0 && !c->closed) {
        target_hangup(t, c->conn);
        c->closed = true;
        client_event(c, "hung up");
    }
}

/* ---- resources and pending stanzas ---- */

const char *client_asked_resource(const struct client *c)
{
    return c->asked_resource ? c->asked_resource : c->resource;
}

const char *client_resource(const struct client *c)
{
    return c->bound_resource ? c->bound_resource : client_asked_resource(c);
}

void client_set_asked_resource(struct client *c, const char *resource)
{
    replace_string(&c->asked_resource, resource);
}

const struct stanza_node *client_pending_at(const struct client *c, size_t i)
{
    return stanza_root(c->pending[i].stanza);
}

size_t client_pending_step(const struct client *c, size_t i)
{
    return c->pending[i].step;
}

void client_pending_remove(struct client *c, size_t i)
{
    stanza_free(c->pending[i].stanza);
    memmove(&c->pending[i], &c->pending[i + 1], (c->npending - i - 1) * sizeof *c->pending);
    c->npending--;
}
