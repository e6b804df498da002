/* model: a deterministic in-memory XMPP server, bytes in and bytes out.
 *
 * The facade a target drives (DESIGN.md "The model is a byte-level server"):
 * model_connect opens a connection, model_input feeds client bytes in any
 * fragmentation, model_hangup is a lost TCP connection, model_output /
 * model_output_consume drain what the server wrote, model_closed says the
 * server closed the connection. Every input is processed to completion
 * before the call returns (SEMANTICS 0.4), so after any call the model is
 * quiescent. Time advances only through model_advance; randomness comes
 * from the seed given to model_new. No I/O, no globals, no wall clock.
 *
 * Connection ids are 1-based and never reused within a model. The query
 * functions at the end read state for scenario `check:` steps and reports;
 * strings they return are borrowed until the next call that changes state.
 *
 * Out of memory: every byte the model holds, expat's parsers included,
 * comes from the allocation hooks of model_config.allocator (NULL: the C
 * library). When one allocation fails, the call that needed it reports
 * MODEL_ENOMEM (model_new: NULL; model_connect: 0; the bool calls: false,
 * with model_error telling why; the others return it) and the model
 * becomes unusable but freeable: the failure may have left its state
 * half-updated, so from then on model_error returns MODEL_ENOMEM, every
 * call does nothing and reports MODEL_ENOMEM, queries give empty answers
 * (no session, no account, no output, connections closed), and
 * model_free releases everything. It never crashes, aborts or leaks on a
 * failed allocation; it does not retry or roll back.
 */
#ifndef SESSIM_MODEL_MODEL_H
#define SESSIM_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#define MODEL_DAY_MS (24ull * 60 * 60 * 1000)
/* S12: unauthenticated sessions are closed this long after connecting. */
#define MODEL_C2S_TIMEOUT_MS (300ull * 1000)

/* X1-X4: what binding a resource that another session of the account holds
 * does. */
enum model_conflict {
    MODEL_CONFLICT_KICK_OLD,
    MODEL_CONFLICT_REJECT_NEW,
    MODEL_CONFLICT_RANDOM
};

/* Which server's behaviour the model follows where servers differ
 * (SEMANTICS "Profiles"): Prosody's (the reference, every rule), ejabberd
 * 23.01's (the EJ rules replace the rules they name), or the RFCs' (the
 * RFC rules replace the Prosody quirks of the appendix). */
#define MODEL_PROFILES(X) X(PROSODY, "prosody") X(EJABBERD, "ejabberd") X(RFC, "rfc")

enum model_profile {
#define MODEL_PROFILE_ENUM(name, word) MODEL_PROFILE_##name,
    MODEL_PROFILES(MODEL_PROFILE_ENUM)
#undef MODEL_PROFILE_ENUM
};

/* Allocation hooks, the shape of expat's XML_Memory_Handling_Suite (expat
 * is given the same ones): no context pointer, as expat has none. A NULL
 * member means the C library's function. realloc_fn must leave the block
 * valid when it fails, as realloc does. */
struct model_allocator {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
};

/* X(name, text): the outcomes of a call (STYLE §4). */
#define MODEL_ERRORS(X)       \
    X(OK, "no error")         \
    X(ENOMEM, "out of memory")

enum model_error {
#define MODEL_ERROR_ENUM(name, text) MODEL_##name,
    MODEL_ERRORS(MODEL_ERROR_ENUM)
#undef MODEL_ERROR_ENUM
};

struct model_config {
    const char *domain;                   /* served host; copied */
    enum model_profile profile;           /* default prosody */
    enum model_conflict conflict;
    bool offline;                         /* O1/O2 */
    bool registration;                    /* G1 */
    bool tombstones;                      /* T1 */
    unsigned long long tombstone_expiry_ms; /* T2; 0 = never expires */
    size_t stanza_size_max;               /* S3; 0 = 256 KiB */
    unsigned depth_max;                   /* 0 = default */
    unsigned long long start_time_ms;     /* clock at creation (ms since epoch) */
    unsigned long long sm_hibernation_ms; /* SM12; 0 = 600 s */
    size_t sm_queue_max;                  /* SM10; 0 = SMACKS_QUEUE_MAX (500) */
    const struct model_allocator *allocator; /* NULL: the C library; read by
                                              * model_new only */
};

/* Fills c with the SEMANTICS 0.8 model defaults (prosody profile,
 * localhost, kick-old, offline, registration and tombstones on, 30 days,
 * 256 KiB). */
void model_config_default(struct model_config *c);

struct model;

/* A new server with no accounts, or NULL when an allocation failed
 * (nothing is left allocated). Free with model_free. */
struct model *model_new(const struct model_config *c, unsigned long long seed);
/* Frees everything the model holds, also after MODEL_ENOMEM. NULL: no-op. */
void model_free(struct model *m);
/* MODEL_ENOMEM once an allocation has failed (sticky), else MODEL_OK. */
enum model_error model_error(const struct model *m);
/* A static text for e. */
const char *model_error_text(enum model_error e);

/* Subscription states of a roster item (R8). */
enum model_subscription { MODEL_SUB_NONE, MODEL_SUB_TO, MODEL_SUB_FROM, MODEL_SUB_BOTH };

struct model_roster_item {
    const char *jid;            /* bare JID of the contact */
    enum model_subscription subscription;
    bool ask;                   /* ask="subscribe" */
    const char *name;           /* NULL: none */
    const char *const *groups;
    size_t ngroups;
};

/* Creates an account (persistent state, SEMANTICS 0.3). Returns false when
 * the name is invalid, taken, or under an active tombstone (T3, I14), or
 * on MODEL_ENOMEM. */
bool model_account_create(struct model *m, const char *username, const char *password);
/* Sets a roster item of an existing account directly (scenario `accounts:`),
 * without traffic. Returns false for an unknown account or an invalid JID,
 * or on MODEL_ENOMEM. */
bool model_roster_preset(struct model *m, const char *username,
                         const struct model_roster_item *item);

/* Opens a connection; returns its id (S1), 0 on MODEL_ENOMEM. */
unsigned model_connect(struct model *m);
/* Client bytes on a connection; ignored once the connection is closed.
 * Protocol errors are traffic (stream errors), not return values. */
enum model_error model_input(struct model *m, unsigned conn, const char *bytes, size_t len);
/* model_input of bytes the caller also has parsed: a stream header h (el
 * NULL) or one top-level element el (h NULL; borrowed, copied), which the
 * model takes in place of parsing the bytes where its stream stands at
 * their place (a document's start for a header; for an element, between
 * stanzas of a stream whose header declared jabber:client the default
 * namespace), else it parses the bytes. The caller vouches that the bytes
 * parse to exactly that there (xmlstream_inject_header, xmlstream_inject):
 * for a harness that built them from the tree or header it holds. */
struct xmlstream_header;
struct stanza_node;
enum model_error model_input_parsed(struct model *m, unsigned conn, const char *bytes,
                                    size_t len, const struct xmlstream_header *h,
                                    const struct stanza_node *el);
/* The TCP connection is lost (S9, P15). */
enum model_error model_hangup(struct model *m, unsigned conn);
/* Bytes the server has written to conn and not yet consumed; *len set. */
const char *model_output(const struct model *m, unsigned conn, size_t *len);
enum model_error model_output_consume(struct model *m, unsigned conn, size_t n);
/* Where the model writes whole stanzas: called for every top-level element
 * it serialises onto a connection (stanzas, stream features, errors,
 * stream-management elements and re-sent copies), right after its bytes,
 * with the tree they were serialised from (borrowed for the call, written
 * with stanza_serialize(el, STANZA_NS_CLIENT, true, ...)) and their place:
 * the len bytes ending `end` bytes into conn's unconsumed output
 * (model_output). Everything else the model writes (stream headers, for
 * which see model_output_headers, and closing tags) is only bytes. For a
 * harness that would otherwise parse the bytes back into the trees the
 * model had. hook NULL: none (the default). */
void model_output_stanzas(struct model *m,
                          void (*hook)(void *ctx, unsigned conn, const struct stanza_node *el,
                                       size_t end, size_t len),
                          void *ctx);
/* Where the model writes stream headers (S4), as model_output_stanzas:
 * called right after each header's bytes (the XML declaration and the
 * <stream:stream> start tag) with the header a parser reads from them
 * (xmlstream.h; borrowed for the call) and their place. hook NULL: none
 * (the default). */
void model_output_headers(struct model *m,
                          void (*hook)(void *ctx, unsigned conn, const struct xmlstream_header *h,
                                       size_t end, size_t len),
                          void *ctx);
/* True once the server has closed conn (or it was hung up). */
bool model_closed(const struct model *m, unsigned conn);
/* Moves the virtual clock forward. */
enum model_error model_advance(struct model *m, unsigned long long ms);
unsigned long long model_now(const struct model *m);
/* Server restart (S14): every connection closed with no stream error and
 * no closing tag; persistent state kept, volatile state lost. */
enum model_error model_restart(struct model *m);

/* ---- queries ---- */

struct model_session_info {
    bool live;              /* not destroyed, connection open */
    bool hibernating;       /* SM11: bound, stream management, no connection */
    bool sm;                /* stream management enabled (SM2) */
    bool authenticated;
    bool connected;         /* resource bound */
    bool available;
    bool interested;
    int priority;
    const char *username;   /* NULL before auth */
    const char *resource;   /* NULL before bind */
    const char *full_jid;   /* NULL before bind */
    const char *show;       /* NULL: none */
};

/* State of the session on conn; false when conn was never opened. */
bool model_session_info(const struct model *m, unsigned conn, struct model_session_info *out);
/* Live sessions, unauthenticated and hibernating ones included. */
size_t model_session_count(const struct model *m);
/* Existing accounts, in ascending byte order: the i-th name, NULL past the end. */
const char *model_account_at(const struct model *m, size_t i);
bool model_account_exists(const struct model *m, const char *username);
/* Active tombstones in ascending order (T2 at the current clock). */
const char *model_tombstone_at(const struct model *m, size_t i);
/* Messages in the offline store of an account (0 for unknown ones). */
size_t model_offline_count(const struct model *m, const char *username);
/* The roster item of username for contact; false when there is none. */
bool model_roster_item(const struct model *m, const char *username, const char *contact,
                       struct model_roster_item *out);

#endif
