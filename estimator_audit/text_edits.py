"""Fix stage, fast path: a round of fixes applied as text edits, without a libcst tree.

Most fixes are a dotted name respelled (EA106's renames, hundreds in a large TF1 file), or a
statement and its imports added after the module's imports (the seed calls), or a keyword set in
a call (the dataset options, the optimizer defaults). Their places are
known exactly from CPython's `ast` positions, so the bytes can be changed there and nowhere
else: what libcst would produce, for a small part of its cost (parsing a file with libcst costs
about 5x the whole audit). A round that holds any other edit, or where the text path cannot be
sure to match the libcst path byte for byte (a from-imported name the fixes leave unused, a BOM,
several statements on one line near the imports), is left to libcst: `edits_in_text` returns
None and the caller uses fix.py's tree path. tests/test_fix_edits.py checks both paths agree.
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator

from estimator_audit.findings import Edit, EditAction, Finding, Span
from estimator_audit.source import NEWLINE

TEXT_ACTIONS = frozenset({EditAction.REPLACE, EditAction.INSERT_AFTER_IMPORTS, EditAction.SUPPORT_FILE,
                          EditAction.INSERT_AFTER_STATEMENT, EditAction.INSERT_AT_BLOCK_START,
                          EditAction.SET_KEYWORD})
NESTED_INSERTS = (EditAction.INSERT_AFTER_STATEMENT, EditAction.INSERT_AT_BLOCK_START)
SEED_CALL = "set_random_seed("
EAGER_SWITCH = re.compile(r"\b(?:disable_v2_behavior|disable_eager_execution)\(")
ROOT_NAME = re.compile(r"([A-Za-z_]\w*)\.")
WORD = re.compile(r"\w+")


def edits_in_text(data: bytes, findings: list[Finding], tree: ast.Module | None = None
                  ) -> tuple[bytes, tuple[Finding, ...], ast.Module] | None:
    """The file with every fix of the round applied, the findings fixed and the tree of the
    result; None when the round needs the libcst path. `tree` is `data`'s own tree, if known."""
    if data.startswith(b"\xef\xbb\xbf") or not all(
            finding.fix is not None and all(edit.action in TEXT_ACTIONS for edit in finding.fix.edits)
            for finding in findings):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if declared_encoding(data) != "utf-8":
        return None  # text decoded otherwise by the interpreter: columns would not match
    starts = line_starts(text)
    replacements: dict[tuple[int, int], str] = {}
    imports: list[str] = []
    statements: list[str] = []
    for finding in findings:
        assert finding.fix is not None
        spans = [(offsets(starts, edit.span), edit.text) for edit in finding.fix.edits
                 if edit.action is EditAction.REPLACE and edit.span is not None]
        if any(where is None or "\n" in new or "\r" in new for where, new in spans):
            return None  # multi-line replacements are laid out by the tree path
        for where, new in spans:
            assert where is not None
            if replacements.get(where, new) != new:
                return None  # two fixes disagree about one place: let the tree path decide
            replacements[where] = new
        statements += [edit.text for edit in finding.fix.edits
                       if edit.action is EditAction.INSERT_AFTER_IMPORTS]
        imports += finding.fix.imports
    nested = [edit for finding in findings for edit in finding.fix.edits  # type: ignore[union-attr]
              if edit.action in NESTED_INSERTS]
    keywords = [edit for finding in findings for edit in finding.fix.edits  # type: ignore[union-attr]
                if edit.action is EditAction.SET_KEYWORD]
    if nested or keywords:
        if tree is None:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                return None
        inserted = nested_insertions(text, starts, tree, nested)
        keyworded = keyword_replacements(text, starts, tree, keywords)
        if inserted is None or keyworded is None:
            return None
        for offset, block in inserted.items():
            replacements[(offset, offset)] = block
        for where, new in keyworded.items():
            if where in replacements:
                return None
            replacements[where] = new
    if overlapping(sorted(replacements)):
        return None
    result = replaced(text, replacements)
    # The statements go after the imports, found by line in a tree of `result`. Replacements
    # within lines keep every statement on its lines, so the tree of `data` serves as well.
    original = tree  # of `text`, where the statements a second --fix must not repeat are looked for
    if tree is None or nested or any(NEWLINE.search(text, start, end) for start, end in replacements):
        try:
            tree = ast.parse(result)
        except (SyntaxError, ValueError):
            return None
        parsed: str | None = result
    else:
        parsed = None
    if statements and original is None:
        try:
            original = ast.parse(text)
        except (SyntaxError, ValueError):
            return None
    present = top_level_code(text, original) if statements and original is not None else set()
    added = with_statements(result, tree, imports, [s for s in statements if s not in present])
    if added is None:
        return None
    if added != parsed:
        try:
            tree = ast.parse(added)
        except (SyntaxError, ValueError):
            return None  # the tree path says which fix broke the file
    if orphans_imports(tree, [(text[start:end], new) for (start, end), new in replacements.items()]):
        return None  # the tree path drops the ones left unused; keep one behaviour
    return added.encode("utf-8"), tuple(findings), tree


def replaced(text: str, replacements: dict[tuple[int, int], str]) -> str:
    """The text with each (start, end) span replaced, in one pass (spans do not overlap;
    insertions are empty spans): a file with 20,000 renames is not copied 20,000 times."""
    pieces: list[str] = []
    done = 0
    for (start, end), new in sorted(replacements.items()):
        pieces += [text[done:start], new]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def declared_encoding(data: bytes) -> str:
    """The encoding the interpreter reads the file in (its coding cookie, else UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return ""
    return encoding


def nested_insertions(text: str, starts: list[int], tree: ast.Module, edits: list[Edit]
                      ) -> dict[int, str] | None:
    """{offset: lines} for statements put after a statement or first in a `with` or `if` block, laid
    out as fix.py's libcst path lays them out (the block's indentation, the file's first line
    ending); None for a layout that path would write differently (a statement sharing its
    line, a body on the header's line, a last line without a line break)."""
    newline = NEWLINE.search(text)
    ending = newline.group() if newline else "\n"
    lines = NEWLINE.split(text)
    blocks: dict[int, str] = {}
    for edit in edits:
        assert edit.span is not None
        if edit.action is EditAction.INSERT_AFTER_STATEMENT:
            first, last = edit.span[0], edit.span[2]
            indent = lines[first - 1][: edit.span[1] - 1]
            after = lines[last - 1]
            if indent.strip() or ";" in after or after.rstrip().endswith("\\") or last >= len(starts):
                return None
            offset = starts[last]
        else:
            where = offsets(starts, edit.span)
            block = opened_at(tree, starts, lines, where[0]) if where is not None else None
            if block is None or block.body[0].lineno == block.lineno:
                return None
            body = block.body[0].lineno
            header = body - 1
            while header > block.lineno and (not lines[header - 1].strip()
                                             or lines[header - 1].lstrip().startswith("#")):
                header -= 1
            indent = lines[body - 1][: len(lines[body - 1]) - len(lines[body - 1].lstrip())]
            offset = starts[header]
        text_block = "".join(f"{indent}{line}{ending}" for line in edit.text.split("\n"))
        if blocks.get(offset, text_block) != text_block:
            return None
        blocks[offset] = text_block
    return blocks


def opened_at(tree: ast.Module, starts: list[int], lines: list[str], offset: int) -> ast.With | ast.If | None:
    """The `with` block whose first item, or the `if` block whose test, starts at the offset."""
    for node in ast.walk(tree):
        if isinstance(node, ast.With) and node.items:
            head = node.items[0].context_expr
        elif isinstance(node, ast.If):
            head = node.test
        else:
            continue
        if node_offsets(starts, lines, head)[0] == offset:
            return node
    return None


def keyword_replacements(text: str, starts: list[int], tree: ast.Module, edits: list[Edit]
                         ) -> dict[tuple[int, int], str] | None:
    """{span: text} setting `name=value` in calls, as fix.with_keyword does in a libcst tree:
    an existing keyword's value replaced, else `, name=value` after the last argument (or the
    only argument of an empty call). None for a layout that path writes otherwise (a trailing
    comma, space or comment before the closing parenthesis, a parenthesised value, a
    generator argument) or for two keywords set in one call."""
    if not edits:
        return {}
    lines = NEWLINE.split(text)
    calls = {node_offsets(starts, lines, node): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
    seen: set[tuple[int, int]] = set()
    replacements: dict[tuple[int, int], str] = {}
    for edit in edits:
        where = offsets(starts, edit.span)
        call = calls.get(where) if where is not None else None
        if call is None or where in seen or NEWLINE.search(edit.text):
            return None
        seen.add(where)  # type: ignore[arg-type]
        existing = next((k for k in call.keywords if k.arg == edit.name), None)
        if existing is not None:
            value = node_offsets(starts, lines, existing.value)
            if node_offsets(starts, lines, existing)[1] != value[1] or NEWLINE.search(text, *value):
                return None  # a parenthesised or multi-line value: libcst replaces it whole
            replacements[value] = edit.text
            continue
        closing = where[1] - 1  # type: ignore[index]
        arguments = [*call.args, *call.keywords]
        if not arguments:
            if text[node_offsets(starts, lines, call.func)[1]:closing] != "(":
                return None  # a space or a comment inside the parentheses
            replacements[(closing, closing)] = f"{edit.name}={edit.text}"
        elif any(isinstance(a, ast.GeneratorExp) for a in call.args) or max(
                node_offsets(starts, lines, a)[1] for a in arguments) != closing:
            return None  # a trailing comma, a space, a comment or a parenthesis before `)`
        else:
            replacements[(closing, closing)] = f", {edit.name}={edit.text}"
    return replacements


def node_offsets(starts: list[int], lines: list[str], node: ast.AST) -> tuple[int, int]:
    """A node's start and end as offsets into the text (ast counts columns in UTF-8 bytes)."""
    line, end_line = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
    start = starts[line - 1] + len(lines[line - 1].encode()[: node.col_offset].decode())  # type: ignore[attr-defined]
    end = starts[end_line - 1] + len(lines[end_line - 1].encode()[: node.end_col_offset].decode())  # type: ignore[attr-defined]
    return start, end


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character (lines split as Source splits them)."""
    starts = [0]
    starts += [match.end() for match in NEWLINE.finditer(text)]
    return starts


def offsets(starts: list[int], span: Span | None) -> tuple[int, int] | None:
    if span is None or span[0] > len(starts) or span[2] > len(starts):
        return None
    return starts[span[0] - 1] + span[1] - 1, starts[span[2] - 1] + span[3] - 1


def overlapping(spans: list[tuple[int, int]]) -> bool:
    return any(end > next_start for (_, end), (next_start, _) in itertools.pairwise(spans))


def orphans_imports(tree: ast.Module, replaced: list[tuple[str, str]]) -> bool:
    """Whether a replacement (old text, new text) removes a use of a `from m import x` name:
    the tree path would then drop the import if no use were left. Words are counted, which
    is conservative (a word in a string counts too): when it says no, no use was lost. The
    tree is the fixed file's: statements the fixes add can only make the answer yes."""
    lost: Counter[str] = Counter()
    for old, new in replaced:
        lost.update(WORD.findall(old))
        lost.subtract(WORD.findall(new))
    fewer = {word for word, count in lost.items() if count > 0}
    return bool(fewer) and any((alias.asname or alias.name) in fewer for node in statements_of(tree.body)
                               if isinstance(node, ast.ImportFrom) for alias in node.names)


def statements_of(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without visiting expressions (imports are
    statements, and a file's expressions far outnumber them)."""
    for statement in body:
        yield statement
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            nested = getattr(statement, field, None)
            if isinstance(nested, list):
                yield from statements_of(nested)


def top_level_code(text: str, tree: ast.Module) -> set[str]:
    """The text of each top-level statement, stripped."""
    lines = NEWLINE.split(text)
    return {segment(lines, statement).strip() for statement in tree.body}


def with_statements(text: str, tree: ast.Module, imports: Iterable[str], statements: Iterable[str]
                    ) -> str | None:
    """Add the imports the file lacks, then the statements, after the module's imports, as
    fix.with_statements does in a libcst tree; None where the layout is one the text path
    does not reproduce exactly."""
    if not imports and not statements:
        return text
    body = tree.body
    if any(a.end_lineno == b.lineno for a, b in itertools.pairwise(body)):
        return None  # `import a; import b` on one line: libcst groups them
    lines = NEWLINE.split(text)
    code = [segment(lines, statement) for statement in body]
    present = {code[i].strip() for i, statement in enumerate(body)
               if isinstance(statement, (ast.Import, ast.ImportFrom))}
    new_imports = [line for line in dict.fromkeys(imports) if line not in present]
    new_statements = list(dict.fromkeys(statements))  # the caller left out those the file holds
    if not new_imports and not new_statements:
        return text
    index = insertion_index(body, code)
    if index is None:
        return None
    binds = [bound_names(statement) for statement in body]
    places = statement_places(index, binds, code, new_imports, new_statements)
    newline = NEWLINE.search(text)
    ending = newline.group() if newline else "\n"
    starts = line_starts(text)
    result = text
    for position in sorted(places, reverse=True):
        if position == 0:
            return None  # before the first statement: libcst's module header decides where
        offset = end_of_line(text, starts, body[position - 1].end_lineno or 1)
        if offset is None:
            return None
        result = result[:offset] + "".join(line + ending for line in places[position]) + result[offset:]
    return result


def after_imports_position(text: str, tree: ast.Module, statement: str) -> int | None:
    """The index in the module body before which `statement`, inserted after the imports, lands
    (as with_statements and fix.py place it); None where no place after the imports exists."""
    lines = NEWLINE.split(text)
    code = [segment(lines, node) for node in tree.body]
    index = insertion_index(tree.body, code)
    if index is None:
        return None
    places = statement_places(index, [bound_names(node) for node in tree.body], code, [], [statement])
    return next(iter(places), None)


def setup_call(code: str) -> bool:
    """Whether a top-level statement is a one-line seed call or graph-mode switch."""
    line = code.strip()
    return "\n" not in line and (SEED_CALL in line or EAGER_SWITCH.search(line) is not None)


def bound_names(statement: ast.stmt) -> frozenset[str]:
    """The names a top-level statement binds to a module: an import (`tf` for `import
    tensorflow as tf`), an alias (`keras = tf.keras`), or a block that only picks between such
    (`if keras3: import tf_keras as keras` / `else: keras = tf.keras`, a try/except ImportError)."""
    if isinstance(statement, ast.Import):
        return frozenset(alias.asname or alias.name.split(".", 1)[0] for alias in statement.names)
    if isinstance(statement, ast.ImportFrom):
        return frozenset(alias.asname or alias.name for alias in statement.names)
    if isinstance(statement, ast.Assign) and isinstance(statement.value, (ast.Name, ast.Attribute)):
        return frozenset(target.id for target in statement.targets if isinstance(target, ast.Name))
    if isinstance(statement, (ast.If, ast.Try)):
        inner = [s for s in statements_of([statement]) if s is not statement]
        if all(picks_imports(s) for s in inner):
            return frozenset().union(*(bound_names(s) for s in inner if not isinstance(s, (ast.If, ast.Try))))
    return frozenset()


def picks_imports(statement: ast.AST) -> bool:
    """A statement an import-selection block may hold: imports, aliases, `pass`, strings, and
    the nested blocks and handlers that choose between them (no call: `main()` is code)."""
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant)
    return isinstance(statement, (ast.Import, ast.ImportFrom, ast.Assign, ast.Pass, ast.If, ast.Try,
                                  ast.ExceptHandler))


def bound_names_of(code: str) -> frozenset[str]:
    """bound_names for a top-level statement given as its code (the libcst path's view)."""
    try:
        body = ast.parse(code).body
    except (SyntaxError, ValueError):
        return frozenset()
    return frozenset().union(*(bound_names(statement) for statement in body))


def statement_places(index: int, binds: list[frozenset[str]], code: list[str], imports: list[str],
                     statements: list[str]) -> dict[int, list[str]]:
    """Where the new lines go, as {position in the module body: lines inserted before it}.

    New imports go after the module's opening imports (`index`). The statements go after the
    imports of the names they start from (`tf.compat...` after `import tensorflow as tf`, even
    where a script imports TensorFlow after other code). A switch to graph mode goes first:
    a graph seed set before `disable_v2_behavior()` is lost (verified on TensorFlow 2.21). The
    other statements follow the seed calls and switches already there, since op determinism
    needs the seed. fix.py's libcst path places with this same function.
    """
    roots = {match.group(1) for line in statements if (match := ROOT_NAME.match(line))}
    base = max([index, *(position + 1 for position, names in enumerate(binds) if names & roots)])
    switches = [line for line in statements if EAGER_SWITCH.search(line)]
    others = [line for line in statements if not EAGER_SWITCH.search(line)]
    after = base
    while after < len(code) and setup_call(code[after]):
        after += 1
    places: dict[int, list[str]] = {}
    for position, lines in ((index, imports), (base, switches), (after, others)):
        if lines:
            places.setdefault(position, []).extend(lines)
    return places


def segment(lines: list[str], node: ast.stmt) -> str:
    end = node.end_lineno or node.lineno
    return "\n".join(lines[node.lineno - 1:end])


def end_of_line(text: str, starts: list[int], line: int) -> int | None:
    """The offset just after line `line`'s line break; None for a last line with no break
    (libcst would add one)."""
    if line < len(starts):
        return starts[line]
    return None


def insertion_index(body: list[ast.stmt], code: list[str]) -> int | None:
    """After the last top-level import of the module's opening block (docstring, imports, and
    environment settings among them, which must run before TensorFlow is imported)."""
    index = 0
    for position, statement in enumerate(body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            index = position + 1
        elif position == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
                and isinstance(statement.value.value, str):
            if not one_string(code[0]):
                return None
            index = 1  # the module docstring
        elif index and not environment_setting(code[position]):
            break
    return index


def environment_setting(code: str) -> bool:
    """`os.environ[...] = ...` or `os.environ.setdefault(...)` on one line."""
    line = code.strip()
    return "\n" not in line and line.startswith("os.environ")


def one_string(code: str) -> bool:
    """Whether the docstring statement is a single string token (libcst's SimpleString)."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline)
                  if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.COMMENT)]
    except (tokenize.TokenError, SyntaxError):
        return False
    return len(tokens) == 1 and tokens[0].type == tokenize.STRING
