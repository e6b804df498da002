/* judge: one explorer run and its verdict (see judge.h). */
#include "explore/judge.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/exit.h"
#include "base/mem.h"
#include "base/proc.h"
#include "base/text.h"
#include "live/adapter.h"
#include "live/twin.h"
#include "model/buf.h"

#define MESSAGE_MAX (64u * 1024u) /* runner report bytes kept from a child */

void judge_verdict_free(struct judge_verdict *v)
{
    free(v->message);
    v->message = NULL;
}

/* The rule ids of the "  RULE: message" lines of an invariant report. */
static void collect_rules(const char *msg, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, " ");
    for (const char *line = strchr(msg, '\n'); line != NULL; line = strchr(line + 1, '\n')) {
        const char *p = line + 1;
        size_t n = strspn(p + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        if (strncmp(p, "  ", 2) != 0 || n == 0 || n > 8 || p[2 + n] != ':' || p[2] < 'A' ||
            p[2] > 'Z' || used + n + 2 >= size)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%.*s ", (int)n, p + 2);
    }
}

/* The first line of a harness failure past its label, with client names
 * and numbers generalised ("CLIENT has no connection (connect first)"),
 * so that shrinking keeps to the same complaint. */
static void harness_reason(const char *msg, const struct scenario *s, char *out, size_t size)
{
    const char *p = strstr(msg, "): ");
    p = p != NULL ? p + 3 : msg;
    size_t used = (size_t)snprintf(out, size, "harness: ");
    while (*p != '\0' && *p != '\n' && used + 8 < size) {
        size_t longest = 0;
        for (size_t c = 0; c < s->client_count; c++) {
            size_t n = strlen(s->clients[c].name);
            if (n > longest && strncmp(p, s->clients[c].name, n) == 0)
                longest = n;
        }
        if (longest > 0 || (*p >= '0' && *p <= '9')) {
            size_t n = longest > 0 ? longest : strspn(p, "0123456789");
            used += (size_t)snprintf(out + used, size - used, longest > 0 ? "CLIENT" : "N");
            p += n;
        } else {
            out[used++] = *p++;
            out[used] = '\0';
        }
    }
}

/* What a runner result says: the first violated rule, unparseable server
 * bytes, or the harness step that could not be done. */
static void read_result(const struct runner_result *res, const struct scenario *s, struct judge_verdict *v)
{
    v->steps_run = res->steps_run;
    if (res->outcome != RUNNER_FAIL)
        return;
    const char *msg = res->message != NULL ? res->message : "";
    v->failed = true;
    v->message = mem_strdup(msg);
    if (strstr(msg, "invariant violation") != NULL) {
        collect_rules(msg, v->rules, sizeof v->rules);
        char first[16];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(v->rules + 1, " "), v->rules + 1);
        snprintf(v->reason, sizeof v->reason, "invariant %s", first);
    } else if (strstr(msg, "bytes that do not parse") != NULL) {
        snprintf(v->reason, sizeof v->reason, "unparseable server bytes");
    } else {
        harness_reason(msg, s, v->reason, sizeof v->reason);
    }
}

/* The differential verdict: the model's own failure first, as without a
 * live server; then the live server that cannot be run; then the first
 * difference in the traffic ("differs: model <message>, prosody
 * (nothing)", the server named by its adapter); then the live run's own
 * failure ("prosody: harness: ..."),
 * with the server's report. A run the server cannot set up (SKIP there)
 * has the model's verdict alone. */
static void run_twin(const struct scenario *s, const struct judge_options *opt,
                     struct judge_verdict *v)
{
    struct twin_result t;
    twin_run(s, opt->live, opt->settle_ms, TAPE_STEP_SETS, &t);
    read_result(&t.model, s, v);
    if (!v->failed && t.live.outcome == RUNNER_SKIP) {
        /* the server cannot set the run up (initial rosters on a server
         * file's adapter, a setting it lacks): the model's verdict alone */
        v->not_live = true;
    } else if (!v->failed && t.error[0] != '\0') {
        v->failed = v->broken = true;
        snprintf(v->reason, sizeof v->reason, "the live server: %.100s", t.error);
        v->message = mem_strdup(t.error);
    } else if (!v->failed && t.differs) {
        v->failed = true;
        snprintf(v->reason, sizeof v->reason, "differs: %s", t.kind.data);
        struct buf m = {0};
        buf_puts(&m, t.difference.data);
        if (t.live.message != NULL) {
            text_printf(&m, "%s's run: ", adapter_name(opt->live));
            buf_puts(&m, t.live.message);
        }
        v->message = mem_strdup(buf_cstr(&m));
        buf_free(&m);
    } else if (!v->failed && t.live.outcome == RUNNER_FAIL) {
        struct judge_verdict lv;
        memset(&lv, 0, sizeof lv);
        read_result(&t.live, s, &lv);
        v->failed = true;
        snprintf(v->reason, sizeof v->reason, "%.15s: %.110s", adapter_name(opt->live),
                 lv.reason);
        v->message = lv.message;
    }
    twin_result_free(&t);
}

static void run_plain(const struct scenario *s, const struct judge_options *opt,
                      struct judge_verdict *v)
{
    if (opt->live != NULL) {
        run_twin(s, opt, v);
    } else {
        struct runner_options ro = {.seed = 0, .trees = true};
        struct runner_result res;
        runner_run(s, &ro, &res);
        read_result(&res, s, v);
        runner_result_free(&res);
    }
    const char *why = !v->failed && opt->oracle ? opt->oracle(s, v->steps_run, opt->oracle_ctx)
                                                : NULL;
    if (why != NULL) {
        v->failed = true;
        snprintf(v->reason, sizeof v->reason, "oracle: %s", why);
        v->message = mem_strdup(v->reason);
    }
}

/* ---- isolation: one child process per run ---- */

/* What an isolated run runs. */
struct child_args {
    const struct scenario *s;
    const struct judge_options *opt;
};

/* The child's verdict on the pipe: "F\nREASON\nRULES\nSTEPS\n" + message. */
static int child_run(void *ctx, int fd)
{
    const struct child_args *a = ctx;
    const struct scenario *s = a->s;
    const struct judge_options *opt = a->opt;
    alarm(JUDGE_RUN_SECONDS_MAX);
    struct judge_verdict v;
    memset(&v, 0, sizeof v);
    run_plain(s, opt, &v);
    struct buf out = {0};
    buf_puts(&out, v.failed ? "1\n" : "0\n");
    buf_puts(&out, v.reason);
    buf_putc(&out, '\n');
    buf_puts(&out, v.rules);
    buf_putc(&out, '\n');
    buf_put_u64(&out, v.steps_run);
    buf_putc(&out, '\n');
    if (v.message != NULL)
        buf_append(&out, v.message, strnlen(v.message, MESSAGE_MAX));
    int status = proc_write_all(fd, out.data, out.len) ? EXIT_OK : EXIT_PIPE;
    buf_free(&out);
    judge_verdict_free(&v);
    return status;
}

/* The next line of *p into out (size bytes); advances *p. */
static void next_line(const char **p, char *out, size_t size)
{
    size_t n = strcspn(*p, "\n");
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), *p);
    *p += n + ((*p)[n] == '\n');
}

static void parse_child(const char *text, struct judge_verdict *v)
{
    char flag[4], steps[32];
    next_line(&text, flag, sizeof flag);
    next_line(&text, v->reason, sizeof v->reason);
    next_line(&text, v->rules, sizeof v->rules);
    next_line(&text, steps, sizeof steps);
    v->failed = flag[0] == '1';
    v->steps_run = (size_t)strtoull(steps, NULL, 10);
    v->message = v->failed ? mem_strdup(text) : NULL;
}

static void crashed(struct judge_verdict *v, int status)
{
    v->failed = true;
    if (WIFSIGNALED(status))
        snprintf(v->reason, sizeof v->reason, "crash: signal %d%s", WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? " (run took too long)" : "");
    else
        snprintf(v->reason, sizeof v->reason, "crash: exit status %d", WEXITSTATUS(status));
    v->message = mem_strdup(v->reason);
}

static void run_isolated(const struct scenario *s, const struct judge_options *opt,
                         struct judge_verdict *v)
{
    struct child_args args = {s, opt};
    /* dies with its parent: a --jobs worker is ended while it runs */
    struct proc_options po = {.pipe = true, .death_signal = SIGKILL};
    struct proc child;
    if (!proc_spawn(child_run, &args, &po, &child))
        abort();
    struct buf text = {0};
    proc_read_all(child.fd, &text);
    close(child.fd);
    int status = 0;
    proc_wait(child.pid, true, &status);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        parse_child(buf_cstr(&text), v);
    else
        crashed(v, status);
    buf_free(&text);
}

void judge_run(const struct scenario *s, const struct judge_options *opt,
                         struct judge_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (opt->isolate)
        run_isolated(s, opt, v);
    else
        run_plain(s, opt, v);
}

/* Whether v fails the way target did: the same violated rule (among
 * others), else the same reason. */
bool judge_same_failure(const struct judge_verdict *target, const struct judge_verdict *v)
{
    if (!v->failed)
        return false;
    if (strncmp(target->reason, "invariant ", 10) != 0)
        return strcmp(target->reason, v->reason) == 0;
    char rule[24];
    snprintf(rule, sizeof rule, " %s ", target->reason + 10);
    return strstr(v->rules, rule) != NULL;
}
