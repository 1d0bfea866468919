"""Fix stage: apply the edits findings carry to a libcst tree, keeping every other byte.

Only rounds with a structural edit pay for a libcst tree: renames and statements after the
imports are applied as text by estimator_audit/text_edits.py, with the same result. The edits
of one round are located in the original tree by position and applied in one transform; the
result must parse (libcst and CPython) or nothing is written. The pipeline re-audits the
result and repeats until no fix applies, so a second `--fix` run changes nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import libcst as cst
import libcst.helpers
from libcst import MaybeSentinel
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from estimator_audit.findings import Edit, EditAction, Finding, Span
from estimator_audit.findings import FixFailure as FixFailure  # where callers look for it
from estimator_audit.text_edits import bound_names_of, edits_in_text, environment_setting, statement_places

Change = Callable[[cst.CSTNode], cst.CSTNode | cst.RemovalSentinel]


BLANK_LINES_AROUND_DEF = 2  # PEP 8, around a module-level def the fix inserts


@dataclass(frozen=True)
class FixResult:
    data: bytes
    applied: tuple[Finding, ...]
    tree: ast.Module | None = None  # of `data`: parsed to check it, reused by the next audit


def parse_bytes(data: bytes) -> cst.Module:
    """A libcst tree that gives back exactly these bytes, or FixFailure."""
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as error:
        raise FixFailure(f"libcst cannot parse the file: {error.message}") from None
    if module.bytes != data:  # e.g. a blank line before a final indented comment (libcst 1.9)
        raise FixFailure("libcst does not reproduce this file byte for byte; not fixed")
    return module


class Locator:
    """Finds the node of the original tree that a span (from the ast audit) names."""

    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions: dict[cst.CSTNode, CodeRange] = dict(wrapper.resolve(PositionProvider))
        self.by_span: dict[tuple[int, int, int, int], list[cst.CSTNode]] = {}
        self.statement_lines = [(positions[s].start.line, positions[s].end.line) for s in module.body]
        self.lines: dict[tuple[int, int, int, int], cst.SimpleStatementLine] = {}
        self.compound: dict[tuple[int, int], cst.BaseCompoundStatement] = {}  # by where they start
        self.next_sibling: dict[int, cst.CSTNode] = {}  # statement id -> the next one in its block
        self.last_in: dict[int, cst.CSTNode] = {}  # id of a block's last statement -> the block
        # `with` blocks by the span of their first item, `if` blocks by the span of their test
        self.blocks: dict[tuple[int, int, int, int], cst.With | cst.If] = {}
        for node, where in positions.items():
            if isinstance(node, (cst.With, cst.If)) and (isinstance(node, cst.If) or node.items):
                at = positions[node.test if isinstance(node, cst.If) else node.items[0].item]
                self.blocks[(at.start.line, at.start.column + 1, at.end.line, at.end.column + 1)] = node
            if isinstance(node, cst.BaseCompoundStatement):
                self.compound[(where.start.line, where.start.column + 1)] = node
            if isinstance(node, (cst.Module, cst.IndentedBlock)):
                self.next_sibling.update(zip(map(id, node.body), node.body[1:], strict=False))
                if node.body:
                    self.last_in[id(node.body[-1])] = node
            if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
                inner = positions[node.body[0]]
                key = (inner.start.line, inner.start.column + 1, inner.end.line, inner.end.column + 1)
                self.lines[key] = node
            if isinstance(node, cst.BaseExpression):
                key = (where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
                self.by_span.setdefault(key, []).append(node)

    def expression(self, span: Span) -> cst.BaseExpression:
        nodes = self.by_span.get(span)
        if not nodes:
            raise FixFailure(f"no expression at {span[0]}:{span[1]} in the libcst tree")
        # A call and its callee can share a span only when parenthesised; prefer the outermost.
        return nodes[-1]  # type: ignore[return-value]

    def statement(self, span: Span) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
        """The line that holds exactly the statement at span (and nothing else), or the compound
        statement (a `with` block) that starts there."""
        line = self.lines.get(span) or self.compound.get(span[:2])
        if line is None:
            raise FixFailure(f"no statement alone on its line at {span[0]}:{span[1]}")
        return line

    def block(self, span: Span) -> cst.With | cst.If:
        """The `with` statement whose first item, or the `if` whose test, is the expression at span."""
        found = self.blocks.get(span)
        if found is None or not isinstance(found.body, cst.IndentedBlock):
            raise FixFailure(f"no with or if statement with an indented body at {span[0]}:{span[1]}")
        return found

    def top_level_index(self, span: Span) -> int:
        """The index in the module body of the statement that holds the span's start."""
        for index, (first, last) in enumerate(self.statement_lines):
            if first <= span[0] <= last:
                return index
        raise FixFailure(f"no top-level statement holds line {span[0]}")

    def call(self, span: Span) -> cst.Call:
        for node in reversed(self.by_span.get(span, [])):
            if isinstance(node, cst.Call):
                return node
        raise FixFailure(f"no call at {span[0]}:{span[1]} in the libcst tree")


def parse_expression(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def with_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """`call` with `name=value`: replace the argument's value, or append it in the call's style."""
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            args = list(call.args)
            args[index] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    new = cst.Arg(value=value, keyword=cst.Name(name),
                  equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    if not call.args:
        return call.with_changes(args=[new])
    args = list(call.args)
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma (one argument per line): the new argument takes the last one's
        # comma and the last one the separator its neighbour uses (without its comment).
        neighbour = args[-2].comma if len(args) > 1 else last.comma
        separator = plain_separator(neighbour if isinstance(neighbour, cst.Comma) else last.comma)
        args[-1] = last.with_changes(comma=separator)
        new = new.with_changes(comma=last.comma)
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, new])


def plain_separator(comma: cst.Comma) -> cst.Comma:
    """The same comma and line break, without the comment that may follow it."""
    after = comma.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace):
        first_line = after.first_line.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        return comma.with_changes(whitespace_after=after.with_changes(first_line=first_line, empty_lines=()))
    return comma


def without_keyword(call: cst.Call, name: str) -> cst.Call:
    """`call` without its `name=` argument; the comma layout of the others is kept."""
    args = list(call.args)
    index = next((i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == name), None)
    if index is None:
        return call
    removed = args.pop(index)
    if index == len(args) and args:  # it was the last: the new last one takes its comma
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def with_first_argument(call: cst.Call, value: cst.BaseExpression) -> cst.Call:
    """`call` with `value` passed first, positionally: on a line of its own when the arguments
    start on the line after the parenthesis, else followed by `, `."""
    before = call.whitespace_before_args
    if not isinstance(before, cst.ParenthesizedWhitespace):
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if call.args else MaybeSentinel.DEFAULT
        return call.with_changes(whitespace_before_args=cst.SimpleWhitespace("") if not call.args else before,
                                 args=[cst.Arg(value=value, comma=comma), *call.args])
    # One argument per line: the new one ends with the line break that put the old first
    # argument (or the closing parenthesis) in place.
    line_break = cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(
        indent=before.indent, last_line=before.last_line))
    if call.args:
        return call.with_changes(args=[cst.Arg(value=value, comma=line_break), *call.args])
    if before.empty_lines:  # `f(\n    # comment\n)`: the value goes under the comment
        indent = before.empty_lines[-1].whitespace
        return call.with_changes(whitespace_before_args=before.with_changes(last_line=indent),
                                 args=[cst.Arg(value=value, comma=line_break)])
    return call.with_changes(whitespace_before_args=cst.SimpleWhitespace(""), args=[cst.Arg(value=value)])


def with_argument_named(call: cst.Call, which: str, name: str) -> cst.Call:
    """`call` with its argument `which` (a keyword, or a 0-based position) passed as `name=`."""
    args = list(call.args)
    if which.isdigit():
        index = int(which)
        if index >= len(args) or args[index].keyword is not None or args[index].star:
            raise FixFailure(f"the call has no positional argument {index}")
    else:
        found = [i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == which]
        if not found:
            raise FixFailure(f"the call has no {which}= argument")
        index = found[0]
    arg = args[index]
    equal = arg.equal if isinstance(arg.equal, cst.AssignEqual) else cst.AssignEqual(
        cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    args[index] = arg.with_changes(keyword=cst.Name(name), equal=equal)
    return call.with_changes(args=args)


def with_arguments_packed(call: cst.Call, which: str) -> cst.Call:
    """`call` with its positional arguments `which` ("1:3") passed as one tuple, in their place."""
    start, stop = (int(bound) for bound in which.split(":"))
    args = list(call.args)
    packed = args[start:stop]
    if stop > len(args) or len(packed) < 2 or any(a.keyword is not None or a.star for a in packed):
        raise FixFailure(f"the call has no positional arguments {which}")
    last = cst.Element(packed[-1].value)
    elements = [cst.Element(a.value, comma=a.comma) for a in packed[:-1]] + [last]
    args[start:stop] = [cst.Arg(value=cst.Tuple(elements), comma=packed[-1].comma)]
    return call.with_changes(args=args)


def change_for(edit: Edit) -> Change:
    """The libcst change an edit asks for."""
    if edit.action is EditAction.SET_KEYWORD:
        value = parse_expression(edit.text)
        return lambda node: with_keyword(node, edit.name, value)  # type: ignore[arg-type]
    if edit.action is EditAction.REMOVE_KEYWORD:
        return lambda node: without_keyword(node, edit.name)  # type: ignore[arg-type]
    if edit.action is EditAction.CALL:
        return lambda node: cst.Call(func=node)  # type: ignore[arg-type]
    if edit.action is EditAction.ADD_ARGUMENT:
        argument = parse_expression(edit.text)
        return lambda node: with_first_argument(node, argument)  # type: ignore[arg-type]
    if edit.action is EditAction.NAME_ARGUMENT:
        return lambda node: with_argument_named(node, edit.text, edit.name)  # type: ignore[arg-type]
    if edit.action is EditAction.PACK_ARGUMENTS:
        return lambda node: with_arguments_packed(node, edit.text)  # type: ignore[arg-type]
    if edit.action is EditAction.REPLACE:
        replacement = parse_expression(edit.text)
        return lambda node: replacement.with_changes(
            lpar=getattr(node, "lpar", ()), rpar=getattr(node, "rpar", ()))
    raise FixFailure(f"{edit.action} is not an expression edit")


def statements_for(text: str, module: cst.Module) -> Change:
    """A change that puts these statements where a statement was, keeping the comments and blank
    lines that led up to it."""
    parsed_module = cst.parse_module(text + module.default_newline, config=module.config_for_parsing)
    parsed = parsed_module.body

    def change(node: cst.CSTNode) -> cst.CSTNode:
        statements = [parsed[0].with_changes(leading_lines=getattr(node, "leading_lines", ())), *parsed[1:]]
        # Comments after the last statement of a replaced block (a function's trailing `# note`)
        # stay at the end of the block that replaces it.
        footer = list(getattr(getattr(node, "body", None), "footer", ()))
        marks = [index for index, line in enumerate(footer) if line.comment]
        kept = footer[:marks[-1] + 1] if marks else []  # (with the blank lines before and between them)
        last = statements[-1]
        body = getattr(last, "body", None)
        if kept and isinstance(body, cst.IndentedBlock):
            statements[-1] = last.with_changes(body=body.with_changes(footer=[*body.footer, *kept]))
        return cst.FlattenSentinel(statements)  # type: ignore[return-value]

    # Comments after the last statement (libcst keeps them apart): the next statement takes them.
    change.trailing = [line for line in parsed_module.footer if line.comment]  # type: ignore[attr-defined]
    return change


def statements_after(text: str, module: cst.Module) -> Change:
    """A change that puts these statements after a statement, in its block. It keeps the
    statements (`appends`) for a statement another fix replaced or removed first."""
    parsed = cst.parse_module(text + module.default_newline, config=module.config_for_parsing).body

    def change(node: cst.CSTNode) -> cst.CSTNode:
        return cst.FlattenSentinel([node, *parsed])  # type: ignore[return-value]

    change.appends = parsed  # type: ignore[attr-defined]
    return change


def statements_first_in(text: str, module: cst.Module) -> Change:
    """A change that puts these statements first in a `with` or `if` block's indented body."""
    parsed = cst.parse_module(text + module.default_newline, config=module.config_for_parsing).body

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, (cst.With, cst.If))  # from Locator.block, which checks the body
        assert isinstance(node.body, cst.IndentedBlock)
        return node.with_changes(body=node.body.with_changes(body=[*parsed, *node.body.body]))

    return change


class ApplyChanges(cst.CSTTransformer):
    """Applies the changes registered for nodes of the original tree, innermost first. The
    comments above a removed statement stay: the next statement of its block that stays takes
    them over (they are not the statement's, and may describe what follows it)."""

    def __init__(self, changes: dict[int, list[Change]], next_sibling: dict[int, cst.CSTNode],
                 originals: dict[int, int], last_in: dict[int, cst.CSTNode]) -> None:
        super().__init__()
        self.changes = changes
        self.next_sibling = next_sibling
        self.last_in = last_in
        self.originals = originals  # id of a statement given blank lines -> id of the one it was
        self.orphaned: dict[int, list[cst.EmptyLine]] = {}  # comments for a statement still to leave

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode  # type: ignore[override]
                 ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        key = self.originals.get(id(original_node), id(original_node))
        result: cst.CSTNode | cst.RemovalSentinel = updated_node
        for change in self.changes.get(key, ()):
            appended = getattr(change, "appends", None)
            if appended is not None and not isinstance(result, cst.CSTNode):
                # Statements after one another fix replaced (or removed): after what took its place.
                nodes = list(result.nodes) if isinstance(result, cst.FlattenSentinel) else []
                result = cst.FlattenSentinel([*nodes, *appended])  # type: ignore[assignment]
                continue
            assert isinstance(result, cst.CSTNode)  # else a removal is the statement's only change
            result = change(result)
            trailing = getattr(change, "trailing", [])
            following = self.next_sibling.get(key) or self.last_in.get(key)  # or its block's footer
            if trailing and following is not None:
                self.orphaned.setdefault(id(following), []).extend(trailing)
        orphaned = self.orphaned.pop(key, [])
        if isinstance(result, cst.RemovalSentinel):
            leading = list(getattr(original_node, "leading_lines", ()))
            comments = leading if any(line.comment for line in leading) else []  # with their blank lines
            following = self.next_sibling.get(key)
            if (comments or orphaned) and following is not None:
                self.orphaned.setdefault(id(following), []).extend([*orphaned, *comments])
            return result
        if orphaned and isinstance(result, (cst.Module, cst.IndentedBlock)):  # after its last statement
            return result.with_changes(footer=[*orphaned, *result.footer])
        if orphaned:
            first = result.nodes[0] if isinstance(result, cst.FlattenSentinel) else result
            moved = first.with_changes(leading_lines=[*orphaned, *getattr(first, "leading_lines", ())])
            if isinstance(result, cst.FlattenSentinel):
                return cst.FlattenSentinel([moved, *result.nodes[1:]])
            return moved
        return result


def with_blocks_before(module: cst.Module, blocks: dict[int, list[str]], originals: dict[int, int]
                       ) -> cst.Module:
    """Module-level blocks (written with 4-space indents) put before the statements at these
    indices, in the file's indentation and line endings. A def or class gets PEP 8's blank
    lines around it; other statements take over the blank lines and comments that led up to
    the statement they precede (`os.environ[...] = ...` before a commented import)."""
    body: list[cst.CSTNode] = []
    for index, original in enumerate(module.body):
        statement: cst.CSTNode = original
        definitions = False
        for text in blocks.get(index, ()):
            code = "".join(module.default_indent * ((len(line) - len(line.lstrip(" "))) // 4)
                           + line.lstrip(" ") + module.default_newline for line in text.splitlines())
            parsed = cst.parse_module(code, config=module.config_for_parsing).body
            if isinstance(parsed[0], (cst.FunctionDef, cst.ClassDef)):
                definitions = True
                body.append(parsed[0].with_changes(leading_lines=[cst.EmptyLine()] * BLANK_LINES_AROUND_DEF))
            else:
                body.append(parsed[0].with_changes(leading_lines=getattr(statement, "leading_lines", ())))
                statement = statement.with_changes(leading_lines=())
            body.extend(parsed[1:])
        if definitions:
            statement = with_blank_lines(statement, BLANK_LINES_AROUND_DEF)
        if statement is not original:  # its own changes are keyed by the statement it was
            originals[id(statement)] = id(original)
        body.append(statement)
    return module.with_changes(body=body)


def with_blank_lines(statement: cst.CSTNode, count: int) -> cst.CSTNode:
    """The statement with at least `count` blank lines before it (and its comments)."""
    leading = list(getattr(statement, "leading_lines", ()))
    blank = 0
    while blank < len(leading) and leading[blank].comment is None:
        blank += 1
    if blank >= count:
        return statement
    return statement.with_changes(leading_lines=[cst.EmptyLine()] * (count - blank) + leading)


def is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(part, (cst.Import, cst.ImportFrom)) for part in statement.body
    )


def insertion_index(module: cst.Module) -> int:
    """After the last top-level import of the module's opening block (text_edits.insertion_index)."""
    index = 0
    for position, statement in enumerate(module.body):
        if is_import(statement):
            index = position + 1
        elif position == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(
            statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.SimpleString):
            index = 1  # the module docstring
        elif index and not environment_setting(module.code_for_node(statement)):
            break
    return index


def with_statements(module: cst.Module, imports: Iterable[str], statements: Iterable[str],
                    original: cst.Module) -> cst.Module:
    """Add the imports the file lacks, then the statements, after the module's imports. A
    statement the original file already holds is not added again (a second --fix); one this
    run's other edits put elsewhere (a seed after `reset_default_graph()`) still is."""
    present = {module.code_for_node(s).strip() for s in module.body if is_import(s)}
    new_imports = [text for text in dict.fromkeys(imports) if text not in present]
    new_statements = [text for text in dict.fromkeys(statements)
                      if text not in {original.code_for_node(s).strip() for s in original.body}]
    if not new_imports and not new_statements:
        return module
    body = list(module.body)
    code = [module.code_for_node(statement) for statement in body]
    binds = [bound_names_of(text) for text in code]
    places = statement_places(insertion_index(module), binds, code, new_imports, new_statements)
    newline = module.default_newline
    for position in sorted(places, reverse=True):
        body[position:position] = [cst.parse_statement(text + newline) for text in places[position]]
    return module.with_changes(body=body)


class NameCounter(cst.CSTVisitor):
    """How often each name is used outside import statements."""

    def __init__(self) -> None:
        super().__init__()
        self.uses: dict[str, int] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.uses[node.value] = self.uses.get(node.value, 0) + 1


def name_uses(module: cst.Module) -> dict[str, int]:
    counter = NameCounter()
    module.visit(counter)
    return counter.uses


class DropImportedNames(cst.CSTTransformer):
    """Removes `from m import x` names (and whole statements left empty) from the module level."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        kept = [a for a in updated_node.names
                if (a.asname.name.value if a.asname and isinstance(a.asname.name, cst.Name)
                    else cst.helpers.get_full_name_for_node(a.name)) not in self.names]
        if len(kept) == len(updated_node.names):
            return updated_node
        if not kept:
            return cst.RemovalSentinel.REMOVE
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=kept)


def without_orphaned_imports(before: cst.Module, after: cst.Module) -> cst.Module:
    """Drop the from-imported names that the fixes left unused (and only those)."""
    if before is after:
        return after
    was, now = name_uses(before), name_uses(after)
    orphaned = {name for name, count in was.items() if count and not now.get(name)}
    return after.visit(DropImportedNames(orphaned)) if orphaned else after


def apply_fixes(data: bytes, findings: Iterable[Finding], tree: ast.Module | None = None) -> FixResult:
    """One round: every fix of `findings` applied to `data`; raises FixFailure if unsafe.

    libcst's visitors recurse once per level of nesting, so code CPython accepts (up to 199
    nested brackets) can exhaust the recursion limit here: such a file is not fixed, and its
    findings are still reported. Rounds of renames and statements after the imports take the
    text path (estimator_audit/text_edits.py), which gives the same bytes without a tree;
    `tree`, the audit's `ast` tree of `data`, spares that path a parse.
    """
    findings = list(findings)
    in_text = edits_in_text(data, findings, tree)
    if in_text is not None:
        return FixResult(*in_text)
    try:
        return apply_fixes_once(data, findings)
    except RecursionError:
        raise FixFailure("the file is nested too deeply for the fix stage; not fixed") from None


def apply_fixes_once(data: bytes, findings: Iterable[Finding]) -> FixResult:
    module = parse_bytes(data)
    locator = Locator(module)
    changes: dict[int, list[Change]] = {}
    imports: list[str] = []
    statements: list[str] = []
    blocks: dict[int, list[str]] = {}
    applied = []
    removed: set[int] = set()  # statements the fixes taken so far remove
    for finding in findings:
        assert finding.fix is not None
        planned: list[tuple[int, Change]] = []
        removals: set[int] = set()  # statements this finding's fix removes
        inserted: list[str] = []
        before: list[tuple[int, str]] = []
        try:
            for edit in finding.fix.edits:
                if edit.action is EditAction.SUPPORT_FILE:
                    continue  # written beside the file by the pipeline
                if edit.action is EditAction.INSERT_AFTER_IMPORTS:
                    inserted.append(edit.text)
                    continue
                assert edit.span is not None
                if edit.action is EditAction.INSERT_BEFORE_STATEMENT:
                    before.append((locator.top_level_index(edit.span), edit.text))
                    continue
                if edit.action is EditAction.REMOVE_STATEMENT:
                    key = id(locator.statement(edit.span))
                    removals.add(key)
                    planned.append((key, lambda node: cst.RemoveFromParent()))
                    continue
                if edit.action is EditAction.REPLACE_STATEMENT:
                    planned.append((id(locator.statement(edit.span)), statements_for(edit.text, module)))
                    continue
                if edit.action is EditAction.INSERT_AFTER_STATEMENT:
                    planned.append((id(locator.statement(edit.span)), statements_after(edit.text, module)))
                    continue
                if edit.action is EditAction.INSERT_AT_BLOCK_START:
                    planned.append((id(locator.block(edit.span)), statements_first_in(edit.text, module)))
                    continue
                keyword_edit = edit.action in (EditAction.SET_KEYWORD, EditAction.REMOVE_KEYWORD,
                                               EditAction.ADD_ARGUMENT, EditAction.NAME_ARGUMENT,
                                               EditAction.PACK_ARGUMENTS)
                target = locator.call(edit.span) if keyword_edit else locator.expression(edit.span)
                planned.append((id(target), change_for(edit)))
        except (FixFailure, cst.ParserSyntaxError):
            continue  # this finding keeps its place in the report; the others are still fixed
        if any(key in removed or (key in removals and key in changes) for key, _ in planned):
            continue  # a statement another fix removes (or changes) is left to that fix: a conflict
        removed |= removals
        for key, change in planned:
            changes.setdefault(key, []).append(change)
        statements.extend(inserted)
        for index, text in before:
            if text not in blocks.setdefault(index, []):  # several findings may ask for one block
                blocks[index].append(text)
        imports.extend(finding.fix.imports)
        applied.append(finding)
    try:
        originals: dict[int, int] = {}
        fixed = with_blocks_before(module, blocks, originals) if blocks else module  # by original positions
        if changes:
            fixed = fixed.visit(ApplyChanges(changes, locator.next_sibling, originals, locator.last_in))
        fixed = without_orphaned_imports(module, fixed)
        fixed = with_statements(fixed, imports, statements, module)
    except cst.ParserSyntaxError as error:
        raise FixFailure(f"a fix's statement does not parse ({error.message}); nothing was written") from None
    result = fixed.bytes
    try:
        tree = ast.parse(result)
    except SyntaxError as error:
        raise FixFailure(f"the fixed file would not parse ({error.msg}); nothing was written") from None
    return FixResult(result, tuple(applied), tree)
