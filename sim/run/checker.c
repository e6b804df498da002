/* checker: a `check:` step against the model (see checker.h). */
#include "run/checker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/mem.h"
#include "base/text.h"
#include "model/model.h"

/* Session flags a `check:` key lists clients by. */
struct check_flag {
    enum scenario_check_key key;
    size_t offset;                 /* of the bool in struct model_session_info */
};

static const struct check_flag check_flags[] = {
    {SCENARIO_CHECK_CONNECTED, offsetof(struct model_session_info, connected)},
    {SCENARIO_CHECK_AVAILABLE, offsetof(struct model_session_info, available)},
    {SCENARIO_CHECK_INTERESTED, offsetof(struct model_session_info, interested)},
    {SCENARIO_CHECK_HIBERNATING, offsetof(struct model_session_info, hibernating)},
};

static const char *const check_key_names[] = {
#define CHECKER_KEY_NAME(n, w) [SCENARIO_CHECK_##n] = w,
    SCENARIO_CHECK_KEYS(CHECKER_KEY_NAME)
#undef CHECKER_KEY_NAME
};

static bool given(const struct scenario_step *st, enum scenario_check_key key)
{
    return (st->check.given & (1u << key)) != 0;
}

/* The live or hibernating (SM11) session of a client's current connection
 * (0: none), if any. */
static bool current_session(const struct model *m, unsigned conn, struct model_session_info *out)
{
    return conn != 0 && model_session_info(m, conn, out) && (out->live || out->hibernating);
}

static const struct target_check_client *named_client(const struct target_check *q,
                                                      const char *name)
{
    for (size_t i = 0; i < q->nclients; i++)
        if (strcmp(q->clients[i].name, name) == 0)
            return &q->clients[i];
    return NULL;
}

static bool strings_have(const struct scenario_strings *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i].text, name) == 0)
            return true;
    return false;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "[a, b]" of names, sorted so that the report does not depend on order. */
static void write_set(const char *const *names, size_t n, struct buf *out)
{
    const char **sorted = mem_realloc(NULL, (n ? n : 1) * sizeof *sorted);
    memcpy(sorted, names, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_strings);
    buf_putc(out, '[');
    for (size_t i = 0; i < n; i++)
        text_printf(out, "%s%s", i ? ", " : "", sorted[i]);
    buf_putc(out, ']');
    free(sorted);
}

/* Compares an expected set of names with the actual one; one line when
 * they differ. Returns the number of mismatches (0 or 1). */
static int compare_set(const char *key, const struct scenario_strings *expected,
                       const char *const *actual, size_t n, struct buf *out)
{
    bool same = expected->count <= n;
    for (size_t i = 0; i < n && same; i++)
        same = strings_have(expected, actual[i]);
    for (size_t i = 0; i < expected->count && same; i++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(expected->items[i].text, actual[j]) == 0;
        same = found;
    }
    if (same)
        return 0;
    const char **want = mem_realloc(NULL, (expected->count + 1) * sizeof *want);
    for (size_t i = 0; i < expected->count; i++)
        want[i] = expected->items[i].text;
    text_printf(out, "  %s: expected ", key);
    write_set(want, expected->count, out);
    buf_puts(out, ", actual ");
    write_set(actual, n, out);
    buf_putc(out, '\n');
    free(want);
    return 1;
}

static int check_client_flags(const struct model *m, const struct target_check *q,
                              struct buf *out)
{
    const struct scenario_step *st = q->step;
    int mismatches = 0;
    const char **names = mem_realloc(NULL, (q->nclients + 1) * sizeof *names);
    for (size_t f = 0; f < COUNT(check_flags); f++) {
        const struct check_flag *cf = &check_flags[f];
        if (!given(st, cf->key))
            continue;
        size_t n = 0;
        for (size_t i = 0; i < q->nclients; i++) {
            struct model_session_info info;
            if (current_session(m, q->clients[i].conn, &info) &&
                *(const bool *)((const char *)&info + cf->offset))
                names[n++] = q->clients[i].name;
        }
        const struct scenario_strings *want =
            cf->key == SCENARIO_CHECK_CONNECTED     ? &st->check.connected
            : cf->key == SCENARIO_CHECK_AVAILABLE   ? &st->check.available
            : cf->key == SCENARIO_CHECK_HIBERNATING ? &st->check.hibernating
                                                    : &st->check.interested;
        mismatches += compare_set(check_key_names[cf->key], want, names, n, out);
    }
    free(names);
    return mismatches;
}

/* accounts: / tombstones: against a model listing. */
static int check_listing(const struct model *m, const struct scenario_step *st,
                         enum scenario_check_key key, struct buf *out)
{
    const char *(*at)(const struct model *, size_t) =
        key == SCENARIO_CHECK_ACCOUNTS ? model_account_at : model_tombstone_at;
    const struct scenario_strings *want =
        key == SCENARIO_CHECK_ACCOUNTS ? &st->check.accounts : &st->check.tombstones;
    if (!given(st, key))
        return 0;
    size_t n = 0;
    while (at(m, n) != NULL)
        n++;
    const char **names = mem_realloc(NULL, (n + 1) * sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = at(m, i);
    int mismatches = compare_set(check_key_names[key], want, names, n, out);
    free(names);
    return mismatches;
}

static int check_offline(const struct model *m, const struct scenario_step *st, struct buf *out)
{
    int mismatches = 0;
    for (size_t i = 0; given(st, SCENARIO_CHECK_OFFLINE) && i < st->check.offline_count; i++) {
        const struct scenario_check_offline *o = &st->check.offline[i];
        size_t actual = model_offline_count(m, o->account);
        if (actual != o->count) {
            text_printf(out, "  offline %s: expected %lu, actual %zu\n", o->account, o->count,
                    actual);
            mismatches++;
        }
    }
    return mismatches;
}

static const char *const subscription_words[] = {
    [MODEL_SUB_NONE] = "none", [MODEL_SUB_TO] = "to",
    [MODEL_SUB_FROM] = "from", [MODEL_SUB_BOTH] = "both"};

/* True when the item's groups are exactly the wanted ones, in any order. */
static bool same_groups(const struct model_roster_item *item, const struct scenario_strings *want)
{
    if (item->ngroups != want->count)
        return false;
    for (size_t i = 0; i < want->count; i++) {
        bool found = false;
        for (size_t j = 0; j < item->ngroups && !found; j++)
            found = strcmp(item->groups[j], want->items[i].text) == 0;
        if (!found)
            return false;
    }
    return true;
}

static void put_groups(struct buf *out, const char *const *groups, size_t n)
{
    buf_putc(out, '[');
    for (size_t i = 0; i < n; i++)
        text_printf(out, "%s%s", i > 0 ? ", " : "", groups[i]);
    buf_putc(out, ']');
}

/* The name and groups of a roster check item; returns the mismatches. */
static int check_item_labels(const struct model_roster_item *item, const char *account,
                             const char *jid, const struct scenario_check_item *it,
                             struct buf *out)
{
    int mismatches = 0;
    const char *name = item->name != NULL ? item->name : "";
    if (it->name != NULL && strcmp(name, it->name) != 0) {
        text_printf(out, "  roster %s, %s: name expected '%s', actual '%s'\n", account, jid,
                    it->name, name);
        mismatches++;
    }
    if (it->has_groups && !same_groups(item, &it->groups)) {
        const char **want = mem_calloc(it->groups.count + 1, sizeof *want);
        for (size_t i = 0; i < it->groups.count; i++)
            want[i] = it->groups.items[i].text;
        text_printf(out, "  roster %s, %s: groups expected ", account, jid);
        put_groups(out, want, it->groups.count);
        buf_puts(out, ", actual ");
        put_groups(out, item->groups, item->ngroups);
        buf_putc(out, '\n');
        free(want);
        mismatches++;
    }
    return mismatches;
}

static int check_roster_item(const struct model *m, const char *domain,
                             const struct scenario_check_roster *ro,
                             const struct scenario_check_item *it, struct buf *out)
{
    struct buf jid = {0};
    buf_puts(&jid, it->contact);
    if (strchr(it->contact, '@') == NULL)
        text_printf(&jid, "@%s", domain);
    struct model_roster_item item;
    int mismatches = 0;
    if (!model_roster_item(m, ro->account, buf_cstr(&jid), &item)) {
        text_printf(out, "  roster %s: no item for %s\n", ro->account, buf_cstr(&jid));
        mismatches = 1;
    } else {
        const char *sub = subscription_words[item.subscription];
        const char *ask = item.ask ? "subscribe" : "none";
        const char *want_sub = scenario_subscription_name(it->subscription);
        const char *want_ask = scenario_ask_name(it->ask);
        if (it->has_subscription && strcmp(sub, want_sub) != 0) {
            text_printf(out, "  roster %s, %s: subscription expected %s, actual %s\n", ro->account,
                    buf_cstr(&jid), want_sub, sub);
            mismatches++;
        }
        if (it->has_ask && strcmp(ask, want_ask) != 0) {
            text_printf(out, "  roster %s, %s: ask expected %s, actual %s\n", ro->account,
                    buf_cstr(&jid), want_ask, ask);
            mismatches++;
        }
        mismatches += check_item_labels(&item, ro->account, buf_cstr(&jid), it, out);
    }
    buf_free(&jid);
    return mismatches;
}

static int check_roster(const struct model *m, const struct target_check *q, struct buf *out)
{
    const struct scenario_step *st = q->step;
    int mismatches = 0;
    for (size_t i = 0; given(st, SCENARIO_CHECK_ROSTER) && i < st->check.roster_count; i++) {
        const struct scenario_check_roster *ro = &st->check.roster[i];
        if (!model_account_exists(m, ro->account)) {
            text_printf(out, "  roster %s: no such account\n", ro->account);
            mismatches++;
            continue;
        }
        for (size_t j = 0; j < ro->item_count; j++)
            mismatches += check_roster_item(m, q->domain, ro, &ro->items[j], out);
    }
    return mismatches;
}

static int check_presence_one(const struct model *m, const struct target_check *q,
                              const struct scenario_check_presence *p, struct buf *out)
{
    const struct target_check_client *c = named_client(q, p->client);
    struct model_session_info info;
    if (c == NULL || !current_session(m, c->conn, &info) || !info.available) {
        text_printf(out, "  presence %s: not an available resource\n", p->client);
        return 1;
    }
    int mismatches = 0;
    const char *show = info.show ? info.show : "none";
    const char *want = scenario_show_name(p->show);
    if (p->has_priority && info.priority != p->priority) {
        text_printf(out, "  presence %s: priority expected %d, actual %d\n", p->client, p->priority,
                info.priority);
        mismatches++;
    }
    if (p->has_show && strcmp(show, want) != 0) {
        text_printf(out, "  presence %s: show expected %s, actual %s\n", p->client, want, show);
        mismatches++;
    }
    return mismatches;
}

int checker_run(const struct model *m, const struct target_check *q, struct buf *out)
{
    const struct scenario_step *st = q->step;
    int mismatches = check_client_flags(m, q, out);
    if (given(st, SCENARIO_CHECK_SESSIONS)) {
        size_t n = model_session_count(m);
        if (n != st->check.sessions) {
            text_printf(out, "  sessions: expected %lu, actual %zu\n", st->check.sessions, n);
            mismatches++;
        }
    }
    mismatches += check_listing(m, st, SCENARIO_CHECK_ACCOUNTS, out);
    mismatches += check_listing(m, st, SCENARIO_CHECK_TOMBSTONES, out);
    mismatches += check_offline(m, st, out);
    mismatches += check_roster(m, q, out);
    for (size_t i = 0; given(st, SCENARIO_CHECK_PRESENCE) && i < st->check.presence_count; i++)
        mismatches += check_presence_one(m, q, &st->check.presence[i], out);
    return mismatches;
}
