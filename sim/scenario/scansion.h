/* scansion: translates Prosody's scansion scripts (.scs) into sessim
 * scenarios (scenarios/FORMAT.md), so that tests written for a server can
 * run on the model and on live targets alike.
 *
 * A script is a title comment, `[Client] Name` blocks (jid, password,
 * resource), a line of dashes, then actions: `Name connects`, `Name
 * disconnects`, `Name sends:` and `Name receives:` with an indented XML
 * body (or `receives: nothing`), and `#` comments. `${Name's JID}` and
 * `${Name's full JID}` become `${client.jid}` / `${client.full}`,
 * `{scansion:any}` becomes `{any}`, comments in the actions become `note:`
 * steps, the title the scenario name, other comments and recording
 * metadata the description. Scansion only compares a stanza that arrives
 * while a client waits in `receives`, so the scenario sets `leftovers:
 * ignore`. A `disconnects` after the server has ended the stream (the
 * client sent an account `<remove/>`, or received a stream error) becomes
 * `receive: closed`, and one for a client the script has already
 * disconnected becomes a comment. Anything else (other object kinds, other variables,
 * bad XML) is an error with the script's line. What a script needs that
 * the model lacks is noted, not refused (struct scansion_needs): the
 * scenario may still run on a live server. Output is a function of the
 * script and the options: no clock, no paths beyond the ones given.
 */
#ifndef SESSIM_SIM_SCANSION_H
#define SESSIM_SIM_SCANSION_H

#include <stddef.h>

#define SCANSION_MESSAGE_MAX 320

/* A step added after the steps of the action on a script line: for what
 * the script leaves to scansion's timing (a stanza nobody waited for is
 * dropped), given in scenario syntax, e.g.
 * `juliet: {receive: "<presence from='${juliet_phone.full}'/>"}`. */
struct scansion_insert {
    unsigned long line;
    const char *step;
};

struct scansion_options {
    const char *source;              /* the script as named in the header (required) */
    const char *command;             /* the import command shown in the header, or NULL */
    const char *const *tags;         /* tags after "scansion" */
    size_t ntags;
    const char *const *spec;         /* the scenario's spec: references */
    size_t nspec;
    unsigned long until;             /* only actions before this script line; 0: all */
    const char *note;                /* a paragraph appended to the description, or NULL */
    const struct scansion_insert *inserts;
    size_t ninserts;
};

/* What the translated actions need that the model lacks: a stanza sent to
 * another host (a component such as MUC or pubsub, or another server); an
 * iq get/set the server answers itself (no `to`, the domain or a bare
 * JID) whose payload namespace the model does not implement (it only has
 * roster, register, ping, session and bind); an iq or message to receive
 * in the namespace of a service it lacks (MUC, pubsub, disco, MAM, vCard,
 * ...), or any stanza from another host. One entry per service (a host;
 * else the service's name when known, or the namespace), at the script
 * line of its first stanza, in script order. */
#define SCANSION_NEEDS_MAX 16

struct scansion_need {
    unsigned long line;
    char service[128];               /* "conference.localhost", "vCard, XEP-0054", a namespace */
    char what[SCANSION_MESSAGE_MAX]; /* its first stanza: "a stanza to conference.localhost
                                      * (MUC, XEP-0045)", "an iq in vcard-temp (vCard, ...)" */
};

struct scansion_needs {
    struct scansion_need items[SCANSION_NEEDS_MAX]; /* the first SCANSION_NEEDS_MAX */
    size_t n;
    size_t stanzas;                  /* sent stanzas with a need, all of them */
};

struct scansion_error {
    unsigned long line;              /* 1-based line of the script; 0: none */
    char message[SCANSION_MESSAGE_MAX];
};

/* Translates len bytes of script. Returns the scenario's YAML text
 * (NUL-terminated, caller frees), or NULL with *err filled. needs (may
 * be NULL) is filled with what the translated actions need that the
 * model lacks. */
char *scansion_translate(const char *text, size_t len, const struct scansion_options *opt,
                         struct scansion_needs *needs, struct scansion_error *err);


#endif
