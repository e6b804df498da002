/* gen_state: the explorer generator's state, shared by the generator
 * (gen.c: the shadow, the step table, generation) and the stanza texts it
 * writes (gen_stanza.c). Private to sim/explore/: nothing outside the
 * generator includes it. gen.c's opening comment explains the shadow.
 */
#ifndef SESSIM_SIM_GEN_STATE_H
#define SESSIM_SIM_GEN_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explore/gen.h"
#include "model/buf.h"
#include "model/prng.h"
#include "scenario/scenario.h"

#define USERS_MAX 4
#define CLIENTS_MAX 6
#define RESOURCES_MAX 3
#define PIECES_MAX 4
#define STANZAS_PER_WRITE_MAX 3
#define PICK_ATTEMPTS 16          /* draws of a step kind before the fallback scan */
#define HOUR_MS (3600ull * 1000)
#define DAY_MS (24 * HOUR_MS)
#define DOMAIN "localhost"

/* ---- the shadow: what each client's harness state may be ---- */

enum cstate { CS_NONE, CS_CLOSED, CS_RAW, CS_UNAUTHED, CS_AUTHED, CS_BOUND };

#define BIT(s) (1u << (s))
#define OPEN_BITS (BIT(CS_RAW) | BIT(CS_UNAUTHED) | BIT(CS_AUTHED) | BIT(CS_BOUND))
#define STREAM_BITS (BIT(CS_UNAUTHED) | BIT(CS_AUTHED) | BIT(CS_BOUND))
#define AUTH_BITS (BIT(CS_AUTHED) | BIT(CS_BOUND))
#define UNAUTH_BITS (BIT(CS_RAW) | BIT(CS_UNAUTHED))

#define RES_RANDOM (-1)     /* a server-generated resource: never asked for */
#define RES_UNKNOWN (-2)    /* asked-for or generated, not known which */

/* What sending the last piece of a pending raw write does (END_KEPT: it
 * ends in a stream fault the ejabberd profile lets pass, EJ17: nothing,
 * but no close may cut it, as it may end inside a comment). */
enum write_end { END_NOTHING, END_HEADER, END_CLOSES, END_KEPT };

struct gclient {
    unsigned mask;                /* possible harness states */
    size_t user;
    int resource;                 /* default resource */
    int asked;                    /* what the next bind asks for */
    int bound;                    /* while BOUND: index, RES_RANDOM or RES_UNKNOWN */
    uint64_t opened_lo, opened_hi;   /* when the open connection may have opened */
    char *pieces[PIECES_MAX];     /* a raw write still being sent */
    size_t npieces, next_piece;
    enum write_end end;
    bool stanzas;                 /* the pending write carries stanzas */
    bool cut;                     /* a write on this connection stopped between two
                                   * pieces, and no new connection since (SM15) */
    /* Stream management (--sm): connections opened so far, the one on
     * which <enable/> was sent (valid while it is the current one and the
     * client is bound), whether the harness holds a resumption id, and
     * when a resumable session last lost its connection. */
    unsigned opens, sm_open;
    bool sm_on, sm_token, sm_dropped;
    uint64_t sm_dropped_at;
};

struct guser {
    bool exists;
    bool stale;                   /* live: deleted, or addressed while missing, since the
                                   * server started (T3, T4, P16) */
    bool addressed;               /* live: its bare JID written since the server started */
    unsigned approved;            /* live: users (bits) sent `subscribed` by bare JID (R3) */
    size_t password;              /* the account's (passwords[]) */
    size_t harness;               /* what the harness logs in with */
    bool tomb;
    uint64_t tomb_at;
};

struct row;

struct gen {
    struct prng r;
    struct scenario *s;
    bool live;                    /* for a live server too (differential) */
    const struct gen_fit *fit;    /* what the live server fixes, or NULL */
    bool sm;                      /* the stream-management rows are on (--sm) */
    size_t steps;                 /* to write */
    size_t nusers, nclients, nresources;
    unsigned weights[GEN_KINDS_MAX];   /* this run's; 0: the kind is off */
    struct gclient c[CLIENTS_MAX];
    struct guser u[USERS_MAX];
    size_t account[USERS_MAX];    /* index in s->accounts of a preset user */
    uint64_t now;                 /* ms since the start */
    unsigned long ids;
    size_t *counts;               /* steps written per row, or NULL */
    struct buf text;
};

/* A draw below n, and a draw that is true percent times in 100. */
static inline uint64_t gen_below(struct gen *g, uint64_t n)
{
    return prng_below(&g->r, n);
}

static inline bool gen_chance(struct gen *g, unsigned percent)
{
    return prng_below(&g->r, 100) < percent;
}

/* Whether the run follows the ejabberd profile: its live vocabulary
 * leaves out what scenarios/DIVERGENCES-ejabberd.md lists as not
 * generated. */
static inline bool gen_ejabberd(const struct gen *g)
{
    return g->s->server.profile == SCENARIO_PROFILE_EJABBERD;
}

/* User user's name ("u1"...) into out (size bytes). */
void gen_user_name(char *out, size_t size, size_t user);
/* Appends user's bare JID (or nobody@ where a live run must not name it,
 * gen.c says why), or that JID with resource resource. */
void gen_put_bare(struct gen *g, size_t user);
void gen_put_full(struct gen *g, size_t user, int resource);

#endif
