/* preset: accounts and rosters of a scenario on a target (preset.h). */
#include "run/preset.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "model/buf.h"

static bool preset_roster(const struct scenario *s, struct target *t,
                          const struct scenario_account *a, unsigned long *line)
{
    for (size_t j = 0; j < a->roster_count; j++) {
        const struct scenario_roster_item *it = &a->roster[j];
        struct buf jid = {0};
        buf_puts(&jid, it->contact);
        if (strchr(it->contact, '@') == NULL) {
            buf_putc(&jid, '@');
            buf_puts(&jid, s->server.domain);
        }
        const char **groups = mem_realloc(NULL, (it->groups.count + 1) * sizeof *groups);
        for (size_t g = 0; g < it->groups.count; g++)
            groups[g] = it->groups.items[g].text;
        struct target_roster_item ti = {buf_cstr(&jid), it->subscription, it->ask, it->name,
                                        groups, it->groups.count};
        bool ok = target_roster_preset(t, a->name, &ti);
        buf_free(&jid);
        free(groups);
        if (!ok) {
            *line = it->line;
            return false;
        }
    }
    return true;
}

bool preset_accounts(const struct scenario *s, struct target *t, unsigned long *line)
{
    for (size_t i = 0; i < s->account_count; i++) {
        const struct scenario_account *a = &s->accounts[i];
        if (!target_account_create(t, a->name, a->password)) {
            *line = a->line;
            return false;
        }
    }
    for (size_t i = 0; i < s->account_count; i++)
        if (!preset_roster(s, t, &s->accounts[i], line))
            return false;
    return true;
}
