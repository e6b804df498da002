/* emit: scenario → YAML (contract in emit.h).
 *
 * The writer mirrors the loader's schema: top-level keys in the format's
 * order, the server mapping in full, accounts and checks in block style,
 * one step per line where it fits. Values the loader would fill in anyway
 * (connect's auth/bind true, register's "password") are left out, so a
 * reproducer reads like a hand-written scenario. Quoting is done by one
 * function that validates UTF-8 and escapes everything libyaml would not
 * take literally inside double quotes (controls, C1, BOM, U+2028/2029).
 */
#include "scenario/emit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/count.h"

#define DAY_MS (24ull * 3600 * 1000)

struct emitter {
    struct buf *out;
    bool ok;                      /* false once something could not be written */
    const struct scenario *s;
    size_t first_implicit;        /* clients from here on are written implicitly */
};

/* ---- scalars ---- */

/* Length of the UTF-8 sequence at p (1-4) and its code point, or 0 when
 * it is invalid (overlong, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *p, unsigned long *cp)
{
    static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xF0 && p[0] < 0xF5 ? 4 : p[0] >= 0xE0 ? 3
                                 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || (n == 3 && p[0] >= 0xF0))
        return 0;
    unsigned long v = n == 1 ? p[0] : p[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Whether libyaml reads the code point literally inside double quotes. */
static bool yaml_literal(unsigned long cp)
{
    if (cp < 0x80)
        return cp >= 0x20 && cp != 0x7F && cp != '"' && cp != '\\';
    return cp >= 0xA0 && cp != 0x2028 && cp != 0x2029 && cp != 0xFEFF && cp < 0xFFFE;
}

static void put_escape(struct buf *out, unsigned long cp)
{
    static const char short_forms[][3] = {{'\t', 't'}, {'\n', 'n'}, {'\r', 'r'},
                                          {'"', '"'}, {'\\', '\\'}};
    for (size_t i = 0; i < COUNT(short_forms); i++) {
        if (cp == (unsigned char)short_forms[i][0]) {
            buf_putc(out, '\\');
            buf_putc(out, short_forms[i][1]);
            return;
        }
    }
    char esc[24];
    if (cp < 0x100)
        snprintf(esc, sizeof esc, "\\x%02lX", cp);
    else if (cp < 0x10000)
        snprintf(esc, sizeof esc, "\\u%04lX", cp);
    else
        snprintf(esc, sizeof esc, "\\U%08lX", cp);
    buf_puts(out, esc);
}

/* Whether text reads back as the same string when written plain: a word
 * of letters, digits, '_', '.' and '-' that starts with a letter or '_'
 * and is not one of the loader's nulls. */
static bool plain_safe(const char *text)
{
    static const char *const nulls[] = {"null", "Null", "NULL"};
    if (!((*text >= 'a' && *text <= 'z') || (*text >= 'A' && *text <= 'Z') || *text == '_'))
        return false;
    for (size_t i = 0; i < COUNT(nulls); i++)
        if (strcmp(text, nulls[i]) == 0)
            return false;
    return strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
           strlen(text);
}

bool emit_quoted(struct buf *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    bool ok = true;
    buf_putc(out, '"');
    while (*p != '\0') {
        unsigned long cp = 0;
        size_t n = utf8_decode(p, &cp);
        if (n == 0) {
            ok = false;   /* not UTF-8: no YAML string holds it */
            break;
        }
        if (yaml_literal(cp))
            buf_append(out, (const char *)p, n);
        else
            put_escape(out, cp);
        p += n;
    }
    buf_putc(out, '"');
    return ok;
}

bool emit_string(struct buf *out, const char *text)
{
    if (!plain_safe(text))
        return emit_quoted(out, text);
    buf_puts(out, text);
    return true;
}

/* Appends text as a YAML string (emit_string). */
static void put_quoted(struct emitter *e, const char *text)
{
    if (!emit_string(e->out, text))
        e->ok = false;
}

/* A flow list of quoted strings: ["a", "b"]. */
static void put_list(struct emitter *e, const struct scenario_strings *l)
{
    buf_putc(e->out, '[');
    for (size_t i = 0; i < l->count; i++) {
        if (i > 0)
            buf_puts(e->out, ", ");
        put_quoted(e, l->items[i].text);
    }
    buf_putc(e->out, ']');
}

static void put_duration(struct buf *out, uint64_t ms)
{
    static const struct {
        uint64_t ms;
        const char *unit;
    } units[] = {{DAY_MS, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    for (size_t i = 0; i < COUNT(units); i++) {
        if (ms > 0 && ms % units[i].ms == 0) {
            buf_put_u64(out, ms / units[i].ms);
            buf_puts(out, units[i].unit);
            return;
        }
    }
    buf_put_u64(out, ms);
    buf_puts(out, "ms");
}

static void put_int(struct buf *out, int v)
{
    char text[16];
    snprintf(text, sizeof text, "%d", v);
    buf_puts(out, text);
}

static const char *bool_word(bool b)
{
    return b ? "true" : "false";
}

/* ---- top level, server, accounts, clients ---- */

static void put_key_quoted(struct emitter *e, const char *indent, const char *key,
                           const char *value)
{
    buf_puts(e->out, indent);
    buf_puts(e->out, key);
    buf_puts(e->out, ": ");
    put_quoted(e, value);
    buf_putc(e->out, '\n');
}

static void put_server(struct emitter *e, const struct scenario_server *sv)
{
    struct buf *o = e->out;
    buf_puts(o, "server:\n");
    put_key_quoted(e, "  ", "domain", sv->domain);
    buf_puts(o, "  conflict: ");
    buf_puts(o, scenario_conflict_name(sv->conflict));
    buf_puts(o, "\n  offline: ");
    buf_puts(o, bool_word(sv->offline));
    buf_puts(o, "\n  registration: ");
    buf_puts(o, bool_word(sv->registration));
    buf_puts(o, "\n  tombstones: ");
    buf_puts(o, bool_word(sv->tombstones));
    buf_puts(o, "\n  tombstone_expiry: ");
    put_duration(o, sv->tombstone_expiry_ms);
    buf_putc(o, '\n');
    if (sv->sm_hibernation_ms != SCENARIO_SM_HIBERNATION_MS) {   /* format 1.1 */
        buf_puts(o, "  sm_hibernation: ");
        put_duration(o, sv->sm_hibernation_ms);
        buf_putc(o, '\n');
    }
    if (sv->sm_queue_max != SCENARIO_SM_QUEUE_MAX) {   /* format 1.8 */
        buf_puts(o, "  sm_queue_max: ");
        buf_put_u64(o, sv->sm_queue_max);
        buf_putc(o, '\n');
    }
    if (sv->profile_given) {   /* format 1.4 */
        buf_puts(o, "  profile: ");
        buf_puts(o, scenario_profile_name(sv->profile));
        buf_putc(o, '\n');
    }
}

static void put_roster_item(struct emitter *e, const struct scenario_roster_item *it)
{
    struct buf *o = e->out;
    buf_puts(o, "      ");
    put_quoted(e, it->contact);
    buf_puts(o, ": {subscription: ");
    buf_puts(o, scenario_subscription_name(it->subscription));
    buf_puts(o, ", ask: ");
    buf_puts(o, scenario_ask_name(it->ask));
    if (it->name != NULL) {
        buf_puts(o, ", name: ");
        put_quoted(e, it->name);
    }
    if (it->groups.count > 0) {
        buf_puts(o, ", groups: ");
        put_list(e, &it->groups);
    }
    buf_puts(o, "}\n");
}

static void put_accounts(struct emitter *e)
{
    const struct scenario *s = e->s;
    if (s->account_count == 0)
        return;
    buf_puts(e->out, "accounts:\n");
    for (size_t i = 0; i < s->account_count; i++) {
        const struct scenario_account *a = &s->accounts[i];
        buf_puts(e->out, "  ");
        put_quoted(e, a->name);
        buf_puts(e->out, ":\n");
        put_key_quoted(e, "    ", "password", a->password);
        if (a->roster_count > 0)
            buf_puts(e->out, "    roster:\n");
        for (size_t j = 0; j < a->roster_count; j++)
            put_roster_item(e, &a->roster[j]);
    }
}

/* The first client index that reloading would recreate implicitly: the
 * trailing implicit clients, if each has its own name as account and
 * resource and they are first used by steps in index order. */
static size_t implicit_from(const struct scenario *s)
{
    size_t first = s->client_count;
    while (first > 0 && s->clients[first - 1].implicit)
        first--;
    for (size_t i = first; i < s->client_count; i++) {
        const struct scenario_client *c = &s->clients[i];
        if (strcmp(c->account, c->name) != 0 || strcmp(c->resource, c->name) != 0)
            return s->client_count;
    }
    size_t next = first;
    for (size_t i = 0; i < s->step_count; i++) {
        size_t c = s->steps[i].client;
        if (c == SCENARIO_NO_CLIENT || c < first || c < next)
            continue;
        if (c != next)
            return s->client_count;
        next++;
    }
    return next == s->client_count ? first : s->client_count;
}

static void put_clients(struct emitter *e)
{
    const struct scenario *s = e->s;
    if (e->first_implicit == 0)
        return;
    buf_puts(e->out, "clients:\n");
    for (size_t i = 0; i < e->first_implicit; i++) {
        buf_puts(e->out, "  ");
        put_quoted(e, s->clients[i].name);
        buf_puts(e->out, ": {account: ");
        put_quoted(e, s->clients[i].account);
        buf_puts(e->out, ", resource: ");
        put_quoted(e, s->clients[i].resource);
        buf_puts(e->out, "}\n");
    }
}

/* ---- steps ---- */

static void put_connect(struct emitter *e, const struct scenario_step *st)
{
    struct buf *o = e->out;
    if (st->connect.resource == NULL && st->connect.auth && st->connect.bind) {
        buf_puts(o, "connect");
        return;
    }
    buf_puts(o, "{connect: {");
    const char *sep = "";
    if (st->connect.resource != NULL) {
        buf_puts(o, "resource: ");
        put_quoted(e, st->connect.resource);
        sep = ", ";
    }
    if (!st->connect.auth) {
        buf_puts(o, sep);
        buf_puts(o, "auth: false");
        sep = ", ";
    }
    if (!st->connect.bind) {
        buf_puts(o, sep);
        buf_puts(o, "bind: false");
    }
    buf_puts(o, "}}");
}

/* `{WORD: {password: "..."}}`, or the bare word when password is NULL or
 * equal to the loader's default for it. */
static void put_password_step(struct emitter *e, const char *word, const char *password,
                              const char *implied)
{
    if (password == NULL || (implied != NULL && strcmp(password, implied) == 0)) {
        buf_puts(e->out, word);
        return;
    }
    buf_puts(e->out, "{");
    buf_puts(e->out, word);
    buf_puts(e->out, ": {password: ");
    put_quoted(e, password);
    buf_puts(e->out, "}}");
}

/* `ack` / `resume`, with {h: "...", previd: "..."} when given. */
static void put_sm(struct emitter *e, const struct scenario_step *st)
{
    const char *word = scenario_step_name(st->kind);
    if (st->sm.h == NULL && st->sm.previd == NULL) {
        buf_puts(e->out, word);
        return;
    }
    buf_puts(e->out, "{");
    buf_puts(e->out, word);
    buf_puts(e->out, ": {");
    if (st->sm.h != NULL) {
        buf_puts(e->out, "h: ");
        put_quoted(e, st->sm.h);
    }
    if (st->sm.previd != NULL) {
        buf_puts(e->out, st->sm.h != NULL ? ", previd: " : "previd: ");
        put_quoted(e, st->sm.previd);
    }
    buf_puts(e->out, "}}");
}

static void put_texts(struct emitter *e, const char *word, const struct scenario_strings *l)
{
    buf_puts(e->out, "{");
    buf_puts(e->out, word);
    buf_puts(e->out, ": ");
    if (l->count == 1)
        put_quoted(e, l->items[0].text);
    else
        put_list(e, l);
    buf_puts(e->out, "}");
    if (l->count == 0)
        e->ok = false;   /* the format has no empty send or receive */
}

static void put_receive(struct emitter *e, const struct scenario_step *st)
{
    switch (st->receive.kind) {
    case SCENARIO_RECEIVE_NOTHING:
        buf_puts(e->out, "{receive: nothing}");
        return;
    case SCENARIO_RECEIVE_CLOSED:
        buf_puts(e->out, "{receive: closed}");
        return;
    case SCENARIO_RECEIVE_STANZAS:
        put_texts(e, "receive", &st->receive.patterns);
        return;
    case SCENARIO_RECEIVE_AMONG:
        buf_puts(e->out, "{receive: ");
        put_texts(e, "among", &st->receive.patterns);
        buf_puts(e->out, "}");
        return;
    }
}

/* The action of a client step, after "CLIENT: ". */
static void put_client_action(struct emitter *e, const struct scenario_step *st)
{
    struct buf *o = e->out;
    switch (st->kind) {
    case SCENARIO_STEP_CONNECT:
        put_connect(e, st);
        return;
    case SCENARIO_STEP_AUTH:
        put_password_step(e, "auth", st->auth.password, NULL);
        return;
    case SCENARIO_STEP_REGISTER:
        put_password_step(e, "register", st->reg.password, "password");
        return;
    case SCENARIO_STEP_SEND:
        put_texts(e, "send", &st->send);
        return;
    case SCENARIO_STEP_SEND_RAW:
        buf_puts(o, "{send_raw: ");
        if (st->raw_form != SCENARIO_RAW_TEXT)
            buf_puts(o, st->raw_form == SCENARIO_RAW_HEX ? "{hex: " : "{base64: ");
        put_quoted(e, st->send_raw.text);
        if (st->raw_form != SCENARIO_RAW_TEXT)
            buf_putc(o, '}');
        buf_puts(o, "}");
        return;
    case SCENARIO_STEP_RECEIVE:
        put_receive(e, st);
        return;
    case SCENARIO_STEP_ENABLE:
        buf_puts(o, st->enable.resume ? "{enable: {resume: true}}" : "enable");
        return;
    case SCENARIO_STEP_ACK:
    case SCENARIO_STEP_RESUME:
        put_sm(e, st);
        return;
    case SCENARIO_STEP_REQUEST:
    case SCENARIO_STEP_BIND:
    case SCENARIO_STEP_CLOSE:
    case SCENARIO_STEP_DROP:
    case SCENARIO_STEP_UNREGISTER:
    case SCENARIO_STEP_ADVANCE:
    case SCENARIO_STEP_RESTART:
    case SCENARIO_STEP_CHECK:
    case SCENARIO_STEP_NOTE:
        buf_puts(o, scenario_step_name(st->kind));
        return;
    }
}

/* ---- check ---- */

static bool given(const struct scenario_check *c, enum scenario_check_key k)
{
    return (c->given & (1u << k)) != 0;
}

static void check_key(struct emitter *e, const char *key)
{
    buf_puts(e->out, "      ");
    buf_puts(e->out, key);
    buf_puts(e->out, ": ");
}

static void put_check_offline(struct emitter *e, const struct scenario_check *c)
{
    buf_putc(e->out, '{');
    for (size_t i = 0; i < c->offline_count; i++) {
        if (i > 0)
            buf_puts(e->out, ", ");
        put_quoted(e, c->offline[i].account);
        buf_puts(e->out, ": ");
        buf_put_u64(e->out, c->offline[i].count);
    }
    buf_putc(e->out, '}');
}

static void put_check_item(struct emitter *e, const struct scenario_check_item *it)
{
    const char *sep = "";
    put_quoted(e, it->contact);
    buf_puts(e->out, ": {");
    if (it->has_subscription) {
        buf_puts(e->out, "subscription: ");
        buf_puts(e->out, scenario_subscription_name(it->subscription));
        sep = ", ";
    }
    if (it->has_ask) {
        buf_puts(e->out, sep);
        buf_puts(e->out, "ask: ");
        buf_puts(e->out, scenario_ask_name(it->ask));
        sep = ", ";
    }
    if (it->name != NULL) {
        buf_puts(e->out, sep);
        buf_puts(e->out, "name: ");
        put_quoted(e, it->name);
        sep = ", ";
    }
    if (it->has_groups) {
        buf_puts(e->out, sep);
        buf_puts(e->out, "groups: ");
        put_list(e, &it->groups);
    }
    buf_putc(e->out, '}');
}

static void put_check_roster(struct emitter *e, const struct scenario_check *c)
{
    buf_putc(e->out, '{');
    for (size_t i = 0; i < c->roster_count; i++) {
        const struct scenario_check_roster *r = &c->roster[i];
        buf_puts(e->out, i > 0 ? ", " : "");
        put_quoted(e, r->account);
        buf_puts(e->out, ": {");
        for (size_t j = 0; j < r->item_count; j++) {
            buf_puts(e->out, j > 0 ? ", " : "");
            put_check_item(e, &r->items[j]);
        }
        buf_putc(e->out, '}');
    }
    buf_putc(e->out, '}');
}

static void put_check_presence(struct emitter *e, const struct scenario_check *c)
{
    buf_putc(e->out, '{');
    for (size_t i = 0; i < c->presence_count; i++) {
        const struct scenario_check_presence *p = &c->presence[i];
        buf_puts(e->out, i > 0 ? ", " : "");
        put_quoted(e, p->client);
        buf_puts(e->out, ": {");
        if (p->has_priority) {
            buf_puts(e->out, "priority: ");
            put_int(e->out, p->priority);
        }
        if (p->has_show) {
            buf_puts(e->out, p->has_priority ? ", show: " : "show: ");
            buf_puts(e->out, scenario_show_name(p->show));
        }
        buf_putc(e->out, '}');
    }
    buf_putc(e->out, '}');
}

/* `check:` with its keys in SCENARIO_CHECK_KEYS order, one per line. */
static void put_check(struct emitter *e, const struct scenario_check *c)
{
    static const char *const keys[] = {
#define CHECK_WORD(n, w) w,
        SCENARIO_CHECK_KEYS(CHECK_WORD)
#undef CHECK_WORD
    };
    const struct scenario_strings *lists[] = {
        [SCENARIO_CHECK_CONNECTED] = &c->connected, [SCENARIO_CHECK_AVAILABLE] = &c->available,
        [SCENARIO_CHECK_INTERESTED] = &c->interested, [SCENARIO_CHECK_ACCOUNTS] = &c->accounts,
        [SCENARIO_CHECK_TOMBSTONES] = &c->tombstones, [SCENARIO_CHECK_HIBERNATING] = &c->hibernating};
    buf_puts(e->out, "  - check:\n");
    e->ok = e->ok && c->given != 0;
    for (size_t k = 0; k < COUNT(keys); k++) {
        if (!given(c, (enum scenario_check_key)k))
            continue;
        check_key(e, keys[k]);
        if (k == SCENARIO_CHECK_SESSIONS)
            buf_put_u64(e->out, c->sessions);
        else if (k == SCENARIO_CHECK_OFFLINE)
            put_check_offline(e, c);
        else if (k == SCENARIO_CHECK_ROSTER)
            put_check_roster(e, c);
        else if (k == SCENARIO_CHECK_PRESENCE)
            put_check_presence(e, c);
        else
            put_list(e, lists[k]);
        buf_putc(e->out, '\n');
    }
}

/* A directive step (no client), written whole; false for client steps. */
static bool put_directive(struct emitter *e, const struct scenario_step *st)
{
    struct buf *o = e->out;
    switch (st->kind) {
    case SCENARIO_STEP_RESTART:
        buf_puts(o, "  - restart\n");
        return true;
    case SCENARIO_STEP_ADVANCE:
        buf_puts(o, "  - advance: ");
        put_duration(o, st->advance_ms);
        buf_putc(o, '\n');
        return true;
    case SCENARIO_STEP_NOTE:
        put_key_quoted(e, "  - ", "note", st->note != NULL ? st->note : "");
        return true;
    case SCENARIO_STEP_CHECK:
        put_check(e, &st->check);
        return true;
    case SCENARIO_STEP_CONNECT:
    case SCENARIO_STEP_AUTH:
    case SCENARIO_STEP_BIND:
    case SCENARIO_STEP_SEND:
    case SCENARIO_STEP_SEND_RAW:
    case SCENARIO_STEP_RECEIVE:
    case SCENARIO_STEP_CLOSE:
    case SCENARIO_STEP_DROP:
    case SCENARIO_STEP_REGISTER:
    case SCENARIO_STEP_UNREGISTER:
    case SCENARIO_STEP_ENABLE:
    case SCENARIO_STEP_ACK:
    case SCENARIO_STEP_REQUEST:
    case SCENARIO_STEP_RESUME:
        break;
    }
    return false;
}

static void put_step(struct emitter *e, const struct scenario_step *st)
{
    if (put_directive(e, st))
        return;
    if (st->client >= e->s->client_count) {
        e->ok = false;
        return;
    }
    buf_puts(e->out, "  - ");
    put_quoted(e, e->s->clients[st->client].name);
    buf_puts(e->out, ": ");
    put_client_action(e, st);
    buf_putc(e->out, '\n');
}

bool emit_scenario(const struct scenario *s, struct buf *out)
{
    struct emitter e = {out, s->step_count > 0, s, implicit_from(s)};
    put_key_quoted(&e, "", "scenario", s->name);
    if (s->description != NULL)
        put_key_quoted(&e, "", "description", s->description);
    const struct {
        const char *key;
        const struct scenario_strings *list;
    } lists[] = {{"tags", &s->tags}, {"spec", &s->spec}};
    for (size_t i = 0; i < 2; i++) {
        if (lists[i].list->count == 0)
            continue;
        buf_puts(out, lists[i].key);
        buf_puts(out, ": ");
        put_list(&e, lists[i].list);
        buf_putc(out, '\n');
    }
    if (s->target != SCENARIO_TARGET_ANY) {
        buf_puts(out, "target: ");
        buf_puts(out, scenario_target_name(s->target));
        buf_putc(out, '\n');
    }
    if (s->leftovers_ignore)
        buf_puts(out, "leftovers: ignore\n");
    put_server(&e, &s->server);
    put_accounts(&e);
    put_clients(&e);
    buf_puts(out, "steps:\n");
    for (size_t i = 0; i < s->step_count; i++)
        put_step(&e, &s->steps[i]);
    return e.ok;
}

bool emit_file(const struct scenario *s, const char *path, char *err, size_t size)
{
    struct buf text = {0};
    bool ok = emit_scenario(s, &text);
    const char *why = "the scenario cannot be written as YAML";
    if (ok) {
        FILE *f = fopen(path, "wb");
        ok = f != NULL && fwrite(text.data, 1, text.len, f) == text.len;
        if (f != NULL && fclose(f) != 0)
            ok = false;
        why = strerror(errno);
    }
    if (!ok && err != NULL && size > 0)
        snprintf(err, size, "%s: %s", path, why);
    buf_free(&text);
    return ok;
}

/* ---- equality ---- */

struct cmp {
    struct buf *why;
    bool equal;
};

/* Records the first difference (what, then where). */
static void differ(struct cmp *c, const char *what, const char *where, size_t index)
{
    if (!c->equal)
        return;
    c->equal = false;
    if (c->why == NULL)
        return;
    buf_puts(c->why, what);
    buf_puts(c->why, " differs");
    if (where != NULL) {
        buf_puts(c->why, " in ");
        buf_puts(c->why, where);
        buf_puts(c->why, " ");
        buf_put_u64(c->why, index + 1);
    }
    buf_putc(c->why, '\n');
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_strings(const struct scenario_strings *a, const struct scenario_strings *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i].text, b->items[i].text) != 0)
            return false;
    return true;
}

static bool same_offline(const struct scenario_check *a, const struct scenario_check *b)
{
    if (a->offline_count != b->offline_count)
        return false;
    for (size_t i = 0; i < a->offline_count; i++)
        if (!same_str(a->offline[i].account, b->offline[i].account) ||
            a->offline[i].count != b->offline[i].count)
            return false;
    return true;
}

static bool same_check_items(const struct scenario_check_roster *a,
                             const struct scenario_check_roster *b)
{
    if (!same_str(a->account, b->account) || a->item_count != b->item_count)
        return false;
    for (size_t j = 0; j < a->item_count; j++) {
        const struct scenario_check_item *x = &a->items[j], *y = &b->items[j];
        if (!same_str(x->contact, y->contact) || x->has_subscription != y->has_subscription ||
            x->has_ask != y->has_ask ||
            (x->has_subscription && x->subscription != y->subscription) ||
            (x->has_ask && x->ask != y->ask) || !same_str(x->name, y->name) ||
            x->has_groups != y->has_groups || !same_strings(&x->groups, &y->groups))
            return false;
    }
    return true;
}

static bool same_presence(const struct scenario_check *a, const struct scenario_check *b)
{
    if (a->presence_count != b->presence_count)
        return false;
    for (size_t i = 0; i < a->presence_count; i++) {
        const struct scenario_check_presence *x = &a->presence[i], *y = &b->presence[i];
        if (!same_str(x->client, y->client) || x->has_priority != y->has_priority ||
            x->has_show != y->has_show || (x->has_priority && x->priority != y->priority) ||
            (x->has_show && x->show != y->show))
            return false;
    }
    return true;
}

static bool same_check(const struct scenario_check *a, const struct scenario_check *b)
{
    bool same = a->given == b->given && same_strings(&a->connected, &b->connected) &&
                same_strings(&a->available, &b->available) &&
                same_strings(&a->interested, &b->interested) && a->sessions == b->sessions &&
                same_strings(&a->hibernating, &b->hibernating) &&
                same_strings(&a->accounts, &b->accounts) &&
                same_strings(&a->tombstones, &b->tombstones) && same_offline(a, b) &&
                same_presence(a, b) && a->roster_count == b->roster_count;
    for (size_t i = 0; same && i < a->roster_count; i++)
        same = same_check_items(&a->roster[i], &b->roster[i]);
    return same;
}

static bool same_step(const struct scenario_step *a, const struct scenario_step *b)
{
    if (a->kind != b->kind || a->client != b->client)
        return false;
    switch (a->kind) {
    case SCENARIO_STEP_CONNECT:
        return same_str(a->connect.resource, b->connect.resource) &&
               a->connect.auth == b->connect.auth && a->connect.bind == b->connect.bind;
    case SCENARIO_STEP_AUTH:
        return same_str(a->auth.password, b->auth.password);
    case SCENARIO_STEP_SEND:
        return same_strings(&a->send, &b->send);
    case SCENARIO_STEP_SEND_RAW:
        return a->raw_form == b->raw_form && strcmp(a->send_raw.text, b->send_raw.text) == 0;
    case SCENARIO_STEP_RECEIVE:
        return a->receive.kind == b->receive.kind &&
               same_strings(&a->receive.patterns, &b->receive.patterns);
    case SCENARIO_STEP_REGISTER:
        return same_str(a->reg.password, b->reg.password);
    case SCENARIO_STEP_ADVANCE:
        return a->advance_ms == b->advance_ms;
    case SCENARIO_STEP_CHECK:
        return same_check(&a->check, &b->check);
    case SCENARIO_STEP_NOTE:
        return same_str(a->note, b->note);
    case SCENARIO_STEP_ENABLE:
        return a->enable.resume == b->enable.resume;
    case SCENARIO_STEP_ACK:
    case SCENARIO_STEP_RESUME:
        return same_str(a->sm.h, b->sm.h) && same_str(a->sm.previd, b->sm.previd);
    case SCENARIO_STEP_REQUEST:
    case SCENARIO_STEP_BIND:
    case SCENARIO_STEP_CLOSE:
    case SCENARIO_STEP_DROP:
    case SCENARIO_STEP_UNREGISTER:
    case SCENARIO_STEP_RESTART:
        return true;
    }
    return false;
}

static bool same_server(const struct scenario_server *a, const struct scenario_server *b)
{
    return same_str(a->domain, b->domain) && a->conflict == b->conflict &&
           a->offline == b->offline && a->registration == b->registration &&
           a->tombstones == b->tombstones && a->tombstone_expiry_ms == b->tombstone_expiry_ms &&
           a->sm_hibernation_ms == b->sm_hibernation_ms && a->sm_queue_max == b->sm_queue_max &&
           a->profile == b->profile &&
           a->profile_given == b->profile_given;
}

static bool same_account(const struct scenario_account *a, const struct scenario_account *b)
{
    if (!same_str(a->name, b->name) || !same_str(a->password, b->password) ||
        a->roster_count != b->roster_count)
        return false;
    for (size_t j = 0; j < a->roster_count; j++) {
        const struct scenario_roster_item *x = &a->roster[j], *y = &b->roster[j];
        if (!same_str(x->contact, y->contact) || x->subscription != y->subscription ||
            x->ask != y->ask || !same_str(x->name, y->name) ||
            !same_strings(&x->groups, &y->groups))
            return false;
    }
    return true;
}

static bool same_client(const struct scenario_client *a, const struct scenario_client *b)
{
    return same_str(a->name, b->name) && same_str(a->account, b->account) &&
           same_str(a->resource, b->resource) && a->implicit == b->implicit;
}

static void compare_top(struct cmp *c, const struct scenario *a, const struct scenario *b)
{
    if (!same_str(a->name, b->name))
        differ(c, "scenario", NULL, 0);
    if (!same_str(a->description, b->description))
        differ(c, "description", NULL, 0);
    if (!same_strings(&a->tags, &b->tags) || !same_strings(&a->spec, &b->spec))
        differ(c, "tags or spec", NULL, 0);
    if (a->target != b->target || a->leftovers_ignore != b->leftovers_ignore)
        differ(c, "target or leftovers", NULL, 0);
    if (!same_server(&a->server, &b->server))
        differ(c, "server", NULL, 0);
}

bool emit_equal(const struct scenario *a, const struct scenario *b, struct buf *why)
{
    struct cmp c = {why, true};
    compare_top(&c, a, b);
    if (a->account_count != b->account_count)
        differ(&c, "number of accounts", NULL, 0);
    for (size_t i = 0; c.equal && i < a->account_count; i++)
        if (!same_account(&a->accounts[i], &b->accounts[i]))
            differ(&c, "account", "entry", i);
    if (a->client_count != b->client_count)
        differ(&c, "number of clients", NULL, 0);
    for (size_t i = 0; c.equal && i < a->client_count; i++)
        if (!same_client(&a->clients[i], &b->clients[i]))
            differ(&c, "client", "entry", i);
    if (a->step_count != b->step_count)
        differ(&c, "number of steps", NULL, 0);
    for (size_t i = 0; c.equal && i < a->step_count; i++)
        if (!same_step(&a->steps[i], &b->steps[i]))
            differ(&c, "step", "step", i);
    return c.equal;
}
