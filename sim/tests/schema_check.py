#!/usr/bin/env python3
"""Validates scenario files against scenarios/schema.json (make schema-check).

usage: schema_check.py SCHEMA [--sessim SESSIM] GOOD... -- BAD...

Every *.yaml under the GOOD paths must validate and every one under the BAD
paths must not. YAML is read as YAML-aware editors read it (the 1.2 core
schema: only true/false are booleans, only ~/null/empty are null), and what
the sessim loader refuses before any schema applies is refused here too:
duplicate keys, aliases, explicit tags, a second document. With --sessim,
`sessim lint` must agree on every file (the schema describes the loader).
Uses Debian's python3-jsonschema and python3-yaml; prints one line per
problem and exits 1 if there is any.
"""
import json
import os
import re
import subprocess
import sys

import jsonschema
import yaml


class Core12Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types."""


Core12Loader.yaml_implicit_resolvers = {}
for tag, regexp, first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
     list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+.0123456789")),
]:
    Core12Loader.add_implicit_resolver(tag, re.compile(regexp), first)


def construct_mapping(loader, node, deep=False):
    keys = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be strings", key_node.start_mark)
        if key_node.value in keys:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key '%s'" % key_node.value, key_node.start_mark)
        keys.add(key_node.value)
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    return {str(k): v for k, v in mapping.items()}


Core12Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)


def loader_refusals(text):
    """What the sessim loader refuses before its schema walk."""
    documents = 0
    for event in yaml.parse(text, Loader=Core12Loader):
        mark = getattr(event, "start_mark", None)
        where = "%d:%d" % (mark.line + 1, mark.column + 1) if mark else "?"
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                return where + ": a second YAML document"
        elif isinstance(event, yaml.AliasEvent):
            return where + ": YAML aliases are not supported"
        elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            implicit = event.implicit if isinstance(event, yaml.CollectionStartEvent) \
                else any(event.implicit)
            if event.tag is not None and not implicit:
                return where + ": YAML tags are not supported"
    return None


def problems(validator, path):
    """The reasons path is not a valid scenario (empty when it is one)."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["not UTF-8 (byte %d)" % e.start]
    try:
        refusal = loader_refusals(text)
        if refusal:
            return [refusal]
        data = yaml.load(text, Loader=Core12Loader)
    except yaml.YAMLError as e:
        return ["YAML: %s" % str(e).replace("\n", " ")]
    found = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        found.append("%s: %s" % (where, error.message[:200]))
    return found


def yaml_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in sorted(os.walk(path)):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".yaml") and not name.startswith("."):
                        yield os.path.join(root, name)
        else:
            yield path


def lint_ok(sessim, path):
    return subprocess.run([sessim, "lint", path], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def main(argv):
    args = argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    schema_path, args = args[0], args[1:]
    sessim = None
    if args[:1] == ["--sessim"]:
        sessim, args = args[1], args[2:]
    split = args.index("--") if "--" in args else len(args)
    good, bad = list(yaml_files(args[:split])), list(yaml_files(args[split + 1:]))
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    failures = 0
    for path in good:
        found = problems(validator, path)
        for p in found:
            print("%s: %s" % (path, p))
        if sessim and not found and not lint_ok(sessim, path):
            print("%s: valid for the schema, refused by sessim lint" % path)
            found = ["lint"]
        failures += bool(found)
    for path in bad:
        if not problems(validator, path):
            print("%s: invalid scenario accepted by the schema" % path)
            failures += 1
        elif sessim and lint_ok(sessim, path):
            print("%s: refused by the schema, accepted by sessim lint" % path)
            failures += 1
    print("schema-check: %d valid, %d invalid files checked, %d problem%s" %
          (len(good), len(bad), failures, "" if failures == 1 else "s"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
