/* account: the account table and tombstones (see account.h). */
#include "account.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *account_name_of(const void *p)
{
    return ((const struct account *)p)->name;
}

static const char *tombstone_name_of(const void *p)
{
    return ((const struct tombstone *)p)->name;
}

struct account *account_find(const struct model *m, const char *name)
{
    return map_get(&m->accounts, name);
}

void account_table_init(struct model *m, uint64_t seed)
{
    map_init(&m->accounts, seed, account_name_of);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(struct account *const *)a)->name, (*(struct account *const *)b)->name);
}

struct account *account_sorted_at(struct model *m, size_t i)
{
    if (!m->sorted_valid) {
        free(m->sorted);
        m->sorted = model_xalloc((m->accounts.n + 1) * sizeof *m->sorted);
        m->nsorted = 0;
        size_t pos = 0;
        struct account *a;
        while ((a = map_next(&m->accounts, &pos)) != NULL)
            m->sorted[m->nsorted++] = a;
        qsort(m->sorted, m->nsorted, sizeof *m->sorted, by_name);
        m->sorted_valid = true;
    }
    return i < m->nsorted ? m->sorted[i] : NULL;
}

struct account *account_create(struct model *m, const char *name, const char *password)
{
    if (account_find(m, name) != NULL)
        return NULL;
    struct account *a = model_xalloc(sizeof *a);
    memset(a, 0, sizeof *a);
    a->name = model_xstrdup(name);
    a->password = model_xstrdup(password);
    a->serial = ++m->account_serial;
    map_put(&m->accounts, a);
    model_touch_account(m, a->name);
    m->sorted_valid = false;
    return a;
}

static void stored_free(struct account_stored *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].key);
        stanza_free(v[i].stanza);
    }
    free(v);
}

static void account_free(struct account *a)
{
    free(a->name);
    free(a->password);
    roster_clear(&a->roster);
    stored_free(a->pending_in, a->npending_in);
    stored_free(a->offline, a->noffline);
    free(a);
}

void account_detach(struct model *m, struct account *a)
{
    if (account_find(m, a->name) == a) {
        map_remove(&m->accounts, a->name);
        m->sorted_valid = false;
    }
}

void account_destroy(struct account *a)
{
    account_free(a);
}

void account_free_all(struct model *m)
{
    size_t pos = 0;
    struct account *a;
    while ((a = map_next(&m->accounts, &pos)) != NULL)
        account_free(a);
    map_clear(&m->accounts);
    free(m->sorted);
    m->sorted = NULL;
    m->nsorted = 0;
    m->sorted_valid = false;
    for (size_t i = 0; i < m->ntombstones; i++)
        free(m->tombstones[i].name);
    free(m->tombstones);
    m->tombstones = NULL;
    m->ntombstones = m->captombstones = 0;
}

static bool tombstone_live_at(const struct model *m, const struct tombstone *t)
{
    unsigned long long expiry = m->cfg.tombstone_expiry_ms;
    return expiry == 0 || m->now_ms - t->deleted_ms <= expiry;
}

bool account_tombstone_live(const struct model *m, const char *name)
{
    bool found;
    size_t i = model_search(m->tombstones, m->ntombstones, sizeof *m->tombstones, name,
                            tombstone_name_of, &found);
    return found && tombstone_live_at(m, &m->tombstones[i]);
}

bool account_tombstone_active(struct model *m, const char *name)
{
    bool found;
    size_t i = model_search(m->tombstones, m->ntombstones, sizeof *m->tombstones, name,
                            tombstone_name_of, &found);
    if (!found)
        return false;
    if (tombstone_live_at(m, &m->tombstones[i]))
        return true;
    free(m->tombstones[i].name);   /* T2: the first lookup after expiry removes it */
    memmove(&m->tombstones[i], &m->tombstones[i + 1],
            (m->ntombstones - i - 1) * sizeof *m->tombstones);
    m->ntombstones--;
    return false;
}

void account_changed(struct model *m, struct account *a)
{
    a->roster.version++;
    model_touch_account(m, a->name);
}

void account_tombstone_add(struct model *m, const char *name)
{
    bool found;
    size_t i = model_search(m->tombstones, m->ntombstones, sizeof *m->tombstones, name,
                      tombstone_name_of, &found);
    model_touch_account(m, name);
    if (found) {
        m->tombstones[i].deleted_ms = m->now_ms;
        return;
    }
    model_grow((void **)&m->tombstones, &m->captombstones, m->ntombstones, sizeof *m->tombstones);
    memmove(&m->tombstones[i + 1], &m->tombstones[i],
            (m->ntombstones - i) * sizeof *m->tombstones);
    m->ntombstones++;
    m->tombstones[i].name = model_xstrdup(name);
    m->tombstones[i].deleted_ms = m->now_ms;
}

unsigned long long account_serial_of(const struct model *m, const char *jid)
{
    const char *at = strchr(jid, '@');
    if (at == NULL || strchr(jid, '/') != NULL || strcmp(at + 1, m->domain) != 0)
        return 0;
    struct buf local = {0};
    buf_append(&local, jid, (size_t)(at - jid));
    const struct account *a = account_find(m, buf_cstr(&local));
    buf_free(&local);
    return a ? a->serial : 0;
}
