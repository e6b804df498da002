/* jid: parsing and comparison of XMPP addresses (RFC 7622, ASCII level).
 *
 * Each part is checked by one routine driven by a per-part rule (error
 * codes, allowed code points, case mapping). A part is first decoded as
 * UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) and
 * its code points are checked, then the domainpart gets its structural
 * check (labels or IP literal). jid_parse reports size errors (empty, too
 * long) for all parts, left to right, before any character error, so an
 * oversized input is refused before anything is allocated.
 */
#include "jid.h"

#include <stdint.h>
#include <string.h>

#include "heap.h"

enum jid_part { JID_LOCAL, JID_DOMAIN, JID_RESOURCE, JID_PARTS };

struct jid_rule {
    enum jid_error empty;
    enum jid_error too_long;
    enum jid_error bad_char;
    bool local;                   /* refuses the localpart's forbidden ASCII
                                   * characters (local_forbidden) */
    bool lower;                   /* ASCII lower-casing (SEMANTICS 0.5) */
    bool domain;                  /* trailing dot, labels or IP literal */
};

/* Unicode general category Cc: C0 controls, DEL and C1 controls. Every
 * part refuses them; the domainpart's ASCII syntax is checked afterwards
 * by domain_valid. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* RFC 7622 §3.3.1: " & ' / : < > @ are forbidden in a localpart, and space
 * is outside the PRECIS IdentifierClass (controls are refused in every
 * part by is_control). */
static bool local_forbidden(unsigned char c)
{
    switch (c) {
    case '"': case '&': case '\'': case '/': case ':': case '<': case '>': case ' ': case '@':
        return true;
    default:
        return false;
    }
}

static const struct jid_rule jid_rules[JID_PARTS] = {
    [JID_LOCAL] = {JID_E_EMPTY_LOCAL, JID_E_LOCAL_TOO_LONG, JID_E_LOCAL_CHAR, true, true,
                   false},
    [JID_DOMAIN] = {JID_E_EMPTY_DOMAIN, JID_E_DOMAIN_TOO_LONG, JID_E_DOMAIN_CHAR, false, true,
                    true},
    [JID_RESOURCE] = {JID_E_EMPTY_RESOURCE, JID_E_RESOURCE_TOO_LONG, JID_E_RESOURCE_CHAR,
                      false, false, false},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Decodes one UTF-8 sequence at s (len > 0 bytes available). Returns its
 * length and sets *cp, or returns 0 for an ill-formed sequence. The ranges
 * of the second byte are those of Unicode Table 3-7: they exclude
 * overlongs (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF) and code
 * points above U+10FFFF (F4 90-BF, F5-FF). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF)
        n = 2;
    else if (b >= 0xE0 && b <= 0xEF)
        n = 3;
    else if (b >= 0xF0 && b <= 0xF4)
        n = 4;
    else
        return 0;
    if (b == 0xE0)
        lo = 0xA0;
    else if (b == 0xED)
        hi = 0x9F;
    else if (b == 0xF0)
        lo = 0x90;
    else if (b == 0xF4)
        hi = 0x8F;
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    *cp = b & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3Fu);
    }
    return n;
}

/* Reports the first problem in byte order: JID_E_UTF8 or rule->bad_char.
 * The localpart's forbidden characters are ASCII, so a sequence's lead
 * byte is never one of them. */
static enum jid_error scan_code_points(const struct jid_rule *rule,
                                       const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return JID_E_UTF8;
        if (is_control(cp) || (rule->local && local_forbidden(p[i])))
            return rule->bad_char;
        i += n;
    }
    return JID_E_OK;
}

/* Reads a decimal octet (RFC 3986 dec-octet: 0-255, no leading zero)
 * at s[*i]; advances *i past it. */
static bool read_dec_octet(const char *s, size_t len, size_t *i)
{
    size_t start = *i;
    unsigned value = 0;
    while (*i < len && is_digit(s[*i]) && *i - start < 3)
        value = value * 10 + (unsigned)(s[(*i)++] - '0');
    if (*i == start || value > 255)
        return false;
    return !(s[start] == '0' && *i - start > 1);
}

/* Dotted-quad IPv4 address, exactly four dec-octets. */
static bool ipv4_valid(const char *s, size_t len)
{
    size_t i = 0;
    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0 && (i >= len || s[i++] != '.'))
            return false;
        if (!read_dec_octet(s, len, &i))
            return false;
    }
    return i == len;
}

/* RFC 4291 §2.2 text form (RFC 3986 IPv6address): eight groups of 1-4 hex
 * digits, or fewer with one "::", the last two optionally an IPv4 address.
 * No zone identifier, no IPvFuture. */
static bool ipv6_valid(const char *s, size_t len)
{
    size_t i = 0, groups = 0;
    bool compressed = false;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        compressed = true;
        i = 2;
    }
    while (i < len && groups < 8) {
        size_t start = i;
        while (i < len && is_hex(s[i]) && i - start < 4)
            i++;
        if (i < len && s[i] == '.') {
            if (!ipv4_valid(s + start, len - start))
                return false;
            groups += 2;
            i = len;
            break;
        }
        if (i == start)
            return false;
        groups++;
        if (i == len)
            break;
        if (s[i++] != ':' || i == len)
            return false;
        if (s[i] == ':') {
            if (compressed)
                return false;
            compressed = true;
            i++;
        }
    }
    if (i != len)
        return false;
    return compressed ? groups <= 7 : groups == 8;
}

/* Letters, digits, '-' and non-ASCII (already validated UTF-8) in
 * non-empty labels separated by single dots. A domain whose last label is
 * all digits is no hostname (RFC 1123 §2.1, RFC 3696 §2): it must then be
 * a dotted-quad IPv4 address. */
static bool hostname_valid(const char *s, size_t len)
{
    size_t label = 0;
    bool numeric = true;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (i == label)
                return false;
            label = i + 1;
            numeric = true;
        } else if (is_alpha(c) || c == '-' || (unsigned char)c >= 0x80) {
            numeric = false;
        } else if (!is_digit(c)) {
            return false;
        }
    }
    if (label == len)
        return false;
    return !numeric || ipv4_valid(s, len);
}

/* A domainpart without its trailing dot: hostname or "[IPv6]". */
static bool domain_valid(const char *s, size_t len)
{
    if (s[0] == '[')
        return len >= 2 && s[len - 1] == ']' && ipv6_valid(s + 1, len - 2);
    return hostname_valid(s, len);
}

/* Length of a part once its form is fixed: RFC 7622 §3.2 strips one
 * trailing dot from a domainpart before it is compared or used. */
static size_t part_len(const struct jid_rule *rule, const char *s, size_t len)
{
    if (rule->domain && len > 0 && s[len - 1] == '.')
        return len - 1;
    return len;
}

static enum jid_error check_size(const struct jid_rule *rule, size_t len)
{
    if (len == 0)
        return rule->empty;
    if (len > JID_PART_MAX)
        return rule->too_long;
    return JID_E_OK;
}

/* Validates one part and writes its normalised form to out (NUL-terminated,
 * *out_len bytes before the NUL). On failure out is the empty string and
 * *out_len is left alone (the callers drop it). */
static enum jid_error prep_part(const struct jid_rule *rule, const char *s,
                                size_t len, char *out, size_t *out_len)
{
    size_t n = part_len(rule, s, len);
    enum jid_error e = check_size(rule, n);
    if (e == JID_E_OK)
        e = scan_code_points(rule, s, n);
    if (e == JID_E_OK && rule->domain && !domain_valid(s, n))
        e = rule->bad_char;
    out[0] = '\0';
    if (e != JID_E_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        out[i] = rule->lower && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out[n] = '\0';
    *out_len = n;
    return JID_E_OK;
}

enum jid_error jid_local_prep(const char *s, size_t len, char *out)
{
    size_t n;
    return prep_part(&jid_rules[JID_LOCAL], s, len, out, &n);
}

enum jid_error jid_domain_prep(const char *s, size_t len, char *out)
{
    size_t n;
    return prep_part(&jid_rules[JID_DOMAIN], s, len, out, &n);
}

enum jid_error jid_resource_prep(const char *s, size_t len, char *out)
{
    size_t n;
    return prep_part(&jid_rules[JID_RESOURCE], s, len, out, &n);
}

/* The input cut into its parts; a part that is absent has start NULL. */
struct jid_split {
    const char *start[JID_PARTS];
    size_t len[JID_PARTS];
};

/* The domainpart ends at the first '/'; the localpart is what precedes the
 * first '@' that comes before that '/' (RFC 7622 §3.1). */
static void split(const char *s, size_t len, struct jid_split *p)
{
    const char *end = s + len;
    const char *slash = memchr(s, '/', len);
    const char *bare_end = slash != NULL ? slash : end;
    const char *at = memchr(s, '@', (size_t)(bare_end - s));
    const char *domain = at != NULL ? at + 1 : s;
    memset(p, 0, sizeof *p);
    if (at != NULL) {
        p->start[JID_LOCAL] = s;
        p->len[JID_LOCAL] = (size_t)(at - s);
    }
    p->start[JID_DOMAIN] = domain;
    p->len[JID_DOMAIN] = (size_t)(bare_end - domain);
    if (slash != NULL) {
        p->start[JID_RESOURCE] = slash + 1;
        p->len[JID_RESOURCE] = (size_t)(end - slash - 1);
    }
}

static enum jid_error check_sizes(const struct jid_split *p)
{
    for (int k = 0; k < JID_PARTS; k++) {
        const struct jid_rule *rule = &jid_rules[k];
        enum jid_error e;
        if (p->start[k] == NULL)
            continue;
        e = check_size(rule, part_len(rule, p->start[k], p->len[k]));
        if (e != JID_E_OK)
            return e;
    }
    return JID_E_OK;
}

/* Writes "local@domain/resource" to str, which holds the input length + 1:
 * no part grows, so each one is written no further right than it was read
 * and has room for its len + 1 bytes. */
static enum jid_error build(struct jid *j, char *str, const struct jid_split *p)
{
    size_t *lens[JID_PARTS] = {&j->local_len, &j->domain_len, &j->resource_len};
    char *o = str;
    for (int k = 0; k < JID_PARTS; k++) {
        enum jid_error e;
        if (p->start[k] == NULL)
            continue;
        if (k == JID_RESOURCE)
            *o++ = '/';
        e = prep_part(&jid_rules[k], p->start[k], p->len[k], o, lens[k]);
        if (e != JID_E_OK)
            return e;
        o += *lens[k];
        if (k == JID_LOCAL)
            *o++ = '@';
    }
    return JID_E_OK;
}

enum jid_error jid_parse(struct jid *j, struct heap *h, const char *s, size_t len)
{
    struct jid_split parts;
    enum jid_error e;
    char *str;
    memset(j, 0, sizeof *j);
    if (len == 0)
        return JID_E_EMPTY;
    split(s, len, &parts);
    e = check_sizes(&parts);
    if (e != JID_E_OK)
        return e;
    str = heap_alloc(h, len + 1);
    e = build(j, str, &parts);
    if (e != JID_E_OK) {
        heap_free(h, str);
        memset(j, 0, sizeof *j);
        return e;
    }
    j->str = str;
    j->heap = h;
    return JID_E_OK;
}

void jid_free(struct jid *j)
{
    if (j == NULL)
        return;
    heap_free(j->heap, j->str);
    memset(j, 0, sizeof *j);
}

const char *jid_error_text(enum jid_error e)
{
    switch (e) {
#define JID_TEXT(name, text) \
    case JID_E_##name:       \
        return text;
        JID_ERRORS(JID_TEXT)
#undef JID_TEXT
    }
    return "unknown JID error";
}

/* A zeroed jid has no string: its parts are NULL with length 0. */
static const char *at_offset(const struct jid *j, size_t offset)
{
    return j->str != NULL ? j->str + offset : NULL;
}

const char *jid_local(const struct jid *j)
{
    return j->str;
}

const char *jid_domain(const struct jid *j)
{
    return at_offset(j, j->local_len > 0 ? j->local_len + 1 : 0);
}

/* Without a resource: the end of the string (""). */
const char *jid_resource(const struct jid *j)
{
    size_t bare = jid_bare_len(j);
    return at_offset(j, j->resource_len > 0 ? bare + 1 : bare);
}

size_t jid_bare_len(const struct jid *j)
{
    return (j->local_len > 0 ? j->local_len + 1 : 0) + j->domain_len;
}

bool jid_is_bare(const struct jid *j)
{
    return j->resource_len == 0;
}

static size_t full_len(const struct jid *j)
{
    return jid_bare_len(j) + (j->resource_len > 0 ? j->resource_len + 1 : 0);
}

static bool same_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

/* SEMANTICS 0.5: parsing already lower-cased localpart and domainpart, so
 * address equality is byte equality. */
bool jid_equal(const struct jid *a, const struct jid *b)
{
    return same_bytes(a->str, full_len(a), b->str, full_len(b));
}

bool jid_domain_is(const struct jid *j, const char *domain)
{
    return same_bytes(jid_domain(j), j->domain_len, domain, strlen(domain));
}

bool jid_bare_equal(const struct jid *a, const struct jid *b)
{
    return same_bytes(a->str, jid_bare_len(a), b->str, jid_bare_len(b));
}

size_t jid_bare_copy(const struct jid *j, char *out, size_t cap)
{
    size_t len = jid_bare_len(j);
    size_t n = len < cap ? len : cap - 1;
    if (n > 0)
        memcpy(out, j->str, n);
    out[n] = '\0';
    return len;
}

size_t jid_local_copy(const struct jid *j, char *out, size_t cap)
{
    size_t n = j->local_len < cap ? j->local_len : cap - 1;
    if (n > 0)
        memcpy(out, jid_local(j), n);
    out[n] = '\0';
    return j->local_len;
}
