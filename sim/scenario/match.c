/* match: stanza patterns, captures and substitution (see match.h).
 *
 * Children are matched level by level as a bipartite assignment: first a
 * table of which pattern child matches which actual child (each entry a
 * recursive match that records nothing), then augmenting paths (Kuhn's
 * algorithm) to give every pattern child a distinct actual child. Because
 * recording captures never changes whether a subtree matches, the table can
 * be built capture-free, and captures are recorded afterwards by matching
 * only the chosen pairs again. The cost is polynomial in the sizes of the
 * two trees, so no pattern can make a step run away; a depth-first search
 * over permutations would be exponential in the number of equal children.
 */
#include "scenario/match.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

enum special { SPECIAL_NONE, SPECIAL_ANY, SPECIAL_ABSENT, SPECIAL_CAPTURE };

/* A byte range: a value, a trimmed text or a capture name. */
struct slice {
    const char *s;
    size_t len;
};

static const char capture_prefix[] = "{capture:";

/* ---- variables ------------------------------------------------------------- */

static struct match_var *vars_find(const struct match_vars *vars, const char *name)
{
    for (size_t i = 0; i < vars->len; i++)
        if (strcmp(vars->items[i].name, name) == 0)
            return &vars->items[i];
    return NULL;
}

static void vars_set_n(struct match_vars *vars, const char *name, const char *value,
                       size_t value_len)
{
    struct match_var *v = vars_find(vars, name);
    if (v != NULL) {
        free(v->value);
        v->value = mem_strndup(value, value_len);
        return;
    }
    if (vars->len == vars->cap) {
        vars->cap = vars->cap ? vars->cap * 2 : 8;
        vars->items = mem_realloc(vars->items, vars->cap * sizeof *vars->items);
    }
    vars->items[vars->len].name = mem_strndup(name, strlen(name));
    vars->items[vars->len].value = mem_strndup(value, value_len);
    vars->len++;
}

void match_vars_set(struct match_vars *vars, const char *name, const char *value)
{
    vars_set_n(vars, name, value, strlen(value));
}

const char *match_vars_get(const struct match_vars *vars, const char *name)
{
    const struct match_var *v = vars_find(vars, name);
    return v ? v->value : NULL;
}

const char *match_vars_lookup(void *vars, const char *name)
{
    return match_vars_get(vars, name);
}

void match_vars_free(struct match_vars *vars)
{
    for (size_t i = 0; i < vars->len; i++) {
        free(vars->items[i].name);
        free(vars->items[i].value);
    }
    free(vars->items);
    vars->items = NULL;
    vars->len = vars->cap = 0;
}

/* Binds a capture whose name is a slice of the pattern. */
static void capture_bind(struct match_vars *out, struct slice name, struct slice value)
{
    char *n = mem_strndup(name.s, name.len);
    vars_set_n(out, n, value.s, value.len);
    free(n);
}

/* ---- substitution ------------------------------------------------------------ */

char *match_substitute(const char *text, const char *(*lookup)(void *ctx, const char *name),
                       void *ctx, char **bad_name)
{
    struct buf out = {0};
    const char *p = text;
    const char *open;
    while ((open = strstr(p, "${")) != NULL) {
        const char *close = strchr(open + 2, '}');
        if (close == NULL)
            break;
        char *name = mem_strndup(open + 2, (size_t)(close - open - 2));
        const char *value = lookup(ctx, name);
        if (value == NULL) {
            *bad_name = name;
            buf_free(&out);
            return NULL;
        }
        free(name);
        buf_append(&out, p, (size_t)(open - p));
        buf_puts(&out, value);
        p = close + 1;
    }
    buf_puts(&out, p);
    char *result = mem_strndup(buf_cstr(&out), out.len);
    buf_free(&out);
    return result;
}

/* ---- special values ------------------------------------------------------------ */

static bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static struct slice trim(const char *s, size_t len)
{
    while (len > 0 && is_xml_space(*s)) {
        s++;
        len--;
    }
    while (len > 0 && is_xml_space(s[len - 1]))
        len--;
    return (struct slice){s, len};
}

static bool slice_is(struct slice v, const char *lit)
{
    return v.len == strlen(lit) && memcmp(v.s, lit, v.len) == 0;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* Whether v has the form `{capture:...}`; name receives the part between. */
static bool capture_form(struct slice v, struct slice *name)
{
    size_t plen = sizeof capture_prefix - 1;
    if (v.len <= plen || memcmp(v.s, capture_prefix, plen) != 0 || v.s[v.len - 1] != '}')
        return false;
    *name = (struct slice){v.s + plen, v.len - plen - 1};
    return true;
}

static bool capture_name_valid(struct slice name)
{
    if (name.len == 0)
        return false;
    for (size_t i = 0; i < name.len; i++)
        if (!is_name_char(name.s[i]))
            return false;
    return true;
}

/* Classifies a pattern value; a malformed capture is an ordinary value. */
static enum special special_of(struct slice v, struct slice *name)
{
    if (slice_is(v, "{any}"))
        return SPECIAL_ANY;
    if (slice_is(v, "{absent}"))
        return SPECIAL_ABSENT;
    if (capture_form(v, name) && capture_name_valid(*name))
        return SPECIAL_CAPTURE;
    return SPECIAL_NONE;
}

/* One pattern value against an actual one (present false: no actual).
 * out NULL: decide only. */
static bool value_matches(struct slice pat, bool present, struct slice actual,
                          struct match_vars *out)
{
    struct slice name = {NULL, 0};
    switch (special_of(pat, &name)) {
    case SPECIAL_ANY:
        return present;
    case SPECIAL_ABSENT:
        return !present;
    case SPECIAL_CAPTURE:
        if (present && out != NULL)
            capture_bind(out, name, actual);
        return present;
    case SPECIAL_NONE:
        return present && pat.len == actual.len && memcmp(pat.s, actual.s, pat.len) == 0;
    }
    return false;
}

/* ---- element matching -------------------------------------------------------------- */

static bool is_directive(const struct stanza_attr *a)
{
    return strcmp(a->ns, MATCH_NS) == 0;
}

bool match_directive(const struct stanza_node *el, const char *name)
{
    const char *v = stanza_attr(el, MATCH_NS, name);
    return v != NULL && strcmp(v, "true") == 0;
}

static bool is_absent_child(const struct stanza_node *el)
{
    return match_directive(el, "absent");
}

static struct slice cstr_slice(const char *s)
{
    return (struct slice){s ? s : "", s ? strlen(s) : 0};
}

static bool attrs_match(const struct stanza_node *pat, const struct stanza_node *act,
                        struct match_vars *out)
{
    for (const struct stanza_attr *a = pat->attrs; a != NULL; a = a->next) {
        if (is_directive(a))
            continue;
        const char *v = stanza_attr(act, a->ns, a->name);
        if (!value_matches(cstr_slice(a->value), v != NULL, cstr_slice(v), out))
            return false;
    }
    return true;
}

static bool has_text_child(const struct stanza_node *el)
{
    for (const struct stanza_node *c = el->children; c != NULL; c = c->next)
        if (c->kind == STANZA_TEXT)
            return true;
    return false;
}

/* Pattern text (trimmed) against actual text (trimmed); text is present
 * when it is not empty after trimming. A pattern without text matches any. */
static bool matches_text(const struct stanza_node *pat, const struct stanza_node *act,
                         struct match_vars *out)
{
    if (!has_text_child(pat))
        return true;
    struct buf pb = {0}, ab = {0};
    stanza_text(pat, &pb);
    struct slice p = trim(pb.data, pb.len);
    bool ok = true;
    if (p.len > 0) {
        stanza_text(act, &ab);
        struct slice a = trim(ab.data, ab.len);
        ok = value_matches(p, a.len > 0, a, out);
    }
    buf_free(&pb);
    buf_free(&ab);
    return ok;
}

static bool element_matches(const struct stanza_node *pat, const struct stanza_node *act,
                            struct match_vars *out);

/* The child elements of el (without absent children when skip_absent), in
 * document order. Caller frees the array. */
static const struct stanza_node **child_elements(const struct stanza_node *el, bool skip_absent,
                                                 size_t *count)
{
    const struct stanza_node **v = mem_realloc(NULL, (stanza_child_count(el) + 1) * sizeof *v);
    size_t n = 0;
    for (const struct stanza_node *c = el->children; c != NULL; c = c->next)
        if (c->kind == STANZA_ELEMENT && !(skip_absent && is_absent_child(c)))
            v[n++] = c;
    *count = n;
    return v;
}

/* False when some absent child of pat matches some child of act. */
static bool absent_children_hold(const struct stanza_node *pat, const struct stanza_node *act)
{
    for (const struct stanza_node *p = pat->children; p != NULL; p = p->next) {
        if (p->kind != STANZA_ELEMENT || !is_absent_child(p))
            continue;
        for (const struct stanza_node *a = act->children; a != NULL; a = a->next)
            if (a->kind == STANZA_ELEMENT && element_matches(p, a, NULL))
                return false;
    }
    return true;
}

/* Bipartite assignment of n patterns to distinct ones of m actual nodes. */
struct assign {
    size_t n, m;
    bool *ok;          /* ok[i * m + j]: pattern i matches actual j */
    bool *seen;        /* per actual, for one augmenting search */
    size_t *owner;     /* per actual: its pattern, or MATCH_UNASSIGNED */
};

/* Kuhn's augmenting path from pattern i; true when i got an actual node. */
static bool assign_augment(struct assign *g, size_t i)
{
    for (size_t j = 0; j < g->m; j++) {
        if (!g->ok[i * g->m + j] || g->seen[j])
            continue;
        g->seen[j] = true;
        if (g->owner[j] == MATCH_UNASSIGNED || assign_augment(g, g->owner[j])) {
            g->owner[j] = i;
            return true;
        }
    }
    return false;
}

/* Largest assignment; returns how many patterns got a distinct node. */
static size_t assign_solve(struct assign *g, const struct stanza_node *const *pat,
                           const struct stanza_node *const *act)
{
    for (size_t i = 0; i < g->n; i++)
        for (size_t j = 0; j < g->m; j++)
            g->ok[i * g->m + j] = element_matches(pat[i], act[j], NULL);
    for (size_t j = 0; j < g->m; j++)
        g->owner[j] = MATCH_UNASSIGNED;
    size_t matched = 0;
    for (size_t i = 0; i < g->n; i++) {
        memset(g->seen, 0, g->m * sizeof *g->seen);
        if (assign_augment(g, i))
            matched++;
    }
    return matched;
}

/* Whether every pattern matches a distinct actual node. On success the
 * chosen pairs are matched again to record captures into out (may be
 * NULL). assignment (may be NULL, room for n) gets each pattern's node. */
static bool match_distinct(const struct stanza_node *const *pat, size_t n,
                           const struct stanza_node *const *act, size_t m,
                           struct match_vars *out, size_t *assignment)
{
    if (n > m) {
        for (size_t i = 0; assignment != NULL && i < n; i++)
            assignment[i] = MATCH_UNASSIGNED;
        return false;
    }
    struct assign g = {.n = n, .m = m};
    g.ok = mem_realloc(NULL, n * m * sizeof *g.ok);
    g.seen = mem_realloc(NULL, m * sizeof *g.seen);
    g.owner = mem_realloc(NULL, m * sizeof *g.owner);
    bool ok = assign_solve(&g, pat, act) == n;
    for (size_t i = 0; assignment != NULL && i < n; i++)
        assignment[i] = MATCH_UNASSIGNED;
    for (size_t j = 0; j < m; j++) {
        size_t i = g.owner[j];
        if (i == MATCH_UNASSIGNED)
            continue;
        if (assignment != NULL)
            assignment[i] = j;
        if (ok && out != NULL && !element_matches(pat[i], act[j], out))
            abort();   /* matching is pure: a pair that matched matches again */
    }
    free(g.ok);
    free(g.seen);
    free(g.owner);
    return ok;
}

/* Each pattern child matches a distinct actual child; under
 * sessim:exact="true" the actual children are the pattern's, one each, in
 * the pattern's order (format 1.9). */
static bool children_match(const struct stanza_node *pat, const struct stanza_node *act,
                           struct match_vars *out)
{
    size_t n, m;
    const struct stanza_node **pc = child_elements(pat, true, &n);
    const struct stanza_node **ac = child_elements(act, false, &m);
    bool ok;
    if (match_directive(pat, "exact")) {
        ok = n == m;
        for (size_t i = 0; ok && i < n; i++)
            ok = element_matches(pc[i], ac[i], out);
    } else {
        ok = match_distinct(pc, n, ac, m, out, NULL);
    }
    free(pc);
    free(ac);
    return ok;
}

/* out NULL: decide only. Otherwise a match records its captures into out,
 * and a failed one may leave some there (callers pass a scratch store). */
static bool element_matches(const struct stanza_node *pat, const struct stanza_node *act,
                            struct match_vars *out)
{
    if (act->kind != STANZA_ELEMENT || pat->kind != STANZA_ELEMENT)
        return false;
    if (strcmp(pat->ns, act->ns) != 0 || strcmp(pat->name, act->name) != 0)
        return false;
    return attrs_match(pat, act, out) && matches_text(pat, act, out) &&
           absent_children_hold(pat, act) && children_match(pat, act, out);
}

static void vars_merge(struct match_vars *into, const struct match_vars *from)
{
    for (size_t i = 0; i < from->len; i++)
        match_vars_set(into, from->items[i].name, from->items[i].value);
}

bool match_stanza(const struct stanza_node *pattern, const struct stanza_node *actual,
                  struct match_vars *captures)
{
    if (captures == NULL)
        return element_matches(pattern, actual, NULL);
    struct match_vars scratch = {0};
    bool ok = element_matches(pattern, actual, &scratch);
    if (ok)
        vars_merge(captures, &scratch);
    match_vars_free(&scratch);
    return ok;
}

/* Patterns against actual[0..m-1]; captures kept only on success. */
static bool match_receive(const struct stanza_node *const *patterns, size_t n,
                          const struct stanza_node *const *actual, size_t m,
                          struct match_vars *captures, size_t *assignment)
{
    struct match_vars scratch = {0};
    bool ok = match_distinct(patterns, n, actual, m, captures ? &scratch : NULL, assignment);
    if (ok && captures != NULL)
        vars_merge(captures, &scratch);
    match_vars_free(&scratch);
    return ok;
}

bool match_receive_set(const struct stanza_node *const *patterns, size_t n,
                       const struct stanza_node *const *actual, size_t m,
                       struct match_vars *captures, size_t *assignment)
{
    return match_receive(patterns, n, actual, m < n ? m : n, captures, assignment);
}

bool match_receive_among(const struct stanza_node *const *patterns, size_t n,
                         const struct stanza_node *const *actual, size_t m,
                         struct match_vars *captures, size_t *assignment)
{
    return match_receive(patterns, n, actual, m, captures, assignment);
}

/* ---- pattern validation ------------------------------------------------------------ */

struct check {
    struct match_vars *names;
    struct buf *msg;
};

static bool check_fail(struct check *c, const struct stanza_node *el, const char *what,
                       struct slice detail)
{
    buf_puts(c->msg, "pattern element <");
    buf_puts(c->msg, el->name);
    buf_puts(c->msg, ">: ");
    buf_puts(c->msg, what);
    buf_append(c->msg, detail.s, detail.len);
    return false;
}

/* A value or text: capture names valid, not inside an absent child, new. */
static bool check_value(struct check *c, const struct stanza_node *el, struct slice v,
                        bool in_absent)
{
    struct slice name;
    if (!capture_form(v, &name))
        return true;
    if (!capture_name_valid(name))
        return check_fail(c, el, "capture names use letters, digits, _ and -: ", v);
    if (in_absent)
        return check_fail(c, el, "a capture inside an absent child never binds: ", v);
    char *n = mem_strndup(name.s, name.len);
    bool repeated = match_vars_get(c->names, n) != NULL;
    if (!repeated)
        match_vars_set(c->names, n, "");
    free(n);
    if (repeated)
        return check_fail(c, el, "capture bound twice: ", name);
    return true;
}

/* sessim:absent (on a child) and sessim:exact (anywhere), "true" or "false". */
static bool check_directive(struct check *c, const struct stanza_node *el,
                            const struct stanza_attr *a)
{
    bool absent = strcmp(a->name, "absent") == 0;
    if (!absent && strcmp(a->name, "exact") != 0)
        return check_fail(c, el, "unknown attribute sessim:", cstr_slice(a->name));
    if (absent && el->parent == NULL)
        return check_fail(c, el, "sessim:absent is only allowed on a child element",
                          cstr_slice(""));
    if (strcmp(a->value, "true") != 0 && strcmp(a->value, "false") != 0)
        return check_fail(c, el,
                          absent ? "sessim:absent must be \"true\" or \"false\", not "
                                 : "sessim:exact must be \"true\" or \"false\", not ",
                          cstr_slice(a->value));
    return true;
}

static bool check_element(struct check *c, const struct stanza_node *el, bool in_absent)
{
    in_absent = in_absent || (el->parent != NULL && is_absent_child(el));
    for (const struct stanza_attr *a = el->attrs; a != NULL; a = a->next) {
        bool ok = is_directive(a) ? check_directive(c, el, a)
                                  : check_value(c, el, cstr_slice(a->value), in_absent);
        if (!ok)
            return false;
    }
    struct buf text = {0};
    stanza_text(el, &text);
    bool ok = check_value(c, el, trim(text.data, text.len), in_absent);
    buf_free(&text);
    for (const struct stanza_node *ch = el->children; ok && ch != NULL; ch = ch->next)
        if (ch->kind == STANZA_ELEMENT)
            ok = check_element(c, ch, in_absent);
    return ok;
}

bool match_pattern_check(const struct stanza_node *pattern, struct match_vars *names,
                         struct buf *msg)
{
    struct match_vars local = {0};
    struct check c = {names ? names : &local, msg};
    bool ok = check_element(&c, pattern, false);
    match_vars_free(&local);
    return ok;
}
