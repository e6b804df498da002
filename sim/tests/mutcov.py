#!/usr/bin/env python3
"""Which lines of model/*.c each test executes, for sim/tests/mutrun.py.

A mutant changes only the lines its edits touch. A test that never executes
those lines on the unchanged model runs the mutant exactly as it ran the
model (the model is deterministic: same inputs, same path, same output), so
it cannot kill the mutant, under ASan either. measure() runs every test once
on the gcov build (.build/cov): each scenario alone, the exploration, each
Check case of model-tests alone, and the failalloc sweep of sim-tests (each
allocation failing in turn: the model's out-of-memory paths, which nothing
else runs) over one scenario of its sample at a time; reaching() then names
the tests that may execute a mutant, in a fixed order. Conservative on purpose: a mutant counts
as reached by every test when no line it touches is one gcov counts (a
declaration, a file-scope initialiser: they act without being executed) or
when it touches a case label (its constant moves a jump taken elsewhere).

The measure is kept in .build/mutants/coverage.json, keyed by a hash of the
gcov binaries (sessim, model-tests, sim-tests), the scenario files and the exploration's arguments, and taken
again when any of them changes.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

COV = os.path.join(".build", "cov")
CACHE = os.path.join(".build", "mutants", "coverage.json")
ENV_UNITS = {"CK_FORK": "no"}
BINARIES = ("sessim", "model-tests", "sim-tests")   # of the gcov build
TIMEOUT_MARGIN = 20
TIMEOUT_FLOOR = 5.0


class CoverageError(Exception):
    pass


def unit_cases(root):
    """(suite, case) of every Check case in model/tests/*.c, in file order."""
    d = os.path.join(root, "model", "tests")
    out = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".c"):
            continue
        with open(os.path.join(d, name), encoding="utf-8") as f:
            text = f.read()
        suites = re.findall(r'suite_create\("([^"]+)"\)', text)
        cases = re.findall(r'tcase_create\("([^"]+)"\)', text)
        if len(suites) > 1 or (cases and not suites):
            raise CoverageError("model/tests/%s: expected one suite per file" % name)
        out.extend((suites[0], c) for c in cases)
    return out


def failalloc_paths(root):
    """The scenarios the failalloc suite of sim-tests sweeps by default (the
    failalloc_sample array of sim/tests/failalloc_test.c)."""
    path = os.path.join(root, "sim", "tests", "failalloc_test.c")
    with open(path, encoding="utf-8") as f:
        m = re.search(r"failalloc_sample\[\]\s*=\s*\{(.*?)\};", f.read(), re.S)
    if not m:
        raise CoverageError("sim/tests/failalloc_test.c: no failalloc_sample array")
    return re.findall(r'"([^"]+)"', m.group(1))


def failalloc_env(paths):
    """The environment that runs only the failalloc suite of sim-tests, over
    paths (None: its default sample)."""
    env = dict(os.environ, CK_RUN_SUITE="failalloc", **ENV_UNITS)
    if paths is not None:
        env["SESSIM_FAILALLOC_PATHS"] = " ".join(paths)
    return env


def scenario_paths(root, sessim):
    text = subprocess.run([sessim, "run", "--list", "scenarios"], cwd=root, capture_output=True,
                          text=True, check=True).stdout
    return [line.split("  ", 1)[0] for line in text.splitlines() if line.strip()]


def unit_env(case):
    suite, name = case.split("/", 1)
    return dict(os.environ, CK_RUN_SUITE=suite, CK_RUN_CASE=name, **ENV_UNITS)


def tests(root, sessim, explore_args, explore_out):
    """[(test id, command, env)] in the order mutrun.py runs them."""
    out = [("scenario " + p, [sessim, "run", p], None) for p in scenario_paths(root, sessim)]
    # --no-fork: a forked run leaves by _exit and would write no counts
    out.append(("explore", [sessim, "explore"] + explore_args.split() + ["--no-fork", "--out", explore_out],
                None))
    tests_bin = os.path.join(root, COV, "model-tests")
    out.extend(("unit %s/%s" % c, [tests_bin], unit_env("%s/%s" % c)) for c in unit_cases(root))
    sim_tests = os.path.join(root, COV, "sim-tests")
    out.extend(("failalloc " + p, [sim_tests], failalloc_env([p])) for p in failalloc_paths(root))
    return out


def gcov_counts(root, sources):
    """{path: {line: count}} of the .gcda files in .build/cov/model now."""
    text = subprocess.run(["gcov", "--json-format", "--stdout", "--object-directory",
                           os.path.join(root, COV, "model")] + sources,
                          cwd=root, capture_output=True, text=True, check=True).stdout
    out = {}
    for doc in text.splitlines():
        for f in json.loads(doc)["files"]:
            if f["file"] in sources:
                out[f["file"]] = {str(l["line_number"]): l["count"] for l in f["lines"]}
    return out


def executed(counts):
    """{path: [the lines executed at least once]}."""
    return {p: sorted(int(n) for n, c in lines.items() if c > 0) for p, lines in counts.items()}


def run_one(root, test, sources):
    name, cmd, env = test
    for dirpath, _, files in os.walk(os.path.join(root, COV, "model")):
        for f in files:
            if f.endswith(".gcda"):
                os.remove(os.path.join(dirpath, f))
    start = time.monotonic()
    p = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if p.returncode != 0:
        raise CoverageError("%s fails on the unchanged model (gcov build): %s" %
                            (name, (p.stderr or p.stdout).strip()[-300:]))
    if not any(f.endswith(".gcda") for f in os.listdir(os.path.join(root, COV, "model"))):
        raise CoverageError("%s wrote no counts to %s/model: the gcov build writes them where it "
                            "was compiled (copied from elsewhere? rebuild it here)" % (name, COV))
    return gcov_counts(root, sources), p.stdout, seconds


def checks_run(stdout):
    m = re.search(r"Checks: (\d+)", stdout)
    return int(m.group(1)) if m else -1


def fingerprint(root, scenario_files, explore_args):
    h = hashlib.sha256(explore_args.encode())
    for f in [os.path.join(COV, b) for b in BINARIES] + scenario_files:
        h.update(f.encode())
        with open(os.path.join(root, f), "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def measure(root, sources, explore_args, work, progress=None):
    """Runs every test on the gcov build; returns the coverage record."""
    sessim = os.path.join(root, COV, "sessim")
    for f in (os.path.join(root, COV, b) for b in BINARIES):
        if not os.path.exists(f):
            raise CoverageError("%s missing: build the cov flavour first (make mutants-full does)" % f)
    listed = tests(root, sessim, explore_args, os.path.join(work, "cov-explore"))
    record = {"executable": {}, "tests": []}
    checks = 0
    for k, t in enumerate(listed):
        counts, stdout, seconds = run_one(root, t, sources)
        if t[0].startswith("unit "):
            checks += max(checks_run(stdout), 0)
        for p, lines in counts.items():
            record["executable"].setdefault(p, set()).update(int(n) for n in lines)
        record["tests"].append([t[0], executed(counts), round(seconds, 3)])
        if progress:
            progress("coverage: %d/%d tests" % (k + 1, len(listed)))
    whole = subprocess.run([os.path.join(root, COV, "model-tests")], cwd=root, capture_output=True,
                           text=True, env=dict(os.environ, **ENV_UNITS)).stdout
    if checks != checks_run(whole):
        raise CoverageError("the Check cases run one by one make %d checks, model-tests %d: "
                            "a suite or case is missing from unit_cases()" % (checks, checks_run(whole)))
    record["executable"] = {p: sorted(s) for p, s in record["executable"].items()}
    return record


def load(root, sources, explore_args, work, progress=None):
    """The coverage record, from the cache when it is current."""
    sessim = os.path.join(root, COV, "sessim")
    if not os.path.exists(sessim):
        raise CoverageError("%s missing: build the cov flavour first (make mutants-full does)" % sessim)
    key = fingerprint(root, scenario_paths(root, sessim), explore_args)
    cache = os.path.join(root, CACHE)
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            record = json.load(f)
        if record.get("key") == key:
            return Coverage(record)
    record = measure(root, sources, explore_args, work, progress)
    record["key"] = key
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache + ".tmp", "w", encoding="utf-8") as f:
        json.dump(record, f)
    shutil.move(cache + ".tmp", cache)
    return Coverage(record)


def touched_lines(m, src):
    """Lines (1-based) of src that mutant m's edits touch."""
    out = set()
    for pos, length, _ in m.edits:
        first = src.count("\n", 0, pos) + 1
        out.update(range(first, first + src.count("\n", pos, pos + length) + 1))
    return sorted(out)


class Coverage:
    def __init__(self, record):
        self.executable = {p: set(lines) for p, lines in record["executable"].items()}
        self.tests = [(name, {p: set(lines) for p, lines in by_file.items()})
                      for name, by_file, _ in record["tests"]]
        self.seconds = {name: seconds for name, _, seconds in record["tests"]}

    def timeout(self, names, most):
        """A time limit for running the tests names: TIMEOUT_MARGIN times
        what they took on the gcov build (-O0 and counters: slower than a
        mutant's build), at least TIMEOUT_FLOOR seconds, at most most."""
        return min(most, max(TIMEOUT_FLOOR, TIMEOUT_MARGIN * sum(self.seconds[n] for n in names)))

    def reaching(self, m, src):
        """Ids of the tests that may execute mutant m (of source src), in order."""
        lines = touched_lines(m, src)
        text = src.split("\n")
        counted = [n for n in lines if n in self.executable.get(m.path, ())]
        if not counted or any(re.match(r"\s*(case\b|default\s*:)", text[n - 1]) for n in lines):
            return [name for name, _ in self.tests]
        return [name for name, by_file in self.tests
                if any(n in by_file.get(m.path, ()) for n in counted)]
