/* jid: XMPP addresses (RFC 7622) at the level of ASCII.
 *
 * A JID is [localpart@]domainpart[/resourcepart]. Parsing splits at the
 * first '@' before the first '/' and at the first '/', refuses empty parts
 * and parts over 1023 bytes, refuses the localpart characters RFC 7622 §3.3.1
 * forbids (" & ' / : < > @, space and controls), lower-cases the localpart
 * and domainpart (ASCII only) and keeps the resourcepart byte for byte
 * (case-sensitive). The domainpart must be a hostname-ish label sequence
 * (letters, digits, '-', '.', no empty label) or an IP literal.
 *
 * Not done (full PRECIS would add it): Unicode case folding and width
 * mapping (RFC 8265 UsernameCaseMapped / OpaqueString for resources), NFC
 * normalisation, IDNA2008 for non-ASCII domains, bidi rules. Non-ASCII
 * bytes are accepted as they are when they form valid UTF-8.
 *
 * Ownership: jid_parse fills a struct jid whose `str` comes from the heap
 * given (heap.h; NULL: the C library); release with jid_free. The
 * SEMANTICS rule 0.5 comparison (case-insensitive local and domain,
 * case-sensitive resource) is plain byte equality after parsing.
 */
#ifndef SESSIM_MODEL_JID_H
#define SESSIM_MODEL_JID_H

#include <stdbool.h>
#include <stddef.h>

#define JID_PART_MAX 1023u

/* X(name, description) */
#define JID_ERRORS(X)                                        \
    X(OK, "valid")                                           \
    X(EMPTY, "empty address")                                \
    X(EMPTY_LOCAL, "empty localpart")                        \
    X(EMPTY_DOMAIN, "empty domainpart")                      \
    X(EMPTY_RESOURCE, "empty resourcepart")                  \
    X(LOCAL_TOO_LONG, "localpart longer than 1023 bytes")    \
    X(DOMAIN_TOO_LONG, "domainpart longer than 1023 bytes")  \
    X(RESOURCE_TOO_LONG, "resourcepart longer than 1023 bytes") \
    X(LOCAL_CHAR, "forbidden character in localpart")        \
    X(DOMAIN_CHAR, "invalid domainpart")                     \
    X(RESOURCE_CHAR, "forbidden character in resourcepart")  \
    X(UTF8, "invalid UTF-8")

enum jid_error {
#define JID_ENUM(name, text) JID_E_##name,
    JID_ERRORS(JID_ENUM)
#undef JID_ENUM
};

struct heap;

struct jid {
    char *str;            /* normalised "local@domain/resource", owned */
    struct heap *heap;    /* allocator of str */
    size_t local_len;     /* 0: no localpart */
    size_t domain_len;
    size_t resource_len;  /* 0: no resourcepart (a bare JID) */
};

/* Parses len bytes of s. On success fills *j, its string on h (free with
 * jid_free); on failure *j is zeroed and nothing needs freeing. */
enum jid_error jid_parse(struct jid *j, struct heap *h, const char *s, size_t len);
/* Releases j->str and zeroes *j. NULL or a zeroed jid is a no-op. */
void jid_free(struct jid *j);
/* Description of an error ("empty localpart"). */
const char *jid_error_text(enum jid_error e);

/* Pointers into j->str (not NUL-terminated except the full string) and
 * lengths of each part; a missing part has length 0. */
const char *jid_local(const struct jid *j);
const char *jid_domain(const struct jid *j);
const char *jid_resource(const struct jid *j);
/* Length of the bare form "local@domain" / "domain" at the start of str. */
size_t jid_bare_len(const struct jid *j);
bool jid_is_bare(const struct jid *j);
/* Byte equality of the full forms; of the bare forms. */
bool jid_equal(const struct jid *a, const struct jid *b);
/* Whether j's domainpart is exactly domain (a normalised domain). */
bool jid_domain_is(const struct jid *j, const char *domain);
bool jid_bare_equal(const struct jid *a, const struct jid *b);

/* Copies the localpart into out (cap > 0 bytes, NUL-terminated, truncated
 * to cap - 1 bytes if needed; JID_PART_MAX + 1 always fits); returns its
 * length. A zeroed jid copies as "" (length 0), as do the next. */
size_t jid_local_copy(const struct jid *j, char *out, size_t cap);
/* Copies the bare form into out (cap > 0 bytes, NUL-terminated, truncated
 * to cap - 1 bytes if needed); returns the bare form's full length. */
size_t jid_bare_copy(const struct jid *j, char *out, size_t cap);

/* Validates and normalises single parts, writing the normalised part into
 * out (which must hold len + 1 bytes; NUL-terminated). */
enum jid_error jid_local_prep(const char *s, size_t len, char *out);
enum jid_error jid_domain_prep(const char *s, size_t len, char *out);
enum jid_error jid_resource_prep(const char *s, size_t len, char *out);

#endif
