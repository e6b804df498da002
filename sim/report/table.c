/* table: rows of measured figures (see table.h). */
#include "report/table.h"

#include <stdlib.h>

#include "base/mem.h"
#include "report/report.h"

void table_row(struct table *t, const char *workload, const char *metric, double value,
               const char *unit, const char *goal)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->rows = mem_realloc(t->rows, t->cap * sizeof *t->rows);
    }
    struct table_entry *r = &t->rows[t->n++];
    r->workload = mem_strdup(workload);
    r->metric = mem_strdup(metric);
    r->unit = mem_strdup(unit);
    r->goal = mem_strdup(goal);
    r->value = value;
}

/* "met", "missed" or "" for a goal like ">= 0.7" or "<= 1024". */
static const char *goal_status(const struct table_entry *r)
{
    if (r->goal[0] == '\0')
        return "";
    double bound = strtod(r->goal + 2, NULL);
    bool met = r->goal[0] == '>' ? r->value >= bound : r->value <= bound;
    return met ? "met" : "MISSED";
}

void table_print(const struct table *t, FILE *f)
{
    fprintf(f, "\n%-18s %-38s %14s %-10s %-10s %s\n", "workload", "metric", "value", "unit",
            "goal", "");
    for (size_t i = 0; i < t->n; i++) {
        const struct table_entry *r = &t->rows[i];
        fprintf(f, "%-18s %-38s %14.2f %-10s %-10s %s\n", r->workload, r->metric, r->value,
                r->unit, r->goal, goal_status(r));
    }
}

bool table_json(const struct table *t, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    fputs("{\"benchmarks\": [", f);
    for (size_t i = 0; i < t->n; i++) {
        const struct table_entry *r = &t->rows[i];
        fputs(i ? ",\n  {" : "\n  {", f);
        fputs("\"workload\": ", f);
        report_json_string(f, r->workload);
        fputs(", \"metric\": ", f);
        report_json_string(f, r->metric);
        fprintf(f, ", \"value\": %.4f, \"unit\": ", r->value);
        report_json_string(f, r->unit);
        fputs(", \"goal\": ", f);
        report_json_string(f, r->goal);
        fputs(", \"status\": ", f);
        report_json_string(f, goal_status(r));
        fputc('}', f);
    }
    fputs("\n]}\n", f);
    return fclose(f) == 0;
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].workload);
        free(t->rows[i].metric);
        free(t->rows[i].unit);
        free(t->rows[i].goal);
    }
    free(t->rows);
    *t = (struct table){0};
}
