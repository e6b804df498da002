#!/usr/bin/env python3
"""Runs mechanical mutants of model/*.c (sim/tests/mutgen.py) and scores them.

Each job has a work copy of model/ under .build/mutants/jN/. A mutant is
written into that copy, its one object compiled (release flags at -O0,
warnings not fatal) and linked with the unchanged objects of .build/release
into sessim and model-tests; then, stopping at the first failure:

  1. sessim run scenarios
  2. sessim explore (a fixed budget, --explore)
  3. model-tests (the Check suites)
  4. the failalloc suite of sim-tests: a handful of scenarios with each
     allocation failing in turn (sim/run/failalloc.h), the only tests of
     the model's out-of-memory paths
  5. the same four on the ASan+UBSan build (.build/asan objects), so that
     memory mutants (a size one short, a missing free) count

With --coverage (sim/tests/mutcov.py: which lines each scenario, the
exploration and each Check case execute, measured once on the gcov build),
a stage runs only the tests that execute the mutant (the others run it as
they ran the model and cannot kill it), the Check cases one by one, the
failalloc sweep over only the scenarios whose sweep executes it, and a
mutant no test executes survives as "not covered" once it has compiled and
linked; the stage time limit is then 20 times what those tests took on the
gcov build, from 5 s up to --timeout.

A failing stage kills the mutant; a stage that outlives its time limit kills
it too (reported as timeout). A mutant that does not compile is set aside.
Equivalent mutants are listed in sim/tests/mutants/equivalent.txt and
matched by file, line text and mutation. Score = killed (timeouts
included) / (run - not compiling - equivalent). Output is sorted by id and
does not depend on timing or -j.

  mutrun.py [--all | --sample N] [--ids ID,...] [--files F,...] [--coverage]
            [-j N] [--timeout S] [--report FILE] [--json FILE] [--min-score PCT]
            [--no-asan]

Needs the release and asan builds of sessim, model-tests and sim-tests, and with
--coverage the cov build (`make mutants` and `make mutants-full` build them
first). Exit 0, or 1 when the score is
below --min-score, 2 on a usage or setup error.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutcov  # noqa: E402
import mutgen  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# One directory per run, so that runs side by side do not share work copies.
WORK = os.path.join(ROOT, ".build", "mutants", "run-%d" % os.getpid())
EQUIVALENT = os.path.join(ROOT, "sim", "tests", "mutants", "equivalent.txt")
STATUSES = ["killed", "timeout", "survived", "not compiling", "equivalent"]
# Check's suites run in one process: a fork per test costs more than the
# test under ASan, and a failure or a leak still fails the whole run.
ENV = dict(os.environ, CK_FORK="no")
OPS = ["ror", "lor", "neg", "bool", "const", "index", "delete-stmt", "delete-call", "delete-free"]


class SetupError(Exception):
    pass


def load_equivalents(path):
    """Blocks of 'file:', 'line:', 'mutation:', 'reason:' lines; returns
    {key: (reason, where)}."""
    out, entry, start = {}, {}, 0
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, raw in enumerate(lines + [""], 1):
        text = raw.strip()
        if text.startswith("#"):
            continue
        if not text:
            if entry:
                missing = [k for k in ("file", "line", "mutation", "reason") if k not in entry]
                if missing:
                    raise SetupError("%s:%d:1: equivalent entry lacks %s" % (path, start, ", ".join(missing)))
                key = "%s|%s|%s" % (entry["file"], " ".join(entry["line"].split()), entry["mutation"])
                out[key] = (entry["reason"], "%s:%d" % (os.path.relpath(path, ROOT), start))
            entry = {}
            continue
        field, sep, value = text.partition(":")
        if not sep or field not in ("file", "line", "mutation", "reason", "id"):
            raise SetupError("%s:%d:1: expected 'file:', 'line:', 'mutation:', 'reason:' or 'id:'" % (path, n))
        if not entry:
            start = n
        entry[field] = value.strip()
    return out


def build_flags(flavour):
    """CC, CFLAGS, LDFLAGS, LIBS_SIM, LIBS_CHECK, LIBS_MODEL of a flavour."""
    try:
        text = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "mutants-flags",
                               "FLAVOUR=" + flavour], capture_output=True, text=True, check=True).stdout
    except subprocess.CalledProcessError as e:
        raise SetupError("make mutants-flags FLAVOUR=%s failed: %s" % (flavour, e.stderr.strip()))
    flags = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    cflags = [f for f in flags["CFLAGS"].split() if f not in ("-Werror", "-MMD", "-MP")]
    for k in ("CC", "LDFLAGS", "LIBS_SIM", "LIBS_CHECK", "LIBS_MODEL"):
        flags[k] = flags.get(k, "").split()
    if flavour == "release":
        # -O0, and no LTO bytecode in the mutant's object: the flavour's
        # LDFLAGS (-fno-lto) link the fat release objects' plain code
        # around it, with no whole-program optimisation per mutant
        def plain(f):
            return not (f.startswith("-O") or f.startswith("-flto") or f == "-ffat-lto-objects")
        cflags = [f for f in cflags if plain(f)] + ["-O0"]
    flags["CFLAGS"] = cflags
    flags["B"] = os.path.join(ROOT, ".build", flavour)
    return flags


class Flavour:
    """The unchanged objects of one build flavour and how to link them."""

    def __init__(self, name, sources):
        self.name, self.flags = name, build_flags(name)
        b = self.flags["B"]
        self.model_obj = {s: os.path.join(b, s[:-2] + ".o") for s in sources}
        tests = sorted(f for f in os.listdir(os.path.join(ROOT, "model", "tests")) if f.endswith(".c"))
        self.test_obj = [os.path.join(b, "model", "tests", f[:-2] + ".o") for f in tests]
        sim_tests = sorted(f for f in os.listdir(os.path.join(ROOT, "sim", "tests")) if f.endswith(".c"))
        self.sim_test_obj = [os.path.join(b, "sim", "tests", f[:-2] + ".o") for f in sim_tests]
        self.main_obj = os.path.join(b, "sim", "cli", "main.o")
        self.simlib = os.path.join(b, "libsessim-sim.a")
        for f in list(self.model_obj.values()) + self.test_obj + self.sim_test_obj \
                + [self.main_obj, self.simlib]:
            if not os.path.exists(f):
                raise SetupError("%s missing: build the %s flavour first (make mutants does)" % (f, name))
        self.snapshot()

    def snapshot(self):
        """Copies the objects linked against into .build/mutants/, so that a
        rebuild of the tree during the run changes nothing."""
        b, base = self.flags["B"], os.path.join(WORK, "base-" + self.name)

        def keep(path):
            copy = os.path.join(base, os.path.relpath(path, b))
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            shutil.copy2(path, copy)
            return copy

        shutil.rmtree(base, ignore_errors=True)
        self.model_obj = {s: keep(o) for s, o in self.model_obj.items()}
        self.test_obj = [keep(o) for o in self.test_obj]
        self.sim_test_obj = [keep(o) for o in self.sim_test_obj]
        self.main_obj, self.simlib = keep(self.main_obj), keep(self.simlib)

    def objects(self, source, obj):
        return [obj if s == source else o for s, o in sorted(self.model_obj.items())]

    def compile(self, src, obj):
        f = self.flags
        return f["CC"] + f["CFLAGS"] + ["-c", src, "-o", obj]

    def link_sessim(self, source, obj, out):
        f = self.flags
        return f["CC"] + f["LDFLAGS"] + ["-o", out, self.main_obj, self.simlib] \
            + self.objects(source, obj) + f["LIBS_SIM"]

    def link_tests(self, source, obj, out):
        f = self.flags
        return f["CC"] + f["LDFLAGS"] + ["-o", out] + self.test_obj \
            + self.objects(source, obj) + f["LIBS_CHECK"] + f["LIBS_MODEL"]

    def link_sim_tests(self, source, obj, out):
        f = self.flags
        return f["CC"] + f["LDFLAGS"] + ["-o", out] + self.sim_test_obj + [self.simlib] \
            + self.objects(source, obj) + f["LIBS_CHECK"] + f["LIBS_SIM"]


ACTIVE = set()   # process groups of the commands running now


def stop(signum, frame):
    """SIGINT/SIGTERM: kill the commands in flight (their own sessions
    would outlive this process), then exit."""
    for pgid in list(ACTIVE):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(128 + signum)


def run(cmd, timeout, cwd=ROOT, env=None):
    """Returns ('ok' | 'fail' | 'timeout', stderr). The command runs in its
    own session, killed as a whole when it ends or times out, so that a
    forked test child stuck in a loop does not outlive it."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                             start_new_session=True, env=env or ENV)
        ACTIVE.add(p.pid)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        ACTIVE.discard(p.pid)
        err.seek(0)
        text = err.read(4096).decode("utf-8", "replace")
    if rc is None:
        return "timeout", ""
    return ("ok" if rc == 0 else "fail"), text


class Job:
    """One work copy of model/ and the binaries of the mutant in hand."""

    def __init__(self, n, args, flavours, coverage):
        self.dir = os.path.join(WORK, "j%d" % n)
        self.args, self.flavours, self.coverage = args, flavours, coverage
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "model"), os.path.join(self.dir, "model"),
                        ignore=shutil.ignore_patterns("tests"))

    def test(self, m, originals):
        """Returns (status, stage or message) for mutant m."""
        path = os.path.join(self.dir, m.path)
        with open(path, "w", encoding="utf-8") as f:
            f.write(m.apply(originals[m.path]))
        reach = self.coverage.reaching(m, originals[m.path]) if self.coverage else None
        try:
            for fl in self.flavours:
                verdict = self.test_flavour(m, path, fl, reach)
                if verdict:
                    return verdict
            return "survived", ""
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(originals[m.path])

    def stages(self, fl, obj, m, reach):
        """[(stage, command, env, test ids)] for mutant m on flavour fl: with
        coverage (reach: the ids of the tests that may execute m), only those
        tests; without, test ids is None."""
        sessim = os.path.join(self.dir, "sessim-" + fl.name)
        tests = os.path.join(self.dir, "model-tests-" + fl.name)
        sim_tests = os.path.join(self.dir, "sim-tests-" + fl.name)
        explore_out = os.path.join(self.dir, "explore")
        shutil.rmtree(explore_out, ignore_errors=True)
        if reach is None:
            scenarios, explore, units = ["scenarios"], True, [(ENV, None)]
            failalloc = None
        else:
            scenarios = [t[len("scenario "):] for t in reach if t.startswith("scenario ")]
            explore = "explore" in reach
            units = [(mutcov.unit_env(t[len("unit "):]), [t]) for t in reach if t.startswith("unit ")]
            failalloc = [t[len("failalloc "):] for t in reach if t.startswith("failalloc ")]
        out = [("link", fl.link_sessim(m.path, obj, sessim), None, None)]
        if scenarios:
            out.append(("scenarios", [sessim, "run", "--fail-fast"] + scenarios, None,
                        None if reach is None else ["scenario " + p for p in scenarios]))
        if explore:
            out.append(("explore", [sessim, "explore"] + self.args.explore.split()
                        + ["--out", explore_out], None, None if reach is None else ["explore"]))
        if units:
            out.append(("link", fl.link_tests(m.path, obj, tests), None, None))
            out.extend(("units", [tests], env, names) for env, names in units)
        if failalloc is None or failalloc:
            out.append(("link", fl.link_sim_tests(m.path, obj, sim_tests), None, None))
            out.append(("failalloc", [sim_tests], mutcov.failalloc_env(failalloc),
                        None if failalloc is None else ["failalloc " + p for p in failalloc]))
        return out

    def test_flavour(self, m, path, fl, reach):
        obj = os.path.join(self.dir, "%s.o" % fl.name)
        st, err = run(fl.compile(path, obj), 120)
        if st != "ok":
            if fl.name == "release":
                first = next((l for l in err.splitlines() if "error" in l), err.strip()[:200])
                return "not compiling", first.replace(self.dir + "/", "")
            return "survived", "asan build failed"
        scale = 1 if fl.name == "release" else 4
        for stage, cmd, env, names in self.stages(fl, obj, m, reach):
            limit = self.coverage.timeout(names, self.args.timeout) if names else self.args.timeout
            st, err = run(cmd, limit * scale, env=env)
            if stage == "link" and st != "ok":
                return "not compiling", "link: " + err.strip().splitlines()[-1] if err.strip() else "link"
            if stage == "link" and reach == [] and fl.name == "release":
                return "survived", "not covered"
            where = stage if fl.name == "release" else "asan " + stage
            if st == "timeout":
                return "timeout", where
            if st == "fail":
                return "killed", where
        return None


def load_coverage(args, sources):
    if not args.coverage:
        return None

    def progress(text):
        if args.progress:
            sys.stderr.write("\r" + text)
    os.makedirs(WORK, exist_ok=True)
    coverage = mutcov.load(ROOT, sources, args.explore, WORK, progress)
    if args.progress:
        sys.stderr.write("\n")
    return coverage


def select(mutants, equivalents, args):
    run_list = [m for m in mutants if m.key() not in equivalents]
    if args.ids:
        wanted = set(args.ids.split(","))
        run_list = [m for m in run_list if m.id in wanted]
    elif args.survivors_of:
        earlier = read_log(args.survivors_of, run_list)
        run_list = [m for m in run_list if earlier.get(m.id, ("",))[0] == "survived"]
    elif args.sample:
        run_list = sorted(sorted(run_list, key=lambda m: m.sample_rank())[:args.sample],
                          key=lambda m: m.id)
    return run_list


def read_log(path, mutants):
    """Results of an earlier --log, {id: (status, detail)}, matched by
    key (file, line text, mutation) so that edits elsewhere keep them."""
    by_key, out = {m.key(): m.id for m in mutants}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            head, sep, key = line.rstrip("\n").rpartition(" | ")
            parts = head.rsplit(" | ", 2)
            if sep and len(parts) == 3 and parts[1] in STATUSES and key in by_key:
                out[by_key[key]] = (parts[1], parts[2])
    return out


def log_result(log, m, result):
    log.write("%s %s %s: %s | %s | %s | %s\n" % (m.id, m.location(), m.op, m.desc, result[0],
                                                   result[1], m.key()))
    log.flush()


def run_all(run_list, args, flavours, originals, done, coverage):
    results, lock, free = dict(done), threading.Lock(), list(range(args.jobs))
    run_before = [m for m in run_list if m.id in done]
    run_list = [m for m in run_list if m.id not in done]
    jobs = [Job(n, args, flavours, coverage) for n in range(args.jobs)]

    def one(m):
        with lock:
            n = free.pop()
        try:
            results[m.id] = jobs[n].test(m, originals)
        finally:
            with lock:
                free.append(n)
                if log and m.id in results:
                    log_result(log, m, results[m.id])
            if args.progress:
                sys.stderr.write("\rmutants: %d/%d" % (len(results), len(run_list)))

    same = args.resume and args.log and os.path.exists(args.log) and \
        os.path.samefile(args.resume, args.log)
    log = open(args.log, "a" if same else "w", encoding="utf-8") if args.log else None
    for m in (run_before if log and not same else []):
        log_result(log, m, results[m.id])
    # Run in sample order (any prefix is a fair sample); report by id.
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        list(ex.map(one, sorted(run_list, key=lambda m: m.sample_rank())))
    if log:
        log.close()
    if args.progress:
        sys.stderr.write("\n")
    return results


def tally(mutants, run_list, results, equivalents):
    rows = {op: dict.fromkeys(STATUSES, 0) for op in OPS}
    for m in run_list:
        rows[m.op][results[m.id][0]] += 1
    for m in mutants:
        if m.key() in equivalents:
            rows[m.op]["equivalent"] += 1
    return rows


def score(rows, equivalent_in_run):
    killed = sum(r["killed"] + r["timeout"] for r in rows.values())
    total = sum(r["killed"] + r["timeout"] + r["survived"] for r in rows.values())
    return killed, total


def report_text(mutants, run_list, results, equivalents, rows, args):
    out = []
    what = "all" if not (args.sample or args.ids or args.survivors_of) else \
        ("sample of %d" % args.sample if args.sample else
         "selected ids" if args.ids else "the survivors in %s" % args.survivors_of)
    if args.files:
        what += " of %s" % args.files
    if args.no_run:
        what += "; partial: only the results in %s" % args.resume
    stages = "scenarios, explore %s, model-tests, failalloc%s%s" % (args.explore, "" if args.no_asan else "; then ASan",
                                                       "; each only where it executes the mutant"
                                                       if args.coverage else "")
    out.append("mutants: model/*.c, %d generated, %d run (%s); stages: %s" % (
        len(mutants), len(run_list), what, stages))
    out.append("%-12s %6s %7s %8s %9s %14s %11s" % ("operator", "run", "killed", "timeout",
                                                   "survived", "not compiling", "equivalent"))
    for op in OPS:
        r = rows[op]
        n = r["killed"] + r["timeout"] + r["survived"] + r["not compiling"]
        out.append("%-12s %6d %7d %8d %9d %14d %11d" % (op, n, r["killed"], r["timeout"],
                                                        r["survived"], r["not compiling"], r["equivalent"]))
    killed, total = score(rows, 0)
    pct = 100.0 * killed / total if total else 100.0
    out.append("score: %d killed / %d (run - not compiling) = %.1f%%" % (killed, total, pct))
    for status in ("survived", "timeout", "not compiling"):
        listed = [m for m in run_list if results[m.id][0] == status]
        if listed:
            out.append("%s:" % status)
            for m in listed:
                extra = results[m.id][1]
                out.append("  %s %s %s: %s%s" % (m.id, m.location(), m.op, m.desc,
                                                 "  (%s)" % extra if extra else ""))
    eq = [m for m in mutants if m.key() in equivalents]
    if eq and not (args.sample or args.ids or args.survivors_of):
        out.append("equivalent (listed in %s):" % os.path.relpath(EQUIVALENT, ROOT))
        for m in eq:
            out.append("  %s %s %s: %s  (%s)" % (m.id, m.location(), m.op, m.desc, equivalents[m.key()][0]))
    return out, pct


def report_json(mutants, run_list, results, equivalents, pct):
    items = []
    for m in mutants:
        if m.key() in equivalents:
            status, detail = "equivalent", equivalents[m.key()][0]
        elif m.id in results:
            status, detail = results[m.id]
        else:
            continue
        items.append({"id": m.id, "location": m.location(), "operator": m.op,
                      "mutation": m.desc, "line": m.line_text, "status": status, "detail": detail})
    return {"score": round(pct, 2), "mutants": items}


def stale_equivalents(mutants, equivalents):
    keys = {m.key() for m in mutants}
    return sorted(where for k, (_, where) in equivalents.items() if k not in keys)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--all", action="store_true", help="every mutant (default)")
    g.add_argument("--sample", type=int, default=0, help="a fixed sample of N mutants")
    g.add_argument("--ids", help="only these ids (comma-separated)")
    g.add_argument("--survivors-of", metavar="LOG", help="only the survivors in an earlier --log")
    ap.add_argument("--files", help="only mutants of these files (model/x.c,...)")
    ap.add_argument("--coverage", action="store_true",
                    help="run each mutant through only the tests that execute it (gcov build)")
    ap.add_argument("--list", action="store_true", help="list the selection, run nothing")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30,
                    help="seconds per stage (x4 under ASan); with --coverage, at most this")
    ap.add_argument("--explore", default="--seed 1 --runs 20 --steps 200")
    ap.add_argument("--no-asan", action="store_true")
    ap.add_argument("--report", help="also write the text report to FILE")
    ap.add_argument("--json", help="write a JSON listing to FILE")
    ap.add_argument("--min-score", type=float, help="exit 1 below this percentage")
    ap.add_argument("--log", help="append each result to FILE as it comes (completion order)")
    ap.add_argument("--resume", help="take the results already in LOG (an earlier --log)")
    ap.add_argument("--no-run", action="store_true",
                    help="with --resume: report only what LOG holds (a partial run)")
    ap.add_argument("--progress", action="store_true", help="count done mutants on stderr")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("-j must be at least 1")
    return args


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        equivalents = load_equivalents(EQUIVALENT)
        mutants = mutgen.all_mutants(ROOT)
        for where in stale_equivalents(mutants, equivalents):
            print("%s: warning: equivalent entry matches no mutant" % where)
        if args.files:
            mutants = [m for m in mutants if m.path in set(args.files.split(","))]
            if not mutants:
                raise SetupError("--files %s: no mutants (files are model/NAME.c)" % args.files)
        run_list = select(mutants, equivalents, args)
        if args.list:
            for m in run_list:
                print("%s %s %s: %s" % (m.id, m.location(), m.op, m.desc))
            return 0
        done = read_log(args.resume, mutants) if args.resume else {}
        if args.resume and args.no_run:
            run_list = [m for m in run_list if m.id in done]
        sources = mutgen.model_sources(ROOT)
        flavours = [Flavour("release", sources)] + ([] if args.no_asan else [Flavour("asan", sources)])
        coverage = load_coverage(args, sources)
    except (SetupError, mutcov.CoverageError) as e:
        print("mutrun: %s" % e, file=sys.stderr)
        return 2
    originals = {}
    for s in sources:
        with open(os.path.join(ROOT, s), encoding="utf-8") as f:
            originals[s] = f.read()
    try:
        results = run_all(run_list, args, flavours, originals, done, coverage)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    rows = tally(mutants if not (args.sample or args.ids or args.survivors_of) else [], run_list, results, equivalents)
    lines, pct = report_text(mutants, run_list, results, equivalents, rows, args)
    print("\n".join(lines))
    if args.report:
        os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
        with open(args.report, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report_json(mutants, run_list, results, equivalents, pct), f, indent=1)
            f.write("\n")
    if args.min_score is not None and pct < args.min_score:
        print("mutants: score %.1f%% is below %.1f%%" % (pct, args.min_score))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
