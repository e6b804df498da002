#include "explore/merge.h"

#include <stdbool.h>
#include <yaml.h>

struct totals {
    unsigned long long runs, steps, failures;
    size_t files;
};

static yaml_node_t *get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

static const char *scalar_text(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    yaml_node_t *n = get(d, map, key);
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
}

static bool number(yaml_document_t *d, yaml_node_t *map, const char *key, unsigned long long *out)
{
    const char *s = scalar_text(d, map, key);
    char *end;
    *out = strtoull(s, &end, 10);
    return *s >= '0' && *s <= '9' && *end == '\0';
}

static void print_failure(yaml_document_t *d, yaml_node_t *f, const char *path, FILE *out)
{
    fprintf(out, "FAIL %s: run %s (run seed %s): %s\n  rules:", path, scalar_text(d, f, "run"),
            scalar_text(d, f, "run_seed"), scalar_text(d, f, "reason"));
    yaml_node_t *rules = get(d, f, "rules");
    for (yaml_node_item_t *i = rules != NULL && rules->type == YAML_SEQUENCE_NODE
                                   ? rules->data.sequence.items.start : NULL;
         i != NULL && i < rules->data.sequence.items.top; i++)
        fprintf(out, " %s", (const char *)yaml_document_get_node(d, *i)->data.scalar.value);
    fprintf(out, "\n  reproducer (%s steps): %s\n", scalar_text(d, f, "reproducer_steps"),
            scalar_text(d, f, "reproducer"));
}

/* One report into t; false when it is not one. */
static bool merge_doc(yaml_document_t *d, const char *path, struct totals *t, FILE *out)
{
    yaml_node_t *root = yaml_document_get_root_node(d);
    unsigned long long runs, steps, failures, per;
    if (get(d, root, "sessim_explore") == NULL || !number(d, root, "runs", &runs) ||
        !number(d, root, "steps", &steps) || !number(d, root, "failures", &failures) ||
        !number(d, root, "steps_per_run", &per))
        return false;
    yaml_node_t *range = get(d, root, "seed_range");
    if (range != NULL && range->type == YAML_SEQUENCE_NODE &&
        range->data.sequence.items.top - range->data.sequence.items.start == 2)
        fprintf(out, "shard %s: seeds %s..%s", path,
                yaml_document_get_node(d, range->data.sequence.items.start[0])->data.scalar.value,
                yaml_document_get_node(d, range->data.sequence.items.start[1])->data.scalar.value);
    else
        fprintf(out, "shard %s: seed %s", path, scalar_text(d, root, "seed"));
    fprintf(out, ", %llu runs x %llu steps, %llu steps, %llu failure%s\n", runs, per, steps,
            failures, failures == 1 ? "" : "s");
    yaml_node_t *failed = get(d, root, "failed");
    for (yaml_node_item_t *i = failed != NULL && failed->type == YAML_SEQUENCE_NODE
                                   ? failed->data.sequence.items.start : NULL;
         i != NULL && i < failed->data.sequence.items.top; i++)
        print_failure(d, yaml_document_get_node(d, *i), path, out);
    t->runs += runs;
    t->steps += steps;
    t->failures += failures;
    t->files++;
    return true;
}

static bool merge_file(const char *path, struct totals *t, FILE *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    yaml_parser_t p;
    yaml_document_t d;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    bool ok = yaml_parser_load(&p, &d) != 0;
    if (ok) {
        ok = merge_doc(&d, path, t, out);
        yaml_document_delete(&d);
    }
    yaml_parser_delete(&p);
    fclose(f);
    return ok;
}

int merge_reports(const char *const *paths, size_t n, FILE *out)
{
    struct totals t = {0, 0, 0, 0};
    bool bad = false;
    for (size_t i = 0; i < n; i++) {
        if (!merge_file(paths[i], &t, out)) {
            fprintf(out, "merge: %s is not a readable `sessim explore --json` report\n",
                    paths[i]);
            bad = true;
        }
    }
    fprintf(out, "merge: %zu report%s, %llu runs, %llu steps, %llu failure%s\n", t.files,
            t.files == 1 ? "" : "s", t.runs, t.steps, t.failures, t.failures == 1 ? "" : "s");
    return bad ? 2 : t.failures > 0 ? 1 : 0;
}
