/* account: the account table and tombstones (see account.h). */
#include "account.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jid.h"
#include "sorted.h"

static const char *account_name_key(const void *p)
{
    return ((const struct account *)p)->name;
}

static const char *account_tombstone_key(const void *p)
{
    return ((const struct tombstone *)p)->name;
}

struct account *account_find(const struct model *m, const char *name)
{
    return map_get(&m->accounts, name);
}

void account_table_init(struct model *m, uint64_t seed)
{
    map_init(&m->accounts, &m->heap, seed, account_name_key);
}

void account_touch(struct model *m, const char *name)
{
    strset_add(&m->touched_accounts, name);
}

static int account_by_name(const void *a, const void *b)
{
    return strcmp((*(struct account *const *)a)->name, (*(struct account *const *)b)->name);
}

struct account *account_sorted_at(struct model *m, size_t i)
{
    if (!m->sorted_valid) {
        heap_free(&m->heap, m->sorted);
        m->sorted = heap_alloc(&m->heap, (m->accounts.n + 1) * sizeof *m->sorted);
        m->nsorted = 0;
        size_t pos = 0;
        struct account *a;
        while ((a = map_next(&m->accounts, &pos)) != NULL)
            m->sorted[m->nsorted++] = a;
        qsort(m->sorted, m->nsorted, sizeof *m->sorted, account_by_name);
        m->sorted_valid = true;
    }
    return i < m->nsorted ? m->sorted[i] : NULL;
}

struct account *account_create(struct model *m, const char *name, const char *password)
{
    if (account_find(m, name) != NULL)
        return NULL;
    struct account *a = heap_zalloc(&m->heap, sizeof *a);
    a->roster.heap = &m->heap;
    a->name = heap_strdup(&m->heap, name);
    a->password = heap_strdup(&m->heap, password);
    a->serial = ++m->account_serial;
    map_put(&m->accounts, a);
    account_touch(m, a->name);
    m->sorted_valid = false;
    return a;
}

static void account_stored_free(struct heap *h, struct account_stored *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        heap_free(h, v[i].key);
        stanza_free(v[i].stanza);
    }
    heap_free(h, v);
}

static void account_free(struct model *m, struct account *a)
{
    heap_free(&m->heap, a->name);
    heap_free(&m->heap, a->password);
    roster_clear(&a->roster);
    account_stored_free(&m->heap, a->pending_in, a->npending_in);
    account_stored_free(&m->heap, a->offline, a->noffline);
    heap_free(&m->heap, a);
}

void account_detach(struct model *m, struct account *a)
{
    if (account_find(m, a->name) == a) {
        map_remove(&m->accounts, a->name);
        m->sorted_valid = false;
    }
}

void account_destroy(struct model *m, struct account *a)
{
    account_free(m, a);
}

void account_free_all(struct model *m)
{
    size_t pos = 0;
    struct account *a;
    while ((a = map_next(&m->accounts, &pos)) != NULL)
        account_free(m, a);
    map_clear(&m->accounts);
    heap_free(&m->heap, m->sorted);
    m->sorted = NULL;
    m->nsorted = 0;
    m->sorted_valid = false;
    for (size_t i = 0; i < m->ntombstones; i++)
        heap_free(&m->heap, m->tombstones[i].name);
    heap_free(&m->heap, m->tombstones);
    m->tombstones = NULL;
    m->ntombstones = m->captombstones = 0;
}

static bool account_tombstone_live_at(const struct model *m, const struct tombstone *t)
{
    unsigned long long expiry = m->cfg.tombstone_expiry_ms;
    return expiry == 0 || m->now_ms - t->deleted_ms <= expiry;
}

bool account_tombstone_live(const struct model *m, const char *name)
{
    bool found;
    size_t i = sorted_search(m->tombstones, m->ntombstones, sizeof *m->tombstones, name,
                            account_tombstone_key, &found);
    return found && account_tombstone_live_at(m, &m->tombstones[i]);
}

bool account_tombstone_active(struct model *m, const char *name)
{
    bool found;
    size_t i = sorted_search(m->tombstones, m->ntombstones, sizeof *m->tombstones, name,
                            account_tombstone_key, &found);
    if (!found)
        return false;
    if (account_tombstone_live_at(m, &m->tombstones[i]))
        return true;
    heap_free(&m->heap, m->tombstones[i].name);   /* T2: the first lookup after expiry removes it */
    memmove(&m->tombstones[i], &m->tombstones[i + 1],
            (m->ntombstones - i - 1) * sizeof *m->tombstones);
    m->ntombstones--;
    return false;
}

void account_changed(struct model *m, struct account *a)
{
    a->roster.version++;
    account_touch(m, a->name);
}

void account_tombstone_add(struct model *m, const char *name)
{
    bool found;   /* never: name was registered while it had no tombstone (T3, I14) */
    size_t i = sorted_search(m->tombstones, m->ntombstones, sizeof *m->tombstones, name,
                      account_tombstone_key, &found);
    account_touch(m, name);
    heap_grow(&m->heap, (void **)&m->tombstones, &m->captombstones, m->ntombstones,
              sizeof *m->tombstones);
    memmove(&m->tombstones[i + 1], &m->tombstones[i],
            (m->ntombstones - i) * sizeof *m->tombstones);
    m->ntombstones++;
    m->tombstones[i].name = heap_strdup(&m->heap, name);
    m->tombstones[i].deleted_ms = m->now_ms;
}

unsigned long long account_serial_of(const struct model *m, const char *jid)
{
    const char *at = strchr(jid, '@');
    if (at == NULL || strchr(jid, '/') != NULL || strcmp(at + 1, m->domain) != 0)
        return 0;
    size_t len = (size_t)(at - jid);
    char local[JID_PART_MAX + 1];   /* a longer localpart names no account */
    if (len > JID_PART_MAX)
        return 0;
    memcpy(local, jid, len);
    local[len] = '\0';
    const struct account *a = account_find(m, local);
    return a ? a->serial : 0;
}
