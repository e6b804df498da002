/* inband: scripted conversations with a server (see inband.h).
 *
 * A conversation is a socket and what it has received. `await` reads
 * until one of a few markers appears (or a stream error, or the end) and
 * returns which; the text before is dropped as it is passed, so every
 * marker is searched for only in what came after the last one.
 */
#include "live/inband.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/base64.h"
#include "base/text.h"
#include "model/buf.h"
#include "model/stanza.h"

#define INBAND_QUOTE_MAX 200

struct talk {
    int fd;
    struct buf in;
    const char *what;     /* the conversation, for messages */
    char *err;
    size_t errsize;
};

static enum inband_status talk_fail(struct talk *t, enum inband_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum inband_status talk_fail(struct talk *t, enum inband_status st, const char *fmt, ...)
{
    char msg[512], quote[INBAND_QUOTE_MAX + 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    text_excerpt(buf_cstr(&t->in), t->in.len, INBAND_QUOTE_MAX, quote);
    snprintf(t->err, t->errsize, "%s: %s%s%s", t->what, msg, quote[0] ? "; the server said: " : "",
             quote);
    return st;
}

static bool talk_send(struct talk *t, const char *text)
{
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = send(t->fd, text, len, MSG_NOSIGNAL);
        if (n > 0) {
            text += n;
            len -= (size_t)n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd p = {.fd = t->fd, .events = POLLOUT};
            if (poll(&p, 1, INBAND_WAIT_MS) <= 0)
                return false;
        } else if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

/* Index of the first of markers found in what was received (searched
 * from the start), or -1; *at set to where it starts. */
static int find_marker(const struct talk *t, const char *const *markers, size_t n,
                       const char **at)
{
    const char *text = buf_cstr(&((struct talk *)t)->in);
    int best = -1;
    *at = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *p = strstr(text, markers[i]);
        if (p != NULL && (*at == NULL || p < *at)) {
            *at = p;
            best = (int)i;
        }
    }
    return best;
}

#define AWAIT_STREAM_ERROR (-2)
#define AWAIT_GONE (-3)

/* Reads until a marker arrives: its index (what came before the start tag
 * holding it dropped, that tag kept), AWAIT_STREAM_ERROR, or AWAIT_GONE (closed, time-out). */
static int await(struct talk *t, const char *const *markers, size_t n)
{
    unsigned long long deadline = clock_now_ms() + INBAND_WAIT_MS;
    for (;;) {
        const char *at;
        if (strstr(buf_cstr(&t->in), "<stream:error") != NULL)
            return AWAIT_STREAM_ERROR;
        int i = find_marker(t, markers, n, &at);
        if (i >= 0) {
            while (at > t->in.data && *at != '<')   /* the element holding the marker */
                at--;
            buf_consume(&t->in, (size_t)(at - t->in.data));
            return i;
        }
        unsigned long long now = clock_now_ms();
        struct pollfd p = {.fd = t->fd, .events = POLLIN};
        if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
            return AWAIT_GONE;
        char chunk[4096];
        ssize_t got = read(t->fd, chunk, sizeof chunk);
        if (got <= 0 && !(got < 0 && (errno == EAGAIN || errno == EINTR)))
            return AWAIT_GONE;
        if (got > 0)
            buf_append(&t->in, chunk, (size_t)got);
    }
}

static enum inband_status await_failed(struct talk *t, int got, const char *waiting)
{
    if (got == AWAIT_STREAM_ERROR)
        return talk_fail(t, INBAND_REFUSED, "stream error while waiting for %s", waiting);
    return talk_fail(t, INBAND_ERROR, "no %s within %d ms (closed or silent)", waiting,
                     INBAND_WAIT_MS);
}

/* A stream header to domain, then its features. */
static enum inband_status open_stream(struct talk *t, const char *domain)
{
    static const char *const features[] = {"</stream:features>", "<stream:features/>"};
    struct buf h = {0};
    buf_puts(&h, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' to='");
    stanza_escape_attr(domain, strlen(domain), &h);
    buf_puts(&h, "' version='1.0'>");
    bool sent = talk_send(t, buf_cstr(&h));
    buf_free(&h);
    if (!sent)
        return talk_fail(t, INBAND_ERROR, "cannot send the stream header");
    int got = await(t, features, 2);
    if (got < 0)
        return await_failed(t, got, "stream features");
    buf_consume(&t->in, strlen(features[got]));
    return INBAND_OK;
}

/* Sends an iq with id and waits for its answer: OK on type result. */
static enum inband_status iq(struct talk *t, const char *id, const char *type, const char *body)
{
    struct buf q = {0};
    text_printf(&q, "<iq type='%s' id='%s'>%s</iq>", type, id, body);
    bool sent = talk_send(t, buf_cstr(&q));
    buf_clear(&q);
    if (!sent) {
        buf_free(&q);
        return talk_fail(t, INBAND_ERROR, "cannot send iq %s", id);
    }
    text_printf(&q, "id='%s'", id);
    char dq[64];
    snprintf(dq, sizeof dq, "id=\"%s\"", id);
    const char *const markers[] = {buf_cstr(&q), dq};
    int got = await(t, markers, 2);
    buf_free(&q);
    if (got < 0)
        return await_failed(t, got, "iq answer");
    /* The answer's start tag, up to its '>': result or error. */
    const char *text = buf_cstr(&t->in);
    char *tag = strndup(text, strcspn(text, ">"));
    bool result = strstr(tag, "'result'") != NULL || strstr(tag, "\"result\"") != NULL;
    free(tag);
    return result ? INBAND_OK : talk_fail(t, INBAND_REFUSED, "iq %s was refused", id);
}

static enum inband_status sasl_plain(struct talk *t, const char *user, const char *password)
{
    static const char *const outcome[] = {"<success", "<failure"};
    struct buf plain = {0}, xml = {0};
    buf_putc(&plain, '\0');
    buf_puts(&plain, user);
    buf_putc(&plain, '\0');
    buf_puts(&plain, password);
    buf_puts(&xml, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>");
    base64_encode((const unsigned char *)plain.data, plain.len, &xml);
    buf_puts(&xml, "</auth>");
    bool sent = talk_send(t, buf_cstr(&xml));
    buf_free(&plain);
    buf_free(&xml);
    if (!sent)
        return talk_fail(t, INBAND_ERROR, "cannot send SASL PLAIN");
    int got = await(t, outcome, 2);
    if (got < 0)
        return await_failed(t, got, "SASL outcome");
    if (got == 1)
        return talk_fail(t, INBAND_REFUSED, "authentication as %s refused", user);
    buf_consume(&t->in, strlen(outcome[0]));
    return INBAND_OK;
}

static enum inband_status login(struct talk *t, const char *domain, const char *user,
                                const char *password)
{
    enum inband_status st = open_stream(t, domain);
    if (st == INBAND_OK)
        st = sasl_plain(t, user, password);
    if (st == INBAND_OK)
        st = open_stream(t, domain);
    if (st == INBAND_OK)
        st = iq(t, "sessim_bind", "set", "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>");
    return st;
}

/* Runs body on a new conversation and closes it. */
static enum inband_status converse(const struct hostport *hp, const char *what, char *err,
                                   size_t errsize,
                                   enum inband_status (*body)(struct talk *, const void *),
                                   const void *ctx)
{
    struct talk t = {.fd = -1, .what = what, .err = err, .errsize = errsize};
    char cerr[512];
    t.fd = hostport_connect(hp, HOSTPORT_CONNECT_TIMEOUT_MS, cerr, sizeof cerr);
    if (t.fd < 0)
        return talk_fail(&t, INBAND_ERROR, "%s", cerr);
    enum inband_status st = body(&t, ctx);
    talk_send(&t, "</stream:stream>");
    close(t.fd);
    buf_free(&t.in);
    return st;
}

struct inband_args {
    const char *domain, *user, *password;
};

static enum inband_status do_hello(struct talk *t, const void *ctx)
{
    const struct inband_args *a = ctx;
    return open_stream(t, a->domain);
}

static enum inband_status do_register(struct talk *t, const void *ctx)
{
    const struct inband_args *a = ctx;
    enum inband_status st = open_stream(t, a->domain);
    if (st != INBAND_OK)
        return st;
    struct buf body = {0};
    buf_puts(&body, "<query xmlns='jabber:iq:register'><username>");
    stanza_escape_attr(a->user, strlen(a->user), &body);
    buf_puts(&body, "</username><password>");
    stanza_escape_attr(a->password, strlen(a->password), &body);
    buf_puts(&body, "</password></query>");
    st = iq(t, "sessim_reg", "set", buf_cstr(&body));
    buf_free(&body);
    return st;
}

static enum inband_status do_login(struct talk *t, const void *ctx)
{
    const struct inband_args *a = ctx;
    return login(t, a->domain, a->user, a->password);
}

/* A removal may be answered by the result, or by the stream's end alone. */
static enum inband_status do_remove(struct talk *t, const void *ctx)
{
    const struct inband_args *a = ctx;
    enum inband_status st = login(t, a->domain, a->user, a->password);
    if (st != INBAND_OK)
        return st;
    st = iq(t, "sessim_unreg", "set", "<query xmlns='jabber:iq:register'><remove/></query>");
    return st == INBAND_ERROR ? INBAND_OK : st;
}

struct inband_sending {
    struct inband_args who;
    const char *stanzas;
};

static enum inband_status do_send(struct talk *t, const void *ctx)
{
    const struct inband_sending *a = ctx;
    enum inband_status st = login(t, a->who.domain, a->who.user, a->who.password);
    if (st != INBAND_OK)
        return st;
    if (!talk_send(t, a->stanzas))
        return talk_fail(t, INBAND_ERROR, "cannot send the stanzas");
    st = iq(t, "sessim_sync", "get", "<ping xmlns='urn:xmpp:ping'/>");
    return st == INBAND_REFUSED ? INBAND_OK : st;
}

enum inband_status inband_send(const struct hostport *hp, const char *domain, const char *user,
                               const char *password, const char *stanzas, char *err,
                               size_t errsize)
{
    struct inband_sending a = {{domain, user, password}, stanzas};
    return converse(hp, "setting up a roster", err, errsize, do_send, &a);
}

enum inband_status inband_hello(const struct hostport *hp, const char *domain, char *err,
                                size_t errsize)
{
    struct inband_args a = {domain, NULL, NULL};
    return converse(hp, "opening a stream", err, errsize, do_hello, &a);
}

enum inband_status inband_register(const struct hostport *hp, const char *domain,
                                   const char *user, const char *password, char *err,
                                   size_t errsize)
{
    struct inband_args a = {domain, user, password};
    return converse(hp, "in-band registration", err, errsize, do_register, &a);
}

enum inband_status inband_login(const struct hostport *hp, const char *domain, const char *user,
                                const char *password, char *err, size_t errsize)
{
    struct inband_args a = {domain, user, password};
    return converse(hp, "logging in", err, errsize, do_login, &a);
}

enum inband_status inband_remove(const struct hostport *hp, const char *domain, const char *user,
                                 const char *password, char *err, size_t errsize)
{
    struct inband_args a = {domain, user, password};
    return converse(hp, "removing an account", err, errsize, do_remove, &a);
}
