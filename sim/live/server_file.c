/* server_file: load a server description (see server_file.h).
 *
 * libyaml's document API builds the node tree; every node keeps its start
 * mark, so each error points at the key or value at fault. Known keys are
 * tables of (key, handler); an unknown key lists the known ones.
 */
#include "live/server_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "base/count.h"
#include "base/mem.h"
#include "base/text.h"

struct sf_loader {
    struct server_file *sf;
    yaml_document_t *doc;
    char *err;
    size_t errsize;
};

static bool sf_fail(struct sf_loader *L, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool sf_fail(struct sf_loader *L, const yaml_node_t *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned long line = at ? (unsigned long)at->start_mark.line + 1 : 1;
    unsigned long col = at ? (unsigned long)at->start_mark.column + 1 : 1;
    snprintf(L->err, L->errsize, "%s:%lu:%lu: %s", L->sf->file, line, col, msg);
    return false;
}

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool want_string(struct sf_loader *L, const yaml_node_t *v, const char *key, char **slot)
{
    const char *s = scalar(v);
    if (s == NULL || s[0] == '\0')
        return sf_fail(L, v, "'%s' needs a non-empty string", key);
    free(*slot);
    *slot = mem_strdup(s);
    return true;
}

static bool want_bool(struct sf_loader *L, const yaml_node_t *v, const char *key, bool *slot)
{
    const char *s = scalar(v);
    if (s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
        *slot = strcmp(s, "true") == 0;
        return true;
    }
    return sf_fail(L, v, "'%s' needs true or false", key);
}

/* The placeholders a command may use, and which only account commands may. */
static const char *const sf_placeholders[] = {"dir", "host", "port", "domain", "here", "user",
                                              "password"};
#define SF_ACCOUNT_PLACEHOLDERS 5   /* index of the first account-only one */

static bool check_placeholders(struct sf_loader *L, const yaml_node_t *v, const char *key,
                               bool account)
{
    const char *s = scalar(v);
    for (const char *p = strchr(s, '{'); p != NULL; p = strchr(p + 1, '{')) {
        size_t n = strcspn(p + 1, "}");
        bool known = false;
        for (size_t i = 0; i < COUNT(sf_placeholders) && !known; i++)
            known = (account || i < SF_ACCOUNT_PLACEHOLDERS) &&
                    strlen(sf_placeholders[i]) == n && strncmp(p + 1, sf_placeholders[i], n) == 0;
        if (!known || p[1 + n] != '}')
            return sf_fail(L, v, "'%s': unknown placeholder '%.*s' (known: {dir} {host} {port} "
                                 "{domain} {here}%s)", key, (int)(n + 2), p,
                           account ? " {user} {password}" : "");
    }
    return true;
}

static bool want_command(struct sf_loader *L, const yaml_node_t *v, const char *key,
                         bool account, char **slot)
{
    return want_string(L, v, key, slot) && check_placeholders(L, v, key, account);
}

/* ---- sections ---- */

typedef bool sf_handler(struct sf_loader *L, const char *key, const yaml_node_t *v);

struct sf_key {
    const char *name;
    sf_handler *handler;
};

static bool walk(struct sf_loader *L, const yaml_node_t *map, const char *where,
                 const struct sf_key *keys, size_t nkeys)
{
    if (map->type != YAML_MAPPING_NODE)
        return sf_fail(L, map, "%s must be a mapping", where);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
        const char *name = scalar(k);
        size_t i = 0;
        while (name != NULL && i < nkeys && strcmp(keys[i].name, name) != 0)
            i++;
        if (name == NULL || i == nkeys) {
            char list[256] = "";
            for (size_t j = 0; j < nkeys; j++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         j ? ", " : "", keys[j].name);
            return sf_fail(L, k, "unknown key '%s' in %s (known: %s)", name ? name : "?",
                           where, list);
        }
        if (!keys[i].handler(L, name, v))
            return false;
    }
    return true;
}

static bool on_lifecycle_key(struct sf_loader *L, const char *key, const yaml_node_t *v)
{
    struct server_file *sf = L->sf;
    if (strcmp(key, "running") == 0)
        return want_bool(L, v, key, &sf->running);
    char **slot = strcmp(key, "start") == 0  ? &sf->start
                  : strcmp(key, "stop") == 0 ? &sf->stop
                  : strcmp(key, "reset") == 0 ? &sf->reset
                                              : &sf->restart;
    return want_command(L, v, key, false, slot);
}

static bool on_accounts_key(struct sf_loader *L, const char *key, const yaml_node_t *v)
{
    if (strcmp(key, "method") == 0) {
        const char *s = scalar(v);
        if (s != NULL && strcmp(s, "register") == 0)
            L->sf->accounts = SERVER_FILE_ACCOUNTS_REGISTER;
        else if (s != NULL && strcmp(s, "command") == 0)
            L->sf->accounts = SERVER_FILE_ACCOUNTS_COMMAND;
        else
            return sf_fail(L, v, "'method' is register or command");
        return true;
    }
    return want_command(L, v, key, true, strcmp(key, "create") == 0 ? &L->sf->create
                                                                     : &L->sf->remove);
}

static bool on_settings_key(struct sf_loader *L, const char *key, const yaml_node_t *v)
{
    struct server_file *sf = L->sf;
    if (strcmp(key, "conflict") == 0) {
        const char *s = scalar(v);
        for (int c = SCENARIO_CONFLICT_KICK_OLD; c <= SCENARIO_CONFLICT_RANDOM_RESOURCE; c++) {
            if (s != NULL && strcmp(s, scenario_conflict_name((enum scenario_conflict)c)) == 0) {
                sf->conflict = (enum scenario_conflict)c;
                sf->given |= SERVER_FILE_CONFLICT;
                return true;
            }
        }
        return sf_fail(L, v, "'conflict' is kick-old, reject-new or random-resource");
    }
    if (strcmp(key, "profile") == 0) {
        const char *s = scalar(v);
        if (s == NULL || !scenario_profile_parse(s, &sf->profile))
            return sf_fail(L, v, "'profile' is prosody, ejabberd or rfc");
        sf->given |= SERVER_FILE_PROFILE;
        return true;
    }
    static const struct {
        const char *name;
        unsigned bit;
        size_t offset;
    } flags[] = {
        {"offline", SERVER_FILE_OFFLINE, offsetof(struct server_file, offline)},
        {"registration", SERVER_FILE_REGISTRATION, offsetof(struct server_file, registration)},
        {"tombstones", SERVER_FILE_TOMBSTONES, offsetof(struct server_file, tombstones)},
    };
    size_t i = 0;
    while (strcmp(flags[i].name, key) != 0)
        i++;
    sf->given |= flags[i].bit;
    return want_bool(L, v, key, (bool *)((char *)sf + flags[i].offset));
}

static bool on_section(struct sf_loader *L, const char *key, const yaml_node_t *v);

static bool on_top_key(struct sf_loader *L, const char *key, const yaml_node_t *v)
{
    if (strcmp(key, "domain") == 0)
        return want_string(L, v, key, &L->sf->domain);
    if (strcmp(key, "divergences") == 0)
        return want_string(L, v, key, &L->sf->divergences);
    if (strcmp(key, "pacing") == 0) {
        const char *s = scalar(v);
        return (s != NULL && pace_mode_parse(s, &L->sf->pacing)) ||
               sf_fail(L, v, "'pacing' is roundtrip or settle");
    }
    if (strcmp(key, "adapter") == 0) {
        const char *s = scalar(v);
        return (s != NULL && strcmp(s, "external") == 0) ||
               sf_fail(L, v, "'adapter' is external (prosody is the default without "
                             "--server)");
    }
    return on_section(L, key, v);
}

static bool on_section(struct sf_loader *L, const char *key, const yaml_node_t *v)
{
    static const struct sf_key lifecycle[] = {{"running", on_lifecycle_key},
                                              {"start", on_lifecycle_key},
                                              {"stop", on_lifecycle_key},
                                              {"reset", on_lifecycle_key},
                                              {"restart", on_lifecycle_key}};
    static const struct sf_key accounts[] = {{"method", on_accounts_key},
                                             {"create", on_accounts_key},
                                             {"remove", on_accounts_key}};
    static const struct sf_key settings[] = {{"conflict", on_settings_key},
                                             {"offline", on_settings_key},
                                             {"registration", on_settings_key},
                                             {"tombstones", on_settings_key},
                                             {"profile", on_settings_key}};
    if (strcmp(key, "lifecycle") == 0)
        return walk(L, v, key, lifecycle, COUNT(lifecycle));
    if (strcmp(key, "accounts") == 0)
        return walk(L, v, key, accounts, COUNT(accounts));
    return walk(L, v, key, settings, COUNT(settings));
}

/* What the keys cannot say alone: a way to reach the server and to make
 * accounts. */
static bool check_whole(struct sf_loader *L, const yaml_node_t *root)
{
    const struct server_file *sf = L->sf;
    if (sf->running && (sf->start != NULL || sf->stop != NULL))
        return sf_fail(L, root, "lifecycle: running: true and a start or stop command "
                                "exclude each other");
    if (!sf->running && sf->start == NULL)
        return sf_fail(L, root, "lifecycle needs running: true or a start command");
    if (sf->accounts == SERVER_FILE_ACCOUNTS_COMMAND && sf->create == NULL)
        return sf_fail(L, root, "accounts: method: command needs a create command");
    return true;
}

/* The directory of the file named name, made absolute against the
 * working directory. */
static char *here_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    struct buf p = {0};
    char cwd[4096];
    if (name[0] != '/' && getcwd(cwd, sizeof cwd) != NULL)
        text_printf(&p, "%s/", cwd);
    if (slash == NULL)
        buf_putc(&p, '.');
    else
        buf_append(&p, name, slash == name ? 1 : (size_t)(slash - name));
    return text_take(&p);
}

struct server_file *server_file_load_buffer(const char *name, const char *data, size_t len,
                                            char *err, size_t errsize)
{
    static const struct sf_key top[] = {{"adapter", on_top_key},   {"domain", on_top_key},
                                        {"divergences", on_top_key}, {"pacing", on_top_key},
                                        {"lifecycle", on_top_key}, {"accounts", on_top_key},
                                        {"settings", on_top_key}};
    struct server_file *sf = mem_calloc(1, sizeof *sf);
    sf->file = mem_strdup(name);
    sf->here = here_of(name);
    sf->domain = mem_strdup("localhost");
    yaml_parser_t p;
    yaml_document_t doc;
    struct sf_loader L = {sf, &doc, err, errsize};
    bool ok = yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    bool loaded = ok && yaml_parser_load(&p, &doc);
    if (!loaded) {
        snprintf(err, errsize, "%s:%lu:%lu: %s", name, (unsigned long)p.problem_mark.line + 1,
                 (unsigned long)p.problem_mark.column + 1,
                 p.problem ? p.problem : "invalid YAML");
        ok = false;
    }
    const yaml_node_t *root = loaded ? yaml_document_get_root_node(&doc) : NULL;
    if (loaded && root == NULL)
        ok = sf_fail(&L, NULL, "empty file: a server description is a mapping");
    ok = ok && walk(&L, root, "the server file", top, COUNT(top)) && check_whole(&L, root);
    if (loaded)
        yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    if (!ok) {
        server_file_free(sf);
        return NULL;
    }
    return sf;
}

struct server_file *server_file_load(const char *path, char *err, size_t errsize)
{
    char *text;
    size_t len;
    if (text_read_file(path, SERVER_FILE_SIZE_MAX, &text, &len) != 0) {
        snprintf(err, errsize, "%s: cannot read it (missing, unreadable or over %u bytes)",
                 path, SERVER_FILE_SIZE_MAX);
        return NULL;
    }
    struct server_file *sf = server_file_load_buffer(path, text, len, err, errsize);
    free(text);
    return sf;
}

void server_file_free(struct server_file *sf)
{
    if (sf == NULL)
        return;
    free(sf->file);
    free(sf->here);
    free(sf->domain);
    free(sf->divergences);
    free(sf->start);
    free(sf->stop);
    free(sf->reset);
    free(sf->restart);
    free(sf->create);
    free(sf->remove);
    free(sf);
}

/* ---- use ---- */

static void shell_quote(const char *s, struct buf *out)
{
    buf_putc(out, '\'');
    for (; *s != '\0'; s++) {
        if (*s == '\'')
            buf_puts(out, "'\\''");
        else
            buf_putc(out, *s);
    }
    buf_putc(out, '\'');
}

void server_file_expand(const char *command, const struct server_file_vars *v, struct buf *out)
{
    const char *const values[] = {v->dir,  v->host, v->port,    v->domain,
                                  v->here, v->user, v->password};
    for (const char *p = command; *p != '\0'; p++) {
        size_t i = 0, n = 0;
        if (*p == '{') {
            n = strcspn(p + 1, "}");
            while (i < COUNT(sf_placeholders) && !(strlen(sf_placeholders[i]) == n &&
                                                   strncmp(p + 1, sf_placeholders[i], n) == 0))
                i++;
        }
        if (*p == '{' && i < COUNT(sf_placeholders) && values[i] != NULL && p[1 + n] == '}') {
            shell_quote(values[i], out);
            p += n + 1;
        } else {
            buf_putc(out, *p);
        }
    }
}

/* An unregister step, or a stanza with a registration <remove/>. */
static bool deletes_account(const struct scenario *s)
{
    for (size_t i = 0; i < s->step_count; i++) {
        const struct scenario_step *st = &s->steps[i];
        if (st->kind == SCENARIO_STEP_UNREGISTER)
            return true;
        for (size_t k = 0; st->kind == SCENARIO_STEP_SEND && k < st->send.count; k++)
            if (strstr(st->send.items[k].text, "<remove") != NULL)
                return true;
    }
    return false;
}

/* The subscription the contact's item must have to mirror sub. */
static enum scenario_subscription mirrored(enum scenario_subscription sub)
{
    return sub == SCENARIO_SUBSCRIPTION_TO     ? SCENARIO_SUBSCRIPTION_FROM
           : sub == SCENARIO_SUBSCRIPTION_FROM ? SCENARIO_SUBSCRIPTION_TO
                                               : sub;
}

/* The account a contact key names, or NULL. */
static const struct scenario_account *account_named(const struct scenario *s, const char *key)
{
    for (size_t i = 0; i < s->account_count; i++)
        if (scenario_contact_is(s, key, s->accounts[i].name))
            return &s->accounts[i];
    return NULL;
}

/* Whether b has an item for a with subscription sub. */
static bool has_item(const struct scenario *s, const struct scenario_account *b,
                     const char *a, enum scenario_subscription sub)
{
    for (size_t j = 0; j < b->roster_count; j++)
        if (scenario_contact_is(s, b->roster[j].contact, a) && b->roster[j].subscription == sub)
            return true;
    return false;
}

/* Initial rosters in-band traffic can reach before the scenario starts
 * (external_rosters_apply): no pending request, and every subscription
 * between two accounts of the scenario, mirrored by the contact's item.
 * Appends why not to out for the first item that is not. */
static void rosters_reachable(const struct scenario *s, struct buf *out)
{
    for (size_t i = 0; i < s->account_count; i++) {
        const struct scenario_account *a = &s->accounts[i];
        for (size_t j = 0; j < a->roster_count; j++) {
            const struct scenario_roster_item *it = &a->roster[j];
            const struct scenario_account *b = account_named(s, it->contact);
            const char *why = it->ask != SCENARIO_ASK_NONE ? "a pending request (ask)"
                              : it->subscription == SCENARIO_SUBSCRIPTION_NONE ? NULL
                              : b == NULL ? "a subscription with a contact that is no account"
                              : !has_item(s, b, a->name, mirrored(it->subscription))
                                  ? "a subscription the contact's roster does not mirror"
                                  : NULL;
            if (why != NULL) {
                text_printf(out, "initial roster of %s: %s (%s) cannot be set up in band",
                            a->name, why, it->contact);
                return;
            }
        }
    }
}

static const char *yes_no(bool b)
{
    return b ? "true" : "false";
}

bool server_file_fits(const struct server_file *sf, const struct scenario *s, struct buf *out)
{
    const struct scenario_server *w = &s->server;
    size_t before = out->len;
    if (strcasecmp(w->domain, sf->domain) != 0)
        text_printf(out, "the scenario's domain is %s, the server's %s", w->domain, sf->domain);
    else if ((sf->given & SERVER_FILE_CONFLICT) && w->conflict != sf->conflict)
        text_printf(out, "the scenario needs conflict: %s, the server has %s",
                    scenario_conflict_name(w->conflict), scenario_conflict_name(sf->conflict));
    else if ((sf->given & SERVER_FILE_OFFLINE) && w->offline != sf->offline)
        text_printf(out, "the scenario needs offline: %s, the server has %s",
                    yes_no(w->offline), yes_no(sf->offline));
    else if ((sf->given & SERVER_FILE_REGISTRATION) && w->registration != sf->registration)
        text_printf(out, "the scenario needs registration: %s, the server has %s",
                    yes_no(w->registration), yes_no(sf->registration));
    else if ((sf->given & SERVER_FILE_TOMBSTONES) && w->tombstones != sf->tombstones &&
             deletes_account(s))
        text_printf(out, "the scenario deletes an account with tombstones: %s, the server has %s",
                    yes_no(w->tombstones), yes_no(sf->tombstones));
    else if ((sf->given & SERVER_FILE_PROFILE) && w->profile_given && w->profile != sf->profile)
        text_printf(out, "the scenario pins the %s profile, the server follows %s",
                    scenario_profile_name(w->profile), scenario_profile_name(sf->profile));
    else if (w->sm_queue_max != SCENARIO_SM_QUEUE_MAX)   /* format 1.8: no way to set it */
        text_printf(out, "the scenario needs sm_queue_max: %lu; the server's queue limit is its own",
                    w->sm_queue_max);
    else if (w->sm_hibernation_ms != SCENARIO_SM_HIBERNATION_MS)   /* nor this */
        text_printf(out, "the scenario needs sm_hibernation: %llus; the server's resumption time is "
                    "its own", (unsigned long long)(w->sm_hibernation_ms / 1000));
    else
        rosters_reachable(s, out);
    return out->len == before;
}
