/* Fuzz target: the scenario loader (sim/scenario.h).
 *
 * The input is the text of one scenario file, loaded with
 * loader_load_buffer. Properties checked:
 * - every input gives a scenario or an error, never both, never neither;
 * - an error has a non-empty message, a line within the input's line count
 *   and a column within its length, and formats as "FILE:LINE:COLUMN: ...";
 * - a loaded scenario keeps the documented shape: at least one step, every
 *   step's client a valid index (or none, exactly for directives), every
 *   client and account found under its own name, every position inside the
 *   input, enumerations and numbers within their ranges;
 * - loading the same bytes twice gives the same result (a digest of the
 *   whole tree, or the same error).
 * A violation is reported with fuzz/common/finding.h (both loads' results
 * when they differ) and aborts. Everything allocated is freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/finding.h"
#include "model/buf.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.yaml"

/* Bounds every reported position must respect. */
struct bounds {
    unsigned long lines;    /* an upper bound of the line count */
    unsigned long columns;  /* an upper bound of any column */
};

static void fail(const char *what, unsigned long a, unsigned long b)
{
    char detail[64];
    snprintf(detail, sizeof detail, "values: %lu, %lu", a, b);
    finding_fail("scenario_loader", what, detail);
}

static void check(int ok, const char *what)
{
    if (!ok)
        fail(what, 0, 0);
}

/* Any byte sequence YAML may take as a line break counts (LF, CR, and the
 * UTF-8 forms of NEL, LS and PS), so this is an upper bound. */
static struct bounds bounds_of(const uint8_t *data, size_t size)
{
    struct bounds b = {1, size + 1};
    for (size_t i = 0; i < size; i++) {
        bool nel = data[i] == 0xC2 && i + 1 < size && data[i + 1] == 0x85;
        bool ls_ps = data[i] == 0xE2 && i + 2 < size && data[i + 1] == 0x80 &&
                     (data[i + 2] == 0xA8 || data[i + 2] == 0xA9);
        if (data[i] == '\n' || data[i] == '\r' || nel || ls_ps)
            b.lines++;
    }
    return b;
}

static void check_position(const struct bounds *b, unsigned long line, unsigned long column)
{
    if (line < 1 || line > b->lines || column < 1 || column > b->columns)
        fail("position outside the input", line, column);
}

static void digest_str(struct buf *d, const char *s)
{
    buf_puts(d, s != NULL ? s : "(null)");
    buf_putc(d, '\n');
}

static void digest_strings(struct buf *d, const struct bounds *b,
                           const struct scenario_strings *v)
{
    check(v->count == 0 || v->items != NULL, "strings without storage");
    buf_put_u64(d, v->count);
    buf_putc(d, ':');
    for (size_t i = 0; i < v->count; i++) {
        check(v->items[i].text != NULL, "NULL string in a list");
        check_position(b, v->items[i].line, v->items[i].column);
        digest_str(d, v->items[i].text);
    }
}

static void digest_accounts(struct buf *d, const struct bounds *b, const struct scenario *s)
{
    for (size_t i = 0; i < s->account_count; i++) {
        const struct scenario_account *a = &s->accounts[i];
        check(a->name != NULL && a->password != NULL, "account without name or password");
        check(scenario_account_find(s, a->name) == a, "account not found under its name");
        check_position(b, a->line, a->column);
        digest_str(d, a->name);
        digest_str(d, a->password);
        for (size_t k = 0; k < a->roster_count; k++) {
            const struct scenario_roster_item *it = &a->roster[k];
            check(it->contact != NULL, "roster item without contact");
            check(it->subscription <= SCENARIO_SUBSCRIPTION_BOTH &&
                      it->ask <= SCENARIO_ASK_SUBSCRIBE,
                  "roster item enumeration out of range");
            check_position(b, it->line, it->column);
            digest_str(d, it->contact);
            digest_str(d, it->name);
            buf_put_u64(d, it->subscription * 2u + it->ask);
            digest_strings(d, b, &it->groups);
        }
    }
}

static void digest_clients(struct buf *d, const struct bounds *b, const struct scenario *s)
{
    bool implicit_seen = false;
    for (size_t i = 0; i < s->client_count; i++) {
        const struct scenario_client *c = &s->clients[i];
        check(c->name != NULL && c->account != NULL && c->resource != NULL,
              "client without name, account or resource");
        check(scenario_client_find(s, c->name) == c, "client not found under its name");
        check(!implicit_seen || c->implicit, "declared client after an implicit one");
        implicit_seen = implicit_seen || c->implicit;
        check_position(b, c->line, c->column);
        digest_str(d, c->name);
        digest_str(d, c->account);
        digest_str(d, c->resource);
    }
}

static void digest_check(struct buf *d, const struct bounds *b, const struct scenario *s,
                         const struct scenario_check *c)
{
    buf_put_u64(d, c->given);
    digest_strings(d, b, &c->connected);
    digest_strings(d, b, &c->available);
    digest_strings(d, b, &c->interested);
    digest_strings(d, b, &c->accounts);
    digest_strings(d, b, &c->tombstones);
    buf_put_u64(d, c->sessions);
    for (size_t i = 0; i < c->offline_count; i++) {
        check(c->offline[i].account != NULL, "offline check without account");
        digest_str(d, c->offline[i].account);
        buf_put_u64(d, c->offline[i].count);
    }
    for (size_t i = 0; i < c->roster_count; i++) {
        check(c->roster[i].account != NULL, "roster check without account");
        digest_str(d, c->roster[i].account);
        for (size_t k = 0; k < c->roster[i].item_count; k++)
            digest_str(d, c->roster[i].items[k].contact);
    }
    for (size_t i = 0; i < c->presence_count; i++) {
        const struct scenario_check_presence *p = &c->presence[i];
        check(p->client != NULL && scenario_client_find(s, p->client) != NULL,
              "presence check names an unknown client");
        check(p->priority >= -128 && p->priority <= 127 && p->show <= SCENARIO_SHOW_XA,
              "presence check out of range");
        digest_str(d, p->client);
        buf_put_u64(d, (unsigned long long)(p->priority + 128) * 8u + p->show);
    }
}

static bool is_directive(enum scenario_step_kind k)
{
    return k == SCENARIO_STEP_ADVANCE || k == SCENARIO_STEP_RESTART ||
           k == SCENARIO_STEP_CHECK || k == SCENARIO_STEP_NOTE;
}

static void digest_step_data(struct buf *d, const struct bounds *b, const struct scenario *s,
                             const struct scenario_step *st)
{
    switch (st->kind) {
    case SCENARIO_STEP_CONNECT:
        digest_str(d, st->connect.resource);
        buf_put_u64(d, st->connect.auth * 2u + st->connect.bind);
        break;
    case SCENARIO_STEP_AUTH:
        digest_str(d, st->auth.password);
        break;
    case SCENARIO_STEP_SEND:
        check(st->send.count >= 1, "send without stanzas");
        digest_strings(d, b, &st->send);
        break;
    case SCENARIO_STEP_SEND_RAW:
        check(st->send_raw.text != NULL, "send_raw without bytes");
        digest_str(d, st->send_raw.text);
        break;
    case SCENARIO_STEP_RECEIVE:
        check(st->receive.kind != SCENARIO_RECEIVE_STANZAS || st->receive.patterns.count >= 1,
              "receive without patterns");
        buf_put_u64(d, st->receive.kind);
        digest_strings(d, b, &st->receive.patterns);
        break;
    case SCENARIO_STEP_REGISTER:
        digest_str(d, st->reg.password);
        break;
    case SCENARIO_STEP_ADVANCE:
        check(st->advance_ms <= SCENARIO_DURATION_MAX_MS, "advance beyond the maximum");
        buf_put_u64(d, st->advance_ms);
        break;
    case SCENARIO_STEP_CHECK:
        digest_check(d, b, s, &st->check);
        break;
    case SCENARIO_STEP_NOTE:
        digest_str(d, st->note);
        break;
    case SCENARIO_STEP_ENABLE:
        buf_put_u64(d, st->enable.resume);
        break;
    case SCENARIO_STEP_ACK:
    case SCENARIO_STEP_RESUME:
        digest_str(d, st->sm.h);
        digest_str(d, st->sm.previd);
        break;
    case SCENARIO_STEP_REQUEST:
    case SCENARIO_STEP_BIND:
    case SCENARIO_STEP_CLOSE:
    case SCENARIO_STEP_DROP:
    case SCENARIO_STEP_UNREGISTER:
    case SCENARIO_STEP_RESTART:
        break;
    }
}

static void digest_steps(struct buf *d, const struct bounds *b, const struct scenario *s)
{
    check(s->step_count >= 1 && s->steps != NULL, "scenario without steps");
    for (size_t i = 0; i < s->step_count; i++) {
        const struct scenario_step *st = &s->steps[i];
        check(st->kind <= SCENARIO_STEP_NOTE, "step kind out of range");
        check(scenario_step_name(st->kind) != NULL, "step kind without a name");
        if (is_directive(st->kind))
            check(st->client == SCENARIO_NO_CLIENT, "directive with a client");
        else
            check(st->client < s->client_count, "client step with an invalid client");
        check_position(b, st->line, st->column);
        buf_puts(d, scenario_step_name(st->kind));
        buf_put_u64(d, st->client);
        buf_putc(d, '@');
        buf_put_u64(d, st->line);
        buf_putc(d, ':');
        buf_put_u64(d, st->column);
        digest_step_data(d, b, s, st);
    }
}

/* Checks the scenario's shape and writes a digest of all of it into d. */
static void digest(struct buf *d, const struct bounds *b, const struct scenario *s)
{
    check(s->file != NULL && strcmp(s->file, NAME) == 0, "scenario file name not kept");
    check(s->name != NULL, "scenario without a name");
    check(s->server.domain != NULL, "server without a domain");
    check(s->target <= SCENARIO_TARGET_MODEL && s->server.conflict <= SCENARIO_CONFLICT_RANDOM_RESOURCE,
          "enumeration out of range");
    check(s->server.tombstone_expiry_ms <= SCENARIO_DURATION_MAX_MS, "expiry beyond the maximum");
    digest_str(d, s->name);
    digest_str(d, s->description);
    digest_strings(d, b, &s->tags);
    digest_strings(d, b, &s->spec);
    digest_str(d, s->server.domain);
    buf_put_u64(d, s->server.conflict);
    buf_put_u64(d, s->server.tombstone_expiry_ms);
    buf_put_u64(d, s->server.offline * 8u + s->server.registration * 4u +
                       s->server.tombstones * 2u + s->leftovers_ignore);
    digest_accounts(d, b, s);
    digest_clients(d, b, s);
    digest_steps(d, b, s);
}

/* Loads the input once; the result (a digest, or the formatted error) goes
 * into out. */
static void load(const uint8_t *data, size_t size, const struct bounds *b, struct buf *out)
{
    struct scenario_error err;
    memset(&err, 0x5a, sizeof err);
    struct scenario *s = loader_load_buffer(NAME, (const char *)data, size, &err);
    if (s != NULL) {
        digest(out, b, s);
        scenario_free(s);
        return;
    }
    check(err.file != NULL && strcmp(err.file, NAME) == 0, "error without the file name");
    size_t mlen = strnlen(err.message, sizeof err.message);
    check(mlen > 0 && mlen < sizeof err.message, "error message empty or not terminated");
    check_position(b, err.line, err.column);
    char text[SCENARIO_MESSAGE_MAX + 64];
    size_t need = scenario_error_format(&err, text, sizeof text);
    check(need < sizeof text && strncmp(text, NAME ":", sizeof NAME) == 0,
          "error does not format as FILE:LINE:COLUMN");
    buf_puts(out, "error ");
    buf_puts(out, text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bounds b = bounds_of(data, size);
    struct buf first = {0}, second = {0};
    load(data, size, &b, &first);
    load(data, size, &b, &second);
    if (finding_planted())
        buf_puts(&second, "\nplanted: only the second load has this");
    if (first.len != second.len || memcmp(buf_cstr(&first), buf_cstr(&second), first.len) != 0)
        finding_differ("scenario_loader", "loading the same bytes twice gives the same result",
                       "first load (digest or error)", first.data, first.len,
                       "second load (digest or error)", second.data, second.len);
    buf_free(&first);
    buf_free(&second);
    return 0;
}
