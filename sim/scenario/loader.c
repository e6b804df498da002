/* loader: loads one YAML scenario (contract in loader.h).
 *
 * Two passes. yamltree.c turns the bytes into a tree of positioned nodes
 * and already refuses aliases, tags, second documents, NUL bytes, deep
 * nesting, non-string keys and duplicate keys.
 * Then a schema walk turns the tree into a struct scenario: every mapping is
 * read through a table of fields (key, loader, offset), so an unknown key, a
 * wrong type or a missing key is reported in one place. Steps are loaded
 * last, after a pre-pass that materialises the clients they name, so that
 * variables and checks can refer to any client, declared or implicit.
 * `send` strings and `receive` patterns are parsed as they will be at run
 * time (xmlstream_parse_element, with `${...}` still in place), patterns are
 * checked with the matcher's own rules (match_pattern_check), and every
 * variable must name a client field, the domain or an earlier capture.
 *
 * Every error returns false up the call chain after recording the first
 * message; everything allocated so far hangs off the loader or the
 * scenario, which are freed whatever happened.
 */
#include "scenario/loader.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/text.h"
#include "model/buf.h"
#include "scenario/match.h"
#include "scenario/yamltree.h"
#include "base/mem.h"
#include "base/names.h"
#include "model/stanza.h"
#include "model/xmlstream.h"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
/* Largest count accepted in `sessions:` and `offline:`. */
#define COUNT_MAX 1000000000LL
#define STRINGIFY(x) #x
#define DEPTH_TEXT_(x) STRINGIFY(x)
#define STEPS_TEXT DEPTH_TEXT_(SCENARIO_STEPS_MAX)
#define CLIENTS_TEXT DEPTH_TEXT_(SCENARIO_CLIENTS_MAX)
/* Bytes of user text quoted in a message. */
#define QUOTE_MAX 60

/* ---- word tables (the enumerations' are scenario.h's) ----------------- */

static const char *const leftovers_words[] = {"fail", "ignore"};

/* Enum fields are written through an int (see f_enum). */
_Static_assert(sizeof(enum scenario_target) == sizeof(int), "enum size");
_Static_assert(sizeof(enum scenario_conflict) == sizeof(int), "enum size");
_Static_assert(sizeof(enum scenario_profile) == sizeof(int), "enum size");
_Static_assert(sizeof(enum scenario_subscription) == sizeof(int), "enum size");
_Static_assert(sizeof(enum scenario_ask) == sizeof(int), "enum size");
_Static_assert(sizeof(enum scenario_show) == sizeof(int), "enum size");

struct loader {
    struct scenario *s;
    struct scenario_error *err;
    struct yamltree tree;
    const struct yamltree_node *steps;    /* loaded after everything else */
    size_t client_cap;
    struct names clients;    /* name → index in s->clients */
    struct names captures;   /* names bound by earlier steps */
    char **captured;              /* their storage */
    size_t captured_count, captured_cap;
    struct match_vars step_captures; /* names bound by the step being loaded */
    struct buf text;              /* scratch for pattern messages */
};

/* ---- error messages ------------------------------------------------------ */

struct quoted {
    char text[QUOTE_MAX + 16];
};

/* User text for a message (text_excerpt of at most QUOTE_MAX bytes). */
static struct quoted quote(const char *s, size_t len)
{
    struct quoted q;
    text_excerpt(s, len, QUOTE_MAX, q.text);
    return q;
}

static bool is_null(const struct yamltree_node *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (n->kind != YAMLTREE_SCALAR || !n->plain)
        return false;
    for (size_t i = 0; i < COUNT(nulls); i++)
        if (strcmp(n->text, nulls[i]) == 0)
            return true;
    return false;
}

/* "'text'", "null", "a list" or "a mapping". */
static struct quoted describe(const struct yamltree_node *n)
{
    struct quoted q;
    switch (n->kind) {
    case YAMLTREE_SEQ:
        strcpy(q.text, "a list");
        return q;
    case YAMLTREE_MAP:
        strcpy(q.text, "a mapping");
        return q;
    case YAMLTREE_SCALAR:
        break;
    }
    if (is_null(n)) {
        strcpy(q.text, "null");
        return q;
    }
    q = quote(n->text, n->len);
    size_t len = strlen(q.text);   /* at most QUOTE_MAX + 3 */
    memmove(q.text + 1, q.text, len);
    q.text[0] = '\'';
    strcpy(q.text + len + 1, "'");
    return q;
}

/* Writes "a, b or c" from the first `const char *` member of n records of
 * stride bytes. */
static const char *join(const void *base, size_t stride, size_t n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *w = *(const char *const *)(const void *)((const char *)base + i * stride);
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int k = snprintf(out + used, size - used, "%s%s", sep, w);
        used += k > 0 ? (size_t)k : 0;
    }
    return out;
}

static bool fail_va(struct loader *L, unsigned long line, unsigned long column, const char *fmt,
                    va_list ap)
{
    L->err->line = line;
    L->err->column = column;
    vsnprintf(L->err->message, sizeof L->err->message, fmt, ap);
    return false;
}

static bool fail_at(struct loader *L, unsigned long line, unsigned long column, const char *fmt,
                    ...) PRINTF_LIKE(4, 5);
static bool fail_at(struct loader *L, unsigned long line, unsigned long column, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_va(L, line, column, fmt, ap);
    va_end(ap);
    return false;
}

/* Records an error at node n. Always returns false. */
static bool fail(struct loader *L, const struct yamltree_node *n, const char *fmt, ...) PRINTF_LIKE(3, 4);
static bool fail(struct loader *L, const struct yamltree_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_va(L, n->line, n->column, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- typed values ----------------------------------------------------------- */

static bool want(struct loader *L, const struct yamltree_node *n, enum yamltree_kind kind, const char *what)
{
    static const char *const names[] = {"a string", "a list", "a mapping"};
    if (n->kind == kind && !is_null(n))
        return true;
    return fail(L, n, "%s must be %s, not %s", what, names[kind], describe(n).text);
}

static bool want_string(struct loader *L, const struct yamltree_node *n, const char *what, bool nonempty)
{
    if (!want(L, n, YAMLTREE_SCALAR, what))
        return false;
    if (nonempty && n->len == 0)
        return fail(L, n, "%s must not be empty", what);
    return true;
}

/* Replaces *out with a copy of the string n. */
static bool read_string(struct loader *L, const struct yamltree_node *n, const char *what, bool nonempty,
                        char **out)
{
    if (!want_string(L, n, what, nonempty))
        return false;
    free(*out);
    *out = mem_strndup(n->text, n->len);
    return true;
}

static void string_set(struct scenario_string *d, const struct yamltree_node *n)
{
    d->text = mem_strndup(n->text, n->len);
    d->line = n->line;
    d->column = n->column;
}

/* A list of strings (or, with scalar_ok, one string) into *out. */
static bool read_strings(struct loader *L, const struct yamltree_node *n, const char *what,
                         bool scalar_ok, struct scenario_strings *out)
{
    if (scalar_ok && n->kind == YAMLTREE_SCALAR && !is_null(n)) {
        out->items = mem_calloc(1, sizeof *out->items);
        out->count = 1;
        string_set(&out->items[0], n);
        return true;
    }
    if (!want(L, n, YAMLTREE_SEQ, what))
        return false;
    out->items = mem_calloc(n->count, sizeof *out->items);
    out->count = n->count;
    char entry[64];
    snprintf(entry, sizeof entry, "an entry of %s", what);
    for (size_t i = 0; i < n->count; i++) {
        if (!want(L, n->kids[i], YAMLTREE_SCALAR, entry))
            return false;
        string_set(&out->items[i], n->kids[i]);
    }
    return true;
}

static bool read_bool(struct loader *L, const struct yamltree_node *n, const char *what, bool *out)
{
    static const char *const words[] = {"false", "False", "FALSE", "true", "True", "TRUE"};
    for (size_t i = 0; n->kind == YAMLTREE_SCALAR && i < COUNT(words); i++) {
        if (strcmp(n->text, words[i]) == 0) {
            *out = i >= 3;
            return true;
        }
    }
    return fail(L, n, "%s must be true or false, not %s", what, describe(n).text);
}

/* Decimal with an optional '-', within [min, max]. */
static bool parse_int(const char *s, long long min, long long max, long long *out)
{
    bool negative = *s == '-';
    const char *d = s + negative;
    long long v = 0;
    if (*d == '\0' || strlen(d) > 18)
        return false;
    for (; *d != '\0'; d++) {
        if (*d < '0' || *d > '9')
            return false;
        v = v * 10 + (*d - '0');
    }
    v = negative ? -v : v;
    *out = v;
    return v >= min && v <= max;
}

static bool read_int(struct loader *L, const struct yamltree_node *n, const char *what, long long min,
                     long long max, long long *out)
{
    if (n->kind == YAMLTREE_SCALAR && parse_int(n->text, min, max, out))
        return true;
    return fail(L, n, "%s must be a whole number from %lld to %lld, not %s", what, min, max,
                describe(n).text);
}

/* Index of word in words, or n. */
static size_t word_index(const char *const *words, size_t n, const char *word)
{
    size_t i = 0;
    while (i < n && strcmp(words[i], word) != 0)
        i++;
    return i;
}

static bool read_word(struct loader *L, const struct yamltree_node *n, const char *what,
                      const char *const *words, size_t count, int *out)
{
    size_t i = n->kind == YAMLTREE_SCALAR ? word_index(words, count, n->text) : count;
    if (i < count) {
        *out = (int)i;
        return true;
    }
    char list[160];
    join(words, sizeof *words, count, list, sizeof list);
    return fail(L, n, "%s must be %s, not %s", what, list, describe(n).text);
}

/* Durations: digits then ms, s, m, h or d. */
static bool parse_duration(const char *s, uint64_t *ms, bool *too_big)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    size_t digits = strspn(s, "0123456789");
    if (digits == 0 || digits > 15)
        return *too_big = digits > 15, false;
    uint64_t v = 0;
    for (size_t i = 0; i < digits; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    for (size_t i = 0; i < COUNT(units); i++) {
        if (strcmp(s + digits, units[i].unit) == 0) {
            *too_big = v > SCENARIO_DURATION_MAX_MS / units[i].ms;
            *ms = v * units[i].ms;
            return !*too_big;
        }
    }
    return false;
}

static bool read_duration(struct loader *L, const struct yamltree_node *n, const char *what, uint64_t *out)
{
    bool too_big = false;
    if (n->kind == YAMLTREE_SCALAR && parse_duration(n->text, out, &too_big))
        return true;
    if (too_big)
        return fail(L, n, "%s %s is longer than 36500d", what, describe(n).text);
    return fail(L, n, "%s must be a duration such as 250ms, 10s, 5m, 2h or 30d, not %s", what,
                describe(n).text);
}

/* ---- mappings read through field tables -------------------------------- */

struct field;
typedef bool field_fn(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v);

/* One key of a mapping: its loader writes at offset in the object. */
struct field {
    const char *key;              /* first member: join() lists keys */
    field_fn *load;
    size_t offset;
    const char *const *words;     /* f_enum: its words */
    size_t word_count;
    bool required;
};

#define FIELD_AT(obj, f, type) ((type *)(void *)((char *)(obj) + (f)->offset))

/* Loads every key of map with fields (where: " in server", or "" at the top
 * level). *seen, if not NULL, gets bit i for each fields[i] given. */
static bool load_fields(struct loader *L, const struct yamltree_node *map, const char *where,
                        const struct field *fields, size_t n, void *obj, unsigned *seen)
{
    unsigned got = 0;
    for (size_t i = 0; i < map->count; i += 2) {
        const struct yamltree_node *k = map->kids[i];
        size_t j = 0;
        while (j < n && strcmp(fields[j].key, k->text) != 0)
            j++;
        if (j == n) {
            char list[240];
            join(fields, sizeof *fields, n, list, sizeof list);
            return fail(L, k, "unknown key '%s'%s (expected %s)", quote(k->text, k->len).text,
                        where, list);
        }
        got |= 1u << j;
        if (!fields[j].load(L, &fields[j], obj, map->kids[i + 1]))
            return false;
    }
    for (size_t j = 0; j < n; j++)
        if (fields[j].required && !(got & (1u << j)))
            return fail(L, map, "missing key '%s'%s", fields[j].key, where);
    if (seen != NULL)
        *seen = got;
    return true;
}

static bool f_string(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    return read_string(L, v, f->key, false, FIELD_AT(obj, f, char *));
}

static bool f_name(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    return read_string(L, v, f->key, true, FIELD_AT(obj, f, char *));
}

/* Account names, contacts and the domain are written in lower case: the
 * server case-folds them (nodeprep, nameprep) while variables and checks
 * use the text as written, so a capital would hold only half the time. */
static bool refuse_capitals(struct loader *L, unsigned long line, unsigned long column,
                            const char *what, const char *text)
{
    for (const char *p = text; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            return fail_at(L, line, column,
                           "%s '%s' has capitals: write it in lower case (the server "
                           "case-folds names, the harness does not)",
                           what, quote(text, strlen(text)).text);
    return true;
}

static bool read_lower(struct loader *L, const struct yamltree_node *n, const char *what,
                       char **out)
{
    return read_string(L, n, what, true, out) && refuse_capitals(L, n->line, n->column, what, *out);
}

static bool f_lower(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    return read_lower(L, v, f->key, FIELD_AT(obj, f, char *));
}

static bool f_line(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    if (!f_name(L, f, obj, v))
        return false;
    if (memchr(v->text, '\n', v->len) != NULL)
        return fail(L, v, "%s must be one line", f->key);
    return true;
}

static bool f_bool(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    return read_bool(L, v, f->key, FIELD_AT(obj, f, bool));
}

/* An enum member (int-sized, checked above), set from f->words. */
static bool f_enum(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    int value = 0;
    if (!read_word(L, v, f->key, f->words, f->word_count, &value))
        return false;
    memcpy(FIELD_AT(obj, f, char), &value, sizeof value);
    return true;
}

static bool f_leftovers(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    int value = 0;
    if (!read_word(L, v, f->key, leftovers_words, COUNT(leftovers_words), &value))
        return false;
    *FIELD_AT(obj, f, bool) = value == 1;
    return true;
}

static bool f_duration(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    return read_duration(L, v, f->key, FIELD_AT(obj, f, uint64_t));
}

static bool f_count(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    long long n = 0;
    if (!read_int(L, v, f->key, 0, COUNT_MAX, &n))
        return false;
    *FIELD_AT(obj, f, unsigned long) = (unsigned long)n;
    return true;
}

/* Format 1.8: `sm_queue_max`, 1 to SCENARIO_SM_QUEUE_LIMIT copies (SM10). */
static bool f_queue_max(struct loader *L, const struct field *f, void *obj,
                        const struct yamltree_node *v)
{
    long long n = 0;
    if (!read_int(L, v, f->key, 1, SCENARIO_SM_QUEUE_LIMIT, &n))
        return false;
    *FIELD_AT(obj, f, unsigned long) = (unsigned long)n;
    return true;
}

static bool f_priority(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    long long n = 0;
    if (!read_int(L, v, f->key, -128, 127, &n))
        return false;
    *FIELD_AT(obj, f, int) = (int)n;
    return true;
}

/* A list of strings; null is an empty list. */
static bool f_strings(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    return is_null(v) || read_strings(L, v, f->key, false, FIELD_AT(obj, f, struct scenario_strings));
}

#define ENUM_FIELD(key, type, member, words) \
    {key, f_enum, offsetof(type, member), words, COUNT(words), false}

/* ---- named entries: accounts, roster items, clients, check maps -------- */

struct entry_kind {
    size_t size;
    const char *what;             /* for "X must be a mapping" */
    /* Sets the name (from key), position and defaults. */
    bool (*init)(struct loader *L, void *entry, const struct yamltree_node *key);
    /* Loads a mapping value (a null value keeps the defaults). */
    bool (*load)(struct loader *L, void *entry, const struct yamltree_node *value);
};

/* Loads the pairs of map into array (calloc'ed by the caller, one entry
 * per pair, so that a partial load is freed like a full one). */
static bool load_entries(struct loader *L, const struct yamltree_node *map, const struct entry_kind *k,
                         void *array)
{
    for (size_t i = 0; i < map->count / 2; i++) {
        void *e = (char *)array + i * k->size;
        const struct yamltree_node *key = map->kids[2 * i], *v = map->kids[2 * i + 1];
        if (!k->init(L, e, key))
            return false;
        if (is_null(v))
            continue;
        if (!want(L, v, YAMLTREE_MAP, k->what) || !k->load(L, e, v))
            return false;
    }
    return true;
}

/* map may be null (no entries); otherwise a mapping. Sets *array and *count. */
static bool load_map(struct loader *L, const struct yamltree_node *map, const char *what,
                     const struct entry_kind *k, void **array, size_t *count)
{
    if (is_null(map))
        return true;
    if (!want(L, map, YAMLTREE_MAP, what))
        return false;
    *count = map->count / 2;
    *array = mem_calloc(*count, k->size);
    return load_entries(L, map, k, *array);
}

/* ---- server, accounts, clients ---------------------------------------------- */

/* `profile` (format 1.4): the enum, and that the file gave it. */
static bool f_profile(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    struct scenario_server *sv = obj;
    if (!f_enum(L, f, obj, v))
        return false;
    sv->profile_given = true;
    return true;
}

static const struct field server_fields[] = {
    {"domain", f_lower, offsetof(struct scenario_server, domain), NULL, 0, false},
    ENUM_FIELD("conflict", struct scenario_server, conflict, scenario_conflict_words),
    {"offline", f_bool, offsetof(struct scenario_server, offline), NULL, 0, false},
    {"registration", f_bool, offsetof(struct scenario_server, registration), NULL, 0, false},
    {"tombstones", f_bool, offsetof(struct scenario_server, tombstones), NULL, 0, false},
    {"tombstone_expiry", f_duration, offsetof(struct scenario_server, tombstone_expiry_ms), NULL,
     0, false},
    {"sm_hibernation", f_duration, offsetof(struct scenario_server, sm_hibernation_ms), NULL, 0,
     false},
    {"sm_queue_max", f_queue_max, offsetof(struct scenario_server, sm_queue_max), NULL, 0, false},
    {"profile", f_profile, offsetof(struct scenario_server, profile), scenario_profile_words,
     COUNT(scenario_profile_words), false},
};

static bool f_server(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    if (is_null(v))
        return true;
    return want(L, v, YAMLTREE_MAP, f->key) &&
           load_fields(L, v, " in server", server_fields, COUNT(server_fields),
                       FIELD_AT(obj, f, struct scenario_server), NULL);
}

static const struct field roster_item_fields[] = {
    ENUM_FIELD("subscription", struct scenario_roster_item, subscription,
               scenario_subscription_words),
    ENUM_FIELD("ask", struct scenario_roster_item, ask, scenario_ask_words),
    {"name", f_string, offsetof(struct scenario_roster_item, name), NULL, 0, false},
    {"groups", f_strings, offsetof(struct scenario_roster_item, groups), NULL, 0, false},
};

static bool on_roster_item_key(struct loader *L, void *entry, const struct yamltree_node *key)
{
    struct scenario_roster_item *it = entry;
    it->line = key->line;
    it->column = key->column;
    return read_lower(L, key, "a roster contact", &it->contact);
}

/* SEMANTICS I9: ask only with none or from (with to or both the
 * subscription it asks for is already there). */
static bool on_roster_item(struct loader *L, void *entry, const struct yamltree_node *v)
{
    struct scenario_roster_item *it = entry;
    if (!load_fields(L, v, " in a roster item", roster_item_fields, COUNT(roster_item_fields),
                     entry, NULL))
        return false;
    if (it->ask == SCENARIO_ASK_SUBSCRIBE && (it->subscription == SCENARIO_SUBSCRIPTION_TO ||
                                              it->subscription == SCENARIO_SUBSCRIPTION_BOTH))
        return fail_at(L, it->line, it->column,
                       "roster item '%s': ask: subscribe goes only with subscription none or "
                       "from, not %s (SEMANTICS I9)",
                       quote(it->contact, strlen(it->contact)).text,
                       scenario_subscription_name(it->subscription));
    return true;
}

static const struct entry_kind roster_item_kind = {
    sizeof(struct scenario_roster_item), "a roster item", on_roster_item_key, on_roster_item};

static bool f_roster(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    struct scenario_account *a = obj;
    void *items = NULL;
    bool ok = load_map(L, v, f->key, &roster_item_kind, &items, &a->roster_count);
    a->roster = items;
    return ok;
}

static const struct field account_fields[] = {
    {"password", f_string, offsetof(struct scenario_account, password), NULL, 0, false},
    {"roster", f_roster, 0, NULL, 0, false},
};

static bool on_account_key(struct loader *L, void *entry, const struct yamltree_node *key)
{
    struct scenario_account *a = entry;
    a->line = key->line;
    a->column = key->column;
    a->password = mem_strdup("password");
    return read_lower(L, key, "an account name", &a->name);
}

static bool on_account(struct loader *L, void *entry, const struct yamltree_node *v)
{
    return load_fields(L, v, " in an account", account_fields, COUNT(account_fields), entry,
                       NULL);
}

static const struct entry_kind account_kind = {sizeof(struct scenario_account), "an account",
                                               on_account_key, on_account};

static bool f_accounts(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    struct scenario *s = obj;
    void *accounts = NULL;
    bool ok = load_map(L, v, f->key, &account_kind, &accounts, &s->account_count);
    s->accounts = accounts;
    return ok;
}

/* Words that start a directive step, so no client may use them as names. */
static bool is_directive(const char *name)
{
    return strcmp(name, "advance") == 0 || strcmp(name, "check") == 0 ||
           strcmp(name, "note") == 0 || strcmp(name, "restart") == 0;
}

static void set_client_defaults(struct loader *L, struct scenario_client *c, const struct yamltree_node *key)
{
    c->line = key->line;
    c->column = key->column;
    c->account = mem_strdup(c->name);
    c->resource = mem_strdup(c->name);
    names_put(&L->clients, c->name, (size_t)(c - L->s->clients));
}

static bool on_client_key(struct loader *L, void *entry, const struct yamltree_node *key)
{
    struct scenario_client *c = entry;
    if (!read_string(L, key, "a client name", true, &c->name))
        return false;
    if (is_directive(c->name))
        return fail(L, key, "'%s' is a step word, not a client name", c->name);
    set_client_defaults(L, c, key);
    return true;
}

static const struct field client_fields[] = {
    {"account", f_lower, offsetof(struct scenario_client, account), NULL, 0, false},
    {"resource", f_name, offsetof(struct scenario_client, resource), NULL, 0, false},
};

static bool on_client(struct loader *L, void *entry, const struct yamltree_node *v)
{
    return load_fields(L, v, " in a client", client_fields, COUNT(client_fields), entry, NULL);
}

static const struct entry_kind client_kind = {sizeof(struct scenario_client), "a client",
                                              on_client_key, on_client};

static bool f_clients(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    struct scenario *s = obj;
    if (is_null(v))
        return true;
    if (!want(L, v, YAMLTREE_MAP, f->key))
        return false;
    if (v->count / 2 > SCENARIO_CLIENTS_MAX)
        return fail(L, v->kids[2 * SCENARIO_CLIENTS_MAX],
                    "too many clients (at most " CLIENTS_TEXT ")");
    /* Allocated before the entries are read: on_client_key indexes into it,
     * and implicit clients are appended later. */
    s->client_count = L->client_cap = v->count / 2;
    s->clients = mem_calloc(s->client_count, sizeof *s->clients);
    return load_entries(L, v, &client_kind, s->clients);
}

/* A client first named by a step (format: "Any step may name a client that
 * is not in clients:"). */
static void add_implicit_client(struct loader *L, const struct yamltree_node *key)
{
    struct scenario *s = L->s;
    s->clients = mem_grow(s->clients, s->client_count, &L->client_cap, sizeof *s->clients);
    struct scenario_client *c = &s->clients[s->client_count++];
    memset(c, 0, sizeof *c);
    c->name = mem_strndup(key->text, key->len);
    c->implicit = true;
    set_client_defaults(L, c, key);
}

/* A client whose account is its name (no account: key, or first named by a
 * step) names an account: no capitals. */
static bool clients_lower(struct loader *L)
{
    for (size_t i = 0; i < L->s->client_count; i++) {
        const struct scenario_client *c = &L->s->clients[i];
        if (!refuse_capitals(L, c->line, c->column, "an account name", c->account))
            return false;
    }
    return true;
}

/* ---- variables, XML and captures ---------------------------------------- */

/* ${domain}, a captured ${NAME}, or ${CLIENT.jid|full|resource|account|smid|h}. */
static bool variable_known(const struct loader *L, const char *v, size_t len)
{
    static const char *const parts[] = {"jid", "full", "resource", "account", "smid", "h"};
    if ((len == 6 && memcmp(v, "domain", 6) == 0) || names_find(&L->captures, v, len, NULL))
        return true;
    size_t dot = len;
    while (dot > 0 && v[dot - 1] != '.')
        dot--;
    if (dot == 0 || !names_find(&L->clients, v, dot - 1, NULL))
        return false;
    for (size_t i = 0; i < COUNT(parts); i++)
        if (strlen(parts[i]) == len - dot && memcmp(v + dot, parts[i], len - dot) == 0)
            return true;
    return false;
}

static bool check_variables(struct loader *L, const struct yamltree_node *n, const char *what)
{
    for (const char *p = strstr(n->text, "${"); p != NULL; p = strstr(p, "${")) {
        const char *end = strchr(p + 2, '}');
        if (end == NULL)
            return fail(L, n, "'${' without a closing '}' in %s", what);
        if (!variable_known(L, p + 2, (size_t)(end - p - 2)))
            return fail(L, n, "unknown variable '%s' in %s",
                        quote(p, (size_t)(end + 1 - p)).text, what);
        p = end + 1;
    }
    return true;
}

/* The matcher's pattern rules (sessim: attributes, capture names, no name
 * captured twice in one receive step). The step's captures are collected in
 * L->step_captures and become visible when the step is loaded. */
static bool check_pattern(struct loader *L, const struct yamltree_node *n, const struct stanza_node *root)
{
    buf_clear(&L->text);
    if (!match_pattern_check(root, &L->step_captures, &L->text)) {
        for (size_t i = 0; i < L->text.len; i++)
            if ((unsigned char)L->text.data[i] < 0x20 || L->text.data[i] == 0x7f)
                L->text.data[i] = '?';
        return fail(L, n, "bad pattern in receive: %s", buf_cstr(&L->text));
    }
    if (match_vars_get(&L->step_captures, "domain") != NULL)
        return fail(L, n, "bad pattern in receive: a capture may not be named 'domain'");
    return true;
}

/* One XML element with its variables in place (`${x}` is valid attribute
 * and text content), then its variables. Patterns also yield captures. */
static bool check_xml(struct loader *L, const struct yamltree_node *n, const char *what, bool pattern)
{
    enum xmlstream_error e = XMLSTREAM_E_MALFORMED;
    unsigned long line = 0, column = 0;
    struct stanza *x = xmlstream_parse_element(n->text, n->len, STANZA_NS_CLIENT, &e, &line,
                                               &column);
    if (x == NULL)
        return fail(L, n, "bad XML in %s: %s (at %lu:%lu in the string)", what,
                    xmlstream_error_text(e), line, column);
    bool ok = !pattern || check_pattern(L, n, stanza_root(x));
    stanza_free(x);
    return ok && check_variables(L, n, what);
}

/* Makes the captures of the step just loaded visible to the next ones. */
static void captures_commit(struct loader *L)
{
    for (size_t i = 0; i < L->step_captures.len; i++) {
        const char *name = L->step_captures.items[i].name;
        if (names_find(&L->captures, name, strlen(name), NULL))
            continue;
        L->captured = mem_grow(L->captured, L->captured_count, &L->captured_cap, sizeof *L->captured);
        L->captured[L->captured_count] = mem_strdup(name);
        names_put(&L->captures, L->captured[L->captured_count++], 0);
    }
    match_vars_free(&L->step_captures);
}

/* ---- client steps ------------------------------------------------------------- */

static const struct field connect_fields[] = {
    {"resource", f_name, offsetof(struct scenario_step, connect.resource), NULL, 0, false},
    {"auth", f_bool, offsetof(struct scenario_step, connect.auth), NULL, 0, false},
    {"bind", f_bool, offsetof(struct scenario_step, connect.bind), NULL, 0, false},
};

static const struct field auth_fields[] = {
    {"password", f_string, offsetof(struct scenario_step, auth.password), NULL, 0, false},
};

/* Format 1.1, stream management (XEP-0198). */
static const struct field enable_fields[] = {
    {"resume", f_bool, offsetof(struct scenario_step, enable.resume), NULL, 0, false},
};

static const struct field ack_fields[] = {
    {"h", f_string, offsetof(struct scenario_step, sm.h), NULL, 0, false},
};

static const struct field resume_fields[] = {
    {"h", f_string, offsetof(struct scenario_step, sm.h), NULL, 0, false},
    {"previd", f_string, offsetof(struct scenario_step, sm.previd), NULL, 0, false},
};

static const struct field register_fields[] = {
    {"password", f_string, offsetof(struct scenario_step, reg.password), NULL, 0, false},
};

/* One string or a non-empty list of strings; expected says which. */
static bool read_texts(struct loader *L, const struct yamltree_node *v, const char *what,
                       const char *expected, struct scenario_strings *out)
{
    if (v->kind == YAMLTREE_MAP || is_null(v))
        return fail(L, v, "%s must be %s, not %s", what, expected, describe(v).text);
    if (!read_strings(L, v, what, true, out))
        return false;
    if (out->count == 0)
        return fail(L, v, "%s must not be an empty list", what);
    return true;
}

/* Each string one XML element (a stanza, or a pattern with captures). */
static bool check_texts(struct loader *L, const struct yamltree_node *v, const char *what, bool pattern)
{
    if (v->kind == YAMLTREE_SCALAR)
        return check_xml(L, v, what, pattern);
    for (size_t i = 0; i < v->count; i++)
        if (!check_xml(L, v->kids[i], what, pattern))
            return false;
    return true;
}

static bool load_send(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    return read_texts(L, v, "send", "a stanza or a list of stanzas", &st->send) &&
           check_texts(L, v, "send", false);
}

/* Format 1.2: `send_raw: {hex: "c3 28"}` or `{base64: ...}`, any bytes,
 * no variables. */
static bool load_raw_bytes(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    const struct yamltree_node *k = v->kids[0], *text = v->kids[1];
    bool hex = k->len == 3 && memcmp(k->text, "hex", 3) == 0;
    if (v->count != 2 || (!hex && !(k->len == 6 && memcmp(k->text, "base64", 6) == 0)))
        return fail(L, v, "send_raw takes text, {hex: ...} or {base64: ...}");
    if (!want(L, text, YAMLTREE_SCALAR, hex ? "hex" : "base64"))
        return false;
    string_set(&st->send_raw, text);
    st->raw_form = hex ? SCENARIO_RAW_HEX : SCENARIO_RAW_BASE64;
    struct buf bytes = {0};
    bool ok = scenario_raw_decode(st->raw_form, st->send_raw.text, &bytes);
    buf_free(&bytes);
    return ok || fail(L, text, hex ? "hex must be pairs of hex digits (blanks between pairs)"
                                   : "base64 must be padded base64 (RFC 4648)");
}

/* Raw bytes: variables are checked, XML is not. */
static bool load_send_raw(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    if (v->kind == YAMLTREE_MAP && v->count > 0)
        return load_raw_bytes(L, st, v);
    if (!want(L, v, YAMLTREE_SCALAR, "send_raw"))
        return false;
    string_set(&st->send_raw, v);
    return check_variables(L, v, "send_raw");
}

/* Format 1.6: `receive: {among: PATTERN or [PATTERNS]}`. */
static bool load_receive_among(struct loader *L, struct scenario_step *st,
                               const struct yamltree_node *v)
{
    const struct yamltree_node *k = v->kids[0];
    if (v->count != 2 || !(k->len == 5 && memcmp(k->text, "among", 5) == 0))
        return fail(L, v, "receive takes a pattern, a list of patterns, nothing, closed or "
                          "{among: patterns}");
    st->receive.kind = SCENARIO_RECEIVE_AMONG;
    return read_texts(L, v->kids[1], "receive among", "a pattern or a list of patterns",
                      &st->receive.patterns) &&
           check_texts(L, v->kids[1], "receive among", true);
}

static bool load_receive(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    if (v->kind == YAMLTREE_MAP && v->count > 0)
        return load_receive_among(L, st, v);
    if (v->kind == YAMLTREE_SCALAR && strcmp(v->text, "nothing") == 0) {
        st->receive.kind = SCENARIO_RECEIVE_NOTHING;
        return true;
    }
    if (v->kind == YAMLTREE_SCALAR && strcmp(v->text, "closed") == 0) {
        st->receive.kind = SCENARIO_RECEIVE_CLOSED;
        return true;
    }
    return read_texts(L, v, "receive",
                      "a pattern, a list of patterns, nothing, closed or {among: patterns}",
                      &st->receive.patterns) &&
           check_texts(L, v, "receive", true);
}

typedef bool step_fn(struct loader *L, struct scenario_step *st, const struct yamltree_node *v);

struct action {
    const char *word;             /* first member: join() lists words */
    enum scenario_step_kind kind;
    step_fn *load;                /* a value loader, or NULL: options below */
    const struct field *options;  /* a mapping of options, or NULL: no value */
    size_t option_count;
    bool needs_value;             /* no bare-word form */
};

#define ACTION_OPTIONS(fields) NULL, fields, COUNT(fields), false

static const struct action actions[] = {
    {"connect", SCENARIO_STEP_CONNECT, ACTION_OPTIONS(connect_fields)},
    {"auth", SCENARIO_STEP_AUTH, ACTION_OPTIONS(auth_fields)},
    {"bind", SCENARIO_STEP_BIND, NULL, NULL, 0, false},
    {"send", SCENARIO_STEP_SEND, load_send, NULL, 0, true},
    {"send_raw", SCENARIO_STEP_SEND_RAW, load_send_raw, NULL, 0, true},
    {"receive", SCENARIO_STEP_RECEIVE, load_receive, NULL, 0, true},
    {"close", SCENARIO_STEP_CLOSE, NULL, NULL, 0, false},
    {"drop", SCENARIO_STEP_DROP, NULL, NULL, 0, false},
    {"register", SCENARIO_STEP_REGISTER, ACTION_OPTIONS(register_fields)},
    {"unregister", SCENARIO_STEP_UNREGISTER, NULL, NULL, 0, false},
    {"enable", SCENARIO_STEP_ENABLE, ACTION_OPTIONS(enable_fields)},
    {"ack", SCENARIO_STEP_ACK, ACTION_OPTIONS(ack_fields)},
    {"request", SCENARIO_STEP_REQUEST, NULL, NULL, 0, false},
    {"resume", SCENARIO_STEP_RESUME, ACTION_OPTIONS(resume_fields)},
};

/* The value of `{WORD: VALUE}` (NULL for a bare WORD; null: defaults). */
static bool load_options(struct loader *L, struct scenario_step *st, const struct action *a,
                         const struct yamltree_node *v)
{
    if (v == NULL || is_null(v))
        return true;
    if (a->options == NULL)
        return fail(L, v, "%s takes no value", a->word);
    char where[32];
    snprintf(where, sizeof where, " in %s", a->word);
    return want(L, v, YAMLTREE_MAP, a->word) &&
           load_fields(L, v, where, a->options, a->option_count, st, NULL);
}

/* The action named by word node w, or NULL after an error. */
static const struct action *find_action(struct loader *L, const struct yamltree_node *w,
                                        const char *client)
{
    for (size_t i = 0; i < COUNT(actions); i++)
        if (strcmp(actions[i].word, w->text) == 0)
            return &actions[i];
    char list[200];
    join(actions, sizeof *actions, COUNT(actions), list, sizeof list);
    fail(L, w, "unknown action %s for %s (expected %s)", describe(w).text,
         quote(client, strlen(client)).text, list);
    return NULL;
}

/* `CLIENT: WORD` or `CLIENT: {WORD: VALUE}`. */
static bool load_client_step(struct loader *L, struct scenario_step *st, const struct yamltree_node *k,
                             const struct yamltree_node *v)
{
    if (!want_string(L, k, "a client name", true))
        return false;
    bool known = names_find(&L->clients, k->text, k->len, &st->client);
    assert(known); /* the pre-pass added every client step's name */
    (void)known;
    struct quoted client = quote(k->text, k->len);
    if (v->kind == YAMLTREE_SEQ || is_null(v))
        return fail(L, v, "the step of %s must be an action or a one-key mapping, not %s",
                    client.text, describe(v).text);
    if (v->kind == YAMLTREE_MAP && v->count != 2)
        return fail(L, v->count == 0 ? v : v->kids[2], "the step of %s must have one action",
                    client.text);
    const struct action *a = find_action(L, v->kind == YAMLTREE_MAP ? v->kids[0] : v, client.text);
    if (a == NULL)
        return false;
    st->kind = a->kind;
    scenario_step_defaults(st);
    if (v->kind == YAMLTREE_SCALAR && a->needs_value)
        return fail(L, v, "%s needs a value, as in {%s: ...}", a->word, a->word);
    const struct yamltree_node *value = v->kind == YAMLTREE_MAP ? v->kids[1] : NULL;
    return a->load != NULL ? a->load(L, st, value) : load_options(L, st, a, value);
}

/* ---- directives and check ------------------------------------------------- */

static bool load_advance(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    return read_duration(L, v, "advance", &st->advance_ms);
}

static bool load_note(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    return read_string(L, v, "note", false, &st->note);
}

static bool load_restart(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    (void)st;
    return is_null(v) || fail(L, v, "restart takes no value");
}

/* A list of known client names (format: check). */
static bool f_check_clients(struct loader *L, const struct field *f, void *obj,
                            const struct yamltree_node *v)
{
    if (!f_strings(L, f, obj, v))
        return false;
    const struct scenario_strings *l = FIELD_AT(obj, f, struct scenario_strings);
    for (size_t i = 0; i < l->count; i++) {
        const struct scenario_string *c = &l->items[i];
        if (!names_find(&L->clients, c->text, strlen(c->text), NULL))
            return fail_at(L, c->line, c->column, "unknown client '%s' in check",
                           quote(c->text, strlen(c->text)).text);
    }
    return true;
}

static bool f_check_offline(struct loader *L, const struct field *f, void *obj,
                            const struct yamltree_node *v)
{
    struct scenario_check *c = obj;
    if (is_null(v))
        return true;
    if (!want(L, v, YAMLTREE_MAP, f->key))
        return false;
    c->offline_count = v->count / 2;
    c->offline = mem_calloc(c->offline_count, sizeof *c->offline);
    for (size_t i = 0; i < c->offline_count; i++) {
        struct scenario_check_offline *o = &c->offline[i];
        const struct yamltree_node *key = v->kids[2 * i];
        long long n = 0;
        o->line = key->line;
        o->column = key->column;
        if (!read_string(L, key, "an account name", true, &o->account) ||
            !read_int(L, v->kids[2 * i + 1], "an offline count", 0, COUNT_MAX, &n))
            return false;
        o->count = (unsigned long)n;
    }
    return true;
}

static const struct field check_item_fields[] = {
    ENUM_FIELD("subscription", struct scenario_check_item, subscription,
               scenario_subscription_words),
    ENUM_FIELD("ask", struct scenario_check_item, ask, scenario_ask_words),
    {"name", f_string, offsetof(struct scenario_check_item, name), NULL, 0, false},
    {"groups", f_strings, offsetof(struct scenario_check_item, groups), NULL, 0, false},
};

static bool check_item_init(struct loader *L, void *entry, const struct yamltree_node *key)
{
    struct scenario_check_item *it = entry;
    it->line = key->line;
    it->column = key->column;
    return read_lower(L, key, "a roster contact", &it->contact);
}

static bool check_item_load(struct loader *L, void *entry, const struct yamltree_node *v)
{
    struct scenario_check_item *it = entry;
    unsigned seen;
    if (!load_fields(L, v, " in a roster check", check_item_fields, COUNT(check_item_fields),
                     it, &seen))
        return false;
    it->has_subscription = seen & 1u;
    it->has_ask = seen & 2u;
    it->has_groups = seen & 8u;
    return true;
}

static const struct entry_kind check_item_kind = {
    sizeof(struct scenario_check_item), "a roster check item", check_item_init, check_item_load};

static bool check_roster_init(struct loader *L, void *entry, const struct yamltree_node *key)
{
    struct scenario_check_roster *r = entry;
    r->line = key->line;
    r->column = key->column;
    return read_string(L, key, "an account name", true, &r->account);
}

static bool check_roster_load(struct loader *L, void *entry, const struct yamltree_node *v)
{
    struct scenario_check_roster *r = entry;
    r->item_count = v->count / 2;
    r->items = mem_calloc(r->item_count, sizeof *r->items);
    return load_entries(L, v, &check_item_kind, r->items);
}

static const struct entry_kind check_roster_kind = {
    sizeof(struct scenario_check_roster), "a roster check", check_roster_init, check_roster_load};

static bool f_check_roster(struct loader *L, const struct field *f, void *obj,
                           const struct yamltree_node *v)
{
    struct scenario_check *c = obj;
    void *roster = NULL;
    bool ok = load_map(L, v, f->key, &check_roster_kind, &roster, &c->roster_count);
    c->roster = roster;
    return ok;
}

static const struct field presence_fields[] = {
    {"priority", f_priority, offsetof(struct scenario_check_presence, priority), NULL, 0, false},
    ENUM_FIELD("show", struct scenario_check_presence, show, scenario_show_words),
};

static bool on_presence_key(struct loader *L, void *entry, const struct yamltree_node *key)
{
    struct scenario_check_presence *p = entry;
    p->line = key->line;
    p->column = key->column;
    if (!read_string(L, key, "a client name", true, &p->client))
        return false;
    if (!names_find(&L->clients, key->text, key->len, NULL))
        return fail(L, key, "unknown client '%s' in check", quote(key->text, key->len).text);
    return true;
}

static bool on_presence(struct loader *L, void *entry, const struct yamltree_node *v)
{
    struct scenario_check_presence *p = entry;
    unsigned seen;
    if (!load_fields(L, v, " in a presence check", presence_fields, COUNT(presence_fields), p,
                     &seen))
        return false;
    p->has_priority = seen & 1u;
    p->has_show = seen & 2u;
    return true;
}

static const struct entry_kind presence_kind = {
    sizeof(struct scenario_check_presence), "a presence check", on_presence_key, on_presence};

static bool f_check_presence(struct loader *L, const struct field *f, void *obj,
                             const struct yamltree_node *v)
{
    struct scenario_check *c = obj;
    void *presence = NULL;
    bool ok = load_map(L, v, f->key, &presence_kind, &presence, &c->presence_count);
    c->presence = presence;
    return ok;
}

/* In SCENARIO_CHECK_KEYS order: field i sets bit i of `given`. */
static const struct field check_fields[] = {
    {"connected", f_check_clients, offsetof(struct scenario_check, connected), NULL, 0, false},
    {"available", f_check_clients, offsetof(struct scenario_check, available), NULL, 0, false},
    {"interested", f_check_clients, offsetof(struct scenario_check, interested), NULL, 0, false},
    {"sessions", f_count, offsetof(struct scenario_check, sessions), NULL, 0, false},
    {"accounts", f_strings, offsetof(struct scenario_check, accounts), NULL, 0, false},
    {"tombstones", f_strings, offsetof(struct scenario_check, tombstones), NULL, 0, false},
    {"offline", f_check_offline, 0, NULL, 0, false},
    {"roster", f_check_roster, 0, NULL, 0, false},
    {"presence", f_check_presence, 0, NULL, 0, false},
    {"hibernating", f_check_clients, offsetof(struct scenario_check, hibernating), NULL, 0, false},
};

#define CHECK_KEY_ONE(n, w) +1
_Static_assert(COUNT(check_fields) == 0 SCENARIO_CHECK_KEYS(CHECK_KEY_ONE), "check keys");

static bool load_check(struct loader *L, struct scenario_step *st, const struct yamltree_node *v)
{
    if (!want(L, v, YAMLTREE_MAP, "check"))
        return false;
    if (v->count == 0)
        return fail(L, v, "check must name at least one key");
    return load_fields(L, v, " in check", check_fields, COUNT(check_fields), &st->check,
                       &st->check.given);
}

/* ---- steps ----------------------------------------------------------------- */

struct directive {
    const char *word;
    enum scenario_step_kind kind;
    step_fn *load;
};

static const struct directive directives[] = {
    {"advance", SCENARIO_STEP_ADVANCE, load_advance},
    {"check", SCENARIO_STEP_CHECK, load_check},
    {"note", SCENARIO_STEP_NOTE, load_note},
    {"restart", SCENARIO_STEP_RESTART, load_restart},
};

static bool load_step(struct loader *L, struct scenario_step *st, const struct yamltree_node *n)
{
    if (n->kind == YAMLTREE_SCALAR && strcmp(n->text, "restart") == 0) {
        st->kind = SCENARIO_STEP_RESTART;
        return true;
    }
    if (n->kind == YAMLTREE_SCALAR && !is_null(n))
        return fail(L, n, "unknown step %s (a step is restart or a one-key mapping)",
                    describe(n).text);
    if (n->kind != YAMLTREE_MAP)
        return fail(L, n, "a step must be restart or a one-key mapping, not %s", describe(n).text);
    if (n->count != 2)
        return fail(L, n->count == 0 ? n : n->kids[2], "a step must be a one-key mapping");
    const struct yamltree_node *k = n->kids[0], *v = n->kids[1];
    for (size_t i = 0; i < COUNT(directives); i++) {
        if (strcmp(directives[i].word, k->text) == 0) {
            st->kind = directives[i].kind;
            return directives[i].load(L, st, v);
        }
    }
    return load_client_step(L, st, k, v);
}

/* Pre-pass: clients named by steps but not declared, in first-use order. */
static bool collect_implicit_clients(struct loader *L, const struct yamltree_node *steps)
{
    for (size_t i = 0; i < steps->count; i++) {
        const struct yamltree_node *n = steps->kids[i];
        if (n->kind != YAMLTREE_MAP || n->count != 2)
            continue;
        const struct yamltree_node *k = n->kids[0];
        if (k->len == 0 || is_null(k) || is_directive(k->text) ||
            names_find(&L->clients, k->text, k->len, NULL))
            continue;
        if (L->s->client_count >= SCENARIO_CLIENTS_MAX)
            return fail(L, k, "too many clients (at most " CLIENTS_TEXT
                              ", counting those only steps name)");
        add_implicit_client(L, k);
    }
    return true;
}

static bool load_steps(struct loader *L, const struct yamltree_node *v)
{
    struct scenario *s = L->s;
    if (!want(L, v, YAMLTREE_SEQ, "steps"))
        return false;
    if (v->count == 0)
        return fail(L, v, "steps must not be empty");
    if (v->count > SCENARIO_STEPS_MAX)
        return fail(L, v->kids[SCENARIO_STEPS_MAX], "too many steps (at most " STEPS_TEXT ")");
    if (!collect_implicit_clients(L, v) || !clients_lower(L))
        return false;
    s->step_count = v->count;
    s->steps = mem_calloc(s->step_count, sizeof *s->steps);
    for (size_t i = 0; i < v->count; i++) {
        struct scenario_step *st = &s->steps[i];
        st->line = v->kids[i]->line;
        st->column = v->kids[i]->column;
        st->client = SCENARIO_NO_CLIENT;
        if (!load_step(L, st, v->kids[i]))
            return false;
        captures_commit(L);
    }
    return true;
}

/* ---- top level --------------------------------------------------------------- */

static bool f_steps(struct loader *L, const struct field *f, void *obj, const struct yamltree_node *v)
{
    (void)f;
    (void)obj;
    L->steps = v;
    return true;
}

static const struct field top_fields[] = {
    {"scenario", f_line, offsetof(struct scenario, name), NULL, 0, true},
    {"description", f_string, offsetof(struct scenario, description), NULL, 0, false},
    {"tags", f_strings, offsetof(struct scenario, tags), NULL, 0, false},
    {"spec", f_strings, offsetof(struct scenario, spec), NULL, 0, false},
    ENUM_FIELD("target", struct scenario, target, scenario_target_words),
    {"leftovers", f_leftovers, offsetof(struct scenario, leftovers_ignore), NULL, 0, false},
    {"server", f_server, offsetof(struct scenario, server), NULL, 0, false},
    {"accounts", f_accounts, 0, NULL, 0, false},
    {"clients", f_clients, 0, NULL, 0, false},
    {"steps", f_steps, 0, NULL, 0, true},
};

static bool load_root(struct loader *L)
{
    const struct yamltree_node *root = L->tree.root;
    if (root == NULL)
        return fail_at(L, 1, 1, "empty file: a scenario is a mapping with scenario: and steps:");
    if (!want(L, root, YAMLTREE_MAP, "the top level"))
        return false;
    return load_fields(L, root, "", top_fields, COUNT(top_fields), L->s, NULL) &&
           load_steps(L, L->steps);
}

static void loader_free(struct loader *L)
{
    yamltree_free(&L->tree);
    names_free(&L->clients);
    names_free(&L->captures);
    for (size_t i = 0; i < L->captured_count; i++)
        free(L->captured[i]);
    free(L->captured);
    match_vars_free(&L->step_captures);
    buf_free(&L->text);
}

struct scenario *loader_load_buffer(const char *name, const char *data, size_t len,
                                    struct scenario_error *err)
{
    struct scenario_error ignored;
    struct loader L;
    memset(&L, 0, sizeof L);
    L.err = err != NULL ? err : &ignored;
    memset(L.err, 0, sizeof *L.err);
    L.err->file = name;
    L.s = scenario_new(name);
    struct yamltree_error yerr;
    bool ok = yamltree_build(&L.tree, data, len, SCENARIO_DEPTH_MAX, &yerr) ||
              fail_at(&L, yerr.line, yerr.column, "%s", yerr.message);
    ok = ok && load_root(&L);
    loader_free(&L);
    if (ok)
        return L.s;
    scenario_free(L.s);
    return NULL;
}

/* ---- files ---------------------------------------------------------------------- */

static bool file_failed(struct scenario_error *err, const char *message)
{
    snprintf(err->message, sizeof err->message, "%s", message);
    return false;
}

/* Reads the whole file into *out (caller frees, even on failure). */
static bool read_file(const char *path, char **out, size_t *len, struct scenario_error *err)
{
    int e = text_read_file(path, SCENARIO_FILE_MAX, out, len);
    if (e != 0)
        return file_failed(err, e == EFBIG ? "file is larger than 16 MiB" : strerror(e));
    return true;
}

struct scenario *loader_load(const char *path, struct scenario_error *err)
{
    struct scenario_error ignored;
    if (err == NULL)
        err = &ignored;
    memset(err, 0, sizeof *err);
    err->file = path;
    char *data = NULL;
    size_t len = 0;
    struct scenario *s = NULL;
    if (read_file(path, &data, &len, err))
        s = loader_load_buffer(path, data, len, err);
    free(data);
    return s;
}
