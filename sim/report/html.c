/* html: the HTML report with sequence diagrams (contract in html.h).
 *
 * Each scenario is rendered when it is added, into its own section, so the
 * report keeps text, not runner results. A diagram is built in two passes:
 * the recorded events and the steps become a list of rows (an arrow, a
 * mark on one lane, a note, the failure), each with its height; then the
 * rows are written as SVG, whose height is then known. Rows are grouped
 * in bands, one per step, labelled with the step's number, client and
 * action. Arrows are only drawn between a client lane and the server lane;
 * the stanza itself is written in a text column on the right, wrapped to
 * a few lines (the whole of it is in the row's tooltip).
 */
#include "report/html.h"

#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/text.h"
#include "model/buf.h"
#include "base/mem.h"
#include "model/xmlstream.h"


/* Geometry of a diagram, in pixels. */
#define HTML_LABEL_W 200          /* step labels */
#define HTML_LANE_W 104           /* one lane */
#define HTML_TEXT_W 690           /* stanza text column */
#define HTML_HEAD_H 46            /* lane titles */
#define HTML_LINE_H 14            /* one line of stanza text */
#define HTML_COMPACT_H 12         /* a row of harness traffic */
#define HTML_PAD 4                /* above and below a row's text */
#define HTML_TEXT_COLS 104        /* characters of stanza text per line */
#define HTML_TEXT_LINES 3         /* lines of stanza text per row at most */
#define HTML_LABEL_COLS 31        /* characters of a step label */
#define HTML_TITLE_MAX 4000       /* bytes of text in a tooltip */
#define HTML_FAIL_LINES 14        /* lines of a failure shown in the diagram */

/* What a row of a diagram shows. */
enum row_kind { ROW_ARROW, ROW_MARK, ROW_NOTE, ROW_FAIL };

struct row {
    enum row_kind kind;
    size_t step;                  /* band; RUNNER_NO_STEP: after the last step */
    int from, to;                 /* lane positions (an arrow, or a mark: from) */
    const char *cls;              /* CSS class of the arrow or mark */
    char *text;                   /* the stanza or the mark's text (owned) */
    char *lines;                  /* text as shown: wrapped lines (owned) */
    char *mark;                   /* short text at the lane (owned), or NULL */
    bool compact;                 /* harness traffic: small and grey */
    int height;
};

struct rows {
    struct row *items;
    size_t len, cap;
};

struct html_entry {
    char *path, *name;
    int outcome;                  /* enum runner_outcome, or -1: did not load */
    char *tags, *spec;            /* rendered cells */
    size_t steps_run, steps, skipped;
    char *section;                /* rendered HTML */
};

struct html_report {
    struct html_entry *items;
    size_t len, cap;
};

/* A scenario being rendered. */
struct diagram {
    const struct scenario *s;
    const struct runner_result *res;
    int nleft;                    /* clients left of the server */
    int lanes;                    /* clients + server */
    struct rows rows;
};

/* ---- text ---- */

/* Length of the UTF-8 sequence at s (at most len bytes), or 0 if it is
 * not a valid one. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0                   ? 4
                                                         : 0;
    if (n == 0 || n > len || (n == 2 && s[0] < 0xC2))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Appends at most max characters of text, escaped for HTML and XML:
 * markup characters as entities, control characters as \n, \t or \xHH
 * (line breaks kept as they are in HTML text, where multiline is set),
 * invalid UTF-8 as U+FFFD. Returns the number of bytes of text used. */
static size_t escape_text(struct buf *out, const char *text, size_t len, size_t max,
                          bool multiline)
{
    size_t i = 0;
    for (size_t chars = 0; i < len && chars < max; chars++) {
        unsigned char c = (unsigned char)text[i];
        size_t n = utf8_len((const unsigned char *)text + i, len - i);
        static const char *const entity[] = {['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
                                             ['"'] = "&quot;", ['\''] = "&#39;"};
        if (n == 0) {
            buf_puts(out, "\xEF\xBF\xBD");
            n = 1;
        } else if (c < 0x80 && c < COUNT(entity) && entity[c] != NULL) {
            buf_puts(out, entity[c]);
        } else if (multiline && c == '\n') {
            buf_putc(out, '\n');
        } else if (c == '\n' || c == '\t') {
            buf_puts(out, c == '\n' ? "\\n" : "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            char esc[5] = {'\\', 'x', hex[c >> 4], hex[c & 15], '\0'};
            buf_puts(out, esc);
        } else {
            buf_append(out, text + i, n);
        }
        i += n;
    }
    return i;
}

/* One line of text (in SVG): line breaks shown as \n. */
static size_t escape_chars(struct buf *out, const char *text, size_t len, size_t max)
{
    return escape_text(out, text, len, max, false);
}

static void escape(struct buf *out, const char *text)
{
    escape_chars(out, text, strlen(text), (size_t)-1);
}

/* Bytes of the first max characters of s. */
static size_t chars_bytes(const char *s, size_t len, size_t max)
{
    size_t i = 0;
    for (size_t chars = 0; i < len && chars < max; chars++) {
        size_t n = utf8_len((const unsigned char *)s + i, len - i);
        i += n ? n : 1;
    }
    return i;
}

/* ---- rows ---- */

static struct row *row_add(struct diagram *d, enum row_kind kind, size_t step, const char *cls)
{
    struct rows *r = &d->rows;
    if (r->len == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 32;
        r->items = mem_realloc(r->items, r->cap * sizeof *r->items);
    }
    struct row *w = &r->items[r->len++];
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->step = step;
    w->cls = cls;
    return w;
}

static void rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->len; i++) {
        free(r->items[i].text);
        free(r->items[i].lines);
        free(r->items[i].mark);
    }
    free(r->items);
}

/* Lane position of a client (the server sits between the two halves). */
static int lane_of(const struct diagram *d, size_t client)
{
    if (client == SCENARIO_NO_CLIENT)
        return d->nleft;
    return (int)client < d->nleft ? (int)client : (int)client + 1;
}

/* Where to end a display line of at most max characters of p: after a
 * '>' or a space in its last third if there is one, so that tags and
 * words stay whole. */
static size_t line_break(const char *p, size_t len, size_t max)
{
    size_t n = chars_bytes(p, len, max);
    if (n == len)
        return n;
    for (size_t k = n; k > n * 2 / 3; k--)
        if (p[k - 1] == '>' || p[k - 1] == ' ')
            return k;
    return n;
}

/* The display lines of text: wrapped at cols characters, a '\n' in text
 * starting a new line, continuation lines indented by indent spaces, at
 * most max_lines lines (the last ending in an ellipsis when cut). */
static char *wrap_lines(const char *text, size_t cols, size_t max_lines, size_t indent)
{
    struct buf b = {0};
    const char *p = text;
    size_t len = strlen(text);
    for (size_t line = 0; len > 0 && line < max_lines; line++) {
        bool cont = line > 0 && p[-1] != '\n';
        size_t room = cols - (cont ? indent : 0);
        const char *nl = memchr(p, '\n', len);
        size_t logical = nl ? (size_t)(nl - p) : len;
        size_t n = line_break(p, logical, room);
        if (line > 0)
            buf_putc(&b, '\n');
        for (size_t k = 0; cont && k < indent; k++)
            buf_putc(&b, ' ');
        bool cut = line + 1 == max_lines && n < len;
        buf_append(&b, p, cut ? chars_bytes(p, n, room - 1) : n);
        if (cut)
            buf_puts(&b, "\xE2\x80\xA6");
        if (n == logical && nl != NULL)
            n++;
        p += n;
        len -= n;
    }
    return text_take(&b);
}

static void row_measure(struct row *w, size_t wide_cols)
{
    if (w->text == NULL) {
        w->height = 2 * HTML_PAD + HTML_LINE_H;
        return;
    }
    bool wide = w->kind == ROW_FAIL || w->kind == ROW_NOTE;
    size_t max_lines = w->compact ? 1 : w->kind == ROW_FAIL ? HTML_FAIL_LINES : HTML_TEXT_LINES;
    w->lines = wrap_lines(w->text, wide ? wide_cols : HTML_TEXT_COLS, max_lines,
                          w->kind == ROW_FAIL ? 10 : 0);
    int lines = 1;
    for (const char *p = w->lines; *p != '\0'; p++)
        lines += *p == '\n';
    w->height = w->compact ? HTML_COMPACT_H : 2 * HTML_PAD + lines * HTML_LINE_H;
}

/* ---- geometry ---- */

static int lane_x(int lane)
{
    return HTML_LABEL_W + lane * HTML_LANE_W + HTML_LANE_W / 2;
}

static int label_right(const struct diagram *d)
{
    return HTML_LABEL_W + d->lanes * HTML_LANE_W + 12;
}

static int svg_width(const struct diagram *d)
{
    return label_right(d) + HTML_TEXT_W;
}

/* ---- from events and steps to rows ---- */

/* The name of the first element in text ("presence", "stream:error"),
 * after an XML declaration, into name (size bytes). */
static void element_name(const char *text, char *name, size_t size)
{
    const char *p = text;
    if (strncmp(p, "<?xml", 5) == 0) {
        const char *end = strstr(p, "?>");
        p = end ? end + 2 : p + strlen(p);
    }
    size_t n = 0;
    if (*p == '<')
        for (p++; *p != '\0' && !strchr(" \t\r\n/>", *p) && n + 1 < size; p++)
            name[n++] = *p;
    name[n] = '\0';
}

/* Whether the first tag of text has attribute name='value' (or "value"). */
static bool first_tag_has(const char *text, const char *attr)
{
    const char *end = strchr(text, '>');
    size_t n = end ? (size_t)(end - text) : strlen(text);
    struct buf a = {0}, b = {0};
    buf_puts(&a, attr);
    for (size_t i = 0; i < a.len; i++)
        buf_putc(&b, a.data[i] == '\'' ? '"' : a.data[i]);
    bool found = false;
    for (size_t i = 0; i + a.len <= n && !found; i++)
        found = memcmp(text + i, a.data, a.len) == 0 || memcmp(text + i, b.data, b.len) == 0;
    buf_free(&a);
    buf_free(&b);
    return found;
}

static bool is_error(const char *text, const char *name)
{
    return strcmp(name, "stream:error") == 0 || strcmp(name, "failure") == 0 ||
           first_tag_has(text, " type='error'");
}

/* CSS class of a stanza's arrow. */
static const char *class_of_stanza(const char *text)
{
    static const char *const kinds[] = {"presence", "message", "iq"};
    char name[64];
    element_name(text, name, sizeof name);
    if (is_error(text, name))
        return "error";
    for (size_t i = 0; i < COUNT(kinds); i++)
        if (strcmp(name, kinds[i]) == 0)
            return kinds[i];
    return "stream";
}

/* Stream negotiation the harness does for connect, auth, bind and
 * register: headers, features, SASL, the bind iq and its result. */
static bool is_routine(const struct runner_event *e)
{
    char name[64];
    element_name(e->text, name, sizeof name);
    if (e->kind == RUNNER_EVENT_HEADER || e->kind == RUNNER_EVENT_OPEN)
        return true;
    if (e->kind == RUNNER_EVENT_SENT)
        return strcmp(name, "stream:stream") == 0 || strcmp(name, "auth") == 0 ||
               (strcmp(name, "iq") == 0 && first_tag_has(e->text, " id='bind_"));
    if (e->kind != RUNNER_EVENT_RECEIVED)
        return false;
    return strcmp(name, "stream:features") == 0 || strcmp(name, "success") == 0 ||
           (strcmp(name, "iq") == 0 && first_tag_has(e->text, " id='bind_") &&
            !is_error(e->text, name));
}

static bool is_harness_step(const struct scenario_step *st)
{
    return st->kind == SCENARIO_STEP_CONNECT || st->kind == SCENARIO_STEP_AUTH ||
           st->kind == SCENARIO_STEP_BIND || st->kind == SCENARIO_STEP_REGISTER;
}

static char *wrap_text(const char *prefix, const char *text, const char *suffix)
{
    struct buf b = {0};
    buf_puts(&b, prefix);
    buf_puts(&b, text);
    buf_puts(&b, suffix);
    return text_take(&b);
}

static char *conn_text(const char *prefix, unsigned conn, const char *suffix)
{
    struct buf b = {0};
    buf_puts(&b, prefix);
    buf_put_u64(&b, conn);
    buf_puts(&b, suffix);
    return text_take(&b);
}

/* A mark on one lane: its short text at the lane, the longer one in the
 * text column. */
static void mark_row(struct diagram *d, size_t step, int lane, const char *cls,
                     const char *mark, char *text)
{
    struct row *w = row_add(d, ROW_MARK, step, cls);
    w->from = w->to = lane;
    w->mark = mem_strdup(mark);
    w->text = text;
}

static void arrow_row(struct diagram *d, const struct runner_event *e, bool compact)
{
    bool sent = e->kind == RUNNER_EVENT_SENT;
    struct row *w = row_add(d, ROW_ARROW, e->step, NULL);
    int client = lane_of(d, e->client), server = d->nleft;
    w->from = sent ? client : server;
    w->to = sent ? server : client;
    if (e->kind == RUNNER_EVENT_HEADER) {
        w->cls = "stream";
        w->text = wrap_text("<stream:stream id='", e->text, "'>");
    } else if (e->kind == RUNNER_EVENT_STREAM_END) {
        w->cls = "close";
        w->text = mem_strdup(XMLSTREAM_CLOSE);
    } else {
        w->cls = class_of_stanza(e->text);
        w->text = mem_strdup(e->text);
    }
    char name[64];
    element_name(w->text, name, sizeof name);
    if (strcmp(name, "stream:error") == 0)
        w->mark = mem_strdup("\xE2\x9A\xA0");    /* U+26A0 warning sign */
    w->compact = compact;
}

static void event_row(struct diagram *d, const struct runner_event *e)
{
    const struct scenario_step *st = e->step < d->s->step_count ? &d->s->steps[e->step] : NULL;
    bool compact = st != NULL && is_harness_step(st) && st->client == e->client && is_routine(e);
    int lane = lane_of(d, e->client);
    switch (e->kind) {
    case RUNNER_EVENT_OPEN: {
        mark_row(d, e->step, lane, "open", "\xE2\x97\x8B", conn_text("connection ", e->conn,
                                                                    " opened"));
        d->rows.items[d->rows.len - 1].compact = true;
        return;
    }
    case RUNNER_EVENT_CLOSED:
        mark_row(d, e->step, lane, "close", "\xE2\x9C\x95",
                 conn_text("connection ", e->conn, " closed by the server"));
        return;
    case RUNNER_EVENT_HANGUP:
        mark_row(d, e->step, lane, "close", "\xE2\x9C\x82",
                 conn_text("connection ", e->conn, " dropped by the client (no closing tag)"));
        return;
    case RUNNER_EVENT_RESTART:
        mark_row(d, e->step, d->nleft, "restart", "\xE2\x9F\xB2",
                 mem_strdup("server restart: every connection dropped, volatile state lost"));
        return;
    case RUNNER_EVENT_SENT:
    case RUNNER_EVENT_HEADER:
    case RUNNER_EVENT_RECEIVED:
    case RUNNER_EVENT_STREAM_END:
        arrow_row(d, e, compact);
        return;
    case RUNNER_EVENT_PENDING:   /* a second look at a RECEIVED stanza */
        return;
    }
}

/* "31d", "5m", "250ms": the largest unit that divides ms. */
static void duration(struct buf *b, unsigned long long ms)
{
    static const struct {
        const char *unit;
        unsigned long long ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
    for (size_t i = 0; i < COUNT(units); i++) {
        if (ms != 0 && ms % units[i].ms == 0) {
            buf_put_u64(b, ms / units[i].ms);
            buf_puts(b, units[i].unit);
            return;
        }
    }
    buf_put_u64(b, ms);
    buf_puts(b, "ms");
}

static char *receive_text(const struct scenario_step *st)
{
    struct buf b = {0};
    buf_puts(&b, "receive ");
    if (st->receive.kind == SCENARIO_RECEIVE_NOTHING)
        buf_puts(&b, "nothing");
    else if (st->receive.kind == SCENARIO_RECEIVE_CLOSED)
        buf_puts(&b, "closed");
    else if (st->receive.kind == SCENARIO_RECEIVE_AMONG)
        buf_puts(&b, "among ");
    bool patterns = st->receive.kind == SCENARIO_RECEIVE_STANZAS ||
                    st->receive.kind == SCENARIO_RECEIVE_AMONG;
    for (size_t i = 0; patterns && i < st->receive.patterns.count; i++) {
        buf_puts(&b, i ? " | " : "");
        buf_puts(&b, st->receive.patterns.items[i].text);
    }
    return text_take(&b);
}

static char *check_text(const struct scenario_step *st)
{
    static const char *const keys[] = {
#define HTML_CHECK_WORD(n, w) w,
        SCENARIO_CHECK_KEYS(HTML_CHECK_WORD)
#undef HTML_CHECK_WORD
    };
    struct buf b = {0};
    buf_puts(&b, "check:");
    for (size_t k = 0; k < COUNT(keys); k++)
        if (st->check.given & (1u << k)) {
            buf_putc(&b, ' ');
            buf_puts(&b, keys[k]);
        }
    buf_puts(&b, " (model state as expected)");
    return text_take(&b);
}

/* The rows a step adds after its traffic: what it checked or said. */
static void step_rows(struct diagram *d, size_t i, bool had_rows)
{
    const struct scenario_step *st = &d->s->steps[i];
    bool failed = d->res->fail_step == i;
    int lane = lane_of(d, st->client);
    struct buf b = {0};
    switch (st->kind) {
    case SCENARIO_STEP_RECEIVE:
        if (!failed)
            mark_row(d, i, lane, "ok", "\xE2\x9C\x93", receive_text(st));
        break;
    case SCENARIO_STEP_CHECK:
        if (!failed)
            mark_row(d, i, d->nleft, "ok", "\xE2\x9C\x93", check_text(st));
        break;
    case SCENARIO_STEP_NOTE:
        row_add(d, ROW_NOTE, i, "note")->text = mem_strdup(st->note);
        break;
    case SCENARIO_STEP_ADVANCE:
        buf_puts(&b, "advance the clock by ");
        duration(&b, st->advance_ms);
        mark_row(d, i, d->nleft, "restart", "\xE2\x8F\xB1", text_take(&b));
        break;
    case SCENARIO_STEP_CONNECT:
    case SCENARIO_STEP_AUTH:
    case SCENARIO_STEP_BIND:
    case SCENARIO_STEP_SEND:
    case SCENARIO_STEP_SEND_RAW:
    case SCENARIO_STEP_CLOSE:
    case SCENARIO_STEP_DROP:
    case SCENARIO_STEP_REGISTER:
    case SCENARIO_STEP_UNREGISTER:
    case SCENARIO_STEP_ENABLE:
    case SCENARIO_STEP_ACK:
    case SCENARIO_STEP_REQUEST:
    case SCENARIO_STEP_RESUME:
    case SCENARIO_STEP_RESTART:
        if (!had_rows && !failed)
            mark_row(d, i, lane, "open", "\xC2\xB7", wrap_text(scenario_step_name(st->kind),
                                                              ": no traffic", ""));
        break;
    }
    buf_free(&b);
}

/* "\nLABEL line", continuation lines indented under the first. */
static void labelled_lines(struct buf *b, const char *label, const char *text)
{
    buf_putc(b, '\n');
    buf_puts(b, label);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p != '\n') {
            buf_putc(b, *p);
            continue;
        }
        buf_putc(b, '\n');
        for (size_t k = 0; label[k] != '\0'; k++)
            buf_putc(b, ' ');
    }
}

/* The failure in a few lines: the report's first line without its
 * location, then expected and actual (a receive), or the report's next
 * lines up to the recent traffic. */
static char *fail_text(const struct runner_result *res)
{
    const char *m = res->message ? res->message : "failed";
    const char *nl = strchr(m, '\n');
    size_t first = nl ? (size_t)(nl - m) : strlen(m);
    const char *colon = strstr(m, "): ");
    const char *start = colon && colon < m + first ? colon + 3 : m;
    struct buf b = {0};
    buf_puts(&b, "\xE2\x9C\x97 ");
    buf_append(&b, start, (size_t)(m + first - start));
    if (res->expected != NULL) {
        labelled_lines(&b, "expected: ", res->expected);
        labelled_lines(&b, "actual:   ", res->actual ? res->actual : "");
        return text_take(&b);
    }
    int lines = 1;
    for (const char *p = nl; p != NULL && p[1] != '\0' && lines < HTML_FAIL_LINES; lines++) {
        const char *next = strchr(p + 1, '\n');
        size_t n = next ? (size_t)(next - p - 1) : strlen(p + 1);
        if (strncmp(p + 1, "  recent traffic", 16) == 0)
            break;
        buf_putc(&b, '\n');
        buf_append(&b, p + 1, n);
        p = next;
    }
    return text_take(&b);
}

/* Every row of the diagram, band by band. */
static void build_rows(struct diagram *d)
{
    const struct runner_result *res = d->res;
    size_t e = 0;
    for (size_t i = 0; i < res->steps_run && i < d->s->step_count; i++) {
        size_t before = d->rows.len;
        for (; e < res->event_count && res->events[e].step <= i; e++)
            event_row(d, &res->events[e]);
        step_rows(d, i, d->rows.len > before);
        if (res->fail_step == i)
            row_add(d, ROW_FAIL, i, "fail")->text = fail_text(res);
    }
    for (; e < res->event_count; e++)
        event_row(d, &res->events[e]);
    if (res->outcome == RUNNER_FAIL && res->fail_step == RUNNER_NO_STEP)
        row_add(d, ROW_FAIL, RUNNER_NO_STEP, "fail")->text = fail_text(res);
    size_t wide_cols = (size_t)(svg_width(d) - HTML_LABEL_W - 24) * 10 / 67;
    for (size_t i = 0; i < d->rows.len; i++)
        row_measure(&d->rows.items[i], wide_cols);
}

/* ---- SVG ---- */

/* <text x y class>escaped</text>, at most max characters. */
static void svg_text(struct buf *b, int x, int y, const char *cls, const char *text, size_t len,
                     size_t max)
{
    text_printf(b, "<text x=\"%d\" y=\"%d\" class=\"%s\">", x, y, cls);
    size_t used = escape_chars(b, text, len, max);
    if (used < len)
        buf_puts(b, "\xE2\x80\xA6");
    buf_puts(b, "</text>\n");
}

static void svg_title(struct buf *b, const char *text)
{
    buf_puts(b, "<title>");
    size_t n = strlen(text);
    size_t used = escape_chars(b, text, n > HTML_TITLE_MAX ? HTML_TITLE_MAX : n, (size_t)-1);
    if (used < n)
        buf_puts(b, "\xE2\x80\xA6");
    buf_puts(b, "</title>");
}

/* The row's display lines: stanzas and marks in the text column, notes
 * and failures across the lanes. */
static void row_text(struct buf *b, const struct diagram *d, const struct row *w, int top)
{
    const char *cls = w->compact                                  ? "tc"
                      : w->kind == ROW_FAIL                         ? "tf"
                      : w->kind == ROW_NOTE                         ? "tn"
                      : w->kind == ROW_ARROW && !strcmp(w->cls, "error") ? "te"
                                                                    : "t";
    int x = w->kind == ROW_NOTE || w->kind == ROW_FAIL ? HTML_LABEL_W + 12 : label_right(d);
    int y = top + (w->compact ? 9 : HTML_PAD + 11);
    for (const char *p = w->lines; *p != '\0'; y += HTML_LINE_H) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        svg_text(b, x, y, cls, p, n, n + 1);
        p += n + (nl != NULL);
    }
}

static void svg_arrow(struct buf *b, const struct row *w, int top)
{
    int y = top + (w->compact ? 6 : HTML_PAD + 7);
    int x1 = lane_x(w->from), x2 = lane_x(w->to);
    int dir = x2 > x1 ? 1 : -1;
    int head = w->compact ? 5 : 8;
    text_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"a %s%s\"/>", x1, y,
            x2 - dir * head, y, w->cls, w->compact ? " c" : "");
    text_printf(b, "<path class=\"h %s%s\" d=\"M%d %dl%d %dv%dz\"/>\n", w->cls,
            w->compact ? " c" : "", x2, y, -dir * head, -head / 2, head);
    if (w->mark != NULL)
        svg_text(b, x2 - dir * 20, y - 3, "error", w->mark, strlen(w->mark), 2);
}

static void svg_mark(struct buf *b, const struct row *w, int top)
{
    int x = lane_x(w->from), y = top + (w->compact ? 6 : HTML_PAD + 7);
    int r = w->compact ? 3 : 7;
    text_printf(b, "<circle cx=\"%d\" cy=\"%d\" r=\"%d\" class=\"k %s\"/>", x, y, r, w->cls);
    if (!w->compact)
        svg_text(b, x, y + 4, w->cls, w->mark, strlen(w->mark), 2);
}

/* A step's band: background, and its label on the first row. */
static void svg_band(struct buf *b, const struct diagram *d, size_t step, int top, int height,
                     bool failed)
{
    const char *cls = failed ? "bf" : step % 2 ? "b1" : "b0";
    text_printf(b, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"%s\"/>\n", top,
            svg_width(d), height, cls);
    struct buf label = {0};
    if (step == RUNNER_NO_STEP) {
        buf_puts(&label, "end of the scenario");
    } else {
        const struct scenario_step *st = &d->s->steps[step];
        text_printf(&label, "%zu  L%lu  ", step + 1, st->line);
        if (st->client != SCENARIO_NO_CLIENT) {
            buf_puts(&label, d->s->clients[st->client].name);
            buf_puts(&label, ": ");
        }
        buf_puts(&label, scenario_step_name(st->kind));
    }
    svg_text(b, 6, top + HTML_PAD + 10, failed ? "l lf" : "l", label.data, label.len,
             HTML_LABEL_COLS);
    buf_free(&label);
}

static void svg_row(struct buf *b, const struct diagram *d, const struct row *w, int top)
{
    buf_puts(b, "<g>");
    if (w->text != NULL)
        svg_title(b, w->text);
    switch (w->kind) {
    case ROW_ARROW:
        svg_arrow(b, w, top);
        break;
    case ROW_MARK:
        svg_mark(b, w, top);
        break;
    case ROW_FAIL:
        text_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"fb\"/>",
                HTML_LABEL_W + 4, top + 1, svg_width(d) - HTML_LABEL_W - 8, w->height - 2);
        break;
    case ROW_NOTE:
        text_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" class=\"nb\"/>",
                HTML_LABEL_W + 4, top + 2, svg_width(d) - HTML_LABEL_W - 8, w->height - 4);
        break;
    }
    if (w->text != NULL)
        row_text(b, d, w, top);
    buf_puts(b, "</g>\n");
}

/* Lane titles and lines (drawn over the bands, under the rows). */
static void svg_lanes(struct buf *b, const struct diagram *d, int height)
{
    for (int lane = 0; lane < d->lanes; lane++) {
        bool server = lane == d->nleft;
        const struct scenario_client *c =
            server ? NULL : &d->s->clients[lane < d->nleft ? lane : lane - 1];
        int x = lane_x(lane);
        text_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>\n", x,
                HTML_HEAD_H - 6, x, height, server ? "ls" : "lc");
        const char *name = server ? "server" : c->name;
        svg_text(b, x, 16, "n", name, strlen(name), 15);
        struct buf sub = {0};
        if (server) {
            buf_puts(&sub, d->s->server.domain);
        } else {
            buf_puts(&sub, c->account);
            buf_putc(&sub, '/');
            buf_puts(&sub, c->resource);
        }
        svg_text(b, x, 32, "ns", sub.data, sub.len, 18);
        buf_free(&sub);
    }
}

/* Height of the band of each step's rows, from row i on; *end gets the
 * first row of the next band. */
static int band_height(const struct diagram *d, size_t i, size_t *end)
{
    int h = 0;
    size_t k = i;
    for (; k < d->rows.len && d->rows.items[k].step == d->rows.items[i].step; k++)
        h += d->rows.items[k].height;
    *end = k;
    return h;
}

static void svg_diagram(struct buf *b, const struct diagram *d)
{
    int height = HTML_HEAD_H + 6;
    for (size_t i = 0; i < d->rows.len; i++)
        height += d->rows.items[i].height;
    text_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" role=\"img\">\n",
            svg_width(d), height, svg_width(d), height);
    int top = HTML_HEAD_H;
    for (size_t i = 0, end; i < d->rows.len; i = end) {
        int h = band_height(d, i, &end);
        size_t step = d->rows.items[i].step;
        bool failed = d->rows.items[end - 1].kind == ROW_FAIL;
        svg_band(b, d, step, top, h, failed);
        top += h;
    }
    svg_lanes(b, d, height);
    top = HTML_HEAD_H;
    for (size_t i = 0; i < d->rows.len; i++) {
        svg_row(b, d, &d->rows.items[i], top);
        top += d->rows.items[i].height;
    }
    buf_puts(b, "</svg>\n");
}

/* ---- sections and the page ---- */

static const char *outcome_word(int outcome)
{
    return outcome < 0 ? "error" : runner_outcome_name((enum runner_outcome)outcome);
}

static char *chips(const struct scenario_strings *l, const char *cls)
{
    struct buf b = {0};
    for (size_t i = 0; i < l->count; i++) {
        text_printf(&b, "<span class=\"%s\">", cls);
        escape(&b, l->items[i].text);
        buf_puts(&b, "</span> ");
    }
    return text_take(&b);
}

/* The message up to the recent traffic, which the diagram shows. */
static void message_pre(struct buf *b, const char *m)
{
    const char *cut = strstr(m, "\n  recent traffic");
    size_t n = cut ? (size_t)(cut - m + 1) : strlen(m);
    buf_puts(b, "<pre class=\"msg\">");
    escape_text(b, m, n, (size_t)-1, true);
    buf_puts(b, "</pre>\n");
}

static void section_head(struct buf *b, const struct html_entry *e, size_t index,
                         const char *description)
{
    text_printf(b, "<section id=\"s%zu\" class=\"sc\">\n<details%s><summary><span class=\"o %s\">",
            index, e->outcome == RUNNER_PASS || e->outcome == RUNNER_SKIP ? "" : " open",
            outcome_word(e->outcome));
    buf_puts(b, outcome_word(e->outcome));
    buf_puts(b, "</span> <b>");
    escape(b, e->name);
    buf_puts(b, "</b> <span class=\"p\">");
    escape(b, e->path);
    buf_puts(b, "</span></summary>\n");
    if (description != NULL) {
        buf_puts(b, "<p class=\"d\">");
        escape_text(b, description, strlen(description), (size_t)-1, true);
        buf_puts(b, "</p>\n");
    }
    buf_puts(b, "<p class=\"i\">");
    buf_puts(b, e->tags);
    buf_puts(b, e->spec);
    text_printf(b, "%zu of %zu steps run", e->steps_run, e->steps);
    if (e->skipped > 0)
        text_printf(b, ", %zu skipped on this target", e->skipped);
    buf_puts(b, "</p>\n");
}

static struct html_entry *entry_add(struct html_report *h)
{
    if (h->len == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 32;
        h->items = mem_realloc(h->items, h->cap * sizeof *h->items);
    }
    struct html_entry *e = &h->items[h->len++];
    memset(e, 0, sizeof *e);
    return e;
}

void html_report_add(struct html_report *h, const char *path, const struct scenario *s,
                     const struct runner_result *res)
{
    struct html_entry *e = entry_add(h);
    e->path = mem_strdup(path);
    e->name = mem_strdup(s->name);
    e->outcome = (int)res->outcome;
    e->tags = chips(&s->tags, "tag");
    e->spec = chips(&s->spec, "ref");
    e->steps_run = res->steps_run;
    e->steps = s->step_count;
    e->skipped = res->steps_skipped;
    struct diagram d = {s, res, 0, 0, {0}};
    d.nleft = (int)(s->client_count + 1) / 2;
    d.lanes = (int)s->client_count + 1;
    build_rows(&d);
    struct buf b = {0};
    section_head(&b, e, h->len, s->description);
    if (d.rows.len > 0) {
        buf_puts(&b, "<div class=\"dg\">");
        svg_diagram(&b, &d);
        buf_puts(&b, "</div>\n");
    }
    if (res->message != NULL && res->message[0] != '\0')
        message_pre(&b, res->message);
    buf_puts(&b, "</details>\n</section>\n");
    e->section = text_take(&b);
    rows_free(&d.rows);
}

void html_report_add_error(struct html_report *h, const char *path, const char *message)
{
    struct html_entry *e = entry_add(h);
    e->path = mem_strdup(path);
    e->name = mem_strdup(path);
    e->outcome = -1;
    e->tags = mem_strdup("");
    e->spec = mem_strdup("");
    struct buf b = {0};
    section_head(&b, e, h->len, "The file did not load.");
    message_pre(&b, message);
    buf_puts(&b, "</details>\n</section>\n");
    e->section = text_take(&b);
}

struct html_report *html_report_new(void)
{
    struct html_report *h = mem_realloc(NULL, sizeof *h);
    memset(h, 0, sizeof *h);
    return h;
}

void html_report_free(struct html_report *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->len; i++) {
        struct html_entry *e = &h->items[i];
        free(e->path);
        free(e->name);
        free(e->tags);
        free(e->spec);
        free(e->section);
    }
    free(h->items);
    free(h);
}

static const char html_style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;"
    "color:#1f2937;background:#fff}\n"
    "h1{font-size:22px;margin:0 0 4px}\n"
    ".tot{font-size:15px;margin:4px 0 10px}.tot b{margin-right:4px}\n"
    ".lg{font-size:12px;color:#4b5563;margin:0 0 10px}"
    ".lg i{display:inline-block;width:22px;height:0;border-top:2px solid;margin:0 4px 3px 10px}\n"
    "table.sum{border-collapse:collapse;margin:8px 0 28px;font-size:13px;width:100%}\n"
    "table.sum th{background:#f3f4f6;position:sticky;top:0}\n"
    "table.sum th,table.sum td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left;"
    "vertical-align:top}\n"
    "table.sum td.n{text-align:right;color:#6b7280}\n"
    "a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}\n"
    ".o{display:inline-block;min-width:34px;text-align:center;border-radius:4px;padding:0 5px;"
    "font-weight:600;font-size:12px;color:#fff;text-transform:uppercase}\n"
    ".o.pass{background:#16a34a}.o.fail,.o.error{background:#dc2626}.o.skip{background:#9ca3af}\n"
    ".tag{background:#eef2ff;color:#3730a3;border-radius:3px;padding:0 4px;font-size:12px;"
    "white-space:nowrap}\n"
    ".ref{background:#f3f4f6;color:#374151;border-radius:3px;padding:0 4px;font-size:12px;"
    "white-space:nowrap}\n"
    "section.sc{border-top:1px solid #e5e7eb;padding:6px 0}\n"
    "summary{cursor:pointer;font-size:15px}\n"
    ".p{color:#6b7280;font-size:12px;font-family:'DejaVu Sans Mono',monospace;margin-left:6px}\n"
    ".d{white-space:pre-wrap;margin:6px 0 4px;color:#374151;max-width:110ch}\n"
    ".i{margin:4px 0;font-size:12px;color:#4b5563}\n"
    ".dg{overflow-x:auto;border:1px solid #e5e7eb;margin:6px 0}\n"
    "pre.msg{background:#fef2f2;border:1px solid #fecaca;padding:8px;overflow-x:auto;"
    "font-size:12px;margin:6px 0}\n"
    "svg text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:11px;"
    "fill:#111827;white-space:pre}\n"
    "svg .n{font-family:system-ui,sans-serif;font-weight:700;font-size:13px;text-anchor:middle}\n"
    "svg .ns{font-size:10px;fill:#6b7280;text-anchor:middle}\n"
    "svg .l{font-size:10.5px;fill:#4b5563}svg .lf{fill:#b91c1c;font-weight:700}\n"
    "svg .tc{font-size:9px;fill:#9ca3af}svg .tf{fill:#7f1d1d}svg .te{fill:#b91c1c}\n"
    "svg .tn{font-style:italic;fill:#6b7280;font-family:system-ui,sans-serif;font-size:12px}\n"
    ".b0{fill:#fff}.b1{fill:#f8fafc}.bf{fill:#fff1f2}\n"
    ".fb{fill:#fee2e2;stroke:#dc2626;stroke-width:1.2}.nb{fill:#fefce8;stroke:#fde68a}\n"
    ".lc{stroke:#cbd5e1;stroke-width:1.5}.ls{stroke:#334155;stroke-width:3}\n"
    ".a{stroke-width:1.6}.a.c{stroke-width:1}\n"
    "svg .presence:not(text){stroke:#2563eb;fill:#2563eb}"
    "svg .message:not(text){stroke:#059669;fill:#059669}\n"
    "svg .iq:not(text){stroke:#7c3aed;fill:#7c3aed}"
    "svg .stream:not(text){stroke:#64748b;fill:#64748b}\n"
    "svg .error:not(text){stroke:#dc2626;fill:#dc2626}"
    "svg .close:not(text){stroke:#b45309;fill:#b45309}\n"
    "svg .ok:not(text){stroke:#16a34a;fill:#16a34a}"
    "svg .open:not(text){stroke:#94a3b8;fill:#94a3b8}\n"
    "svg .restart:not(text){stroke:#0e7490;fill:#0e7490}\n"
    "svg .c:not(text){stroke:#cbd5e1;fill:#cbd5e1}\n"
    "svg circle.k{fill:#fff;stroke-width:1.5}\n"
    "svg text.ok,svg text.error,svg text.close,svg text.restart,svg text.open{font-weight:700;"
    "text-anchor:middle;font-family:'DejaVu Sans',sans-serif;font-size:10px}\n"
    "svg text.ok{fill:#16a34a}svg text.error{fill:#dc2626}svg text.close{fill:#b45309}"
    "svg text.restart{fill:#0e7490}svg text.open{fill:#94a3b8}\n";

static const char html_legend[] =
    "<p class=\"lg\">Arrows:<i style=\"color:#2563eb\"></i>presence"
    "<i style=\"color:#059669\"></i>message<i style=\"color:#7c3aed\"></i>iq"
    "<i style=\"color:#64748b\"></i>stream<i style=\"color:#dc2626\"></i>error"
    "<i style=\"color:#b45309\"></i>close<i style=\"color:#cbd5e1\"></i>harness negotiation. "
    "Marks: \xE2\x9C\x93 receive or check passed, \xE2\x9C\x95 closed by the server, "
    "\xE2\x9C\x82 dropped, \xE2\x9A\xA0 stream error, \xE2\x9F\xB2 restart. "
    "Hover a row for the whole stanza.</p>\n";

static void summary_table(struct buf *b, const struct html_report *h)
{
    buf_puts(b, "<table class=\"sum\">\n<tr><th>#</th><th>result</th><th>scenario</th>"
                "<th>file</th><th>tags</th><th>spec</th><th>steps</th></tr>\n");
    for (size_t i = 0; i < h->len; i++) {
        const struct html_entry *e = &h->items[i];
        text_printf(b, "<tr><td class=\"n\">%zu</td><td><span class=\"o %s\">%s</span></td>"
                   "<td><a href=\"#s%zu\">",
                i + 1, outcome_word(e->outcome), outcome_word(e->outcome), i + 1);
        escape(b, e->name);
        buf_puts(b, "</a></td><td class=\"p\">");
        escape(b, e->path);
        buf_puts(b, "</td><td>");
        buf_puts(b, e->tags);
        buf_puts(b, "</td><td>");
        buf_puts(b, e->spec);
        text_printf(b, "</td><td class=\"n\">%zu/%zu</td></tr>\n", e->steps_run, e->steps);
    }
    buf_puts(b, "</table>\n");
}

static void page_head(struct buf *b, const struct html_report *h)
{
    size_t n[4] = {0};   /* pass, fail, skip, error */
    for (size_t i = 0; i < h->len; i++)
        n[h->items[i].outcome < 0 ? 3 : h->items[i].outcome]++;
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<title>sessim report</title>\n<style>\n");
    buf_puts(b, html_style);
    buf_puts(b, "</style>\n</head>\n<body>\n<h1>sessim report</h1>\n");
    size_t first_failed = 0;
    for (size_t i = h->len; i > 0; i--)
        if (h->items[i - 1].outcome != RUNNER_PASS && h->items[i - 1].outcome != RUNNER_SKIP)
            first_failed = i;
    text_printf(b, "<p class=\"tot\"><b>%zu</b>scenarios: <span class=\"o pass\">%zu passed</span> ",
            h->len, n[0]);
    if (first_failed > 0)
        text_printf(b, "<a href=\"#s%zu\" title=\"the first failure\">", first_failed);
    text_printf(b, "<span class=\"o fail\">%zu failed</span>%s <span class=\"o skip\">%zu skipped"
               "</span>",
            n[1] + n[3], first_failed > 0 ? "</a>" : "", n[2]);
    if (n[3] > 0)
        text_printf(b, " (%zu did not load)", n[3]);
    buf_puts(b, "</p>\n");
    buf_puts(b, html_legend);
}

bool html_report_write(const struct html_report *h, FILE *f)
{
    struct buf b = {0};
    page_head(&b, h);
    summary_table(&b, h);
    bool ok = fwrite(b.data, 1, b.len, f) == b.len;
    buf_free(&b);
    for (size_t i = 0; ok && i < h->len; i++) {
        const char *s = h->items[i].section;
        ok = fwrite(s, 1, strlen(s), f) == strlen(s);
    }
    ok = ok && fputs("</body>\n</html>\n", f) >= 0;
    return ok && !ferror(f);
}
