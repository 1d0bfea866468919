"""How the code fixes write is laid out: wrapped to the line width, one line where it was
several, and the comments of code it replaces kept."""

from __future__ import annotations

import ast
import io
import itertools
import tokenize

INDENT = "    "
LINE_WIDTH = 99  # emitted lines longer than this are wrapped at their outermost call


def wrapped(line: str, width: int = LINE_WIDTH) -> list[str]:
    """A long statement split after its first bracket, one element per line (black's style),
    and again inside any element still too long. Tokenized, so commas and brackets
    inside string literals (vocabularies) are left alone."""
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip(" "))]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return [line]
    depth, start, commas = 0, -1, []
    for token in tokens:
        if token.type != tokenize.OP:
            continue
        if token.string in "([{":
            depth += 1
            if depth == 1 and start < 0:
                start = token.start[1]
        elif token.string in ")]}":
            depth -= 1
            if depth == 0 and start >= 0:
                end = token.start[1]
                break
        elif token.string == "," and depth == 1 and start >= 0:
            commas.append(token.start[1])
    else:
        return [line]
    text = line.strip()
    if end - start <= 1:
        return [line]
    bounds = [start, *commas, end]
    arguments = [text[a + 1:b].strip() for a, b in itertools.pairwise(bounds)]
    body = [part for argument in arguments if argument
            for part in wrapped(f"{indent}{INDENT}{argument},", width)]
    return [f"{indent}{text[: start + 1]}", *body, f"{indent}{text[end:]}"]


SKIPPED_TOKENS = (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)


def one_line(code: str) -> str:
    """An expression written over several lines, on one line (its line breaks and their
    indentation become single spaces); kept as it is when it holds a comment."""
    if "\n" not in code:
        return code
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(f"({code})").readline))
    except (tokenize.TokenError, SyntaxError):
        return code
    if any(token.type == tokenize.COMMENT for token in tokens):
        return code
    out: list[str] = []
    previous: tokenize.TokenInfo | None = None
    for token in tokens:
        if token.type in SKIPPED_TOKENS:
            continue
        if previous is not None:
            if token.start[0] != previous.end[0]:
                if previous.string not in "([{" and token.string not in ")]},":
                    out.append(" ")
            else:
                out.append(" " * (token.start[1] - previous.end[1]))
        out.append(token.string)
        previous = token
    return "".join(out)[1:-1]


def laid_out(prefix: str, code: str, width: int = LINE_WIDTH) -> str:
    """`code` placed after `prefix` (the start of its line), wrapped to the width; returned
    without the prefix and with its continuation lines indented relative to the line's own
    indentation (the fix stage re-indents code to its block)."""
    if "\n" in code:
        return code  # laid out already (a pipeline over several lines, with its comments)
    lines = wrapped(prefix + code, width)
    indent = prefix[: len(prefix) - len(prefix.lstrip(" "))]
    if len(lines) == 1 or not lines[0].startswith(prefix) or not all(
            line.startswith(indent) for line in lines[1:]):
        return code
    return "\n".join([lines[0][len(prefix):], *(line[len(indent):] for line in lines[1:])])



def comments_in(code: str) -> tuple[str, ...]:
    """The `# ...` comments of a piece of source, in order."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(code).readline)
        return tuple(t.string for t in tokens if t.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError):
        return ()


def preferred_quote(source_lines: list[str], tree: ast.Module) -> str:
    """The quote the module's own string literals mostly use (`'` when they tie)."""
    counts = {'"': 0, "'": 0}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if node.lineno > len(source_lines):
            continue
        line = source_lines[node.lineno - 1].encode("utf-8", "surrogateescape")  # offsets count bytes
        opening = line[node.col_offset:].decode("utf-8", "replace").lstrip("rRbBuUfF")[:1]
        if opening in counts:
            counts[opening] += 1
    return '"' if counts['"'] > counts["'"] else "'"


def string_literal(text: str, quote: str) -> str:
    """`text` as a string literal in `quote` where that needs no escape (`repr` would write
    single quotes into a file written with double ones)."""
    literal = repr(text)
    if quote == '"' and '"' not in text and "\\" not in literal:
        return f'"{text}"'
    return literal
