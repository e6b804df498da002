/* specmap: which scenarios cite which SEMANTICS rule (`sessim
 * coverage-map`, alias `spec-map`).
 *
 * Rule ids come from model/SEMANTICS.md: a line that opens with a bold id,
 * such as "**P7.**" (letters and a number) or "**0.5 Addresses.**" (section 0),
 * in the order of the document, each with the start of its text as a
 * summary. A scenario cites a rule with a `spec:` entry "SEMANTICS ID" (more
 * ids may follow, separated by commas or blanks; the first word that is no
 * id ends the list: "SEMANTICS P5 step 5" cites P5). A map given no
 * document (the command always reads one) takes the cited ids as its rules,
 * in section order (0, S, A, P, R, M, O, G, T, X, I, then any other letter)
 * and number. Cited ids the document does not have are listed apart.
 * Output depends only on the inputs: rules in order, scenarios in the order
 * added.
 */
#ifndef SESSIM_SIM_SPECMAP_H
#define SESSIM_SIM_SPECMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario/scenario.h"

#define SPECMAP_ID_MAX 16        /* bytes of an id, NUL included */
#define SPECMAP_SUMMARY_MAX 72   /* characters of a rule's summary */

struct specmap;

/* An empty map; free with specmap_free. Allocation failure aborts. */
struct specmap *specmap_new(void);
void specmap_free(struct specmap *m);

/* Reads the rule ids of SEMANTICS.md text (len bytes); source names it
 * in the output. Returns the number of ids added. */
size_t specmap_add_rules(struct specmap *m, const char *source, const char *text, size_t len);

/* Records the SEMANTICS ids path's scenario cites (its spec: entries). */
void specmap_add_scenario(struct specmap *m, const char *path, const struct scenario *s);

/* Rules (document ones, or cited ones without a document), and how many
 * of them some scenario cites. */
size_t specmap_rule_count(const struct specmap *m);
size_t specmap_covered_count(const struct specmap *m);

/* The map as text: per rule its id, number of scenarios, summary and the
 * scenarios' paths; then the rules no scenario cites, the cited ids the
 * document lacks, and "covered: N of M rule ids (P%)". false on a write
 * error. */
bool specmap_write_text(const struct specmap *m, FILE *f);
/* The same as JSON (RFC 8259, two-space indent). */
bool specmap_write_json(const struct specmap *m, FILE *f);


#endif
