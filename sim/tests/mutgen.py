#!/usr/bin/env python3
"""Mechanical mutants of model/*.c, listed deterministically.

A small C lexer (comments, strings, character constants and preprocessor
lines are skipped) feeds token-level mutation operators:

  ror          relational/equality operator: < <= > >= swap their boundary,
               == and != swap
  lor          && and || swap
  neg          if (C) -> if (!(C))
  bool         return true <-> return false
  const        an integer constant +1 and -1
  index        an array index +1 and -1 (a[i] -> a[i + 1])
  delete-stmt  an expression statement deleted
  delete-call  a statement that is a single call deleted
  delete-free  the same for a call whose name ends in "free" (memory)

Nothing depends on function names (the free rule looks at the called
name's suffix only). assert()s, sizeof operands and (void) casts of
unused parameters are left alone. Every mutant has an id
(<file stem>-<nnnn>, in source order), a location FILE:LINE:COL and a
one-line description; its key (file, the line's text, the description)
does not mention line numbers, so lists of equivalent mutants survive
edits elsewhere in the file.

  python3 sim/tests/mutgen.py [--root DIR] [FILE...]   list the mutants
"""
import hashlib
import os
import re
import sys

PUNCT = sorted("""... <<= >>= -> ++ -- << >> <= >= == != && || *= /= %= += -= &= ^= |=
## [ ] ( ) { } . & * + - ~ ! / % < > ^ | ? : ; = , #""".split(),
               key=len, reverse=True)
ROR = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
LOR = {"&&": "||", "||": "&&"}
STMT_KEYWORDS = set("""if else for while do switch case default return break
continue goto typedef static extern const volatile register auto struct union
enum char short int long float double signed unsigned void bool _Bool inline
sizeof _Static_assert static_assert""".split())
ASSERTS = {"assert", "static_assert", "_Static_assert"}
DESC_WIDTH = 60


class Token:
    __slots__ = ("kind", "text", "pos", "line", "col")

    def __init__(self, kind, text, pos, line, col):
        self.kind, self.text, self.pos, self.line, self.col = kind, text, pos, line, col


def _skip_preprocessor(src, i):
    """Returns the offset after a preprocessor line (with continuations)."""
    n = len(src)
    while i < n and src[i] != "\n":
        if src[i] == "\\" and i + 1 < n and src[i + 1] == "\n":
            i += 2
            continue
        if src.startswith("/*", i):
            end = src.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        i += 1
    return i


def _quoted_end(src, i):
    quote, i, n = src[i], i + 1, len(src)
    while i < n and src[i] != quote:
        i += 2 if src[i] == "\\" else 1
    return i + 1


def lex(src):
    """Returns the tokens of C source src (no comments, no preprocessor)."""
    tokens, i, n, line, line_start = [], 0, len(src), 1, 0
    at_line_start = True
    number = re.compile(r"(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\b|[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?[fFlL]?|[0-9]+[eE][-+]?[0-9]+")
    ident = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
    while i < n:
        c = src[i]
        if c == "\n":
            line, line_start, at_line_start = line + 1, i + 1, True
            i += 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if c == "#" and at_line_start:
            end = _skip_preprocessor(src, i)
            line += src.count("\n", i, end)
            if line != 1:
                line_start = src.rfind("\n", 0, end) + 1
            i = end
            continue
        at_line_start = False
        if src.startswith("//", i):
            i = src.find("\n", i)
            i = n if i < 0 else i
            continue
        if src.startswith("/*", i):
            end = src.find("*/", i + 2)
            end = n if end < 0 else end + 2
            nl = src.count("\n", i, end)
            if nl:
                line += nl
                line_start = src.rfind("\n", 0, end) + 1
            i = end
            continue
        col = i - line_start + 1
        if c in "\"'":
            end = _quoted_end(src, i)
            tokens.append(Token("string" if c == '"' else "char", src[i:end], i, line, col))
            i = end
            continue
        m = number.match(src, i) if c.isdigit() or c == "." and i + 1 < n and src[i + 1].isdigit() else None
        if m:
            kind = "int" if m.group(1) and "." not in m.group(0) else "float"
            tokens.append(Token(kind, m.group(0), i, line, col))
            i = m.end()
            continue
        m = ident.match(src, i)
        if m:
            tokens.append(Token("ident", m.group(0), i, line, col))
            i = m.end()
            continue
        for p in PUNCT:
            if src.startswith(p, i):
                tokens.append(Token("punct", p, i, line, col))
                i += len(p)
                break
        else:
            raise ValueError("line %d:%d: unexpected character %r" % (line, col, c))
    return tokens


def _match_brackets(tokens):
    """Maps the index of each ( [ { to its closing token's index and back."""
    pairs, stack = {}, []
    for k, t in enumerate(tokens):
        if t.text in "([{" and t.kind == "punct":
            stack.append(k)
        elif t.text in ")]}" and t.kind == "punct":
            o = stack.pop()
            pairs[o], pairs[k] = k, o
    return pairs


def _sizeof_end(tokens, pairs, k):
    """Index after the operand of the sizeof at k (never evaluated)."""
    j = k + 1
    while j < len(tokens) and tokens[j].text in ("*", "&"):
        j += 1
    if j < len(tokens) and tokens[j].text == "(":
        return pairs[j] + 1
    j += 1
    while j < len(tokens):
        if tokens[j].text in ("->", ".") and j + 1 < len(tokens):
            j += 2
        elif tokens[j].text == "[":
            j = pairs[j] + 1
        else:
            break
    return j


def _skipped_spans(tokens, pairs):
    """Token indexes inside assert(...) calls and sizeof operands: a
    mutation there is not executed, or not at all in the program."""
    skip = set()
    for k, t in enumerate(tokens):
        if t.kind != "ident" or k + 1 >= len(tokens):
            continue
        if t.text in ASSERTS and tokens[k + 1].text == "(":
            skip.update(range(k, pairs[k + 1] + 1))
        elif t.text == "sizeof":
            skip.update(range(k, _sizeof_end(tokens, pairs, k)))
    return skip


def _one_line(text):
    text = " ".join(text.split())
    return text if len(text) <= DESC_WIDTH else text[:DESC_WIDTH - 3] + "..."


class Mutant:
    """One mutation: edits (offset, length, replacement) on one file."""

    def __init__(self, path, src, token, op, edits, desc):
        self.path, self.op, self.edits, self.desc = path, op, edits, desc
        self.line, self.col = token.line, token.col
        start = src.rfind("\n", 0, token.pos) + 1
        end = src.find("\n", token.pos)
        self.line_text = " ".join(src[start:end if end >= 0 else len(src)].split())
        self.id = ""

    def key(self):
        return "%s|%s|%s" % (self.path, self.line_text, self.desc)

    def location(self):
        return "%s:%d:%d" % (self.path, self.line, self.col)

    def apply(self, src):
        for pos, length, repl in sorted(self.edits, reverse=True):
            src = src[:pos] + repl + src[pos + length:]
        return src

    def sample_rank(self):
        return hashlib.sha256(self.key().encode()).hexdigest()


def _op_mutants(path, src, tokens, skip):
    out = []
    for k, t in enumerate(tokens):
        if k in skip or t.kind != "punct":
            continue
        table = ROR if t.text in ROR else LOR if t.text in LOR else None
        if table:
            op = "ror" if table is ROR else "lor"
            out.append(Mutant(path, src, t, op, [(t.pos, len(t.text), table[t.text])],
                              "'%s' -> '%s'" % (t.text, table[t.text])))
    return out


def _neg_mutants(path, src, tokens, pairs, skip):
    out = []
    for k, t in enumerate(tokens):
        if k in skip or t.kind != "ident" or t.text != "if" or tokens[k + 1].text != "(":
            continue
        o, c = tokens[k + 1], tokens[pairs[k + 1]]
        cond = src[o.pos + 1:c.pos]
        out.append(Mutant(path, src, t, "neg", [(o.pos + 1, 0, "!("), (c.pos, 0, ")")],
                          "if (%s) -> if (!(...))" % _one_line(cond)))
    return out


def _bool_mutants(path, src, tokens, skip):
    out, flip = [], {"true": "false", "false": "true"}
    for k, t in enumerate(tokens[:-2]):
        nxt = tokens[k + 1]
        if k in skip or t.text != "return" or nxt.text not in flip or tokens[k + 2].text != ";":
            continue
        out.append(Mutant(path, src, t, "bool", [(nxt.pos, len(nxt.text), flip[nxt.text])],
                          "return %s -> return %s" % (nxt.text, flip[nxt.text])))
    return out


def _const_mutants(path, src, tokens, skip):
    out = []
    for k, t in enumerate(tokens):
        if k in skip or t.kind != "int":
            continue
        for sign in "+-":
            out.append(Mutant(path, src, t, "const", [(t.pos, len(t.text), "(%s %s 1)" % (t.text, sign))],
                              "%s -> %s %s 1" % (t.text, t.text, sign)))
    return out


def _is_declarator(tokens, k):
    """Whether the identifier at k is declared (T name, T *name, ...)."""
    j = k - 1
    while j >= 0 and tokens[j].text in ("*", "const"):
        j -= 1
    return j >= 0 and tokens[j].kind == "ident" and tokens[j].text not in ("return", "sizeof", "case")


def _index_mutants(path, src, tokens, pairs, skip):
    out = []
    for k, t in enumerate(tokens):
        if k in skip or k == 0 or t.text != "[" or t.kind != "punct":
            continue
        prev, close = tokens[k - 1], pairs[k]
        if not (prev.kind == "ident" or prev.text in ("]", ")")) or close == k + 1:
            continue
        if prev.kind == "ident" and _is_declarator(tokens, k - 1):
            continue
        if close == k + 2 and tokens[k + 1].kind == "int":
            continue   # the constant's own mutants cover it
        inner = _one_line(src[t.pos + 1:tokens[close].pos])
        base = prev.text if prev.kind == "ident" else "..."
        for sign in "+-":
            out.append(Mutant(path, src, t, "index", [(tokens[close].pos, 0, " %s 1" % sign)],
                              "%s[%s] -> %s[%s %s 1]" % (base, inner, base, inner, sign)))
    return out


def _brace_kinds(tokens, pairs):
    """Kind of each { : 'block' (statements follow) or 'other'."""
    kinds = {}
    for k, t in enumerate(tokens):
        if t.text != "{" or t.kind != "punct":
            continue
        prev = tokens[k - 1] if k else None
        kind = "other"
        if prev is None:
            kind = "other"
        elif prev.text == ")":
            before = tokens[pairs[k - 1] - 1] if pairs[k - 1] else None
            if before is not None and before.kind == "ident" and before.text not in ("return", "sizeof"):
                kind = "block"
        elif prev.text in (";", "{", "}", ":", "else", "do"):
            kind = "block"
        kinds[k] = kind
    return kinds


def _is_declaration(stmt):
    first = stmt[0]
    if first.kind != "ident" or first.text in STMT_KEYWORDS:
        return first.kind == "ident"
    j = 1
    while j < len(stmt) and stmt[j].text in ("*", "const"):
        j += 1
    return j < len(stmt) and stmt[j].kind == "ident" and j + 1 < len(stmt) \
        and stmt[j + 1].text in ("=", ";", "[", ",")


def _is_void_cast(stmt):
    """'(void)a, (void)b;': only silences unused-parameter warnings."""
    text = [t.text for t in stmt[:-1]]
    while len(text) >= 4 and text[:3] == ["(", "void", ")"] and stmt[3].kind == "ident":
        text = text[4:]
        stmt = stmt[4:]
        if text[:1] == [","]:
            text, stmt = text[1:], stmt[1:]
    return not text


def _statement_kind(stmt):
    """delete-call for 'f(...);', delete-free when f ends in free."""
    body = stmt[:-1]
    if len(body) >= 4 and body[0].text == "(" and body[1].text == "void" and body[2].text == ")":
        body = body[3:]
    if len(body) >= 3 and body[0].kind == "ident" and body[1].text == "(" and body[-1].text == ")":
        depth = 0
        for j, t in enumerate(body[1:], 1):
            depth += t.text == "(" and t.kind == "punct"
            depth -= t.text == ")" and t.kind == "punct"
            if depth == 0:
                if j == len(body) - 1:
                    name = body[0].text
                    return "delete-free" if name == "free" or name.endswith("_free") else "delete-call"
                break
    return "delete-stmt"


def _statement_starts(tokens, pairs, kinds):
    """Indexes of tokens that begin a statement inside a function body."""
    starts, stack, depths = [], [], _paren_depths(tokens)
    for k, t in enumerate(tokens):
        if t.kind == "punct" and t.text == "{":
            stack.append(kinds[k])
            if kinds[k] == "block":
                starts.append(k + 1)
        elif t.kind == "punct" and t.text == "}":
            stack.pop()
            if stack and stack[-1] == "block":
                starts.append(k + 1)
        elif not stack or stack[-1] != "block":
            continue
        elif t.text == ";" and depths[k] == 0:
            starts.append(k + 1)
        elif t.text in ("else", "do"):
            starts.append(k + 1)
        elif t.text == ")" and k in pairs and pairs[k] > 0 and \
                tokens[pairs[k] - 1].text in ("if", "while", "for", "switch"):
            starts.append(k + 1)
        elif t.text == ":" and k >= 1 and (tokens[k - 1].text == "default" or
                                          _after_case(tokens, k)):
            starts.append(k + 1)
    return starts


def _paren_depths(tokens):
    """Number of ( [ open around each token."""
    depths, depth = [], 0
    for t in tokens:
        if t.kind == "punct" and t.text in ")]":
            depth -= 1
        depths.append(depth)
        if t.kind == "punct" and t.text in "([":
            depth += 1
    return depths


def _after_case(tokens, k):
    j = k - 1
    while j >= 0 and tokens[j].text not in (";", "{", "}", ":", "case"):
        j -= 1
    return j >= 0 and tokens[j].text == "case"


def _delete_mutants(path, src, tokens, pairs, skip):
    out, kinds = [], _brace_kinds(tokens, pairs)
    for s in sorted(set(_statement_starts(tokens, pairs, kinds))):
        if s >= len(tokens) or s in skip or tokens[s].text in (";", "{", "}"):
            continue
        e = s
        while e < len(tokens) and tokens[e].text != ";":
            if tokens[e].text in "([" and tokens[e].kind == "punct":
                e = pairs[e]
            elif tokens[e].text in ("{", "}"):
                break
            e += 1
        if e >= len(tokens) or tokens[e].text != ";":
            continue
        stmt = tokens[s:e + 1]
        if _is_declaration(stmt) or _is_void_cast(stmt):
            continue
        start, end = stmt[0].pos, stmt[-1].pos + 1
        out.append(Mutant(path, src, stmt[0], _statement_kind(stmt), [(start, end - start, ";")],
                          "deleted '%s'" % _one_line(src[start:end])))
    return out


def file_mutants(path, src):
    """Every mutant of one file, in source order (ids not yet assigned)."""
    tokens = lex(src)
    pairs = _match_brackets(tokens)
    skip = _skipped_spans(tokens, pairs)
    muts = (_op_mutants(path, src, tokens, skip) + _neg_mutants(path, src, tokens, pairs, skip)
            + _bool_mutants(path, src, tokens, skip) + _const_mutants(path, src, tokens, skip)
            + _index_mutants(path, src, tokens, pairs, skip)
            + _delete_mutants(path, src, tokens, pairs, skip))
    order = ["ror", "lor", "neg", "bool", "const", "index", "delete-stmt", "delete-call", "delete-free"]
    muts.sort(key=lambda m: (min(e[0] for e in m.edits), m.line, m.col, order.index(m.op), m.desc))
    _disambiguate(muts)
    stem = os.path.splitext(os.path.basename(path))[0]
    for n, m in enumerate(muts, 1):
        m.id = "%s-%04d" % (stem, n)
    return muts


def _disambiguate(muts):
    """Numbers mutants whose key would otherwise repeat (same line text)."""
    seen = {}
    for m in muts:
        seen.setdefault(m.key(), []).append(m)
    for group in seen.values():
        if len(group) > 1:
            for n, m in enumerate(group, 1):
                m.desc += " [%d of %d]" % (n, len(group))


def model_sources(root):
    d = os.path.join(root, "model")
    return sorted("model/" + f for f in os.listdir(d) if f.endswith(".c"))


def all_mutants(root, files=None):
    """Mutants of files (default model/*.c) under root, sorted by id."""
    out = []
    for path in files or model_sources(root):
        with open(os.path.join(root, path), encoding="utf-8") as f:
            out.extend(file_mutants(path, f.read()))
    return sorted(out, key=lambda m: m.id)


def main(argv):
    root = "."
    if argv[:1] == ["--root"]:
        root, argv = argv[1], argv[2:]
    for m in all_mutants(root, argv or None):
        print("%s %s %s: %s" % (m.id, m.location(), m.op, m.desc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
