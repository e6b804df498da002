/* tape: a recording target wrapper and the comparison of two recordings
 * (see tape.h). */
#include "live/tape.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "run/client.h"
#include "scenario/match.h"
#include "live/norm.h"
#include "model/xmlstream.h"

struct tape_chunk {
    size_t end;                  /* offset in the connection's bytes */
    size_t step;                 /* the 0-based step it arrived in */
};

struct tape_conn {
    struct buf bytes;            /* server bytes the runner consumed */
    struct tape_chunk *chunks;
    size_t nchunks;
};

struct tape {
    struct tape_conn *conns;     /* connection id = index + 1 */
    size_t nconns;
    struct match_vars ids;       /* ids the clients sent */
    size_t step;                 /* 0-based index of the runner's step */
    bool settled;                /* the step has ended with a settle */
};

struct tape_target {
    struct target base;
    struct target_ops ops;       /* the inner target's name and capabilities */
    struct target *inner;
    struct tape *tp;
    const char *last;            /* what the last received() returned */
    unsigned last_conn;
};

struct tape *tape_new(void)
{
    struct tape *tp = mem_calloc(1, sizeof *tp);
    return tp;
}

void tape_free(struct tape *tp)
{
    if (tp == NULL)
        return;
    for (size_t i = 0; i < tp->nconns; i++) {
        buf_free(&tp->conns[i].bytes);
        free(tp->conns[i].chunks);
    }
    free(tp->conns);
    match_vars_free(&tp->ids);
    free(tp);
}

static struct tape_conn *tape_conn(struct tape *tp, unsigned conn)
{
    if (conn > tp->nconns) {
        tp->conns = mem_realloc(tp->conns, conn * sizeof *tp->conns);
        memset(tp->conns + tp->nconns, 0, (conn - tp->nconns) * sizeof *tp->conns);
        tp->nconns = conn;
    }
    return &tp->conns[conn - 1];
}

static void record(struct tape *tp, unsigned conn, const char *bytes, size_t n)
{
    if (conn == 0 || n == 0)
        return;
    struct tape_conn *c = tape_conn(tp, conn);
    buf_append(&c->bytes, bytes, n);
    c->chunks = mem_realloc(c->chunks, (c->nchunks + 1) * sizeof *c->chunks);
    c->chunks[c->nchunks++] = (struct tape_chunk){c->bytes.len, tp->step};
}

/* ---- the wrapper ---- */

/* The runner settles once at the end of every step and then reads what
 * arrived: those reads belong to the step that ended. Any other call
 * after the settle (or a second settle: a step that only looked) starts
 * the next step. */
static void step_begin(struct tape *tp)
{
    if (tp->settled) {
        tp->step++;
        tp->settled = false;
    }
}

static struct tape_target *tape_of(struct target *t)
{
    return (struct tape_target *)t;
}

/* The inner target's outcome, with its message copied when it failed. */
static bool relay(struct target *t, bool ok)
{
    if (!ok)
        memcpy(t->error, tape_of(t)->inner->error, sizeof t->error);
    return ok;
}

static bool tw_account_create(struct target *t, const char *user, const char *password)
{
    return relay(t, target_account_create(tape_of(t)->inner, user, password));
}

static bool tw_roster_preset(struct target *t, const char *user,
                             const struct target_roster_item *item)
{
    return relay(t, target_roster_preset(tape_of(t)->inner, user, item));
}

static unsigned tw_connect(struct target *t)
{
    step_begin(tape_of(t)->tp);
    unsigned id = target_connect(tape_of(t)->inner);
    relay(t, id != 0);
    return id;
}

static bool tw_send(struct target *t, unsigned conn, const char *bytes, size_t len)
{
    step_begin(tape_of(t)->tp);
    norm_ids_collect(bytes, len, &tape_of(t)->tp->ids);
    return relay(t, target_send(tape_of(t)->inner, conn, bytes, len));
}

static const char *tw_received(struct target *t, unsigned conn, size_t *len)
{
    struct tape_target *tw = tape_of(t);
    tw->last = target_received(tw->inner, conn, len);
    tw->last_conn = conn;
    return tw->last;
}

static void tw_consume(struct target *t, unsigned conn, size_t n)
{
    struct tape_target *tw = tape_of(t);
    if (conn == tw->last_conn && tw->last != NULL)
        record(tw->tp, conn, tw->last, n);
    tw->last = NULL;
    target_consume(tw->inner, conn, n);
}

static bool tw_closed(struct target *t, unsigned conn)
{
    return target_closed(tape_of(t)->inner, conn);
}

static void tw_hangup(struct target *t, unsigned conn)
{
    step_begin(tape_of(t)->tp);
    target_hangup(tape_of(t)->inner, conn);
}

static bool tw_restart(struct target *t)
{
    step_begin(tape_of(t)->tp);
    return relay(t, target_restart(tape_of(t)->inner));
}

static bool tw_advance(struct target *t, uint64_t ms)
{
    step_begin(tape_of(t)->tp);
    return relay(t, target_advance(tape_of(t)->inner, ms));
}

static void tw_settle(struct target *t)
{
    step_begin(tape_of(t)->tp);
    tape_of(t)->tp->settled = true;
    target_settle(tape_of(t)->inner);
}

static bool tw_wait(struct target *t, unsigned conn)
{
    step_begin(tape_of(t)->tp);
    return target_wait(tape_of(t)->inner, conn);
}

static struct model *tw_model(struct target *t)
{
    return target_model(tape_of(t)->inner);
}

static int tw_check(struct target *t, const struct target_check *q, struct buf *out)
{
    return target_check(tape_of(t)->inner, q, out);
}

static size_t tw_invariants(struct target *t, struct invariant_violation *out, size_t max)
{
    return target_invariants(tape_of(t)->inner, out, max);
}

static void tw_free(struct target *t)
{
    target_free(tape_of(t)->inner);
    free(t);
}

static const struct target_ops tape_ops = {
    .account_create = tw_account_create,
    .roster_preset = tw_roster_preset,
    .connect = tw_connect,
    .send = tw_send,
    .received = tw_received,
    .consume = tw_consume,
    .closed = tw_closed,
    .hangup = tw_hangup,
    .restart = tw_restart,
    .advance = tw_advance,
    .settle = tw_settle,
    .wait = tw_wait,
    .model = tw_model,
    .check = tw_check,
    .invariants = tw_invariants,
    .free = tw_free,
};

struct target *tape_wrap(struct tape *tp, struct target *inner)
{
    if (inner == NULL)
        return NULL;
    struct tape_target *tw = mem_calloc(1, sizeof *tw);
    tw->ops = tape_ops;
    tw->ops.name = inner->ops->name;
    tw->ops.caps = inner->ops->caps;
    tw->base.ops = &tw->ops;
    memcpy(tw->base.skip, inner->skip, sizeof tw->base.skip);   /* the runner reads it here */
    tw->inner = inner;
    tw->tp = tp;
    return &tw->base;
}

/* ---- reading a connection back ---- */

struct tape_item {
    struct stanza *st;
    size_t step;
};

struct tape_list {
    struct tape_item *items;
    size_t n;
    char *label;                 /* the bound JID, if a bind result came */
};

struct reader {
    struct tape_list *list;
    struct xmlstream *parser;
    const struct match_vars *ids;
    size_t step;
};

static bool is_element(const struct stanza_node *n, const char *ns, const char *name)
{
    return n->ns != NULL && strcmp(n->ns, ns) == 0 && strcmp(n->name, name) == 0;
}

static void note_label(struct tape_list *list, const struct stanza_node *root)
{
    const struct stanza_node *bind = stanza_child(root, CLIENT_NS_BIND, "bind");
    const struct stanza_node *jid = bind ? stanza_child(bind, CLIENT_NS_BIND, "jid") : NULL;
    if (jid == NULL || list->label != NULL)
        return;
    struct buf text = {0};
    stanza_text(jid, &text);
    list->label = mem_realloc(NULL, text.len + 1);
    memcpy(list->label, buf_cstr(&text), text.len + 1);
    buf_free(&text);
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct reader *r = ctx;
    const struct stanza_node *root = stanza_root(st);
    if (is_element(root, CLIENT_NS_SASL, "success"))
        xmlstream_restart(r->parser);
    if (is_element(root, STANZA_NS_STREAM, "features")) {
        stanza_free(st);
        return;
    }
    note_label(r->list, root);
    norm_stanza_compare(st, r->ids);
    r->list->items = mem_realloc(r->list->items, (r->list->n + 1) * sizeof *r->list->items);
    r->list->items[r->list->n++] = (struct tape_item){st, r->step};
}

static void on_nothing(void *ctx)
{
    (void)ctx;
}

static void on_opened(void *ctx, const struct xmlstream_header *h)
{
    (void)ctx;
    (void)h;
}

static void on_error(void *ctx, enum xmlstream_error e)
{
    (void)ctx;
    (void)e;
}

static const struct xmlstream_callbacks reader_callbacks = {
    .opened = on_opened, .stanza = on_stanza, .closed = on_nothing, .error = on_error};

static void read_conn(const struct tape *tp, size_t index, struct tape_list *out)
{
    memset(out, 0, sizeof *out);
    if (index >= tp->nconns)
        return;
    const struct tape_conn *c = &tp->conns[index];
    struct reader r = {out, NULL, &tp->ids, 0};
    struct xmlstream_limits limits = {.size_max = CLIENT_STANZA_MAX};
    r.parser = xmlstream_new(NULL, &reader_callbacks, &r, &limits, 0);
    if (r.parser == NULL)
        abort();
    size_t start = 0;
    for (size_t k = 0; k < c->nchunks; k++) {
        r.step = c->chunks[k].step;
        xmlstream_feed(r.parser, c->bytes.data + start, c->chunks[k].end - start);
        start = c->chunks[k].end;
    }
    xmlstream_free(r.parser);
}

static void list_free(struct tape_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        stanza_free(l->items[i].st);
    free(l->items);
    free(l->label);
}

/* ---- comparing ---- */

static bool same(const struct tape_item *a, const struct tape_item *b)
{
    const struct stanza_node *ra = stanza_root(a->st), *rb = stanza_root(b->st);
    return match_stanza(ra, rb, NULL) && match_stanza(rb, ra, NULL);
}

#define NONE ((size_t)-1)

/* Where two lists first differ: stanza ia of a against ib of b (NONE:
 * that side has nothing there), and the step. */
struct tape_at {
    size_t ia, ib, step;
};

static bool first_diff_ordered(const struct tape_list *a, const struct tape_list *b,
                               struct tape_at *at)
{
    size_t n = a->n > b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        if (i >= a->n || i >= b->n || !same(&a->items[i], &b->items[i])) {
            at->ia = i < a->n ? i : NONE;
            at->ib = i < b->n ? i : NONE;
            at->step = i < a->n ? a->items[i].step : b->items[i].step;
            return true;
        }
    }
    return false;
}

/* The end of the run of items from i on that arrived in step `step`. */
static size_t group_end(const struct tape_list *l, size_t i, size_t step)
{
    while (i < l->n && l->items[i].step == step)
        i++;
    return i;
}

/* Whether st is an unavailable presence from another resource of the
 * account bound on the connection (label: its full JID). */
static bool own_unavailable(const struct tape_item *it, const char *label)
{
    const struct stanza_node *r = stanza_root(it->st);
    const char *type = stanza_attr(r, "", "type");
    const char *from = stanza_attr(r, "", "from");
    if (label == NULL || from == NULL || strcmp(r->name, "presence") != 0 || type == NULL ||
        strcmp(type, "unavailable") != 0)
        return false;
    size_t bare = strcspn(label, "/");
    return strncmp(from, label, bare) == 0 && from[bare] == '/' && strcmp(from, label) != 0;
}

/* One step's stanzas, a[ia..ea) and b[ib..eb), as two sets: the first
 * stanza of a with no partner in b, against the first of b with none in
 * a. A b-only unavailable presence from another resource of the
 * connection's own account is no difference: Prosody keeps own resources
 * in the directed set (DIVERGENCES.md P8), and I7 guards the model's side.
 * False when every stanza has a distinct partner. */
static bool group_diff(const struct tape_list *a, size_t ia, size_t ea,
                       const struct tape_list *b, size_t ib, size_t eb, struct tape_at *at)
{
    bool *taken = mem_calloc(eb - ib + 1, sizeof *taken);
    size_t lone_a = NONE, lone_b = NONE;
    for (size_t i = ia; i < ea; i++) {
        size_t j = ib;
        while (j < eb && (taken[j - ib] || !same(&a->items[i], &b->items[j])))
            j++;
        if (j < eb)
            taken[j - ib] = true;
        else if (lone_a == NONE)
            lone_a = i;
    }
    const char *label = b->label != NULL ? b->label : a->label;
    for (size_t j = ib; j < eb && lone_b == NONE; j++)
        if (!taken[j - ib] && !own_unavailable(&b->items[j], label))
            lone_b = j;
    free(taken);
    at->ia = lone_a;
    at->ib = lone_b;
    return lone_a != NONE || lone_b != NONE;
}

static bool first_diff_sets(const struct tape_list *a, const struct tape_list *b,
                            struct tape_at *at)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        size_t sa = i < a->n ? a->items[i].step : NONE;
        size_t sb = j < b->n ? b->items[j].step : NONE;
        size_t step = sa < sb ? sa : sb;
        size_t ea = group_end(a, i, step), eb = group_end(b, j, step);
        if (group_diff(a, i, ea, b, j, eb, at)) {
            at->step = step;
            return true;
        }
        i = ea;
        j = eb;
    }
    return false;
}

static void write_side(const char *name, const struct tape_list *l, size_t i, size_t width,
                       struct buf *out)
{
    buf_puts(out, "  ");
    buf_puts(out, name);
    buf_puts(out, ":");
    for (size_t k = strlen(name); k < width + 1; k++)
        buf_putc(out, ' ');
    if (i != NONE) {
        struct buf text = {0};
        client_stanza_write(stanza_root(l->items[i].st), &text);
        client_text_write(buf_cstr(&text), text.len, TAPE_STANZA_TEXT_MAX, out);
        buf_free(&text);
    } else {
        buf_puts(out, "(nothing)");
    }
    buf_putc(out, '\n');
}

static void write_diff(size_t conn, const struct tape_list *a, const struct tape_list *b,
                       const struct tape_at *at, const char *const names[2], struct buf *out)
{
    const char *label = a->label ? a->label : b->label;
    size_t width = strlen(names[0]) > strlen(names[1]) ? strlen(names[0]) : strlen(names[1]);
    buf_puts(out, "first difference: connection ");
    buf_put_u64(out, conn);
    if (label != NULL) {
        buf_puts(out, " (");
        buf_puts(out, label);
        buf_putc(out, ')');
    }
    buf_puts(out, ", stanza ");
    buf_put_u64(out, (at->ia != NONE ? at->ia : at->ib) + 1);
    buf_puts(out, ", step ");
    buf_put_u64(out, at->step + 1);
    buf_puts(out, ":\n");
    write_side(names[0], a, at->ia, width, out);
    write_side(names[1], b, at->ib, width, out);
}

/* "<presence type='unavailable'>", "<iq type='error'> item-not-found",
 * "<stream:error> conflict" or "(nothing)". */
static void write_kind(const struct tape_list *l, size_t i, struct buf *out)
{
    if (i == NONE) {
        buf_puts(out, "(nothing)");
        return;
    }
    const struct stanza_node *root = stanza_root(l->items[i].st);
    bool stream = root->ns != NULL && strcmp(root->ns, STANZA_NS_STREAM) == 0;
    const char *type = stanza_attr(root, "", "type");
    buf_puts(out, stream ? "<stream:" : "<");
    buf_puts(out, root->name);
    if (type != NULL && !stream) {
        buf_puts(out, " type='");
        buf_puts(out, type);
        buf_putc(out, '\'');
    }
    buf_putc(out, '>');
    const struct stanza_node *err = stream ? root : stanza_child(root, NULL, "error");
    const struct stanza_node *cond = err != NULL ? stanza_child(err, NULL, NULL) : NULL;
    if (cond != NULL) {
        buf_putc(out, ' ');
        buf_puts(out, cond->name);
    }
}

bool tape_first_difference(const struct tape *a, const struct tape *b, const char *name_a,
                           const char *name_b, enum tape_order order, struct buf *out,
                           struct buf *kind)
{
    const char *const names[2] = {name_a, name_b};
    size_t nconns = a->nconns > b->nconns ? a->nconns : b->nconns;
    size_t best_step = NONE;
    struct buf best = {0}, best_kind = {0};
    for (size_t k = 0; k < nconns; k++) {
        struct tape_list la, lb;
        read_conn(a, k, &la);
        read_conn(b, k, &lb);
        struct tape_at at;
        bool differs = order == TAPE_IN_ORDER ? first_diff_ordered(&la, &lb, &at)
                                              : first_diff_sets(&la, &lb, &at);
        if (differs && at.step < best_step) {
            best_step = at.step;
            buf_clear(&best);
            write_diff(k + 1, &la, &lb, &at, names, &best);
            buf_clear(&best_kind);
            buf_puts(&best_kind, name_a);
            buf_putc(&best_kind, ' ');
            write_kind(&la, at.ia, &best_kind);
            buf_puts(&best_kind, ", ");
            buf_puts(&best_kind, name_b);
            buf_putc(&best_kind, ' ');
            write_kind(&lb, at.ib, &best_kind);
        }
        list_free(&la);
        list_free(&lb);
    }
    if (best.len > 0)
        buf_append(out, best.data, best.len);
    if (kind != NULL && best_kind.len > 0)
        buf_append(kind, best_kind.data, best_kind.len);
    buf_free(&best);
    buf_free(&best_kind);
    return best_step != NONE;
}
