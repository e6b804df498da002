/* gen_stanza: the stanzas of the explorer's step vocabulary.
 *
 * Each function appends to the generator's text one stanza that client ci
 * sends, drawn with the generator's PRNG: broadcast presence (P1-P7),
 * directed presence (P8-P17), subscriptions (R9-R21), roster iqs (R2-R7),
 * messages (M1-M11, O1-O4) and iqs (M2, M12-M15), addressed to anything
 * from a user's JIDs to malformed ones. Live runs (the differential
 * explorer) leave out what a listed divergence would make differ.
 */
#ifndef SESSIM_SIM_GEN_STANZA_H
#define SESSIM_SIM_GEN_STANZA_H

#include <stddef.h>

struct gen;

void gen_stanza_presence(struct gen *g, size_t ci);
void gen_stanza_directed(struct gen *g, size_t ci);
void gen_stanza_subscription(struct gen *g, size_t ci);
void gen_stanza_roster(struct gen *g, size_t ci);
void gen_stanza_message(struct gen *g, size_t ci);
void gen_stanza_iq(struct gen *g, size_t ci);
/* Appends an id attribute (" id='eN'"), N counting up per scenario. */
void gen_stanza_id(struct gen *g);

#endif
