"""The session as Markdown that shows chemistry exactly: SMILES, reaction SMILES and InChIs in code spans.

Text we wrote or the user typed is escaped (only chemistry becomes code); Markdown the agent wrote keeps its
formatting and gets its chemistry protected the same way the chat page protects it (app.ui.text, pure functions
over strings that app/ may share).
"""

from __future__ import annotations

import re

from app.services import access
from app.services.accounts import Account
from app.services.export.blocks import Block, Cover, Heading, Items, Markdown, Para, Structure, Table, blocks
from app.services.export.session_file import load
from app.ui.text import escape, protect_chemistry

# A code span as app.ui.text.code writes it (a run of backticks, the text, the same run).
_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)", re.DOTALL)
# The characters that are markup anywhere in a line (app.ui.text escapes these and, at a line start, list and
# heading markers too; text inside a table cell, heading or list item is never at a line start).
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>$&|~])")


def _escape_inline(value: str) -> str:
    return _INLINE_MARKUP.sub(r"\\\1", value)


def text(value: str, *, line_start: bool = False) -> str:
    """Plain text as Markdown that shows it literally, with its SMILES and InChIs as code spans. With
    `line_start` the text begins a line (a paragraph), so markers that start its lines ('1.', '#', '-') are
    escaped too and its line breaks kept; elsewhere (a cell, a heading, a list item) only inline markup is."""
    protected = protect_chemistry(str(value))
    out, last = [], 0
    for span in [*_CODE_SPAN.finditer(protected), None]:
        prose = protected[last : span.start() if span else len(protected)]
        if not line_start:
            out.append(_escape_inline(prose))
        else:  # after a code span the prose continues a line: the "a" keeps escape() from reading a line start
            out.append(escape(prose) if last == 0 else escape("a" + prose)[1:])
        if span:
            out.append(span.group(0))
            last = span.end()
    return "".join(out)


def _cell(value: str) -> str:
    shown = text(" ".join(str(value).split()))
    return re.sub(r"(?<!\\)\|", r"\\|", shown)  # a pipe ends a cell, inside a code span too (GFM)


def render_markdown(items: list[Block]) -> str:
    lines: list[str] = []
    for block in items:
        match block:
            case Cover():
                lines += [
                    f"# {text(block.title)}",
                    "",
                    f"*Owner: {text(block.owner)} · created {block.created:%Y-%m-%d %H:%M} UTC · "
                    f"updated {block.updated:%Y-%m-%d %H:%M} UTC · {block.messages} message(s) · "
                    f"exported {block.exported:%Y-%m-%d %H:%M} UTC by {text(block.exported_by or 'chemassist')} "
                    f"with chemassist {block.version}*",
                    "",
                ]
            case Heading(value, level):
                lines += ["#" * level + " " + text(value), ""]
            case Markdown(value):
                lines += [protect_chemistry(value), ""]
            case Para(value, "quote"):
                lines += ["> " + text(value, line_start=True).replace("\n", "\n> "), ""]
            case Para(value, "caption"):
                lines += [f"*{text(value)}*", ""]
            case Para(value, "strong"):
                lines += [f"**{text(value)}**", ""]
            case Para(value, "warning"):
                lines += [f"> **Warning:** {text(value)}", ""]
            case Para(value, _):
                lines += [text(value, line_start=True), ""]
            case Table(header, rows):
                lines.append("| " + " | ".join(_cell(h) for h in header) + " |")
                lines.append("|" + "---|" * len(header))
                lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
                lines.append("")
            case Items(entries, numbered, start):
                lines += [f"{i}. {text(e)}" if numbered else f"- {text(e)}" for i, e in enumerate(entries, start)]
                lines.append("")
            case Structure():
                continue  # pictures go into the PDF; the Markdown carries the SMILES in text
    return "\n".join(lines).rstrip() + "\n"


@access.guarded
def to_markdown(actor: Account, session_id: int) -> str:
    """The session as Markdown: conversation, tool calls, molecules, tables, routes and a bibliography."""
    return render_markdown(blocks(load(actor, session_id, include_feedback=False)))
