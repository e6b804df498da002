/* password: passwords learnt from a scenario's own traffic (see password.h). */
#include "run/password.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "model/buf.h"

#define PASSWORD_NS_REGISTER "jabber:iq:register"

static bool is_iq(const struct stanza_node *n, const char *type)
{
    const char *t = stanza_attr(n, "", "type");
    return n->ns != NULL && strcmp(n->ns, STANZA_NS_CLIENT) == 0 && strcmp(n->name, "iq") == 0 &&
           t != NULL && strcmp(t, type) == 0;
}

/* The text of query's child `name` (an owned copy), or NULL without one. */
static char *child_text(const struct stanza_node *query, const char *name)
{
    const struct stanza_node *el = stanza_child(query, PASSWORD_NS_REGISTER, name);
    if (el == NULL)
        return NULL;
    struct buf text = {0};
    char *out = mem_strdup(stanza_text(el, &text));
    buf_free(&text);
    return out;
}

static void drop(struct password_changes *p, size_t i)
{
    free(p->items[i].id);
    free(p->items[i].account);
    free(p->items[i].password);
    p->items[i] = p->items[--p->len];
}

void password_note_sent(struct password_changes *p, size_t client, const char *authed_account,
                        const struct stanza_node *sent)
{
    const char *id = stanza_attr(sent, "", "id");
    const struct stanza_node *query = stanza_child(sent, PASSWORD_NS_REGISTER, "query");
    if (!is_iq(sent, "set") || id == NULL || query == NULL ||
        stanza_child(query, PASSWORD_NS_REGISTER, "remove") != NULL)
        return;
    char *account = authed_account ? mem_strdup(authed_account) : child_text(query, "username");
    char *password = child_text(query, "password");
    if (account == NULL || password == NULL || account[0] == '\0' || password[0] == '\0') {
        free(account);
        free(password);
        return;
    }
    p->items = mem_grow(p->items, p->len, &p->cap, sizeof *p->items);
    p->items[p->len++] = (struct password_change){client, mem_strdup(id), account, password};
}

bool password_take_answer(struct password_changes *p, size_t client,
                          const struct stanza_node *got, char **account, char **password)
{
    const char *id = stanza_attr(got, "", "id");
    bool result = is_iq(got, "result");
    if (id == NULL || !(result || is_iq(got, "error")))
        return false;
    for (size_t i = 0; i < p->len; i++) {
        struct password_change *c = &p->items[i];
        if (c->client != client || strcmp(c->id, id) != 0)
            continue;
        if (result) {
            *account = mem_strdup(c->account);
            *password = mem_strdup(c->password);
        }
        drop(p, i);
        return result;
    }
    return false;
}

void password_forget(struct password_changes *p, size_t client)
{
    for (size_t i = p->len; i-- > 0;)
        if (p->items[i].client == client)
            drop(p, i);
}

void password_changes_free(struct password_changes *p)
{
    while (p->len > 0)
        drop(p, p->len - 1);
    free(p->items);
    *p = (struct password_changes){0};
}
