/* norm: server-chosen values made comparable (see norm.h).
 *
 * The byte-stream side works on whole tags only: a tag is the bytes from a
 * '<' to the '>' that is not inside a quoted attribute value. Text between
 * tags passes through at once; a tag that has not ended is held back. XML
 * a server sends carries no comments or CDATA (RFC 6120 §11), so quotes
 * and '>' are enough to find the end of a tag.
 */
#include "live/norm.h"

#include <string.h>

#include "base/count.h"

/* ---- tags ---- */

size_t norm_tag_end(const char *s, size_t len, size_t start)
{
    char quote = 0;
    for (size_t i = start + 1; i < len; i++) {
        if (quote != 0) {
            if (s[i] == quote)
                quote = 0;
        } else if (s[i] == '\'' || s[i] == '"') {
            quote = s[i];
        } else if (s[i] == '>') {
            return i + 1;
        }
    }
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* End of the element name of the start tag tag[0..len) (tag[0] is '<'). */
static size_t name_end(const char *tag, size_t len)
{
    size_t i = 1;
    while (i < len && !is_space(tag[i]) && tag[i] != '/' && tag[i] != '>')
        i++;
    return i;
}

static size_t skip_space(const char *tag, size_t len, size_t i)
{
    while (i < len && is_space(tag[i]))
        i++;
    return i;
}

bool norm_tag_attr(const char *tag, size_t len, const char *name, size_t *vs, size_t *ve)
{
    size_t i = name_end(tag, len), nlen = strlen(name);
    for (;;) {
        i = skip_space(tag, len, i);
        if (i >= len || tag[i] == '/' || tag[i] == '>')
            return false;
        size_t ns = i;
        while (i < len && tag[i] != '=' && !is_space(tag[i]) && tag[i] != '>')
            i++;
        size_t ne = i;
        i = skip_space(tag, len, i);
        if (i >= len || tag[i] != '=')
            return false;
        i = skip_space(tag, len, i + 1);
        if (i >= len || (tag[i] != '\'' && tag[i] != '"'))
            return false;
        const char *close = memchr(tag + i + 1, tag[i], len - i - 1);
        if (close == NULL)
            return false;
        if (ne - ns == nlen && memcmp(tag + ns, name, nlen) == 0) {
            *vs = i + 1;
            *ve = (size_t)(close - tag);
            return true;
        }
        i = (size_t)(close - tag) + 1;
    }
}

void norm_tag_local(const char *tag, size_t len, const char **local, size_t *local_len,
                      bool *prefixed)
{
    size_t end = name_end(tag, len);
    const char *colon = memchr(tag + 1, ':', end - 1);
    *prefixed = colon != NULL;
    *local = colon ? colon + 1 : tag + 1;
    *local_len = (size_t)(tag + end - *local);
}

static bool local_is(const char *local, size_t len, const char *name)
{
    return len == strlen(name) && memcmp(local, name, len) == 0;
}

/* Appends the complete tag tag[0..len), rewritten where norm.h says. */
static void tag_rewrite(const char *tag, size_t len, const char *stamp, struct buf *out)
{
    const char *attr = NULL, *value = NULL;
    bool dated = false;          /* only a DateTime value is replaced */
    if (len > 2 && tag[1] != '/' && tag[1] != '?' && tag[1] != '!') {
        const char *local;
        size_t llen;
        bool prefixed;
        norm_tag_local(tag, len, &local, &llen, &prefixed);
        if (local_is(local, llen, "delay")) {
            attr = "stamp";
            value = stamp;
            dated = true;
        } else if (prefixed && local_is(local, llen, "stream")) {
            attr = "id";
            value = NORM_STREAM_ID;
        }
    }
    size_t vs, ve;
    bool hit = attr != NULL && norm_tag_attr(tag, len, attr, &vs, &ve) &&
               (!dated || norm_is_datetime(tag + vs, ve - vs));
    if (!hit) {
        buf_append(out, tag, len);
        return;
    }
    buf_append(out, tag, vs);
    buf_puts(out, value);
    buf_append(out, tag + ve, len - ve);
}

/* ---- the server stream ---- */

void norm_stream_feed(struct norm_stream *ns, const char *bytes, size_t len, bool final,
                      const char *stamp, struct buf *out)
{
    buf_append(&ns->held, bytes, len);
    const char *s = ns->held.data;
    size_t n = ns->held.len, i = 0;
    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t text_end = lt ? (size_t)(lt - s) : n;
        buf_append(out, s + i, text_end - i);
        i = text_end;
        size_t e = i < n ? norm_tag_end(s, n, i) : 0;
        if (e == 0)
            break;
        tag_rewrite(s + i, e - i, stamp, out);
        i = e;
    }
    if (final && i < n) {
        buf_append(out, s + i, n - i);
        i = n;
    }
    buf_consume(&ns->held, i);
}

void norm_stream_free(struct norm_stream *ns)
{
    buf_free(&ns->held);
}

/* ---- time ---- */

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(unsigned long long days, unsigned *y, unsigned *m, unsigned *d)
{
    unsigned long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
    unsigned long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned long long mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (unsigned)(yoe + era * 400 + (*m <= 2));
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void norm_stamp_format(unsigned long long ms, char out[NORM_STAMP_SIZE])
{
    unsigned long long s = ms / 1000;
    unsigned y, mo, d;
    civil_from_days(s / 86400, &y, &mo, &d);
    unsigned rem = (unsigned)(s % 86400);
    memcpy(out, "0000-00-00T00:00:00Z", NORM_STAMP_SIZE);
    put2(out, y / 100 % 100);
    put2(out + 2, y % 100);
    put2(out + 5, mo);
    put2(out + 8, d);
    put2(out + 11, rem / 3600);
    put2(out + 14, rem / 60 % 60);
    put2(out + 17, rem % 60);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* s[0..len) has the shape of tmpl, where 'd' stands for a digit. */
static bool shaped(const char *s, size_t len, const char *tmpl)
{
    if (len != strlen(tmpl))
        return false;
    for (size_t i = 0; i < len; i++)
        if (tmpl[i] == 'd' ? !is_digit(s[i]) : s[i] != tmpl[i])
            return false;
    return true;
}

bool norm_is_datetime(const char *s, size_t len)
{
    static const char head[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = sizeof head - 1;
    if (len < n + 1 || !shaped(s, n, head))
        return false;
    if (s[n] == '.') {
        size_t i = n + 1;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == n + 1)
            return false;
        n = i;
    }
    return shaped(s + n, len - n, "Z") || shaped(s + n, len - n, "+dd:dd") ||
           shaped(s + n, len - n, "-dd:dd");
}

/* ---- client ids ---- */

/* The five predefined entities decoded. */
static void xml_unescape(const char *s, size_t len, struct buf *out)
{
    static const struct {
        const char *ent;
        char ch;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}};
    for (size_t i = 0; i < len;) {
        size_t k = 0;
        while (k < COUNT(ents) &&
               (len - i < strlen(ents[k].ent) ||
                memcmp(s + i, ents[k].ent, strlen(ents[k].ent)) != 0))
            k++;
        if (k < COUNT(ents)) {
            buf_putc(out, ents[k].ch);
            i += strlen(ents[k].ent);
        } else {
            buf_putc(out, s[i++]);
        }
    }
}

void norm_ids_collect(const char *bytes, size_t len, struct match_vars *ids)
{
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(bytes + i, '<', len - i);
        if (lt == NULL)
            return;
        i = (size_t)(lt - bytes);
        size_t e = norm_tag_end(bytes, len, i);
        if (e == 0)
            return;
        size_t vs, ve;
        if (bytes[i + 1] != '/' && norm_tag_attr(bytes + i, e - i, "id", &vs, &ve)) {
            struct buf v = {0};
            xml_unescape(bytes + i + vs, ve - vs, &v);
            match_vars_set(ids, buf_cstr(&v), "");
            buf_free(&v);
        }
        i = e;
    }
}

/* ---- trees ---- */

static void drop_lang(struct stanza_node *el)
{
    struct stanza_attr **pp = &el->attrs;
    el->attrs_last = NULL;
    while (*pp != NULL) {
        if (strcmp((*pp)->ns, STANZA_NS_XML) == 0 && strcmp((*pp)->name, "lang") == 0) {
            *pp = (*pp)->next;
        } else {
            el->attrs_last = *pp;
            pp = &(*pp)->next;
        }
    }
}

static void blank_tree(struct stanza_node *el)
{
    drop_lang(el);
    for (struct stanza_node *c = el->children; c != NULL; c = c->next)
        if (c->kind == STANZA_ELEMENT)
            blank_tree(c);
}

/* XEP-0198's namespaces (SEMANTICS SM1). */
static bool is_sm(const struct stanza_node *el)
{
    return el->ns != NULL &&
           (strcmp(el->ns, "urn:xmpp:sm:3") == 0 || strcmp(el->ns, "urn:xmpp:sm:2") == 0);
}

/* An opaque roster version: NORM_OPAQUE_VER_LEN hex digits. */
static bool is_opaque_version(const char *v)
{
    size_t n = strspn(v, "0123456789abcdefABCDEF");
    return n == NORM_OPAQUE_VER_LEN && v[n] == '\0';
}

/* The opaque version of a roster query becomes `{any}`. */
static void blank_roster_version(struct stanza *st, struct stanza_node *root)
{
    struct stanza_node *q = stanza_child(root, "jabber:iq:roster", "query");
    const char *ver = q != NULL ? stanza_attr(q, "", "ver") : NULL;
    if (ver != NULL && is_opaque_version(ver))
        stanza_attr_set(st, q, "ver", "{any}");
}

void norm_stanza_compare(struct stanza *st, const struct match_vars *client_ids)
{
    struct stanza_node *root = stanza_root(st);
    if (root == NULL)
        return;
    blank_tree(root);
    const char *id = stanza_attr(root, "", "id");
    if (id != NULL && match_vars_get(client_ids, id) == NULL)
        stanza_attr_set(st, root, "id", "{any}");
    if (is_sm(root) && stanza_attr(root, "", "previd") != NULL)
        stanza_attr_set(st, root, "previd", "{any}");
    blank_roster_version(st, root);
}
