/* match: stanza patterns, captured variables and ${NAME} substitution.
 *
 * A pattern is one element tree (scenarios/FORMAT.md "Patterns"): an actual
 * element matches when namespace and name are equal, every pattern attribute
 * is present with the same value, every child element of the pattern matches
 * a distinct child of the actual element in any order, and the pattern's
 * trimmed text, if any, equals the actual trimmed text. `{any}`, `{absent}`
 * and `{capture:NAME}` are special values; a child carrying
 * sessim:absent="true" (urn:sessim) asserts that no such child exists, and
 * an element carrying sessim:exact="true" that the actual element's child
 * elements are its own, one each, in its order (none more).
 * Matching is pure and polynomial (bipartite assignment per level), never
 * allocates into the trees, and binds captures only when the whole match
 * succeeds. Variable stores own their strings.
 */
#ifndef SESSIM_SIM_MATCH_H
#define SESSIM_SIM_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"
#include "model/stanza.h"

/* Namespace of pattern directives (the `sessim:` prefix). */
#define MATCH_NS "urn:sessim"

/* assignment[i] of a pattern left unmatched by match_receive_set. */
#define MATCH_UNASSIGNED ((size_t)-1)

struct match_var {
    char *name;
    char *value;
};

/* Name -> value store, in insertion order. A zeroed struct is empty. */
struct match_vars {
    struct match_var *items;
    size_t len;
    size_t cap;
};

/* Binds name to value (both copied). Rebinding replaces the value and keeps
 * the name's original position. Allocation failure aborts. */
void match_vars_set(struct match_vars *vars, const char *name, const char *value);
/* The value bound to name (borrowed until the next set or free), or NULL. */
const char *match_vars_get(const struct match_vars *vars, const char *name);
/* match_vars_get with the store passed as ctx: a lookup for match_substitute. */
const char *match_vars_lookup(void *vars, const char *name);
/* Releases every name and value; the store is empty and reusable. */
void match_vars_free(struct match_vars *vars);

/* Replaces every `${NAME}` in text by lookup(ctx, NAME) (values are not
 * rescanned). A `${` with no closing `}` is kept literally. Returns the new
 * string (caller frees with free()), or NULL when lookup returns NULL for a
 * name: then *bad_name is that name (caller frees with free()). */
char *match_substitute(const char *text, const char *(*lookup)(void *ctx, const char *name),
                       void *ctx, char **bad_name);

/* Whether actual matches pattern. On a match, captures (may be NULL) gets
 * every {capture:NAME} of the pattern bound to the matched value (attribute
 * value, or trimmed text), replacing earlier bindings; on no match it is
 * left untouched. When a name is captured twice the later binding in
 * document order wins (match_pattern_check rejects such patterns). */
bool match_stanza(const struct stanza_node *pattern, const struct stanza_node *actual,
                  struct match_vars *captures);

/* Whether actual[0..n-1] match patterns[0..n-1] in some order (each pattern
 * a distinct stanza). m is the number of actual stanzas available: m < n
 * never matches. Captures as in match_stanza. assignment (may be NULL) has
 * room for n: it receives, for each pattern, the index of its stanza, or
 * MATCH_UNASSIGNED for patterns left over in a largest partial assignment
 * when the set does not match (for diagnostics). */
bool match_receive_set(const struct stanza_node *const *patterns, size_t n,
                       const struct stanza_node *const *actual, size_t m,
                       struct match_vars *captures, size_t *assignment);

/* Format 1.6 `receive: {among: ...}`: whether patterns[0..n-1] match
 * distinct stanzas anywhere among actual[0..m-1] (m < n never matches). The pairing is
 * deterministic: patterns in order, each on the first stanza it matches,
 * an earlier one moved on to its next match when a later one needs its
 * stanza (Kuhn's augmenting paths). Captures and assignment (indexes into
 * actual) as in match_receive_set. */
bool match_receive_among(const struct stanza_node *const *patterns, size_t n,
                         const struct stanza_node *const *actual, size_t m,
                         struct match_vars *captures, size_t *assignment);

/* Whether pattern element el carries the directive sessim:NAME="true"
 * (`absent`, `exact`). */
bool match_directive(const struct stanza_node *el, const char *name);

/* Validates a pattern before use: sessim: attributes (only `absent`, with
 * value "true" or "false", and not on the root), capture names (letters,
 * digits, `_` and `-`), no capture inside an absent child, no name captured
 * twice. names (may be NULL) collects capture names across several patterns
 * (a receive set) so that repeats between them are found too. Returns true
 * when valid; otherwise appends one message to msg and returns false. */
bool match_pattern_check(const struct stanza_node *pattern, struct match_vars *names,
                         struct buf *msg);

#endif
