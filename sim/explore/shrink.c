/* shrink: delta debugging and simplification of a failing scenario
 * (contract in shrink.h).
 *
 * How it works. The scenario being shrunk, `cur`, is owned here. A
 * candidate is a shallow copy of it (struct copied, some arrays replaced
 * by scratch arrays of structs copied by value), so building one allocates
 * no strings and the runner sees a complete scenario. When the predicate
 * says the candidate still fails, the change is committed into `cur`:
 * dropped steps, clients or accounts are released, replaced ones freed.
 *
 * Step removal is Zeller's ddmin: split the list into n chunks, try
 * without each chunk (and, for n > 2, each chunk alone); on success keep
 * the smaller list and go on with n-1 chunks, else double n; it ends when
 * n reaches the length and no single step can go, which is 1-minimality.
 * Simplifiers enumerate alternatives of one step by index k; after a
 * success the same k is tried again on the new step (the list of
 * alternatives shrank), so one pass is linear in the alternatives and the
 * outer rounds reach a fixpoint. Every loop is bounded by the budget of
 * predicate calls, the lengths involved, and SHRINK_ROUNDS_MAX.
 */
#include "explore/shrink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "model/buf.h"
#include "base/mem.h"
#include "model/stanza.h"
#include "model/xmlstream.h"


struct shrinker {
    struct scenario *cur;
    shrink_predicate *fails;
    void *ctx;
    size_t tests, tests_max;
};

static bool budget_left(const struct shrinker *sh)
{
    return sh->tests < sh->tests_max;
}

/* Asks the predicate, counting the call; false once the budget is spent. */
static bool still_fails(struct shrinker *sh, const struct scenario *cand)
{
    if (!budget_left(sh))
        return false;
    sh->tests++;
    return sh->fails(cand, sh->ctx);
}

/* ---- 1. removing steps (ddmin) ---- */

/* Tries the steps whose keep[i] is true; commits on failure. */
static bool try_keep(struct shrinker *sh, const bool *keep)
{
    struct scenario *cur = sh->cur;
    struct scenario cand = *cur;
    cand.steps = mem_calloc(cur->step_count, sizeof *cand.steps);
    cand.step_count = 0;
    for (size_t i = 0; i < cur->step_count; i++)
        if (keep[i])
            cand.steps[cand.step_count++] = cur->steps[i];
    bool fails = cand.step_count > 0 && still_fails(sh, &cand);
    if (fails) {
        for (size_t i = 0; i < cur->step_count; i++)
            if (!keep[i])
                scenario_step_clear(&cur->steps[i]);
        memcpy(cur->steps, cand.steps, cand.step_count * sizeof *cand.steps);
        cur->step_count = cand.step_count;
    }
    free(cand.steps);
    return fails;
}

/* Keeps [lo, hi) (inside) or everything else (!inside). */
static bool try_range(struct shrinker *sh, size_t lo, size_t hi, bool inside)
{
    size_t n = sh->cur->step_count;
    bool *keep = mem_calloc(n, sizeof *keep);
    for (size_t i = 0; i < n; i++)
        keep[i] = (i >= lo && i < hi) == inside;
    bool fails = try_keep(sh, keep);
    free(keep);
    return fails;
}

/* One ddmin level: without each of n chunks, then each chunk alone. */
static bool ddmin_level(struct shrinker *sh, size_t n)
{
    size_t count = sh->cur->step_count;
    for (size_t i = 0; i < n && budget_left(sh); i++)
        if (try_range(sh, i * count / n, (i + 1) * count / n, false))
            return true;
    for (size_t i = 0; n > 2 && i < n && budget_left(sh); i++)
        if (try_range(sh, i * count / n, (i + 1) * count / n, true))
            return true;
    return false;
}

static bool ddmin(struct shrinker *sh)
{
    bool changed = false;
    size_t n = 2;
    while (sh->cur->step_count >= 2 && budget_left(sh)) {
        size_t count = sh->cur->step_count;
        n = n < count ? n : count;
        if (ddmin_level(sh, n)) {
            changed = true;
            n = n > 2 ? n - 1 : 2;
        } else if (n == count) {
            break;
        } else {
            n = 2 * n < count ? 2 * n : count;
        }
    }
    return changed;
}

/* ---- 2. simplifying one step ---- */

/* Tries cur with step i replaced by alt (owned); commits or releases alt. */
static bool try_step(struct shrinker *sh, size_t i, struct scenario_step *alt)
{
    struct scenario *cur = sh->cur;
    struct scenario cand = *cur;
    cand.steps = mem_calloc(cur->step_count, sizeof *cand.steps);
    memcpy(cand.steps, cur->steps, cur->step_count * sizeof *cand.steps);
    cand.steps[i] = *alt;
    bool fails = still_fails(sh, &cand);
    if (fails) {
        scenario_step_clear(&cur->steps[i]);
        cur->steps[i] = *alt;
    } else {
        scenario_step_clear(alt);
    }
    free(cand.steps);
    return fails;
}

/* XML edits, counted in document order: for each element, removing each
 * of its attributes, then for each child, removing it (and, for a text
 * that is a number, replacing it by 0 or by half its value). */
struct xml_edit {
    size_t target, seen;
    struct stanza_node *root;
    struct buf *out;
    bool done;
};

static void serialize(struct xml_edit *x)
{
    buf_clear(x->out);
    stanza_serialize(x->root, STANZA_NS_CLIENT, true, x->out);
    x->done = true;
}

static bool hit(struct xml_edit *x)
{
    return !x->done && x->seen++ == x->target;
}

/* A number's smaller forms: "0", then half (toward 0). */
static bool number_text(const char *t, long *v)
{
    char *end;
    if (*t == '\0' || strlen(t) > 9)
        return false;
    *v = strtol(t, &end, 10);
    return *end == '\0';
}

static void edit_text(struct xml_edit *x, struct stanza_node *n)
{
    long v;
    char smaller[2][24];
    size_t variants = 0;
    if (number_text(n->text, &v) && v != 0) {
        snprintf(smaller[variants++], sizeof smaller[0], "0");
        if (v / 2 != 0)
            snprintf(smaller[variants++], sizeof smaller[0], "%ld", v / 2);
    }
    for (size_t i = 0; i < variants && !x->done; i++) {
        if (!hit(x))
            continue;
        const char *old = n->text;
        size_t old_len = n->text_len;
        n->text = smaller[i];
        n->text_len = strlen(smaller[i]);
        serialize(x);
        n->text = old;
        n->text_len = old_len;
    }
}

/* Unlinks child (whose previous sibling is prev, or NULL), serializes,
 * and links it back. */
static void without_child(struct xml_edit *x, struct stanza_node *el, struct stanza_node *prev,
                          struct stanza_node *child)
{
    struct stanza_node *last = el->children_last;
    if (prev == NULL)
        el->children = child->next;
    else
        prev->next = child->next;
    if (last == child)
        el->children_last = prev;
    serialize(x);
    if (prev == NULL)
        el->children = child;
    else
        prev->next = child;
    el->children_last = last;
}

static void without_attr(struct xml_edit *x, struct stanza_node *el, struct stanza_attr *prev,
                         struct stanza_attr *a)
{
    struct stanza_attr *last = el->attrs_last;
    if (prev == NULL)
        el->attrs = a->next;
    else
        prev->next = a->next;
    if (last == a)
        el->attrs_last = prev;
    serialize(x);
    if (prev == NULL)
        el->attrs = a;
    else
        prev->next = a;
    el->attrs_last = last;
}

static void edit_element(struct xml_edit *x, struct stanza_node *el)
{
    struct stanza_attr *aprev = NULL;
    for (struct stanza_attr *a = el->attrs; a != NULL && !x->done; aprev = a, a = a->next)
        if (hit(x))
            without_attr(x, el, aprev, a);
    struct stanza_node *prev = NULL;
    for (struct stanza_node *c = el->children; c != NULL && !x->done; prev = c, c = c->next) {
        if (hit(x)) {
            without_child(x, el, prev, c);
            break;
        }
        if (c->kind == STANZA_TEXT)
            edit_text(x, c);
        else
            edit_element(x, c);
    }
}

/* The k-th XML edit of text (one element) into out; false when text does
 * not parse or has fewer edits. Edit 0 is the canonical serialization
 * (`<presence></presence>` → `<presence/>`) when it is shorter. */
static bool xml_variant(const char *text, size_t k, struct buf *out)
{
    enum xmlstream_error e;
    unsigned long line, column;
    struct stanza *st =
        xmlstream_parse_element(text, strlen(text), STANZA_NS_CLIENT, &e, &line, &column);
    if (st == NULL)
        return false;
    struct xml_edit x = {k, 0, stanza_root(st), out, false};
    serialize(&x);
    x.done = false;
    if (out->len < strlen(text) && x.target-- == 0)
        x.done = true;
    else
        edit_element(&x, x.root);
    stanza_free(st);
    return x.done;
}

/* One simplifier: the k-th alternative of a step of its kind into *out
 * (a deep copy, modified); false when there is none. */
typedef bool simplify_fn(const struct scenario_step *in, size_t k, struct scenario_step *out);

static bool simplify_connect(const struct scenario_step *in, size_t k, struct scenario_step *out)
{
    bool alts[3] = {in->connect.resource != NULL, in->connect.auth && !in->connect.bind,
                    !in->connect.auth};
    for (size_t i = 0; i < COUNT(alts); i++) {
        if (!alts[i] || k-- > 0)
            continue;
        scenario_step_copy(out, in);
        if (i == 0)
            scenario_string_set(&out->connect.resource, NULL);
        else
            out->connect.auth = out->connect.bind = true;
        return true;
    }
    return false;
}

static bool simplify_auth(const struct scenario_step *in, size_t k, struct scenario_step *out)
{
    if (k > 0 || in->auth.password == NULL)
        return false;
    scenario_step_copy(out, in);
    scenario_string_set(&out->auth.password, NULL);
    return true;
}

static bool simplify_register(const struct scenario_step *in, size_t k,
                              struct scenario_step *out)
{
    if (k > 0 || in->reg.password == NULL || strcmp(in->reg.password, "password") == 0)
        return false;
    scenario_step_copy(out, in);
    scenario_string_set(&out->reg.password, "password");
    return true;
}

static bool simplify_send(const struct scenario_step *in, size_t k, struct scenario_step *out)
{
    size_t n = in->send.count;
    if (n > 1 && k < n) {   /* one stanza of several */
        struct scenario_step one = *in;
        one.send.items = &in->send.items[k];
        one.send.count = 1;
        scenario_step_copy(out, &one);
        return true;
    }
    struct buf text = {0};
    bool made = n == 1 && xml_variant(in->send.items[0].text, k, &text);
    if (made) {
        scenario_step_copy(out, in);
        scenario_string_set(&out->send.items[0].text, buf_cstr(&text));
    }
    buf_free(&text);
    return made;
}

static bool parses_as_element(const char *text)
{
    enum xmlstream_error e;
    unsigned long line, column;
    struct stanza *st =
        xmlstream_parse_element(text, strlen(text), STANZA_NS_CLIENT, &e, &line, &column);
    stanza_free(st);
    return st != NULL;
}

/* Raw bytes that are whole elements, maybe with text between them (a
 * batched write): variant 0 drops the text (when there is any), then
 * variant i drops element i (when there are several). false when they do
 * not parse or k is past the last; *n counts the variants. */
static bool batch_variant(const char *text, size_t k, struct buf *out, size_t *n)
{
    struct buf wrapped = {0};
    buf_puts(&wrapped, "<batch>");
    buf_puts(&wrapped, text);
    buf_puts(&wrapped, "</batch>");
    enum xmlstream_error e;
    unsigned long line, column;
    struct stanza *st = xmlstream_parse_element(wrapped.data, wrapped.len, STANZA_NS_CLIENT, &e,
                                                &line, &column);
    buf_free(&wrapped);
    const struct stanza_node *root = st != NULL ? stanza_root(st) : NULL;
    size_t elements = root != NULL ? stanza_child_count(root) : 0, texts = 0;
    for (const struct stanza_node *c = root != NULL ? root->children : NULL; c; c = c->next)
        texts += c->kind == STANZA_TEXT;
    size_t drop_text = texts > 0 && elements > 0 ? 1 : 0;
    *n = drop_text + (elements >= 2 ? elements : 0);
    bool made = k < *n;
    size_t i = 0, skip = k - drop_text;   /* the element to drop, unless k == 0 drops text */
    for (const struct stanza_node *c = made ? root->children : NULL; c; c = c->next) {
        if (c->kind == STANZA_TEXT && !(drop_text && k == 0))
            stanza_escape_text(c->text, c->text_len, out);
        else if (c->kind == STANZA_ELEMENT && (i++ != skip || (drop_text && k == 0)))
            stanza_serialize(c, STANZA_NS_CLIENT, true, out);
    }
    stanza_free(st);
    return made;
}

/* Raw text: a batched write loses the text between its elements, then
 * one element at a time; a single whole element gets the XML edits.
 * Hex and base64 writes are left alone. */
static bool simplify_send_raw(const struct scenario_step *in, size_t k,
                              struct scenario_step *out)
{
    if (in->raw_form != SCENARIO_RAW_TEXT)   /* bytes: kept as they are */
        return false;
    if (k == 0 && parses_as_element(in->send_raw.text)) {   /* plain `send` reads better */
        memset(out, 0, sizeof *out);
        out->kind = SCENARIO_STEP_SEND;
        out->client = in->client;
        scenario_strings_add(&out->send, in->send_raw.text);
        return true;
    }
    k -= parses_as_element(in->send_raw.text);
    struct buf text = {0};
    size_t n = 0;
    bool made = batch_variant(in->send_raw.text, k, &text, &n) ||
                xml_variant(in->send_raw.text, k - n, &text);
    if (made) {
        scenario_step_copy(out, in);
        scenario_string_set(&out->send_raw.text, buf_cstr(&text));
    }
    buf_free(&text);
    return made;
}

static bool simplify_advance(const struct scenario_step *in, size_t k, struct scenario_step *out)
{
    if (k > 0 || in->advance_ms < 2)
        return false;
    scenario_step_copy(out, in);
    out->advance_ms = in->advance_ms / 2;
    return true;
}

static const struct {
    enum scenario_step_kind kind;
    simplify_fn *fn;
} simplifiers[] = {
    {SCENARIO_STEP_CONNECT, simplify_connect},   {SCENARIO_STEP_AUTH, simplify_auth},
    {SCENARIO_STEP_REGISTER, simplify_register}, {SCENARIO_STEP_SEND, simplify_send},
    {SCENARIO_STEP_SEND_RAW, simplify_send_raw}, {SCENARIO_STEP_ADVANCE, simplify_advance},
};

static bool simplify_step(struct shrinker *sh, size_t i, simplify_fn *fn)
{
    bool changed = false;
    struct scenario_step alt;
    enum scenario_step_kind kind = sh->cur->steps[i].kind;
    for (size_t k = 0; budget_left(sh) && sh->cur->steps[i].kind == kind &&
                       fn(&sh->cur->steps[i], k, &alt);) {
        if (try_step(sh, i, &alt))
            changed = true;   /* same k: the next alternative of the new step */
        else
            k++;
    }
    return changed;
}

static bool simplify_steps(struct shrinker *sh)
{
    bool changed = false;
    for (size_t i = 0; i < sh->cur->step_count && budget_left(sh); i++)
        for (size_t r = 0; r < COUNT(simplifiers); r++)
            if (simplifiers[r].kind == sh->cur->steps[i].kind)
                changed |= simplify_step(sh, i, simplifiers[r].fn);
    return changed;
}

/* The next step of step i's client after i, or step_count. */
static size_t next_of_client(const struct scenario *s, size_t i)
{
    for (size_t j = i + 1; j < s->step_count; j++)
        if (s->steps[j].client == s->steps[i].client)
            return j;
    return s->step_count;
}

/* The bytes of a raw write, appended to out; false for text with
 * variables, whose bytes are known only at run time. */
static bool raw_bytes(const struct scenario_step *st, struct buf *out)
{
    if (st->raw_form == SCENARIO_RAW_TEXT && strstr(st->send_raw.text, "${") != NULL)
        return false;
    return scenario_raw_decode(st->raw_form, st->send_raw.text, out);
}

/* Raw writes a and b as one, into *form and joined: two texts stay text
 * (variables kept); otherwise the bytes of both, written in the first
 * byte form of the two (hex or base64). False when they cannot be. */
static bool join_writes(const struct scenario_step *a, const struct scenario_step *b,
                        enum scenario_raw_form *form, struct buf *joined)
{
    if (a->raw_form == SCENARIO_RAW_TEXT && b->raw_form == SCENARIO_RAW_TEXT) {
        *form = SCENARIO_RAW_TEXT;
        buf_puts(joined, a->send_raw.text);
        buf_puts(joined, b->send_raw.text);
        return true;
    }
    *form = a->raw_form != SCENARIO_RAW_TEXT ? a->raw_form : b->raw_form;
    struct buf bytes = {0};
    bool ok = raw_bytes(a, &bytes) && raw_bytes(b, &bytes);
    if (ok)
        scenario_raw_encode(*form, bytes.data, bytes.len, joined);
    buf_free(&bytes);
    return ok;
}

/* Joins the raw write i and its client's next step, when that is a raw
 * write too, into one write at i. */
static bool join_raw(struct shrinker *sh, size_t i)
{
    struct scenario *cur = sh->cur;
    size_t j = next_of_client(cur, i);
    if (cur->steps[i].kind != SCENARIO_STEP_SEND_RAW || j == cur->step_count ||
        cur->steps[j].kind != SCENARIO_STEP_SEND_RAW)
        return false;
    struct buf both = {0};
    enum scenario_raw_form form;
    if (!join_writes(&cur->steps[i], &cur->steps[j], &form, &both)) {
        buf_free(&both);
        return false;
    }
    struct scenario cand = *cur;
    cand.steps = mem_calloc(cur->step_count, sizeof *cand.steps);
    memcpy(cand.steps, cur->steps, cur->step_count * sizeof *cand.steps);
    cand.steps[i].send_raw.text = (char *)buf_cstr(&both);
    cand.steps[i].raw_form = form;
    memmove(&cand.steps[j], &cand.steps[j + 1], (cur->step_count - j - 1) * sizeof *cand.steps);
    cand.step_count--;
    bool fails = still_fails(sh, &cand);
    if (fails) {
        scenario_string_set(&cur->steps[i].send_raw.text, buf_cstr(&both));
        cur->steps[i].raw_form = form;
        scenario_step_clear(&cur->steps[j]);
        memmove(&cur->steps[j], &cur->steps[j + 1], (cur->step_count - j - 1) * sizeof *cur->steps);
        cur->step_count--;
    }
    free(cand.steps);
    buf_free(&both);
    return fails;
}

static bool join_raws(struct shrinker *sh)
{
    bool changed = false;
    for (size_t i = 0; i < sh->cur->step_count && budget_left(sh); i++)
        while (budget_left(sh) && join_raw(sh, i))
            changed = true;
    return changed;
}

/* ---- 3. clients, accounts, server ---- */

/* These candidates are deep copies (scenario_copy) edited freely: they are
 * few, and a copy costs nothing next to a run. */

/* Tries cand (owned); when it still fails its contents replace cur's. */
static bool try_copy(struct shrinker *sh, struct scenario *cand)
{
    bool fails = still_fails(sh, cand);
    if (fails) {
        struct scenario old = *sh->cur;
        *sh->cur = *cand;
        *cand = old;   /* freed below with the copy's shell */
    }
    scenario_free(cand);
    return fails;
}

/* Removes client `gone`, its steps given to `heir` (< gone). */
static void cut_client(struct scenario *s, size_t gone, size_t heir)
{
    for (size_t i = 0; i < s->step_count; i++) {
        size_t *c = &s->steps[i].client;
        if (*c == gone)
            *c = heir;
        else if (*c != SCENARIO_NO_CLIENT && *c > gone)
            (*c)--;
    }
    free(s->clients[gone].name);
    free(s->clients[gone].account);
    free(s->clients[gone].resource);
    memmove(&s->clients[gone], &s->clients[gone + 1],
            (s->client_count - gone - 1) * sizeof *s->clients);
    s->client_count--;
}

static bool uses_client(const struct scenario *s, size_t c)
{
    for (size_t i = 0; i < s->step_count; i++)
        if (s->steps[i].client == c)
            return true;
    return false;
}

/* Unused clients go; then each client tries to hand its steps to an
 * earlier one. */
static bool fewer_clients(struct shrinker *sh)
{
    bool changed = false;
    for (size_t c = sh->cur->client_count; c-- > 0 && budget_left(sh);) {
        if (uses_client(sh->cur, c))
            continue;
        struct scenario *cand = scenario_copy(sh->cur);
        cut_client(cand, c, SCENARIO_NO_CLIENT);
        changed |= try_copy(sh, cand);
    }
    for (size_t c = sh->cur->client_count; c-- > 1 && budget_left(sh);) {
        for (size_t heir = 0; heir < c && budget_left(sh); heir++) {
            struct scenario *cand = scenario_copy(sh->cur);
            cut_client(cand, c, heir);
            if (try_copy(sh, cand)) {
                changed = true;
                break;
            }
        }
    }
    return changed;
}

static void cut_item(struct scenario_account *a, size_t j)
{
    struct scenario_roster_item *it = &a->roster[j];
    free(it->contact);
    free(it->name);
    for (size_t g = 0; g < it->groups.count; g++)
        free(it->groups.items[g].text);
    free(it->groups.items);
    memmove(it, it + 1, (a->roster_count - j - 1) * sizeof *it);
    a->roster_count--;
}

/* Removes every item naming account `name` from the other accounts. */
static void cut_items_naming(struct scenario *s, const char *name, size_t except)
{
    for (size_t i = 0; i < s->account_count; i++)
        for (size_t j = s->accounts[i].roster_count; i != except && j-- > 0;)
            if (scenario_contact_is(s, s->accounts[i].roster[j].contact, name))
                cut_item(&s->accounts[i], j);
}

/* Removes item j of account i and its mirror, the contact's item for i:
 * the relationship goes as a whole, as a real server would hold it. */
static void cut_relationship(struct scenario *s, size_t i, size_t j)
{
    const char *contact = s->accounts[i].roster[j].contact;
    for (size_t k = 0; k < s->account_count; k++)
        if (k != i && scenario_contact_is(s, contact, s->accounts[k].name))
            for (size_t m = s->accounts[k].roster_count; m-- > 0;)
                if (scenario_contact_is(s, s->accounts[k].roster[m].contact, s->accounts[i].name))
                    cut_item(&s->accounts[k], m);
    cut_item(&s->accounts[i], j);
}

static void cut_account(struct scenario *s, size_t i)
{
    struct scenario_account *a = &s->accounts[i];
    cut_items_naming(s, a->name, i);
    while (a->roster_count > 0)
        cut_item(a, a->roster_count - 1);
    free(a->roster);
    free(a->name);
    free(a->password);
    memmove(a, a + 1, (s->account_count - i - 1) * sizeof *a);
    s->account_count--;
}

static bool fewer_accounts(struct shrinker *sh)
{
    bool changed = false;
    for (size_t i = sh->cur->account_count; i-- > 0 && budget_left(sh);) {
        struct scenario *cand = scenario_copy(sh->cur);
        cut_account(cand, i);
        if (try_copy(sh, cand)) {
            changed = true;
            continue;
        }
        for (size_t j = sh->cur->accounts[i].roster_count; j-- > 0 && budget_left(sh);) {
            if (j >= sh->cur->accounts[i].roster_count)
                continue;   /* a mirror cut went with an earlier try */
            cand = scenario_copy(sh->cur);
            cut_relationship(cand, i, j);
            changed |= try_copy(sh, cand);
        }
    }
    return changed;
}

/* Each server setting back to the format's default, one at a time. */
static bool default_server(struct shrinker *sh)
{
    struct scenario *fresh = scenario_create("defaults");
    const struct scenario_server *def = &fresh->server;
    bool changed = false;
    for (int field = 0; field < 5 && budget_left(sh); field++) {
        struct scenario cand = *sh->cur;
        struct scenario_server *sv = &cand.server;
        bool differs[] = {sv->conflict != def->conflict, sv->offline != def->offline,
                          sv->registration != def->registration,
                          sv->tombstones != def->tombstones,
                          sv->tombstone_expiry_ms != def->tombstone_expiry_ms};
        if (!differs[field])
            continue;
        sv->conflict = field == 0 ? def->conflict : sv->conflict;
        sv->offline = field == 1 ? def->offline : sv->offline;
        sv->registration = field == 2 ? def->registration : sv->registration;
        sv->tombstones = field == 3 ? def->tombstones : sv->tombstones;
        sv->tombstone_expiry_ms = field == 4 ? def->tombstone_expiry_ms : sv->tombstone_expiry_ms;
        if (still_fails(sh, &cand)) {
            sh->cur->server = cand.server;   /* the domain string is shared, unchanged */
            changed = true;
        }
    }
    scenario_free(fresh);
    return changed;
}

/* ---- the loop ---- */

void shrink_scenario(struct scenario *s, shrink_predicate *fails, void *ctx, size_t tests_max,
                     struct shrink_stats *stats)
{
    struct shrinker sh = {s, fails, ctx, 0, tests_max ? tests_max : SHRINK_TESTS_DEFAULT};
    struct shrink_stats local;
    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    stats->steps_before = s->step_count;
    bool changed = true;
    while (changed && stats->rounds < SHRINK_ROUNDS_MAX && budget_left(&sh)) {
        stats->rounds++;
        changed = ddmin(&sh);
        changed |= join_raws(&sh);
        changed |= simplify_steps(&sh);
        changed |= fewer_clients(&sh);
        changed |= fewer_accounts(&sh);
        changed |= default_server(&sh);
    }
    stats->tests = sh.tests;
    stats->steps_after = s->step_count;
    stats->exhausted = changed || !budget_left(&sh);
}
