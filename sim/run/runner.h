/* runner: replays one loaded scenario against a target and judges it.
 *
 * scenarios/FORMAT.md is the contract. Where it is silent, the runner does:
 * - Setup: a fresh target per scenario from its `server:` and the seed;
 *   `accounts:` are created, then their rosters preset (a contact key with
 *   no '@' means KEY@domain), before the first step.
 * - Harness-driven phases (connect, auth, bind, register's stream) consume
 *   only the success path: <stream:features> after a header, <success/>,
 *   a bind result with a <jid>. Anything else (SASL failure, bind error,
 *   stream error) stays pending for `receive`, and the phase stops there
 *   without failing the step. Header: <?xml?> + <stream:stream
 *   xmlns='jabber:client' ... to='DOMAIN' version='1.0'> (no declaration
 *   on the restart after SASL); SASL PLAIN of "\0ACCOUNT\0PASSWORD"; bind
 *   iq id `bind_N`, register iq `reg_N`, unregister iq `unreg_N`, where N
 *   counts from 1 per client and kind (a client's first register: reg_1).
 * - `connect` opens a connection unless the client has an open one that is
 *   not bound yet, on which it continues from where that stream stands;
 *   on a bound open stream it fails the step. `auth` is SASL plus the
 *   stream restart, on an open unauthenticated stream; `bind` needs an
 *   authenticated stream. `register` opens a connection if none is open
 *   and the stream header phase if needed; its reply stays pending, and a
 *   result makes its password the one later `connect`s of that account use.
 *   `unregister` needs a bound stream. `close` sends </stream:stream> and
 *   fails unless the server then closes the connection; `drop` hangs up.
 * - `send` needs an open connection. `send_raw` opens one (no header) when
 *   the client has none open: stream-header errors can be tested.
 * - Variables: ${CLIENT.jid} = ACCOUNT@domain, ${CLIENT.full} =
 *   ACCOUNT@domain/RESOURCE, ${CLIENT.resource}, ${CLIENT.account},
 *   ${domain}, captures. RESOURCE is the one of the client's latest bind
 *   result, before any the one it will ask for (`connect: {resource:}` of
 *   its latest connect, else its own). A client name may contain dots: the
 *   field is after the last one. Values are XML-escaped as they are
 *   substituted (they go into XML text); an unbound name fails the step.
 * - `receive` takes the next N pending stanzas, which must match the N
 *   patterns in some order (captures bound on success). `receive: {among:
 *   ...}` (format 1.6) takes N stanzas from anywhere among those pending
 *   (match_receive_among says which when several fit; while none fits it
 *   waits for more like any receive); the ones it skips stay pending, in
 *   their order. `nothing`: no
 *   stanza pending. `closed`: the current connection has ended; pending
 *   stanzas are left as they are. A stream error is an ordinary pending
 *   stanza (streams namespace, `stream:` prefix in reports).
 * - `advance` and `check` are skipped (and counted) on targets that cannot
 *   do them; `restart` on such a target skips the rest of the scenario; a
 *   target whose `skip` reason is set skips the whole scenario before setup.
 * - After every step: the target settles, every client reads what arrived,
 *   bytes a client cannot parse fail the step, and so do bytes other than
 *   whitespace after the server's </stream:stream> and a connection the
 *   server closes inside markup (RFC 6120 4.4); on the model every
 *   invariant is checked (a violation fails the step: rule, message,
 *   connections with their clients).
 * - At the end, pending stanzas fail the scenario unless `leftovers: ignore`.
 * - With `transcribe`, what is pending after each step is moved into the
 *   recorded events instead (the differential explorer's expectations).
 * - With `record`, the result also lists what happened on the wire, in
 *   order: connections opened, bytes sent (harness phases included),
 *   server stream headers, stanzas received, the server's </stream:stream>,
 *   closes, hang-ups and restarts, each tagged with its step and client
 *   (for sequence diagrams; see html.h).
 * Output is a function of (scenario, seed, target): no clock, no addresses.
 */
#ifndef SESSIM_SIM_RUNNER_H
#define SESSIM_SIM_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"
#include "run/target.h"

/* X(name, word, label): a scenario's outcome, its word in reports and
 * page classes, and its label on the console. */
#define RUNNER_OUTCOMES(X)       \
    X(PASS, "pass", "PASS")      \
    X(FAIL, "fail", "FAIL")      \
    X(SKIP, "skip", "SKIP")

enum runner_outcome {
#define RUNNER_ENUM(name, word, label) RUNNER_##name,
    RUNNER_OUTCOMES(RUNNER_ENUM)
#undef RUNNER_ENUM
};

/* "pass", "fail", "skip"; and "PASS", "FAIL", "SKIP". */
const char *runner_outcome_name(enum runner_outcome outcome);
const char *runner_outcome_label(enum runner_outcome outcome);

/* runner_result.fail_step when no step failed (pass, skip, setup or
 * leftovers failure). */
#define RUNNER_NO_STEP ((size_t)-1)

/* What a recorded event is (runner_options.record). */
enum runner_event_kind {
    RUNNER_EVENT_OPEN,       /* the client opened a connection */
    RUNNER_EVENT_SENT,       /* the client wrote text (a stanza, header, raw bytes) */
    RUNNER_EVENT_HEADER,     /* the server's stream header arrived; text: its id */
    RUNNER_EVENT_RECEIVED,   /* a stanza arrived; text: serialised as a client reads it */
    RUNNER_EVENT_STREAM_END, /* the server's </stream:stream> arrived */
    RUNNER_EVENT_CLOSED,     /* the server closed the connection */
    RUNNER_EVENT_HANGUP,     /* the client dropped the connection (drop) */
    RUNNER_EVENT_RESTART,    /* the server restarted; client is SCENARIO_NO_CLIENT */
    RUNNER_EVENT_PENDING     /* with transcribe: a stanza left pending at the end of
                              * a step, as RECEIVED writes it (then removed) */
};

struct runner_event {
    enum runner_event_kind kind;
    size_t step;               /* 0-based index of the step it happened in */
    size_t client;             /* index in scenario.clients, or SCENARIO_NO_CLIENT */
    unsigned conn;             /* the client's connection (0: none) */
    char *text;                /* never NULL ("" when the kind has none) */
};

struct runner_options {
    uint64_t seed;             /* for the target and the clients' parsers */
    bool verbose;              /* fill runner_result.log with a step trace, notes and
                                * each client's traffic (client.h's trace) */
    /* Builds the target of one scenario; NULL: the model (target_model_new).
     * Returning NULL fails the scenario with "cannot create the target". */
    struct target *(*target_new)(const struct scenario *s, uint64_t seed, void *ctx);
    void *target_ctx;
    bool record;               /* fill runner_result.events */
    /* With record: at the end of every step (after the settle), every
     * client's pending stanzas become RUNNER_EVENT_PENDING events and are
     * removed, so the traffic a scenario without `receive` steps leaves can
     * be written back as its expectations (its own `receive` steps then
     * find nothing). */
    bool transcribe;
    /* Trees both ways where a target can take them: the client reads the
     * stanzas and stream headers a target holds parsed (the model: what it
     * serialised) from those instead of parsing their bytes again (client.h
     * use_trees), and the connect phases hand the target their headers and
     * stanzas parsed along with their bytes (phases.h, target_send_parsed),
     * as do sent stanzas that plainxml.h can parse.
     * The explorer and bench. Off, every byte is parsed, which checks that
     * the model's output is well-formed XML that reads back as what it
     * wrote and that the model parses what clients write (the scenario
     * corpus, make check). */
    bool trees;
};

struct runner_result {
    enum runner_outcome outcome;
    unsigned long line;        /* YAML line of the failing step (or skip cause); 0: none */
    size_t steps_run;          /* steps executed, skipped ones included */
    size_t steps_skipped;      /* steps the target could not run (advance, check) */
    char *message;             /* FAIL: the report; SKIP: the reason; PASS: NULL */
    char *log;                 /* the -v trace ("" unless verbose); never NULL */
    size_t fail_step;          /* FAIL in a step: its index; else RUNNER_NO_STEP */
    /* A failed receive: the expected patterns (substituted) and what was
     * there instead, one per line ("nothing", "closed", "open"); else NULL. */
    char *expected, *actual;
    struct runner_event *events; /* with options.record: the traffic, in order */
    size_t event_count;
};

/* Runs s with opt (NULL: seed 0, quiet, model target) and fills *out
 * (release with runner_result_free). */
void runner_run(const struct scenario *s, const struct runner_options *opt,
                struct runner_result *out);

/* Releases the strings and events of a result. */
void runner_result_free(struct runner_result *r);

#endif
