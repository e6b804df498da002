/* scansion: scansion script → scenario YAML (contract in scansion.h).
 *
 * One pass over the lines. The declarations before the dashes fill the
 * client table; each action then appends its steps to a buffer, while
 * comments collect into the pending note (actions) or the description
 * (declarations, metadata). The document is assembled at the end, when
 * the title, description, accounts and clients are known. XML bodies are
 * rewritten as text, not re-serialised, so that the scenario shows what
 * the script's author wrote: variables and wildcards replaced, lines
 * joined, attribute values quoted with ' where they can be (the YAML
 * string is then free of escapes). Each stanza is parsed once here, with
 * the loader's own function, for errors that cite the script's line.
 */
#include "scenario/scansion.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/exit.h"
#include "base/text.h"
#include "model/buf.h"
#include "base/mem.h"
#include "scenario/emit.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "model/stanza.h"
#include "model/xmlstream.h"

#define SCS_WRAP 76               /* columns of the description's paragraphs */

struct scs_client {
    char *name;                   /* as written after [Client] */
    char *slug;                   /* the scenario's client name */
    char *account, *domain, *password, *resource;
    unsigned long line;
    bool connected;               /* connected by the script and not disconnected */
    bool ended;                   /* the server has ended its stream (see scansion.h) */
};

struct scs_line {
    const char *text;
    size_t len;                   /* without the line break */
};

struct scs {
    const struct scansion_options *opt;
    struct scansion_error *err;
    struct scs_line *lines;
    size_t nlines, at;            /* at: index of the next line to read */
    struct scs_client *clients;
    size_t nclients;
    struct buf title, desc, meta, steps, note;
    struct buf notes;             /* note steps waiting for the next action */
    size_t nsteps, nnotes;
    size_t nactions;              /* actions translated */
    bool truncated;               /* stopped at opt->until */
    size_t inserted;              /* opt->inserts used */
    bool not_utf8;                /* a string to write was not UTF-8 */
    char **captures;              /* names of {scansion:capture:NAME} seen */
    size_t ncaptures;
    struct scansion_needs *needs; /* never NULL */
};

static bool fail(struct scs *S, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first error. Always returns false. */
static bool fail(struct scs *S, unsigned long line, const char *fmt, ...)
{
    if (S->err->message[0] != '\0')
        return false;
    S->err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(S->err->message, sizeof S->err->message, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- lines ---- */

static void split_lines(struct scs *S, const char *text, size_t len)
{
    size_t cap = 0;
    for (size_t i = 0; i < len || (i == len && len > 0 && text[len - 1] != '\n');) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - i;
        if (n > 0 && text[end - 1] == '\r')
            n--;
        if (S->nlines == cap) {
            cap = cap ? 2 * cap : 64;
            S->lines = mem_realloc(S->lines, cap * sizeof *S->lines);
        }
        S->lines[S->nlines++] = (struct scs_line){text + i, n};
        i = end + 1;
    }
}

static bool is_blank(const struct scs_line *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (!isspace((unsigned char)l->text[i]))
            return false;
    return true;
}

static bool is_indented(const struct scs_line *l)
{
    return l->len > 0 && (l->text[0] == ' ' || l->text[0] == '\t') && !is_blank(l);
}

static bool is_dashes(const struct scs_line *l)
{
    size_t n = 0;
    while (n < l->len && l->text[n] == '-')
        n++;
    return n >= 3 && n == l->len;
}

/* l without leading and trailing white space. */
static struct scs_line trimmed(struct scs_line l)
{
    while (l.len > 0 && isspace((unsigned char)l.text[0])) {
        l.text++;
        l.len--;
    }
    while (l.len > 0 && isspace((unsigned char)l.text[l.len - 1]))
        l.len--;
    return l;
}

/* Whether l starts with "//" or "--" (comment markers besides '#'). */
static bool has_marker(const struct scs_line *l)
{
    return l->len > 1 && ((l->text[0] == '/' && l->text[1] == '/') ||
                          (l->text[0] == '-' && l->text[1] == '-'));
}

/* Comments: '#', '//' (editor mode lines) and '--' (Lua style), but not
 * the line of dashes. */
static bool is_comment(const struct scs_line *l)
{
    return (l->len > 0 && l->text[0] == '#') || (has_marker(l) && !is_dashes(l));
}

/* The text of a comment line without its '#'s or '//' and surrounding
 * blanks. */
static struct scs_line comment_text(const struct scs_line *l)
{
    struct scs_line c = *l;
    if (has_marker(&c)) {
        c.text += 2;
        c.len -= 2;
    }
    while (c.len > 0 && c.text[0] == '#') {
        c.text++;
        c.len--;
    }
    return trimmed(c);
}

static bool is_metadata(const struct scs_line *c)
{
    static const char *const words[] = {"recording started", "recording ended"};
    for (size_t i = 0; i < COUNT(words); i++) {
        size_t w = strlen(words[i]);
        for (size_t k = 0; k + w <= c->len; k++)
            if (memcmp(c->text + k, words[i], w) == 0)
                return true;
    }
    return false;
}

static void desc_line(struct scs *S, const struct scs_line *c)
{
    buf_append(&S->desc, c->text, c->len);
    buf_putc(&S->desc, '\n');
}

/* Recording metadata, shown last in the description. */
static void meta_line(struct scs *S, const struct scs_line *c)
{
    buf_puts(&S->meta, "Script metadata: ");
    buf_append(&S->meta, c->text, c->len);
    buf_putc(&S->meta, '\n');
}

/* ---- clients ---- */

/* The scenario name of a client: lower-case letters, digits and '_'
 * ("Juliet's phone" -> "juliet_phone"), unique, never a step word. */
static char *slug_of(const struct scs *S, const char *name)
{
    struct buf b = {0};
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '\'' && p[1] == 's' && !isalnum((unsigned char)p[2])) {
            p++;
        } else if (isalnum((unsigned char)*p)) {
            buf_putc(&b, (char)tolower((unsigned char)*p));
        } else if (*p != '\'' && b.len > 0 && b.data[b.len - 1] != '_') {
            buf_putc(&b, '_');
        }
    }
    while (b.len > 0 && b.data[b.len - 1] == '_')
        b.len--;
    if (b.len == 0 || isdigit((unsigned char)b.data[0]))
        buf_puts(&b, "client");
    static const char *const reserved[] = {"advance", "check", "note", "restart"};
    for (size_t i = 0; i < COUNT(reserved); i++)
        if (strcmp(buf_cstr(&b), reserved[i]) == 0)
            buf_putc(&b, '_');
    size_t base = b.len;
    for (unsigned n = 2;; n++) {
        bool taken = false;
        for (size_t i = 0; i < S->nclients && !taken; i++)
            taken = strcmp(S->clients[i].slug, buf_cstr(&b)) == 0;
        if (!taken)
            break;
        b.len = base;
        buf_putc(&b, '_');
        buf_put_u64(&b, n);
    }
    char *slug = mem_strndup(buf_cstr(&b), b.len);
    buf_free(&b);
    return slug;
}

/* Sets account, domain and (from a full JID) resource from `jid: ...`. */
static bool parse_client_jid(struct scs *S, struct scs_client *c, const char *jid, unsigned long line)
{
    const char *at = strchr(jid, '@');
    if (at == NULL || at == jid || at[1] == '\0' || at[1] == '/')
        return fail(S, line, "jid '%s' of %s must be user@domain", jid, c->name);
    const char *slash = strchr(at, '/');
    size_t dlen = slash ? (size_t)(slash - at - 1) : strlen(at + 1);
    free(c->account);
    free(c->domain);
    c->account = mem_strndup(jid, (size_t)(at - jid));
    for (char *p = c->account; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    c->domain = mem_strndup(at + 1, dlen);
    if (slash != NULL && slash[1] != '\0') {
        free(c->resource);
        c->resource = mem_strndup(slash + 1, strlen(slash + 1));
    }
    return true;
}

/* One `key: value` line of a [Client] block. */
static bool put_client_key(struct scs *S, struct scs_client *c, const struct scs_line *l,
                       unsigned long line)
{
    struct scs_line t = trimmed(*l);
    const char *colon = memchr(t.text, ':', t.len);
    if (colon == NULL)
        return fail(S, line, "expected 'key: value' in the block of %s", c->name);
    size_t klen = (size_t)(colon - t.text);
    const char *v = colon + 1;
    while (v < t.text + t.len && isspace((unsigned char)*v))
        v++;
    char *value = mem_strndup(v, (size_t)(t.text + t.len - v));
    bool ok = true;
    if (klen == 3 && memcmp(t.text, "jid", 3) == 0) {
        ok = parse_client_jid(S, c, value, line);
    } else if (klen == 8 && memcmp(t.text, "password", 8) == 0) {
        free(c->password);
        c->password = mem_strndup(value, strlen(value));
    } else if (klen == 8 && memcmp(t.text, "resource", 8) == 0) {
        free(c->resource);
        c->resource = mem_strndup(value, strlen(value));
    } else {
        ok = fail(S, line, "unsupported key '%.*s' for %s (expected jid, password or resource)",
                  (int)klen, t.text, c->name);
    }
    free(value);
    return ok;
}

/* `[Client] Name` and its indented keys, from line S->at. */
static bool read_client(struct scs *S)
{
    const struct scs_line *l = &S->lines[S->at];
    unsigned long line = (unsigned long)S->at + 1;
    const char *close = memchr(l->text, ']', l->len);
    if (close == NULL || close - l->text != 7 || memcmp(l->text, "[Client", 7) != 0)
        return fail(S, line, "unsupported object '%.*s' (only [Client] blocks are translated)",
                    (int)l->len, l->text);
    struct scs_line name = {close + 1, (size_t)(l->text + l->len - close - 1)};
    name = trimmed(name);
    if (name.len == 0)
        return fail(S, line, "[Client] needs a name");
    S->clients = mem_realloc(S->clients, (S->nclients + 1) * sizeof *S->clients);
    struct scs_client *c = &S->clients[S->nclients];
    memset(c, 0, sizeof *c);
    c->name = mem_strndup(name.text, name.len);
    c->line = line;
    c->slug = slug_of(S, c->name);
    S->nclients++;
    for (S->at++; S->at < S->nlines && (is_indented(&S->lines[S->at]) || is_blank(&S->lines[S->at]));
         S->at++)
        if (!is_blank(&S->lines[S->at]) &&
            !put_client_key(S, c, &S->lines[S->at], (unsigned long)S->at + 1))
            return false;
    if (c->account == NULL)
        return fail(S, line, "%s has no jid", c->name);
    return true;
}

/* The declarations up to and including the line of dashes. */
static bool read_declarations(struct scs *S)
{
    while (S->at < S->nlines) {
        const struct scs_line *l = &S->lines[S->at];
        unsigned long line = (unsigned long)S->at + 1;
        if (is_dashes(l)) {
            S->at++;
            return S->nclients > 0 || fail(S, line, "no [Client] declared before the dashes");
        }
        if (is_blank(l)) {
            S->at++;
        } else if (is_comment(l)) {
            struct scs_line c = comment_text(l);
            if (is_metadata(&c))
                meta_line(S, &c);
            else if (S->title.len == 0 && S->nclients == 0)
                buf_append(&S->title, c.text, c.len);
            else if (c.len > 0)
                desc_line(S, &c);
            S->at++;
        } else if (l->text[0] == '[') {
            if (!read_client(S))
                return false;
        } else {
            return fail(S, line, "expected a comment, a [Client] block or a line of dashes");
        }
    }
    return fail(S, (unsigned long)S->nlines, "no line of dashes before the actions");
}

/* Every client of an account must agree on the password; one domain. */
static bool check_clients(struct scs *S)
{
    for (size_t i = 0; i < S->nclients; i++) {
        struct scs_client *c = &S->clients[i];
        if (c->password == NULL)
            c->password = mem_strndup("password", 8);
        if (strcmp(c->domain, S->clients[0].domain) != 0)
            return fail(S, c->line, "%s is on domain '%s', %s on '%s': one domain only",
                        c->name, c->domain, S->clients[0].name, S->clients[0].domain);
        for (size_t k = 0; k < i; k++)
            if (strcmp(S->clients[k].account, c->account) == 0 &&
                strcmp(S->clients[k].password, c->password) != 0)
                return fail(S, c->line, "%s and %s share account '%s' with different passwords",
                            S->clients[k].name, c->name, c->account);
    }
    return true;
}

/* ---- XML bodies ---- */

static struct scs_client *named_client(struct scs *S, const char *name, size_t len)
{
    for (size_t i = 0; i < S->nclients; i++)
        if (strlen(S->clients[i].name) == len && memcmp(S->clients[i].name, name, len) == 0)
            return &S->clients[i];
    return NULL;
}

/* ${NAME's JID} / ${NAME's full JID} -> ${slug.jid} / ${slug.full}. */
static bool variable(struct scs *S, const char *v, size_t len, unsigned long line, struct buf *out)
{
    static const struct {
        const char *suffix, *field;
    } forms[] = {{"'s full JID", "full"}, {"'s JID", "jid"}};
    for (size_t i = 0; i < COUNT(forms); i++) {
        size_t n = strlen(forms[i].suffix);
        if (len <= n || memcmp(v + len - n, forms[i].suffix, n) != 0)
            continue;
        const struct scs_client *c = named_client(S, v, len - n);
        if (c == NULL)
            return fail(S, line, "unknown client '%.*s' in ${%.*s}", (int)(len - n), v, (int)len,
                        v);
        buf_puts(out, "${");
        buf_puts(out, c->slug);
        buf_putc(out, '.');
        buf_puts(out, forms[i].field);
        buf_putc(out, '}');
        return true;
    }
    return fail(S, line, "unsupported variable ${%.*s} (expected ${NAME's JID} or ${NAME's full JID})",
                (int)len, v);
}

/* {scansion:capture:NAME}: the first one binds NAME ({capture:NAME}),
 * later ones must equal it (${NAME}). */
static void capture(struct scs *S, const char *name, size_t len, struct buf *out)
{
    bool seen = false;
    for (size_t i = 0; i < S->ncaptures && !seen; i++)
        seen = strlen(S->captures[i]) == len && memcmp(S->captures[i], name, len) == 0;
    buf_puts(out, seen ? "${" : "{capture:");
    buf_append(out, name, len);
    buf_putc(out, '}');
    if (!seen) {
        S->captures = mem_realloc(S->captures, (S->ncaptures + 1) * sizeof *S->captures);
        S->captures[S->ncaptures++] = mem_strndup(name, len);
    }
}

/* Variables and wildcards of one body line, appended to out. */
static bool substitute(struct scs *S, const char *s, size_t len, unsigned long line,
                       struct buf *out)
{
    static const char any[] = "{scansion:any}";
    for (size_t i = 0; i < len;) {
        if (len - i >= 2 && s[i] == '$' && s[i + 1] == '{') {
            const char *end = memchr(s + i + 2, '}', len - i - 2);
            if (end == NULL)
                return fail(S, line, "'${' without a closing '}'");
            if (!variable(S, s + i + 2, (size_t)(end - s - i - 2), line, out))
                return false;
            i = (size_t)(end - s) + 1;
        } else if (len - i >= sizeof any - 1 && memcmp(s + i, any, sizeof any - 1) == 0) {
            buf_puts(out, "{any}");
            i += sizeof any - 1;
        } else if (len - i >= 18 && memcmp(s + i, "{scansion:capture:", 18) == 0) {
            const char *end = memchr(s + i, '}', len - i);
            if (end == NULL)
                return fail(S, line, "'{scansion:capture:' without a closing '}'");
            capture(S, s + i + 18, (size_t)(end - s - i - 18), out);
            i = (size_t)(end - s) + 1;
        } else if (len - i >= 10 && memcmp(s + i, "{scansion:", 10) == 0) {
            return fail(S, line, "unsupported wildcard '%.*s' (only {scansion:any})",
                        (int)(len - i > 30 ? 30 : len - i), s + i);
        } else {
            buf_putc(out, s[i++]);
        }
    }
    return true;
}

/* Joins the body lines [first, end) into one line: each trimmed, a space
 * between two pieces of text, nothing next to a tag. */
static bool join_body(struct scs *S, size_t first, size_t end, struct buf *out)
{
    for (size_t i = first; i < end; i++) {
        struct scs_line t = trimmed(S->lines[i]);
        if (t.len == 0)
            continue;
        if (out->len > 0 && out->data[out->len - 1] != '>' && t.text[0] != '<')
            buf_putc(out, ' ');
        if (!substitute(S, t.text, t.len, (unsigned long)i + 1, out))
            return false;
    }
    return true;
}

/* At white space s[k] inside a tag: skips it with a following
 * scansion:NAME='...' attribute (scansion:strict and the like, which
 * sessim's matching has no use for), else copies the white space. Returns
 * the index to continue from. */
static size_t skip_scansion_attr(const char *s, size_t len, size_t k, struct buf *out)
{
    size_t j = k;
    while (j < len && isspace((unsigned char)s[j]))
        j++;
    if (len - j < 9 || memcmp(s + j, "scansion:", 9) != 0) {
        buf_append(out, s + k, j - k);
        return j;
    }
    while (j < len && s[j] != '"' && s[j] != '\'' && s[j] != '>')
        j++;
    if (j < len && s[j] != '>') {
        const char *q = memchr(s + j + 1, s[j], len - j - 1);
        j = q ? (size_t)(q - s) + 1 : len;
    }
    return j;
}

/* Copies one tag from s[*i] ('<'), quoting attribute values with ' when
 * they hold none; returns the change of depth (+1 open, -1 close, 0). */
static int copy_tag(const char *s, size_t len, size_t *i, struct buf *out)
{
    size_t start = *i;
    int delta = s[start + 1] == '/' ? -1 : (s[start + 1] == '?' || s[start + 1] == '!') ? 0 : 1;
    size_t k = start;
    while (k < len && s[k] != '>') {
        if (isspace((unsigned char)s[k]) && k < len) {
            k = skip_scansion_attr(s, len, k, out);
            continue;
        }
        if (s[k] == '"' || s[k] == '\'') {
            const char *q = memchr(s + k + 1, s[k], len - k - 1);
            size_t vlen = q ? (size_t)(q - s - k - 1) : len - k - 1;
            bool single = s[k] == '\'' || memchr(s + k + 1, '\'', vlen) == NULL;
            buf_putc(out, single ? '\'' : '"');
            buf_append(out, s + k + 1, vlen);
            buf_putc(out, single ? '\'' : '"');
            k += vlen + 2;
            continue;
        }
        buf_putc(out, s[k++]);
    }
    if (k < len) {
        if (k > start && s[k - 1] == '/')
            delta = 0;
        buf_putc(out, '>');
        k++;
    }
    *i = k;
    return delta;
}

/* Splits a joined body into its top-level elements (requoted). */
static size_t split_elements(const char *s, size_t len, struct buf *parts, size_t max)
{
    size_t n = 0;
    int depth = 0;
    for (size_t i = 0; i < len && n < max;) {
        if (s[i] == '<') {
            depth += copy_tag(s, len, &i, &parts[n]);
        } else {
            buf_putc(&parts[n], s[i++]);
        }
        if (depth <= 0 && parts[n].len > 0 && parts[n].data[parts[n].len - 1] == '>') {
            depth = 0;
            n++;
        }
    }
    if (n < max && parts[n].len > 0)
        n++;
    return n;
}

/* ---- YAML output (scenario/emit.h's scalars) ---- */

/* A YAML double-quoted scalar (a word: plain when the loader reads it
 * back the same); a string that is not UTF-8 fails the translation. */
static void put_string(struct scs *S, struct buf *out, const char *s, bool word)
{
    if (!(word ? emit_string(out, s) : emit_quoted(out, s)))
        S->not_utf8 = true;
}

/* ---- actions ---- */

enum scs_verb { VERB_CONNECTS, VERB_DISCONNECTS, VERB_SENDS, VERB_RECEIVES };

static const struct {
    const char *word;
    enum scs_verb verb;
    bool body;                    /* takes an XML body */
} verbs[] = {
    {"connects", VERB_CONNECTS, false},
    {"disconnects", VERB_DISCONNECTS, false},
    {"sends", VERB_SENDS, true},
    {"receives", VERB_RECEIVES, true},
};

/* The longest declared name that starts the line and is followed by a
 * space ("Juliet's phone sends" is not Juliet's). */
static struct scs_client *action_client(struct scs *S, const struct scs_line *l)
{
    struct scs_client *best = NULL;
    for (size_t i = 0; i < S->nclients; i++) {
        size_t n = strlen(S->clients[i].name);
        if (n < l->len && l->text[n] == ' ' && memcmp(l->text, S->clients[i].name, n) == 0 &&
            (best == NULL || n > strlen(best->name)))
            best = &S->clients[i];
    }
    return best;
}

/* The comment lines read so far become a note step, held back until the
 * next action (notes before a cut at opt->until are dropped). */
static void flush_note(struct scs *S)
{
    if (S->note.len == 0)
        return;
    buf_puts(&S->notes, "  - note: ");
    put_string(S, &S->notes, buf_cstr(&S->note), false);
    buf_putc(&S->notes, '\n');
    buf_clear(&S->note);
    S->nnotes++;
}

static void commit_notes(struct scs *S)
{
    flush_note(S);
    buf_append(&S->steps, S->notes.data, S->notes.len);
    S->nsteps += S->nnotes;
    buf_clear(&S->notes);
    S->nnotes = 0;
}

static void step_line(struct scs *S, const struct scs_client *c, const char *action)
{
    buf_puts(&S->steps, "  - ");
    buf_puts(&S->steps, c->slug);
    buf_puts(&S->steps, ": ");
    buf_puts(&S->steps, action);
    buf_putc(&S->steps, '\n');
    S->nsteps++;
}

/* ---- what the model lacks ---- */

/* Namespaces (prefixes) of services the model does not have, by name. */
static const struct {
    const char *ns;
    const char *name;
} scs_services[] = {
    {"http://jabber.org/protocol/muc", "MUC, XEP-0045"},
    {"http://jabber.org/protocol/pubsub", "pubsub, XEP-0060"},
    {"http://jabber.org/protocol/disco", "service discovery, XEP-0030"},
    {"http://jabber.org/protocol/commands", "ad-hoc commands, XEP-0050"},
    {"urn:xmpp:mam:", "message archive, XEP-0313"},
    {"urn:xmpp:bookmarks:", "bookmarks, XEP-0402"},
    {"storage:bookmarks", "bookmarks, XEP-0048"},
    {"jabber:iq:private", "private XML storage, XEP-0049"},
    {"vcard-temp", "vCard, XEP-0054"},
    {"jabber:iq:version", "software version, XEP-0092"},
    {"jabber:iq:last", "last activity, XEP-0012"},
    {"jabber:iq:privacy", "privacy lists, XEP-0016"},
    {"urn:xmpp:blocking", "blocking, XEP-0191"},
    {"urn:xmpp:http:upload", "HTTP upload, XEP-0363"},
    {"urn:xmpp:extdisco:", "external services, XEP-0215"},
    {"urn:xmpp:time", "entity time, XEP-0202"},
    {"urn:xmpp:carbons:", "message carbons, XEP-0280"},
};

/* The payloads of iqs the model answers itself. */
static const char *const scs_model_ns[] = {
    "jabber:iq:roster", "jabber:iq:register", "urn:xmpp:ping",
    "urn:ietf:params:xml:ns:xmpp-session", "urn:ietf:params:xml:ns:xmpp-bind",
};

/* The first element of the tree (depth first) in a namespace of
 * scs_services: its namespace and the service's name; false if none. */
static bool service_of(const struct stanza_node *n, const char **ns, const char **name)
{
    for (size_t k = 0; n->ns != NULL && k < COUNT(scs_services); k++)
        if (strncmp(n->ns, scs_services[k].ns, strlen(scs_services[k].ns)) == 0) {
            *ns = n->ns;
            *name = scs_services[k].name;
            return true;
        }
    for (const struct stanza_node *c = n->children; c != NULL; c = c->next)
        if (c->kind == STANZA_ELEMENT && service_of(c, ns, name))
            return true;
    return false;
}

/* Counts a stanza with a need; keeps the first of each service (a host,
 * a service's name or a namespace). */
static void add_need(struct scs *S, unsigned long line, const char *service, const char *what)
{
    struct scansion_needs *nd = S->needs;
    nd->stanzas++;
    for (size_t i = 0; i < nd->n; i++)
        if (strcmp(nd->items[i].service, service) == 0)
            return;
    if (nd->n == SCANSION_NEEDS_MAX)
        return;
    struct scansion_need *n = &nd->items[nd->n++];
    n->line = line;
    snprintf(n->service, sizeof n->service, "%s", service);
    snprintf(n->what, sizeof n->what, "%s", what);
}

/* Whether a literal `to` names a host other than the script's domain (in
 * host); variables name the script's own clients. */
static bool other_host(const struct scs *S, const char *to, char *host, size_t size)
{
    if (to == NULL || strchr(to, '$') != NULL)
        return false;
    const char *at = strchr(to, '@'), *start = at != NULL ? at + 1 : to;
    size_t len = strcspn(start, "/");
    snprintf(host, size, "%.*s", (int)len, start);
    return strcmp(host, S->clients[0].domain) != 0;
}

/* An iq get/set the server answers itself (no `to`, the domain or a bare
 * JID) whose payload the model does not implement: that payload. */
static const struct stanza_node *unknown_query(const struct stanza_node *root, const char *to)
{
    const char *type = stanza_attr(root, "", "type");
    const struct stanza_node *payload = stanza_child(root, NULL, NULL);
    bool to_server = to == NULL || (strchr(to, '/') == NULL && strstr(to, ".full}") == NULL);
    if (strcmp(root->name, "iq") != 0 || type == NULL || payload == NULL || !to_server ||
        (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
        return NULL;
    for (size_t k = 0; k < COUNT(scs_model_ns); k++)
        if (payload->ns != NULL && strcmp(payload->ns, scs_model_ns[k]) == 0)
            return NULL;
    return payload;
}

/* Notes what a stanza sent or expected needs that the model lacks
 * (scansion.h). A presence received from a client may carry any payload:
 * only its host counts. */
static void note_needs(struct scs *S, const struct stanza_node *root, unsigned long line,
                       bool sent)
{
    const char *to = stanza_attr(root, "", "to"), *from = stanza_attr(root, "", "from");
    const char *ns = NULL, *name = NULL;
    bool known = service_of(root, &ns, &name);
    const struct stanza_node *query = sent ? unknown_query(root, to) : NULL;
    char host[128], what[SCANSION_MESSAGE_MAX];
    const char *service = NULL;
    if (other_host(S, sent ? to : from, host, sizeof host)) {
        service = host;
        snprintf(what, sizeof what, "a stanza %s %s%s%s%s", sent ? "to" : "from", host,
                 known ? " (" : "", known ? name : "", known ? ")" : "");
    } else if (query != NULL) {
        service = known ? name : query->ns ? query->ns : "an iq payload without namespace";
        snprintf(what, sizeof what, "an iq in %s (%s)", query->ns ? query->ns : "no namespace",
                 known ? name : "not implemented");
    } else if (!sent && known && strcmp(root->name, "presence") != 0) {
        service = name;
        snprintf(what, sizeof what, "to receive <%s> in %s (%s)", root->name, ns, name);
    }
    if (service != NULL)
        add_need(S, line, service, what);
}

/* Parses one stanza as the loader will; false with the script's line.
 * Notes what it needs. */
static bool check_stanza(struct scs *S, const struct buf *x, unsigned long line, bool sent)
{
    enum xmlstream_error e = XMLSTREAM_E_NONE;
    unsigned long el = 0, ec = 0;
    struct stanza *st = xmlstream_parse_element(x->data, x->len, STANZA_NS_CLIENT, &e, &el, &ec);
    if (st == NULL)
        return fail(S, line, "bad XML in %s: %s (at %lu:%lu of the joined text: %.80s)",
                    sent ? "sends" : "receives", xmlstream_error_text(e), el, ec,
                    buf_cstr((struct buf *)x));
    note_needs(S, stanza_root(st), line, sent);
    stanza_free(st);
    return true;
}

/* Whether the server ends the stream after this stanza: an account
 * <remove/> sent (SEMANTICS G7), a stream error received. */
static bool ends_stream(const struct buf *x, enum scs_verb verb)
{
    const char *s = buf_cstr((struct buf *)x);
    if (verb == VERB_SENDS)
        return strstr(s, "jabber:iq:register") != NULL && strstr(s, "<remove") != NULL;
    return strncmp(s, "<stream:error", 13) == 0;
}

/* One stanza of a sends/receives body as a step. */
static void add_stanza_step(struct scs *S, struct scs_client *c, enum scs_verb verb,
                        const struct buf *x)
{
    buf_puts(&S->steps, "  - ");
    buf_puts(&S->steps, c->slug);
    buf_puts(&S->steps, verb == VERB_SENDS ? ": {send: " : ": {receive: ");
    put_string(S, &S->steps, buf_cstr((struct buf *)x), false);
    buf_puts(&S->steps, "}\n");
    S->nsteps++;
    if (ends_stream(x, verb))
        c->ended = true;
}

#define SCS_STANZAS_MAX 64

/* The body of lines [first, end) (or the inline text) as steps. */
static bool body_steps(struct scs *S, struct scs_client *c, enum scs_verb verb,
                       const struct scs_line *inline_text, size_t first, size_t end)
{
    unsigned long line = (unsigned long)first;   /* the action's line */
    struct buf joined = {0};
    bool ok = true;
    if (inline_text->len > 0)
        ok = substitute(S, inline_text->text, inline_text->len, line, &joined);
    ok = ok && join_body(S, first, end, &joined);
    if (ok && verb == VERB_RECEIVES && strcmp(buf_cstr(&joined), "nothing") == 0) {
        step_line(S, c, "{receive: nothing}");
    } else if (ok && joined.len == 0) {
        ok = fail(S, line, "%s %s: needs a stanza", c->name, verb == VERB_SENDS ? "sends" : "receives");
    } else if (ok) {
        struct buf parts[SCS_STANZAS_MAX];
        memset(parts, 0, sizeof parts);
        size_t n = split_elements(joined.data, joined.len, parts, SCS_STANZAS_MAX);
        for (size_t i = 0; ok && i < n; i++)
            ok = check_stanza(S, &parts[i], line, verb == VERB_SENDS);
        for (size_t i = 0; ok && i < n; i++)
            add_stanza_step(S, c, verb, &parts[i]);
        for (size_t i = 0; i < SCS_STANZAS_MAX; i++)
            buf_free(&parts[i]);
    }
    buf_free(&joined);
    return ok;
}

static bool simple_step(struct scs *S, struct scs_client *c, enum scs_verb verb)
{
    if (verb == VERB_CONNECTS) {
        step_line(S, c, "connect");
        c->connected = true;
        c->ended = false;
        return true;
    }
    if (!c->connected) {
        buf_puts(&S->steps, "  # ");
        buf_puts(&S->steps, c->name);
        buf_puts(&S->steps, " disconnects: not connected, nothing to do\n");
        return true;
    }
    c->connected = false;
    if (c->ended) {
        /* Scansion closes a stream the server has already ended without
         * complaint; here that is asserted instead. */
        step_line(S, c, "{receive: closed}   # the server has ended the stream");
    } else {
        step_line(S, c, "close");
    }
    return true;
}

/* The steps the options add after the action on that line. */
static bool insert_steps(struct scs *S, unsigned long line)
{
    for (size_t i = 0; i < S->opt->ninserts; i++) {
        const struct scansion_insert *in = &S->opt->inserts[i];
        if (in->line != line)
            continue;
        if (strchr(in->step, '\n') != NULL)
            return fail(S, line, "an inserted step must be one line: %.60s", in->step);
        buf_puts(&S->steps, "  - ");
        buf_puts(&S->steps, in->step);
        buf_puts(&S->steps, "   # inserted, not in the script\n");
        S->nsteps++;
        S->inserted++;
    }
    return true;
}

/* The action at S->at and its body; S->at moves past them. */
static bool read_action(struct scs *S)
{
    const struct scs_line *l = &S->lines[S->at];
    unsigned long line = (unsigned long)S->at + 1;
    struct scs_client *c = action_client(S, l);
    if (c == NULL)
        return fail(S, line, "'%.*s' does not start with a declared client's name", (int)l->len,
                    l->text);
    struct scs_line rest = {l->text + strlen(c->name) + 1, l->len - strlen(c->name) - 1};
    size_t v = 0;
    while (v < COUNT(verbs) && !(strncmp(rest.text, verbs[v].word, strlen(verbs[v].word)) == 0 &&
                                 (rest.len == strlen(verbs[v].word) ||
                                  !isalpha((unsigned char)rest.text[strlen(verbs[v].word)]))))
        v++;
    if (v == COUNT(verbs))
        return fail(S, line, "unknown action '%.*s' (expected connects, disconnects, sends or receives)",
                    (int)rest.len, rest.text);
    struct scs_line tail = {rest.text + strlen(verbs[v].word), rest.len - strlen(verbs[v].word)};
    if (tail.len > 0 && tail.text[0] == ':') {
        tail.text++;
        tail.len--;
    }
    tail = trimmed(tail);
    size_t end = S->at + 1;
    for (size_t k = end; k < S->nlines && (is_indented(&S->lines[k]) || is_blank(&S->lines[k])); k++)
        if (is_indented(&S->lines[k]))
            end = k + 1;
    if (!verbs[v].body && (tail.len > 0 || end > S->at + 1))
        return fail(S, line, "%s takes no text", verbs[v].word);
    commit_notes(S);
    S->nactions++;
    size_t first = S->at + 1;
    S->at = end;
    bool ok = verbs[v].body ? body_steps(S, c, verbs[v].verb, &tail, first, end)
                            : simple_step(S, c, verbs[v].verb);
    return ok && insert_steps(S, line);
}

/* Separates the comment line c from the note so far: a sentence that
 * ends without a full stop before a capital letter gets one. */
static void note_join(struct buf *note, const struct scs_line *c)
{
    if (note->len == 0)
        return;
    char last = note->data[note->len - 1];
    if (isalnum((unsigned char)last) && isupper((unsigned char)c->text[0]))
        buf_putc(note, '.');
    buf_putc(note, ' ');
}

/* Everything after the dashes: actions and comments, up to opt->until. */
static bool read_actions(struct scs *S)
{
    while (S->at < S->nlines) {
        const struct scs_line *l = &S->lines[S->at];
        unsigned long line = (unsigned long)S->at + 1;
        if (S->opt->until != 0 && line >= S->opt->until && !is_blank(l) && !is_comment(l)) {
            S->truncated = true;
            break;
        }
        if (is_blank(l)) {
            flush_note(S);
            S->at++;
        } else if (is_comment(l)) {
            struct scs_line c = comment_text(l);
            if (is_metadata(&c)) {
                meta_line(S, &c);
            } else if (c.len > 0) {
                note_join(&S->note, &c);
                buf_append(&S->note, c.text, c.len);
            }
            S->at++;
        } else if (is_indented(l)) {
            return fail(S, line, "indented text outside a sends or receives block");
        } else if (!read_action(S)) {
            return false;
        }
    }
    if (!S->truncated)
        commit_notes(S);
    for (; S->at < S->nlines; S->at++) {
        struct scs_line c = comment_text(&S->lines[S->at]);
        if (is_comment(&S->lines[S->at]) && is_metadata(&c))
            meta_line(S, &c);
    }
    if (S->inserted < S->opt->ninserts)
        return fail(S, 0, "an inserted step names a line with no translated action");
    return S->nactions > 0 || fail(S, (unsigned long)S->at, "no actions to translate");
}

/* ---- the document ---- */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void put_header(struct scs *S, struct buf *out)
{
    buf_puts(out, "# Imported from the scansion script ");
    buf_puts(out, S->opt->source);
    buf_puts(out, "\n# (Prosody's spec/scansion/, MIT licence; see its COPYING).\n");
    if (S->opt->command != NULL) {
        buf_puts(out, "# Regenerate with:\n#   ");
        buf_puts(out, S->opt->command);
        buf_putc(out, '\n');
    }
    buf_puts(out, "scenario: ");
    struct buf name = {0};
    if (S->title.len > 0)
        buf_append(&name, S->title.data, S->title.len);
    else
        buf_puts(&name, "Imported scansion script");
    buf_puts(&name, " (scansion ");
    buf_puts(&name, base_name(S->opt->source));
    if (S->truncated) {
        buf_puts(&name, " before line ");
        buf_put_u64(&name, S->opt->until);
    }
    buf_putc(&name, ')');
    put_string(S, out, buf_cstr(&name), false);
    buf_putc(out, '\n');
    buf_free(&name);
}

/* Appends text as lines of a literal block, indented by two spaces. */
static void block_lines(struct buf *out, const char *text)
{
    while (*text != '\0') {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t)(nl - text) : strlen(text);
        if (n > 0)
            buf_puts(out, "  ");
        buf_append(out, text, n);
        buf_putc(out, '\n');
        text += n + (nl != NULL);
    }
}

/* Appends text as lines of at most width bytes, broken at spaces. */
static void wrap(struct buf *out, const char *text, size_t width)
{
    size_t col = 0;
    while (*text != '\0') {
        while (*text == ' ')
            text++;
        size_t n = strcspn(text, " \n");
        if (n == 0 && *text == '\n') {
            buf_putc(out, '\n');
            col = 0;
            text++;
            continue;
        }
        if (col > 0 && col + 1 + n > width) {
            buf_putc(out, '\n');
            col = 0;
        } else if (col > 0) {
            buf_putc(out, ' ');
            col++;
        }
        buf_append(out, text, n);
        col += n;
        text += n;
    }
    if (col > 0)
        buf_putc(out, '\n');
}

static void put_description(struct scs *S, struct buf *out)
{
    struct buf d = {0}, p = {0};
    buf_append(&d, S->desc.data ? S->desc.data : "", S->desc.len);
    if (d.len > 0)
        buf_putc(&d, '\n');
    buf_puts(&p, "Translated by `sessim import-scansion` from the scansion script ");
    buf_puts(&p, base_name(S->opt->source));
    buf_puts(&p, ". Scansion only compares the stanzas that arrive while a client waits in "
                 "`receives`, so stanzas the script does not mention are no error here either "
                 "(`leftovers: ignore`). A received stanza may also have children the "
                 "script does not list, which scansion refuses unless told "
                 "scansion:strict='false'.");
    if (S->truncated) {
        buf_puts(&p, " Only the actions before line ");
        buf_put_u64(&p, S->opt->until);
        buf_puts(&p, " of the script are translated.");
    }
    wrap(&d, buf_cstr(&p), SCS_WRAP);
    if (S->opt->note != NULL) {
        buf_putc(&d, '\n');
        wrap(&d, S->opt->note, SCS_WRAP);
    }
    if (S->meta.len > 0) {
        buf_putc(&d, '\n');
        buf_append(&d, S->meta.data, S->meta.len);
    }
    buf_puts(out, "description: |\n");
    block_lines(out, buf_cstr(&d));
    buf_free(&d);
    buf_free(&p);
}

static void put_list(struct scs *S, struct buf *out, const char *key, const char *first,
                     const char *const *items, size_t n)
{
    if (first == NULL && n == 0)
        return;
    buf_puts(out, key);
    buf_puts(out, ": [");
    if (first != NULL)
        put_string(S, out, first, true);
    for (size_t i = 0; i < n; i++) {
        if (first != NULL || i > 0)
            buf_puts(out, ", ");
        put_string(S, out, items[i], first != NULL);
    }
    buf_puts(out, "]\n");
}

static void put_accounts(struct scs *S, struct buf *out)
{
    buf_puts(out, "accounts:\n");
    for (size_t i = 0; i < S->nclients; i++) {
        const struct scs_client *c = &S->clients[i];
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(S->clients[k].account, c->account) == 0;
        if (seen)
            continue;
        buf_puts(out, "  ");
        put_string(S, out, c->account, true);
        if (strcmp(c->password, "password") == 0) {
            buf_puts(out, ": {}\n");
            continue;
        }
        buf_puts(out, ": {password: ");
        put_string(S, out, c->password, false);
        buf_puts(out, "}\n");
    }
}

static void put_clients(struct scs *S, struct buf *out)
{
    buf_puts(out, "clients:\n");
    for (size_t i = 0; i < S->nclients; i++) {
        const struct scs_client *c = &S->clients[i];
        buf_puts(out, "  ");
        buf_puts(out, c->slug);
        buf_puts(out, ": {account: ");
        put_string(S, out, c->account, true);
        if (c->resource != NULL) {
            buf_puts(out, ", resource: ");
            put_string(S, out, c->resource, false);
        }
        buf_puts(out, "}   # ");
        buf_puts(out, c->name);
        buf_putc(out, '\n');
    }
}

static char *assemble(struct scs *S)
{
    struct buf out = {0};
    put_header(S, &out);
    put_description(S, &out);
    put_list(S, &out, "tags", "scansion", S->opt->tags, S->opt->ntags);
    put_list(S, &out, "spec", NULL, S->opt->spec, S->opt->nspec);
    buf_puts(&out, "leftovers: ignore\n");
    if (strcmp(S->clients[0].domain, "localhost") != 0) {
        buf_puts(&out, "server: {domain: ");
        put_string(S, &out, S->clients[0].domain, true);
        buf_puts(&out, "}\n");
    }
    put_accounts(S, &out);
    put_clients(S, &out);
    buf_puts(&out, "steps:\n");
    buf_append(&out, S->steps.data, S->steps.len);
    char *text = mem_strndup(buf_cstr(&out), out.len);
    buf_free(&out);
    return text;
}

static void scs_free(struct scs *S)
{
    for (size_t i = 0; i < S->nclients; i++) {
        struct scs_client *c = &S->clients[i];
        free(c->name);
        free(c->slug);
        free(c->account);
        free(c->domain);
        free(c->password);
        free(c->resource);
    }
    free(S->clients);
    free(S->lines);
    for (size_t i = 0; i < S->ncaptures; i++)
        free(S->captures[i]);
    free(S->captures);
    buf_free(&S->title);
    buf_free(&S->desc);
    buf_free(&S->meta);
    buf_free(&S->steps);
    buf_free(&S->note);
    buf_free(&S->notes);
}

char *scansion_translate(const char *text, size_t len, const struct scansion_options *opt,
                         struct scansion_needs *needs, struct scansion_error *err)
{
    struct scansion_error ignored;
    struct scansion_needs unused;
    struct scs S;
    memset(&S, 0, sizeof S);
    S.opt = opt;
    S.needs = needs != NULL ? needs : &unused;
    memset(S.needs, 0, sizeof *S.needs);
    S.err = err != NULL ? err : &ignored;
    memset(S.err, 0, sizeof *S.err);
    if (memchr(text, '\0', len) != NULL) {
        fail(&S, 0, "the script contains a NUL byte");
        return NULL;
    }
    split_lines(&S, text, len);
    char *yaml = NULL;
    if (read_declarations(&S) && check_clients(&S) && read_actions(&S))
        yaml = assemble(&S);
    if (yaml != NULL && S.not_utf8) {
        fail(&S, 0, "the script is not valid UTF-8");
        free(yaml);
        yaml = NULL;
    }
    scs_free(&S);
    return yaml;
}
