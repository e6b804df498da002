/* conn: connections and server output (see conn.h).
 *
 * Protocol coupling, the write path (conn <-> smacks): every stanza
 * conn_send writes is counted and queued by stream management (SM5), which
 * asks for an ack (SM9) once the input is done (conn_drain) and writes
 * its own elements on the connection.
 * Everything else above conn is told through the observer (internal.h).
 */
#include "conn.h"

#include <assert.h>
#include <string.h>

#include "internal.h"
#include "smacks.h"
#include "xmpp.h"

struct conn *conn_get(const struct model *m, unsigned conn)
{
    return conn >= 1 && conn <= m->nconns ? &m->conns[conn - 1] : NULL;
}

struct session *conn_session(const struct model *m, unsigned conn)
{
    struct conn *c = conn_get(m, conn);
    return c ? c->session : NULL;
}

/* The output of a step usually takes several hundred bytes: one allocation
 * for it rather than doublings from 64 (drained, it is freed again). */
#define CONN_OUT_FIRST_BYTES 1024u

static void out_begin(struct conn *c)
{
    if (c->out.cap == 0)
        buf_reserve(&c->out, CONN_OUT_FIRST_BYTES - 1);
}

void conn_write(struct model *m, unsigned conn, const char *bytes, size_t len)
{
    struct conn *c = conn_get(m, conn);
    assert(c != NULL && !c->closed);
    out_begin(c);
    buf_append(&c->out, bytes, len);
}

void conn_header_written(struct model *m, unsigned conn, size_t len,
                         const struct xmlstream_header *h)
{
    const struct conn *c = conn_get(m, conn);
    assert(c != NULL && len <= c->out.len);
    if (m->header_hook != NULL)
        m->header_hook(m->header_hook_ctx, conn, h, c->out.len, len);
}

/* el onto the connection: bytes, its serialization, or NULL to make it. */
static void write_stanza(struct model *m, unsigned conn, const struct stanza_node *el,
                         const struct buf *bytes)
{
    struct conn *c = conn_get(m, conn);
    out_begin(c);
    size_t start = c->out.len;
    if (bytes != NULL)
        buf_append(&c->out, bytes->data, bytes->len);
    else
        stanza_serialize(el, STANZA_NS_CLIENT, true, &c->out);
    if (m->stanza_hook != NULL)
        m->stanza_hook(m->stanza_hook_ctx, conn, el, c->out.len, c->out.len - start);
}

void conn_write_stanza(struct model *m, unsigned conn, const struct stanza_node *el)
{
    write_stanza(m, conn, el, NULL);
}

/* <iq type='set'><query xmlns='jabber:iq:roster'/></iq> sent by the server. */
static bool conn_is_roster_push(const struct stanza_node *el)
{
    return strcmp(el->name, "iq") == 0 && strcmp(el->ns, STANZA_NS_CLIENT) == 0 &&
           xmpp_type_is(stanza_attr(el, "", "type"), "set") &&
           stanza_child(el, "jabber:iq:roster", "query") != NULL;
}

void conn_touch(struct model *m, const struct session *s)
{
    struct conn *c = conn_get(m, s->conn);
    if (c->touched)
        return;
    heap_grow(&m->heap, (void **)&m->touched, &m->captouched, m->ntouched, sizeof *m->touched);
    m->touched[m->ntouched++] = s->conn;
    c->touched = true;
}

/* Lists conn for conn_drain (once). */
static void drain_note(struct model *m, unsigned conn)
{
    struct conn *c = conn_get(m, conn);
    if (c->draining)
        return;
    heap_grow(&m->heap, (void **)&m->draining, &m->capdraining, m->ndraining,
              sizeof *m->draining);
    m->draining[m->ndraining++] = conn;
    c->draining = true;
}

void conn_send_serialized(struct model *m, struct session *s, const struct stanza_node *el,
                          const struct buf *bytes)
{
    if (s->destroyed)
        return;
    conn_touch(m, s);
    bool write = s->sm == NULL || smacks_outbound(s, el);   /* SM5, SM11 */
    if (write)
        write_stanza(m, s->conn, el, bytes);
    m->observer->sent(s, el);
    if (!s->interested && conn_is_roster_push(el) && !PROFILE_EJABBERD(m))
        s->pushed_uninterested = true;   /* checked by R7 in invariant.c; EJ15 */
    if (write && s->sm != NULL)
        drain_note(m, s->conn);   /* SM9 at the end of the input */
}

void conn_retire(struct model *m)
{
    while (m->conns_retired < m->nconns && m->conns[m->conns_retired].closed &&
           m->conns[m->conns_retired].session == NULL)
        m->conns_retired++;
}

void conn_send(struct model *m, struct session *s, const struct stanza_node *el)
{
    conn_send_serialized(m, s, el, NULL);
}

void conn_drain(struct model *m)
{
    for (size_t i = 0; i < m->ndraining; i++) {
        struct conn *c = conn_get(m, m->draining[i]);
        c->draining = false;
        if (c->session != NULL && !c->closed)
            smacks_request(c->session);
    }
    m->ndraining = 0;
}
