/* explain: why a receive pattern does not match an actual stanza.
 *
 * The matcher (match.h) only says yes or no; a failed `receive` also
 * says why, one "    - PATH: ..." line per visible difference: another
 * element, an attribute missing, different or not absent, other text, a
 * pattern child that matches no actual child (descending into a child of
 * the same name, a few levels deep), an absent child that is there, or,
 * under sessim:exact, children that are not the pattern's in its order.
 * Pure: reads both trees, appends to a buffer.
 */
#ifndef SESSIM_SIM_EXPLAIN_H
#define SESSIM_SIM_EXPLAIN_H

#include "model/buf.h"
#include "model/stanza.h"

/* Appends the differences between pattern pat and actual act to out, one
 * line each; when none is visible, a line saying the children cannot each
 * match a distinct actual child. */
void explain_mismatch(const struct stanza_node *pat, const struct stanza_node *act,
                      struct buf *out);

#endif
