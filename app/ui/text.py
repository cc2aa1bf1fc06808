"""Show text and chemistry in Streamlit's Markdown exactly as typed or computed.

Streamlit renders almost every string as Markdown, where SMILES characters are markup: `*` is emphasis
(`*CC(*)c1ccccc1` shows as "CC()c1ccccc1"), `[N+](=O)` is a link, `$` opens LaTeX, `:red[...]` colours text.
Free text (the user's message, titles, names, errors) goes through `escape`; chemistry the app computed goes in a
code span (`code`); Markdown the agent wrote goes through `protect_chemistry`, which leaves its formatting alone
and puts the SMILES, reaction SMILES and InChIs it finds outside code spans into code spans. A token counts as
SMILES only when RDKit reads it (syntax only: no sanitisation, so a typed hypervalent atom still counts), so
words, citations like "[1]" and "**bold**" stay Markdown. Written here, as no Markdown library knows chemistry.
"""

from __future__ import annotations

import re

from rdkit import Chem, rdBase

# What makes markup anywhere in a line (emphasis, code, links and `:colour[...]` via the brackets, LaTeX, HTML,
# entities, tables, strikethrough), and what does only at the start of a line (headings, lists, quotes, rules).
# Other punctuation stays as it is, so that a message like "Invalid SMILES 'C1CC('" reads the same in the source.
_MARKUP = re.compile(r"([\\`*_\[\]<>$&|~])")
_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])", re.MULTILINE)
# Characters that can turn a SMILES into something else in Markdown; a token without them is shown right anyway.
_ACTIVE = set("*_[]()\\<>~$:&|`")
_SMILES_CHARS = re.compile(r"^[A-Za-z0-9@+\-\[\]()=#$%/\\.*:~>]+$")
_INCHI = re.compile(r"^InChI=1S?/\S+$")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)", re.DOTALL)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LEAD = re.compile(r"^['\"“‘(]*")
_TRAIL = re.compile(r"['\"”’).,;:!?]*$")
_BOLD = ("**", "__")
_ITALIC_START = re.compile(r"^\*(?!\*)\S")
_ITALIC_END = re.compile(r"(?<![*\\])\*['\"”’).,;:!?]*$")
_BOLD_END = re.compile(r"(\*\*|__)['\"”’).,;:!?]*$")


def escape(text: str) -> str:
    """Plain text as Markdown that shows it literally; line breaks stay line breaks."""
    escaped = _LINE_START.sub(lambda m: m.group(1) + _escape_marker(m.group(2)), _MARKUP.sub(r"\\\1", str(text)))
    return "  \n".join(escaped.splitlines()) if "\n" in escaped else escaped


def _escape_marker(marker: str) -> str:
    return marker[:-1] + "\\" + marker[-1]  # "1." -> "1\.", "#" -> "\#"


def code(text: str) -> str:
    """An inline code span showing `text` exactly (backticks inside it included)."""
    text = str(text).replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def is_smiles(token: str) -> bool:
    """True when RDKit reads `token` as a SMILES or reaction SMILES (syntax only)."""
    if not _SMILES_CHARS.match(token) or not re.search("[A-Za-z]", token) or len(token) > 2000:
        return False
    parts = token.split(">")
    if len(parts) not in (1, 3) or (len(parts) == 3 and not (parts[0] or parts[2])):
        return False
    with rdBase.BlockLogs():
        return all(not part or Chem.MolFromSmiles(part, sanitize=False) is not None for part in parts)


def is_chemistry(token: str) -> bool:
    """A SMILES, reaction SMILES or InChI whose characters Markdown would read as markup."""
    if not _ACTIVE.intersection(token):
        return False
    return bool(_INCHI.match(token)) or is_smiles(token)


def _protect_token(token: str) -> str:
    """The token with the SMILES in it set as code; bold marks, quotes, brackets and punctuation around it stay
    outside (**CCO** is the agent's bold around a SMILES, not four dummy atoms; *CC* is a polymer SMILES)."""
    head = token[:2] if token[:2] in _BOLD and len(token) > 2 else ""
    body = token[len(head) :]
    bold_end = _BOLD_END.search(body)
    tail = body[bold_end.start() :] if bold_end and bold_end.start() > 0 else ""
    body = body[: len(body) - len(tail)]
    lead = len(_LEAD.match(body).group(0))  # type: ignore[union-attr]
    trail = len(_TRAIL.search(body[lead:]).group(0))  # type: ignore[union-attr]
    for peeled in range(lead + trail + 1):  # the fewest characters peeled off wins
        for front in range(max(0, peeled - trail), min(lead, peeled) + 1):
            back = len(body) - (peeled - front)
            if back > front and is_chemistry(body[front:back]):
                return head + body[:front] + code(body[front:back]) + body[back:] + tail
    return token


def _protect_prose(text: str) -> str:
    """Protect each whitespace-separated token; a `*` that closes an italic run opened earlier on the line stays
    Markdown (in "*Tell me about CCO*" the last star is not a dummy atom)."""
    out: list[str] = []
    last, italic = 0, False
    for found in re.finditer(r"\S+", text):
        token, closer = found.group(0), ""
        if "\n" in text[last : found.start()]:
            italic = False
        if italic and (end := _ITALIC_END.search(token)) and end.start() > 0:
            token, closer, italic = token[: end.start()], token[end.start() :], False
        protected = _protect_token(token)
        if not closer and protected == token and _ITALIC_START.match(token) and not _ITALIC_END.search(token):
            italic = True
        out.append(text[last : found.start()] + protected + closer)
        last = found.end()
    out.append(text[last:])
    return "".join(out)


def _protect_line_run(text: str) -> str:
    out, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_protect_prose(text[last : span.start()]))
        out.append(span.group(0))
        last = span.end()
    out.append(_protect_prose(text[last:]))
    return "".join(out)


def protect_chemistry(markdown: str) -> str:
    """Markdown written by the agent, with every SMILES, reaction SMILES and InChI outside code spans and fenced
    blocks put into a code span, so that it shows exactly; the rest of the Markdown is left as written."""
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in str(markdown).splitlines(keepends=True):
        opened = _FENCE.match(line)
        if fence is None and opened:
            out.append(_protect_line_run("".join(prose)))
            prose, fence = [], opened.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence):
                fence = None
        else:
            prose.append(line)
    out.append(_protect_line_run("".join(prose)))
    return "".join(out)
