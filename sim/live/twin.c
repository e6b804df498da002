/* twin: a scenario on the model and on a live server, and the model's
 * traffic as expectations (see twin.h). */
#include "live/twin.h"

#include <stdlib.h>
#include <string.h>

#include "run/client.h"
#include "scenario/match.h"
#include "base/mem.h"
#include "live/norm.h"
#include "live/target_tcp.h"
#include "model/xmlstream.h"

struct factory {
    struct tape *tape;
    struct adapter *live;      /* NULL: the model */
    unsigned settle_ms;
    char *err;                 /* TWIN_ERROR_MAX bytes */
};

static struct target *factory_target(const struct scenario *s, uint64_t seed, void *ctx)
{
    struct factory *f = ctx;
    struct target *t = f->live == NULL
                           ? target_model_new(&s->server, seed)
                           : target_tcp_new(f->live, s, f->settle_ms, f->err, TWIN_ERROR_MAX);
    return tape_wrap(f->tape, t);
}

void twin_run(const struct scenario *s, struct adapter *a, unsigned settle_ms,
              enum tape_order order, struct twin_result *out)
{
    memset(out, 0, sizeof *out);
    struct factory fm = {tape_new(), NULL, 0, out->error};
    struct factory fl = {tape_new(), a, settle_ms, out->error};
    struct runner_options rm = {.target_new = factory_target, .target_ctx = &fm};
    struct runner_options rl = {.target_new = factory_target, .target_ctx = &fl};
    runner_run(s, &rm, &out->model);
    runner_run(s, &rl, &out->live);
    out->differs = tape_first_difference(fm.tape, fl.tape, "model", adapter_name(a), order,
                                         &out->difference, &out->kind);
    buf_cstr(&out->difference);
    buf_cstr(&out->kind);
    tape_free(fm.tape);
    tape_free(fl.tape);
}

void twin_result_free(struct twin_result *r)
{
    runner_result_free(&r->model);
    runner_result_free(&r->live);
    buf_free(&r->difference);
    buf_free(&r->kind);
}

/* ---- transcription ---- */

/* A received stanza as a pattern: parsed back, its server-chosen id made
 * `{any}` (norm.h), written again. The text never holds "${": the model
 * only echoes what the scenario sent, and generated text has none. */
static char *pattern_of(const char *text, const struct match_vars *client_ids)
{
    enum xmlstream_error err;
    unsigned long line, col;
    struct stanza *st = xmlstream_parse_element(text, strlen(text), STANZA_NS_CLIENT, &err,
                                                &line, &col);
    if (st == NULL)
        return mem_strdup(text);   /* the runner parsed it: not reached */
    norm_stanza_compare(st, client_ids);
    struct buf b = {0};
    client_stanza_write(stanza_root(st), &b);
    stanza_free(st);
    char *p = mem_strdup(buf_cstr(&b));
    buf_free(&b);
    return p;
}

/* Appends to out the `receive` steps of step k: one per client, in client
 * order, with what the events say the client had pending after it. */
static void add_receives(struct scenario *out, const struct runner_result *r, size_t k,
                         const struct match_vars *ids)
{
    for (size_t c = 0; c < out->client_count; c++) {
        struct scenario_step *st = NULL;
        for (size_t i = 0; i < r->event_count; i++) {
            const struct runner_event *e = &r->events[i];
            if (e->kind != RUNNER_EVENT_PENDING || e->step != k || e->client != c)
                continue;
            if (st == NULL)
                st = scenario_step_add(out, SCENARIO_STEP_RECEIVE, c);
            char *pattern = pattern_of(e->text, ids);
            scenario_strings_add(&st->receive.patterns, pattern);
            free(pattern);
        }
    }
}

struct scenario *twin_transcribe(const struct scenario *s)
{
    struct runner_options ro = {.record = true, .transcribe = true};
    struct runner_result r;
    runner_run(s, &ro, &r);
    if (r.outcome != RUNNER_PASS) {
        runner_result_free(&r);
        return NULL;
    }
    struct match_vars ids = {0};
    for (size_t i = 0; i < r.event_count; i++)
        if (r.events[i].kind == RUNNER_EVENT_SENT)
            norm_ids_collect(r.events[i].text, strlen(r.events[i].text), &ids);
    struct scenario *out = scenario_copy(s);
    for (size_t k = 0; k < out->step_count; k++)
        scenario_step_clear(&out->steps[k]);
    out->step_count = 0;
    for (size_t k = 0; k < s->step_count; k++) {
        const struct scenario_step *from = &s->steps[k];
        struct scenario_step *st = scenario_step_add(out, from->kind, from->client);
        scenario_step_clear(st);
        scenario_step_copy(st, from);
        add_receives(out, &r, k, &ids);
    }
    out->target = SCENARIO_TARGET_ANY;
    out->leftovers_ignore = false;
    match_vars_free(&ids);
    runner_result_free(&r);
    return out;
}
