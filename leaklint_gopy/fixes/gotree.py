"""The Go file a fix edits and the tree-sitter queries the Go fixes share: the call at a finding,
the statement binding it, the enclosing block and function, fresh names.

It only reads the tree; the fixes build their edits from what it finds.
"""
from __future__ import annotations

from dataclasses import dataclass

import tree_sitter as ts
import tree_sitter_go as tsg

from leaklint_gopy.finding import Edit, Finding
from leaklint_gopy.fixes.source import SourceText

_PARSER = ts.Parser(ts.Language(tsg.language()))
DECLARATIONS = ("short_var_declaration", "assignment_statement")
FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")
SWITCHES = ("expression_switch_statement", "type_switch_statement", "select_statement")


def parse(data: bytes) -> ts.Tree:
    return _PARSER.parse(data)


@dataclass(slots=True)
class GoFile:
    """The file being fixed: bytes, tree, and code-point positions for edits."""

    data: bytes
    tree: ts.Tree
    source: SourceText

    @classmethod
    def read(cls, text: str, path: str) -> GoFile:
        data = text.encode()
        return cls(data, parse(data), SourceText(text, path))

    def char(self, byte: int) -> int:
        return byte if len(self.data) == len(self.source.text) else len(self.data[:byte].decode("utf-8", "replace"))

    def byte(self, line: int, col: int) -> int:
        offset = self.source.offset(line, col)
        return offset if len(self.data) == len(self.source.text) else len(self.source.text[:offset].encode())

    def text(self, node: ts.Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def edit(self, start: int, end: int, text: str) -> Edit:
        return self.source.edit(self.char(start), self.char(end), text)

    def line_end(self, byte: int) -> int:
        """Returns the byte offset of the newline ending the line holding `byte` (or the end)."""
        end = self.data.find(b"\n", byte)
        return len(self.data) if end < 0 else end

    def indent(self, node: ts.Node) -> str:
        start = self.data.rfind(b"\n", 0, node.start_byte) + 1
        line = self.data[start:node.start_byte].decode()
        return line if not line.strip() else ""


def call_at(file: GoFile, finding: Finding) -> ts.Node | None:
    """Returns the call expression starting where `finding` starts, or None."""
    start = file.byte(finding.span.line, finding.span.col)
    end = file.byte(finding.span.end_line, finding.span.end_col)
    node = file.tree.root_node.descendant_for_byte_range(start, max(start, end - 1))
    while node is not None and not (node.type == "call_expression" and node.start_byte == start):
        node = node.parent
    return node


def declaration(call: ts.Node) -> ts.Node | None:
    """Returns the statement `a, err := call` (or `=`) binding the call's results, when the call is
    its whole right-hand side and the statement sits directly in a block."""
    values = call.parent
    statement = values.parent if values is not None else None
    if statement is None or statement.type not in DECLARATIONS or values.named_child_count != 1:
        return None
    if statement.child_by_field_name("right") != values or block_list(statement) is None:
        return None
    return statement


def block_list(statement: ts.Node) -> ts.Node | None:
    """Returns the statement list holding `statement` directly, or None."""
    parent = statement.parent
    return parent if parent is not None and parent.type == "statement_list" else None


def bound_names(file: GoFile, statement: ts.Node) -> list[str]:
    """Returns the names on the left of a declaration ("" for an expression that is not a name)."""
    left = statement.child_by_field_name("left")
    return [file.text(n) if n.type == "identifier" else "" for n in left.named_children] if left is not None else []


def enclosing_function(node: ts.Node) -> ts.Node | None:
    """Returns the function declaration or literal around `node`, or None."""
    while node is not None and node.type not in FUNCTIONS:
        node = node.parent
    return node


def next_statement(statement: ts.Node) -> ts.Node | None:
    """Returns the statement after `statement`, skipping comments, or None."""
    node = statement.next_named_sibling
    while node is not None and node.type == "comment":
        node = node.next_named_sibling
    return node


def fresh_name(file: GoFile, function: ts.Node | None, base: str) -> str:
    """Returns `base`, numbered when `function` already uses it."""
    used = {file.text(n) for n in descendants(function) if n.type in ("identifier", "package_identifier")} if function else set()
    name, number = base, 1
    while name in used:
        number += 1
        name = f"{base}{number}"
    return name


def descendants(root: ts.Node) -> list[ts.Node]:
    """Returns `root` and every node below it."""
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out



def own_lines(file: GoFile, body: ts.Node, comment: bool = False) -> bool:
    """Reports whether the block's braces end and start their own lines (`{` last, or followed by
    a line comment when `comment`, and `}` first)."""
    brace_open, brace_close = body.children[0], body.children[-1]
    after = file.data[brace_open.end_byte:file.line_end(brace_open.end_byte)].strip()
    before = file.data[file.data.rfind(b"\n", 0, brace_close.start_byte) + 1:brace_close.start_byte]
    return (not after or comment and after.startswith(b"//")) and not before.strip() \
        and body.start_point[0] != body.end_point[0]
