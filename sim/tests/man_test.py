#!/usr/bin/env python3
"""man_test.py: the man pages render cleanly and say what the program does.

Usage: man_test.py SESSIM MANDIR FORMAT_VERSION VERSION

MANDIR holds sessim.1 and sessim-scenario.5 with their placeholders filled
in (`make man`). Checks, each failure printed as FILE: message:
- each page renders with `man -l` and with groff -man -ww without a warning;
- sessim.1 has a section (.SS "sessim NAME ...") for every command that
  `sessim --help` lists, and every option a command's --help prints (and
  the usage line `sessim --help` gives it) appears in that section, and
  every option the section names is one the command's --help prints (so
  the page and --help cannot drift apart in either direction);
- the scenario in sessim-scenario(5)'s SYNOPSIS passes `sessim run`;
- `sessim --version` names VERSION and the scenario format version.
About a second.
"""
import os
import re
import subprocess
import sys
import tempfile

OPTION = re.compile(r"(?:(?<=\s)|(?<=[\[|(,])|^)(--?[A-Za-z][-A-Za-z0-9]*)")
COMMAND = re.compile(r"^  sessim ([a-z][-a-z]*)(.*)$")
GLOBAL = {"-h", "--help", "--version"}
failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def render(page):
    """The page as plain text (man -l), after checking both renderers are quiet."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    groff = run(["groff", "-man", "-Tutf8", "-ww", "-z", page])
    if groff.returncode != 0 or groff.stderr:
        fail(page, "groff -man -ww: " + (groff.stderr.strip() or f"exit {groff.returncode}"))
    man = run(["man", "--warnings=w", "-l", page], env=env)
    if man.returncode != 0 or man.stderr:
        fail(page, "man -l: " + (man.stderr.strip() or f"exit {man.returncode}"))
    return re.sub(".\b", "", man.stdout)


def options(text):
    return {o for o in OPTION.findall(text)} - GLOBAL


def sections(text):
    """{command name: its section's text}; consecutive headings share one."""
    out, names, heading_before = {}, [], False
    for line in text.splitlines():
        m = re.match(r"^   sessim ([a-z][-a-z]*)", line)
        if m:
            names = names + [m.group(1)] if heading_before else [m.group(1)]
            for n in names:
                out[n] = line + "\n"
            heading_before = True
            continue
        if line and not line.startswith(" "):      # a new .SH section
            names = []
        if line.strip():
            heading_before = False
        for n in names:
            out[n] += line + "\n"
    return out


def check_commands(sessim, page, text):
    top = run([sessim, "--help"]).stdout
    usage_lines = {m.group(1): m.group(2) for m in map(COMMAND.match, top.splitlines()) if m}
    if not usage_lines:
        fail(sessim, "--help lists no command")
    secs = sections(text)
    for name, usage in usage_lines.items():
        if name not in secs:
            fail(page, f"no section for 'sessim {name}' (.SS \"sessim {name} ...\")")
            continue
        helped = run([sessim, name, "--help"])
        if helped.returncode != 0:
            fail(sessim, f"'{name} --help' exits {helped.returncode}")
        want = options(helped.stdout) | options(usage)
        have = options(secs[name])
        for o in sorted(want - have):
            fail(page, f"'sessim {name}': option {o} of its --help is not in its section")
        for o in sorted(have - want):
            fail(page, f"'sessim {name}': option {o} is in its section but not in its --help")


def check_example(sessim, page, text):
    m = re.search(r"^SYNOPSIS\n(.*?)\n\S", text, re.S | re.M)
    if not m:
        fail(page, "no SYNOPSIS")
        return
    lines = m.group(1).splitlines()
    indent = min(len(l) - len(l.lstrip()) for l in lines if l.strip())
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("\n".join(l[indent:] for l in lines) + "\n")
    try:
        r = run([sessim, "run", f.name])
        if r.returncode != 0:
            fail(page, "the SYNOPSIS scenario does not pass:\n" + r.stdout + r.stderr)
    finally:
        os.unlink(f.name)


def main():
    sessim, mandir, fmt, version = sys.argv[1:5]
    page1 = os.path.join(mandir, "sessim.1")
    page5 = os.path.join(mandir, "sessim-scenario.5")
    text1, text5 = render(page1), render(page5)
    check_commands(sessim, page1, text1)
    check_example(sessim, page5, text5)
    v = run([sessim, "--version"]).stdout
    if not re.match(rf"sessim {re.escape(version)}\b", v) or f"scenario format {fmt}\n" not in v:
        fail(sessim, f"--version says {v!r}, not version {version} and format {fmt}")
    for f in failures:
        print("man_test: FAIL: " + f)
    print(f"man_test: {'FAILED' if failures else 'ok'} (2 pages, {len(failures)} failures)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
