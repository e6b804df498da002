/* scenario: the scenario structure: freeing, names, building, copying
 * (contract in scenario.h; loading is loader.c).
 */
#include "scenario/scenario.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/count.h"
#include "base/mem.h"

#define WORD(n, w) w,
const char *const scenario_target_words[] = {SCENARIO_TARGETS(WORD)};
const char *const scenario_conflict_words[] = {SCENARIO_CONFLICTS(WORD)};
const char *const scenario_profile_words[] = {SCENARIO_PROFILES(WORD)};
const char *const scenario_subscription_words[] = {SCENARIO_SUBSCRIPTIONS(WORD)};
const char *const scenario_ask_words[] = {SCENARIO_ASKS(WORD)};
const char *const scenario_show_words[] = {SCENARIO_SHOWS(WORD)};
static const char *const step_words[] = {SCENARIO_STEP_KINDS(WORD)};
#undef WORD

/* ---- freeing ------------------------------------------------------------------ */

static void strings_free(struct scenario_strings *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].text);
    free(l->items);
}

static void check_free(struct scenario_check *c)
{
    strings_free(&c->connected);
    strings_free(&c->available);
    strings_free(&c->interested);
    strings_free(&c->hibernating);
    strings_free(&c->accounts);
    strings_free(&c->tombstones);
    for (size_t i = 0; i < c->offline_count; i++)
        free(c->offline[i].account);
    free(c->offline);
    for (size_t i = 0; i < c->roster_count; i++) {
        for (size_t j = 0; j < c->roster[i].item_count; j++) {
            free(c->roster[i].items[j].contact);
            free(c->roster[i].items[j].name);
            strings_free(&c->roster[i].items[j].groups);
        }
        free(c->roster[i].items);
        free(c->roster[i].account);
    }
    free(c->roster);
    for (size_t i = 0; i < c->presence_count; i++)
        free(c->presence[i].client);
    free(c->presence);
}

static void step_free(struct scenario_step *st)
{
    switch (st->kind) {
    case SCENARIO_STEP_CONNECT:
        free(st->connect.resource);
        break;
    case SCENARIO_STEP_AUTH:
        free(st->auth.password);
        break;
    case SCENARIO_STEP_SEND:
        strings_free(&st->send);
        break;
    case SCENARIO_STEP_SEND_RAW:
        free(st->send_raw.text);
        break;
    case SCENARIO_STEP_RECEIVE:
        strings_free(&st->receive.patterns);
        break;
    case SCENARIO_STEP_REGISTER:
        free(st->reg.password);
        break;
    case SCENARIO_STEP_CHECK:
        check_free(&st->check);
        break;
    case SCENARIO_STEP_NOTE:
        free(st->note);
        break;
    case SCENARIO_STEP_ACK:
    case SCENARIO_STEP_RESUME:
        free(st->sm.h);
        free(st->sm.previd);
        break;
    case SCENARIO_STEP_BIND:
    case SCENARIO_STEP_CLOSE:
    case SCENARIO_STEP_DROP:
    case SCENARIO_STEP_UNREGISTER:
    case SCENARIO_STEP_ENABLE:
    case SCENARIO_STEP_REQUEST:
    case SCENARIO_STEP_ADVANCE:
    case SCENARIO_STEP_RESTART:
        break;
    }
}

static void free_account(struct scenario_account *a)
{
    for (size_t j = 0; j < a->roster_count; j++) {
        free(a->roster[j].contact);
        free(a->roster[j].name);
        strings_free(&a->roster[j].groups);
    }
    free(a->roster);
    free(a->name);
    free(a->password);
}

void scenario_free(struct scenario *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->step_count; i++)
        step_free(&s->steps[i]);
    free(s->steps);
    for (size_t i = 0; i < s->client_count; i++) {
        free(s->clients[i].name);
        free(s->clients[i].account);
        free(s->clients[i].resource);
    }
    free(s->clients);
    for (size_t i = 0; i < s->account_count; i++)
        free_account(&s->accounts[i]);
    free(s->accounts);
    free(s->server.domain);
    strings_free(&s->tags);
    strings_free(&s->spec);
    free(s->description);
    free(s->name);
    free(s->file);
    free(s);
}

/* ---- small public helpers ------------------------------------------------------- */

size_t scenario_error_format(const struct scenario_error *err, char *out, size_t size)
{
    const char *file = err->file != NULL ? err->file : "";
    int n = err->line == 0
                ? snprintf(out, size, "%s: %s", file, err->message)
                : snprintf(out, size, "%s:%lu:%lu: %s", file, err->line, err->column, err->message);
    return n < 0 ? 0 : (size_t)n;
}

const struct scenario_client *scenario_client_find(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->client_count; i++)
        if (strcmp(s->clients[i].name, name) == 0)
            return &s->clients[i];
    return NULL;
}

const struct scenario_account *scenario_account_find(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->account_count; i++)
        if (strcmp(s->accounts[i].name, name) == 0)
            return &s->accounts[i];
    return NULL;
}

/* words[i], or "?" for a value outside the enumeration. */
static const char *word_of(const char *const *words, size_t n, size_t i)
{
    return i < n ? words[i] : "?";
}

const char *scenario_step_name(enum scenario_step_kind kind)
{
    return word_of(step_words, COUNT(step_words), (size_t)kind);
}

const char *scenario_target_name(enum scenario_target target)
{
    return word_of(scenario_target_words, COUNT(scenario_target_words), (size_t)target);
}

const char *scenario_conflict_name(enum scenario_conflict c)
{
    return word_of(scenario_conflict_words, COUNT(scenario_conflict_words), (size_t)c);
}

const char *scenario_profile_name(enum scenario_profile p)
{
    return word_of(scenario_profile_words, COUNT(scenario_profile_words), (size_t)p);
}

bool scenario_profile_parse(const char *word, enum scenario_profile *out)
{
    for (size_t i = 0; i < COUNT(scenario_profile_words); i++)
        if (strcmp(word, scenario_profile_words[i]) == 0) {
            *out = (enum scenario_profile)i;
            return true;
        }
    return false;
}

void scenario_profile_default(struct scenario *s, enum scenario_profile p)
{
    if (!s->server.profile_given)
        s->server.profile = p;
}

const char *scenario_subscription_name(enum scenario_subscription sub)
{
    return word_of(scenario_subscription_words, COUNT(scenario_subscription_words), (size_t)sub);
}

const char *scenario_ask_name(enum scenario_ask ask)
{
    return word_of(scenario_ask_words, COUNT(scenario_ask_words), (size_t)ask);
}

const char *scenario_show_name(enum scenario_show show)
{
    return word_of(scenario_show_words, COUNT(scenario_show_words), (size_t)show);
}

/* ---- building scenarios in memory ------------------------------------------- */

/* Room for one more element at the end of *items (count elements), zeroed.
 * The array is reallocated to a power of two, whoever allocated it: a
 * realloc to the size it already has costs nothing, so appending n
 * elements stays O(n) without a capacity field. */
static void *append(void *items, size_t count, size_t size, void **slot)
{
    size_t cap = 8;
    while (cap < count + 1)
        cap *= 2;
    if (cap > SIZE_MAX / size)
        mem_out_of_memory();
    char *grown = mem_realloc(items, cap * size);
    *slot = grown + count * size;
    memset(*slot, 0, size);
    return grown;
}

static char *copy_or_null(const char *s)
{
    return s != NULL ? mem_strdup(s) : NULL;
}

void scenario_step_defaults(struct scenario_step *st)
{
    if (st->kind == SCENARIO_STEP_CONNECT)
        st->connect.auth = st->connect.bind = true;
    if (st->kind == SCENARIO_STEP_REGISTER)
        st->reg.password = mem_strdup("password");
}

struct scenario *scenario_new(const char *file)
{
    struct scenario *s = mem_calloc(1, sizeof *s);
    s->file = mem_strdup(file);
    s->server.domain = mem_strdup("localhost");
    s->server.conflict = SCENARIO_CONFLICT_KICK_OLD;
    s->server.offline = s->server.registration = s->server.tombstones = true;
    s->server.tombstone_expiry_ms = 30ull * 24 * 3600 * 1000;
    s->server.sm_hibernation_ms = SCENARIO_SM_HIBERNATION_MS;
    s->server.sm_queue_max = SCENARIO_SM_QUEUE_MAX;
    return s;
}

struct scenario *scenario_create(const char *name)
{
    struct scenario *s = scenario_new(name);
    s->name = mem_strdup(name);
    return s;
}

struct scenario_account *scenario_account_add(struct scenario *s, const char *name,
                                              const char *password)
{
    void *slot;
    s->accounts = append(s->accounts, s->account_count++, sizeof *s->accounts, &slot);
    struct scenario_account *a = slot;
    a->name = mem_strdup(name);
    a->password = mem_strdup(password != NULL ? password : "password");
    return a;
}

struct scenario_roster_item *scenario_roster_item_add(struct scenario_account *a,
                                                      const char *contact,
                                                      enum scenario_subscription sub,
                                                      enum scenario_ask ask)
{
    void *slot;
    a->roster = append(a->roster, a->roster_count++, sizeof *a->roster, &slot);
    struct scenario_roster_item *it = slot;
    it->contact = mem_strdup(contact);
    it->subscription = sub;
    it->ask = ask;
    return it;
}

size_t scenario_client_add(struct scenario *s, const char *name, const char *account,
                           const char *resource)
{
    void *slot;
    s->clients = append(s->clients, s->client_count++, sizeof *s->clients, &slot);
    struct scenario_client *c = slot;
    c->name = mem_strdup(name);
    c->account = mem_strdup(account);
    c->resource = mem_strdup(resource);
    return s->client_count - 1;
}

struct scenario_step *scenario_step_add(struct scenario *s, enum scenario_step_kind kind,
                                        size_t client)
{
    void *slot;
    s->steps = append(s->steps, s->step_count++, sizeof *s->steps, &slot);
    struct scenario_step *st = slot;
    st->kind = kind;
    st->client = client;
    scenario_step_defaults(st);
    return st;
}

void scenario_strings_add(struct scenario_strings *l, const char *text)
{
    void *slot;
    l->items = append(l->items, l->count++, sizeof *l->items, &slot);
    ((struct scenario_string *)slot)->text = mem_strdup(text);
}

void scenario_string_set(char **slot, const char *text)
{
    char *copy = copy_or_null(text);
    free(*slot);
    *slot = copy;
}

static void strings_copy(struct scenario_strings *out, const struct scenario_strings *in)
{
    out->count = in->count;
    out->items = mem_calloc(in->count, sizeof *out->items);
    for (size_t i = 0; i < in->count; i++) {
        out->items[i] = in->items[i];
        out->items[i].text = mem_strdup(in->items[i].text);
    }
}

/* Copies n records of size bytes, then lets fix deep-copy each one. */
static void *records_copy(const void *in, size_t n, size_t size, void (*fix)(void *))
{
    char *out = mem_calloc(n, size);
    if (n > 0)
        memcpy(out, in, n * size);
    for (size_t i = 0; fix != NULL && i < n; i++)
        fix(out + i * size);
    return out;
}

static void fix_offline(void *p)
{
    struct scenario_check_offline *o = p;
    o->account = mem_strdup(o->account);
}

static void fix_check_item(void *p)
{
    struct scenario_check_item *it = p;
    struct scenario_strings groups = it->groups;
    it->contact = mem_strdup(it->contact);
    it->name = copy_or_null(it->name);
    strings_copy(&it->groups, &groups);
}

static void fix_check_roster(void *p)
{
    struct scenario_check_roster *r = p;
    r->account = mem_strdup(r->account);
    r->items = records_copy(r->items, r->item_count, sizeof *r->items, fix_check_item);
}

static void fix_presence(void *p)
{
    struct scenario_check_presence *pr = p;
    pr->client = mem_strdup(pr->client);
}

static void check_copy(struct scenario_check *out, const struct scenario_check *in)
{
    *out = *in;
    strings_copy(&out->connected, &in->connected);
    strings_copy(&out->available, &in->available);
    strings_copy(&out->interested, &in->interested);
    strings_copy(&out->hibernating, &in->hibernating);
    strings_copy(&out->accounts, &in->accounts);
    strings_copy(&out->tombstones, &in->tombstones);
    out->offline = records_copy(in->offline, in->offline_count, sizeof *in->offline, fix_offline);
    out->roster = records_copy(in->roster, in->roster_count, sizeof *in->roster, fix_check_roster);
    out->presence =
        records_copy(in->presence, in->presence_count, sizeof *in->presence, fix_presence);
}

void scenario_step_copy(struct scenario_step *out, const struct scenario_step *in)
{
    *out = *in;
    switch (in->kind) {
    case SCENARIO_STEP_CONNECT:
        out->connect.resource = copy_or_null(in->connect.resource);
        break;
    case SCENARIO_STEP_AUTH:
        out->auth.password = copy_or_null(in->auth.password);
        break;
    case SCENARIO_STEP_SEND:
        strings_copy(&out->send, &in->send);
        break;
    case SCENARIO_STEP_SEND_RAW:
        out->send_raw.text = mem_strdup(in->send_raw.text);
        break;
    case SCENARIO_STEP_RECEIVE:
        strings_copy(&out->receive.patterns, &in->receive.patterns);
        break;
    case SCENARIO_STEP_REGISTER:
        out->reg.password = copy_or_null(in->reg.password);
        break;
    case SCENARIO_STEP_CHECK:
        check_copy(&out->check, &in->check);
        break;
    case SCENARIO_STEP_NOTE:
        out->note = copy_or_null(in->note);
        break;
    case SCENARIO_STEP_ACK:
    case SCENARIO_STEP_RESUME:
        out->sm.h = copy_or_null(in->sm.h);
        out->sm.previd = copy_or_null(in->sm.previd);
        break;
    case SCENARIO_STEP_ENABLE:
    case SCENARIO_STEP_REQUEST:
    case SCENARIO_STEP_BIND:
    case SCENARIO_STEP_CLOSE:
    case SCENARIO_STEP_DROP:
    case SCENARIO_STEP_UNREGISTER:
    case SCENARIO_STEP_ADVANCE:
    case SCENARIO_STEP_RESTART:
        break;
    }
}

void scenario_step_clear(struct scenario_step *st)
{
    step_free(st);
    memset(st, 0, sizeof *st);
}

static void fix_roster_item(void *p)
{
    struct scenario_roster_item *it = p;
    it->contact = mem_strdup(it->contact);
    it->name = copy_or_null(it->name);
    struct scenario_strings groups = it->groups;
    strings_copy(&it->groups, &groups);
}

static void fix_account(void *p)
{
    struct scenario_account *a = p;
    a->name = mem_strdup(a->name);
    a->password = mem_strdup(a->password);
    a->roster = records_copy(a->roster, a->roster_count, sizeof *a->roster, fix_roster_item);
}

static void fix_client(void *p)
{
    struct scenario_client *c = p;
    c->name = mem_strdup(c->name);
    c->account = mem_strdup(c->account);
    c->resource = mem_strdup(c->resource);
}

struct scenario *scenario_copy(const struct scenario *s)
{
    struct scenario *c = mem_calloc(1, sizeof *c);
    *c = *s;
    c->file = mem_strdup(s->file);
    c->name = mem_strdup(s->name);
    c->description = copy_or_null(s->description);
    strings_copy(&c->tags, &s->tags);
    strings_copy(&c->spec, &s->spec);
    c->server.domain = mem_strdup(s->server.domain);
    c->accounts = records_copy(s->accounts, s->account_count, sizeof *s->accounts, fix_account);
    c->clients = records_copy(s->clients, s->client_count, sizeof *s->clients, fix_client);
    c->steps = mem_calloc(s->step_count, sizeof *s->steps);
    for (size_t i = 0; i < s->step_count; i++)
        scenario_step_copy(&c->steps[i], &s->steps[i]);
    return c;
}

bool scenario_contact_is(const struct scenario *s, const char *contact, const char *account)
{
    size_t n = strlen(account);
    return strncmp(contact, account, n) == 0 &&
           (contact[n] == '\0' ||
            (contact[n] == '@' && strcmp(contact + n + 1, s->server.domain) == 0));
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool hex_decode(const char *p, struct buf *out)
{
    while (*p != '\0') {
        if (*p == ' ' || *p == '\n' || *p == '\t') {
            p++;
            continue;
        }
        int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
        if (lo < 0)
            return false;
        buf_putc(out, (char)(hi * 16 + lo));
        p += 2;
    }
    return true;
}

bool scenario_raw_decode(enum scenario_raw_form form, const char *text, struct buf *out)
{
    if (form == SCENARIO_RAW_HEX)
        return hex_decode(text, out);
    if (form == SCENARIO_RAW_BASE64)
        return base64_decode(text, strlen(text), out);
    buf_puts(out, text);
    return true;
}

void scenario_raw_encode(enum scenario_raw_form form, const char *bytes, size_t len,
                         struct buf *out)
{
    static const char digits[] = "0123456789abcdef";
    switch (form) {
    case SCENARIO_RAW_TEXT:
        buf_append(out, bytes, len);
        return;
    case SCENARIO_RAW_HEX:
        for (size_t i = 0; i < len; i++) {
            buf_putc(out, digits[(unsigned char)bytes[i] >> 4]);
            buf_putc(out, digits[(unsigned char)bytes[i] & 15]);
        }
        return;
    case SCENARIO_RAW_BASE64:
        base64_encode((const unsigned char *)bytes, len, out);
        return;
    }
}
