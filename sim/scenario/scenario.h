/* scenario: one YAML scenario (scenarios/FORMAT.md, version 1.1) as the
 * tree the runner replays, with its names, builders and copies. The
 * loader (loader.h) fills it from a file: any input gives a scenario or
 * one error pointing at the offending node (FILE:LINE:COLUMN, 1-based):
 * YAML syntax, unknown key, wrong type, missing key, bad word or duration,
 * bad XML in `send` or `receive`, unknown `${...}` variable or client,
 * duplicate key. Ownership: a scenario owns every string and array in it
 * (scenario_free); an error's `file` is borrowed from the caller.
 */
#ifndef SESSIM_SIM_SCENARIO_H
#define SESSIM_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/buf.h"

/* Beyond the format: top-level `leftovers: ignore | fail` (default fail).
 * Refused: YAML aliases (anchors alone are ignored), explicit tags (`!x`), a
 * second document, NUL in strings, nesting deeper than SCENARIO_DEPTH_MAX,
 * more than SCENARIO_STEPS_MAX steps or SCENARIO_CLIENTS_MAX clients.
 * A plain empty, `~` or `null` scalar is null, which optional lists and
 * mappings take as empty; any other scalar is a string (numbers and booleans
 * are parsed from it; booleans are true/false). Bare `auth` and `register`
 * steps are allowed. Clients named by steps but not under `clients:` are
 * appended to `clients` in first-use order (account = resource = name). */

#define SCENARIO_MESSAGE_MAX 320
/* loader_load refuses larger files. */
#define SCENARIO_FILE_MAX (16u * 1024u * 1024u)
/* Deepest nesting of YAML lists and mappings accepted. */
#define SCENARIO_DEPTH_MAX 64
/* Most steps and clients (declared and implicit) in one scenario. */
#define SCENARIO_STEPS_MAX 100000
#define SCENARIO_CLIENTS_MAX 1000
/* Longest duration accepted: 36500d. */
#define SCENARIO_DURATION_MAX_MS (36500ull * 24 * 3600 * 1000)
/* Default of server.sm_hibernation (Prosody's smacks_hibernation_time). */
#define SCENARIO_SM_HIBERNATION_MS (600ull * 1000)
/* Default and bounds of server.sm_queue_max (Prosody's smacks_max_queue_size). */
#define SCENARIO_SM_QUEUE_MAX 500ul
#define SCENARIO_SM_QUEUE_LIMIT 100000ul
/* Value of scenario_step.client for directives. */
#define SCENARIO_NO_CLIENT ((size_t)-1)

struct scenario_error {
    const char *file;           /* the path or name given to the loader (borrowed) */
    unsigned long line, column; /* 1-based; both 0 when the file could not be read */
    char message[SCENARIO_MESSAGE_MAX];
};

/* A string and where it was written. */
struct scenario_string {
    char *text;
    unsigned long line, column;
};

struct scenario_strings {
    struct scenario_string *items;
    size_t count;
};

/* The enumerations, X(NAME, word as written in YAML), first = default. */
#define SCENARIO_TARGETS(X) X(ANY, "any") X(MODEL, "model")
#define SCENARIO_CONFLICTS(X) \
    X(KICK_OLD, "kick-old") X(REJECT_NEW, "reject-new") X(RANDOM_RESOURCE, "random-resource")
/* The model profiles (model.h MODEL_PROFILES, same order). */
#define SCENARIO_PROFILES(X) X(PROSODY, "prosody") X(EJABBERD, "ejabberd") X(RFC, "rfc")
#define SCENARIO_SUBSCRIPTIONS(X) X(NONE, "none") X(TO, "to") X(FROM, "from") X(BOTH, "both")
#define SCENARIO_ASKS(X) X(NONE, "none") X(SUBSCRIBE, "subscribe")
/* NONE: no <show/> (plain available). */
#define SCENARIO_SHOWS(X) X(NONE, "none") X(AWAY, "away") X(CHAT, "chat") X(DND, "dnd") X(XA, "xa")

#define SCENARIO_ENUM_TARGET(n, w) SCENARIO_TARGET_##n,
#define SCENARIO_ENUM_CONFLICT(n, w) SCENARIO_CONFLICT_##n,
#define SCENARIO_ENUM_PROFILE(n, w) SCENARIO_PROFILE_##n,
#define SCENARIO_ENUM_SUBSCRIPTION(n, w) SCENARIO_SUBSCRIPTION_##n,
#define SCENARIO_ENUM_ASK(n, w) SCENARIO_ASK_##n,
#define SCENARIO_ENUM_SHOW(n, w) SCENARIO_SHOW_##n,
enum scenario_target { SCENARIO_TARGETS(SCENARIO_ENUM_TARGET) };
enum scenario_conflict { SCENARIO_CONFLICTS(SCENARIO_ENUM_CONFLICT) };
enum scenario_profile { SCENARIO_PROFILES(SCENARIO_ENUM_PROFILE) };
enum scenario_subscription { SCENARIO_SUBSCRIPTIONS(SCENARIO_ENUM_SUBSCRIPTION) };
enum scenario_ask { SCENARIO_ASKS(SCENARIO_ENUM_ASK) };
enum scenario_show { SCENARIO_SHOWS(SCENARIO_ENUM_SHOW) };

/* The words of those enumerations, indexed by value (the loader reads
 * them; the *_name functions below give one). */
#define SCENARIO_ONE_(n, w) +1
extern const char *const scenario_target_words[0 SCENARIO_TARGETS(SCENARIO_ONE_)];
extern const char *const scenario_conflict_words[0 SCENARIO_CONFLICTS(SCENARIO_ONE_)];
extern const char *const scenario_profile_words[0 SCENARIO_PROFILES(SCENARIO_ONE_)];
extern const char *const scenario_subscription_words[0 SCENARIO_SUBSCRIPTIONS(SCENARIO_ONE_)];
extern const char *const scenario_ask_words[0 SCENARIO_ASKS(SCENARIO_ONE_)];
extern const char *const scenario_show_words[0 SCENARIO_SHOWS(SCENARIO_ONE_)];

/* `server:`; defaults localhost, kick-old, true, true, true, 30d, 600s,
 * profile prosody (not given: a command's --profile may replace it, see
 * scenario_profile_default). */
struct scenario_server {
    char *domain;
    enum scenario_conflict conflict;
    bool offline, registration, tombstones;
    uint64_t tombstone_expiry_ms;
    uint64_t sm_hibernation_ms;   /* format 1.1 `sm_hibernation`, default 600s (SM12) */
    unsigned long sm_queue_max;   /* format 1.8 `sm_queue_max`, default 500 (SM10) */
    enum scenario_profile profile; /* format 1.4 `profile` */
    bool profile_given;            /* written in the file (or by the generator) */
};

struct scenario_roster_item {
    char *contact;                /* the key, as written */
    enum scenario_subscription subscription; /* default none */
    enum scenario_ask ask;        /* default none */
    char *name;                   /* NULL when not given */
    struct scenario_strings groups;
    unsigned long line, column;
};

struct scenario_account {
    char *name;
    char *password;               /* default "password" */
    struct scenario_roster_item *roster;
    size_t roster_count;
    unsigned long line, column;
};

struct scenario_client {
    char *name;
    char *account;                /* default: the client's name */
    char *resource;               /* default: the client's name */
    bool implicit;                /* not under clients:, first used by a step */
    unsigned long line, column;   /* declaration, or first use */
};

/* X(NAME, word); client steps first, then directives. */
#define SCENARIO_STEP_KINDS(X)                                              \
    X(CONNECT, "connect") X(AUTH, "auth") X(BIND, "bind") X(SEND, "send")   \
    X(SEND_RAW, "send_raw") X(RECEIVE, "receive") X(CLOSE, "close")         \
    X(DROP, "drop") X(REGISTER, "register") X(UNREGISTER, "unregister")     \
    X(ENABLE, "enable") X(ACK, "ack") X(REQUEST, "request") X(RESUME, "resume") \
    X(ADVANCE, "advance") X(RESTART, "restart") X(CHECK, "check") X(NOTE, "note")

#define SCENARIO_ENUM_STEP(n, w) SCENARIO_STEP_##n,
enum scenario_step_kind { SCENARIO_STEP_KINDS(SCENARIO_ENUM_STEP) };

enum scenario_receive_kind {
    SCENARIO_RECEIVE_STANZAS,     /* patterns: one, or several in any order */
    SCENARIO_RECEIVE_NOTHING,
    SCENARIO_RECEIVE_CLOSED,
    SCENARIO_RECEIVE_AMONG        /* (1.6) patterns: each a distinct pending stanza,
                                   * wherever it is; the others stay pending */
};

/* check: keys, in the order of the bits of scenario_check.given. */
#define SCENARIO_CHECK_KEYS(X)                                             \
    X(CONNECTED, "connected") X(AVAILABLE, "available")                    \
    X(INTERESTED, "interested") X(SESSIONS, "sessions")                    \
    X(ACCOUNTS, "accounts") X(TOMBSTONES, "tombstones")                    \
    X(OFFLINE, "offline") X(ROSTER, "roster") X(PRESENCE, "presence")      \
    X(HIBERNATING, "hibernating")

#define SCENARIO_ENUM_CHECK(n, w) SCENARIO_CHECK_##n,
enum scenario_check_key { SCENARIO_CHECK_KEYS(SCENARIO_ENUM_CHECK) };

struct scenario_check_offline {
    char *account;
    unsigned long count;
    unsigned long line, column;
};

/* Only the keys given are asserted. */
struct scenario_check_item {
    char *contact;
    bool has_subscription, has_ask, has_groups;
    enum scenario_subscription subscription;
    enum scenario_ask ask;
    char *name;                   /* format 1.2; NULL when not checked */
    struct scenario_strings groups; /* format 1.2; exactly these (any order) when has_groups */
    unsigned long line, column;
};

struct scenario_check_roster {
    char *account;
    struct scenario_check_item *items;   /* may be empty: `romeo: {}` */
    size_t item_count;
    unsigned long line, column;
};

struct scenario_check_presence {
    char *client;                 /* a known client */
    bool has_priority, has_show;
    int priority;                 /* -128..127 */
    enum scenario_show show;
    unsigned long line, column;
};

struct scenario_check {
    unsigned given;               /* bit (1u << SCENARIO_CHECK_x) per key given */
    struct scenario_strings connected, available, interested; /* client names */
    unsigned long sessions;
    struct scenario_strings accounts, tombstones;             /* account names */
    struct scenario_check_offline *offline;
    size_t offline_count;
    struct scenario_check_roster *roster;
    size_t roster_count;
    struct scenario_check_presence *presence;
    size_t presence_count;
    struct scenario_strings hibernating;  /* format 1.1: client names (SM11) */
};

/* One step. `send`, `send_raw` and patterns keep their `${...}` variables
 * (validated, substituted at run time); patterns and send strings parsed
 * as one XML element each with the variable text in place. */
/* How send_raw is written (format 1.2 adds the byte forms). */
enum scenario_raw_form { SCENARIO_RAW_TEXT, SCENARIO_RAW_HEX, SCENARIO_RAW_BASE64 };

struct scenario_step {
    enum scenario_step_kind kind;
    enum scenario_raw_form raw_form; /* send_raw: its text is hex or base64 unless TEXT */
    unsigned long line, column;   /* of the step */
    size_t client;                /* index in scenario.clients, or SCENARIO_NO_CLIENT */
    union {
        struct {
            char *resource;       /* NULL: the client's resource */
            bool auth, bind;      /* default true; auth false: stop after the header */
        } connect;
        struct {
            char *password;       /* NULL: the account's current password */
        } auth;
        struct scenario_strings send;      /* at least one stanza */
        struct scenario_string send_raw;   /* bytes, not parsed */
        struct {
            enum scenario_receive_kind kind;
            struct scenario_strings patterns; /* STANZAS: at least one */
        } receive;
        struct {
            char *password;       /* default "password" */
        } reg;                    /* register */
        struct {
            bool resume;          /* resume="true" (format 1.1) */
        } enable;
        struct {
            char *h;              /* NULL: the client's own count */
            char *previd;         /* resume only; NULL: the client's token */
        } sm;                     /* ack, resume (format 1.1) */
        uint64_t advance_ms;
        struct scenario_check check;
        char *note;
        /* BIND, CLOSE, DROP, UNREGISTER, REQUEST, RESTART: no data */
    };
};

struct scenario {
    char *file;                   /* the path or name it was loaded from */
    char *name;                   /* scenario: (one line) */
    char *description;            /* NULL when absent */
    struct scenario_strings tags, spec;
    enum scenario_target target;
    bool leftovers_ignore;        /* leftovers: ignore */
    struct scenario_server server;
    struct scenario_account *accounts;
    size_t account_count;
    struct scenario_client *clients;  /* declared first, then implicit */
    size_t client_count;
    struct scenario_step *steps;  /* at least one */
    size_t step_count;
};

/* Releases the scenario and everything in it. NULL is a no-op. */
void scenario_free(struct scenario *s);

/* Writes "FILE:LINE:COLUMN: message" ("FILE: message" when line is 0)
 * into out (size bytes, NUL-terminated, truncated if needed). Returns the
 * length the full text needs, as snprintf does. */
size_t scenario_error_format(const struct scenario_error *err, char *out, size_t size);

/* The client or account with that name, or NULL (borrowed from s). */
const struct scenario_client *scenario_client_find(const struct scenario *s, const char *name);
const struct scenario_account *scenario_account_find(const struct scenario *s,
                                                     const char *name);

/* ---- building scenarios in memory (explore, shrink, emit tests) ----
 * What these build is what the loader would give for the equivalent YAML
 * (defaults included), with line and column 0. Strings are copied; the
 * pointers they return are borrowed from s and valid until the next call
 * that adds to the same array. Allocation failure aborts. */

/* Sets the defaults of a step's options for its kind (format: connect
 * auth and bind true, register password "password"). */
void scenario_step_defaults(struct scenario_step *st);

/* An empty scenario as the loader starts it: file is file, no
 * `scenario:` text (NULL), the server defaults, nothing else. Free with
 * scenario_free. */
struct scenario *scenario_new(const char *file);

/* An empty scenario: `scenario:` and file are name, the server defaults,
 * no accounts, clients or steps (add at least one step before running or
 * emitting it). Free with scenario_free. */
struct scenario *scenario_create(const char *name);

/* Appends an account (password NULL: "password"). */
struct scenario_account *scenario_account_add(struct scenario *s, const char *name,
                                              const char *password);

/* Appends a roster item (no name, no groups) to an account. */
struct scenario_roster_item *scenario_roster_item_add(struct scenario_account *a,
                                                      const char *contact,
                                                      enum scenario_subscription sub,
                                                      enum scenario_ask ask);

/* Appends a declared client (not implicit); returns its index. */
size_t scenario_client_add(struct scenario *s, const char *name, const char *account,
                           const char *resource);

/* Appends a step with the loader's defaults (connect: auth and bind true;
 * register: password "password"; everything else empty or 0). client is an
 * index in s->clients, or SCENARIO_NO_CLIENT for directives. */
struct scenario_step *scenario_step_add(struct scenario *s, enum scenario_step_kind kind,
                                        size_t client);

/* Appends a copy of text to a list of strings. */
void scenario_strings_add(struct scenario_strings *l, const char *text);

/* Replaces *slot (freed) by a copy of text (NULL: NULL). */
void scenario_string_set(char **slot, const char *text);

/* Deep copies: a whole scenario (free with scenario_free), and one step
 * into *out, which then owns its own strings (release with
 * scenario_step_clear). */
struct scenario *scenario_copy(const struct scenario *s);
void scenario_step_copy(struct scenario_step *out, const struct scenario_step *in);

/* Releases what a step owns (not the step itself) and zeroes it. */
void scenario_step_clear(struct scenario_step *st);

/* Whether a roster contact key (NAME, or NAME@DOMAIN with the scenario's
 * domain) names the local account `account`. */
bool scenario_contact_is(const struct scenario *s, const char *contact, const char *account);

/* The YAML words of the enumerations ("connect", "kick-old", ...). */
const char *scenario_step_name(enum scenario_step_kind kind);
/* The bytes a send_raw written as hex (pairs of digits, blanks between
 * pairs allowed) or base64 stands for, appended to out. False when the
 * text is not of its form (out then holds a part). */
bool scenario_raw_decode(enum scenario_raw_form form, const char *text, struct buf *out);
/* The text a send_raw of the given form writes len bytes as, appended to
 * out: two lower-case hex digits a byte, padded base64, or the bytes
 * themselves (TEXT). */
void scenario_raw_encode(enum scenario_raw_form form, const char *bytes, size_t len,
                         struct buf *out);
const char *scenario_target_name(enum scenario_target target);
const char *scenario_conflict_name(enum scenario_conflict c);
const char *scenario_profile_name(enum scenario_profile p);
/* The profile named word ("prosody", "ejabberd", "rfc"); false if none. */
bool scenario_profile_parse(const char *word, enum scenario_profile *out);
/* A command's --profile: sets s's profile to p unless the file gave one
 * (the scenario's own `server: {profile: ...}` wins). */
void scenario_profile_default(struct scenario *s, enum scenario_profile p);
const char *scenario_subscription_name(enum scenario_subscription sub);
const char *scenario_ask_name(enum scenario_ask ask);
const char *scenario_show_name(enum scenario_show show);

#endif
