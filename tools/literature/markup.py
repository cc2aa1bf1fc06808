"""Turn Markdown, HTML and LaTeX in extracted paper text into readable plain text, for display and embedding.

Formulas stay legible: `\\text{Percentage Yield} = \\left(\\frac{a}{b}\\right) \\times 100` reads
"Percentage Yield = ((a)/(b)) × 100", `H\\(_2\\)O` reads "H2O", `10^{-14}` reads "10^-14". A Markdown table
becomes one line per row, each cell named by its column ("Sample: A; Yield (%): 9.2."), so a row is a sentence
that states its numbers. Markdown headings lose their '#' but are remembered (their line offsets), so the
chunker still starts a section there.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "µ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
_SYMBOLS = {
    "times": "×",
    "cdot": "·",
    "cdots": "…",
    "ldots": "…",
    "dots": "…",
    "pm": "±",
    "mp": "∓",
    "circ": "°",
    "degree": "°",
    "rightarrow": "→",
    "to": "→",
    "longrightarrow": "→",
    "Rightarrow": "⇒",
    "leftarrow": "←",
    "rightleftharpoons": "⇌",
    "leftrightarrow": "↔",
    "approx": "≈",
    "sim": "~",
    "simeq": "≃",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "ne": "≠",
    "propto": "∝",
    "infty": "∞",
    "partial": "∂",
    "nabla": "∇",
    "sum": "Σ",
    "prod": "Π",
    "int": "∫",
    "AA": "Å",
    "angstrom": "Å",
    "prime": "′",
    "ddagger": "‡",
    "dagger": "†",
    "%": "%",
    "&": "&",
    "#": "#",
    "$": "$",
    "_": "_",
    "{": "{",
    "}": "}",
}
# Commands whose argument is plain text to keep as is.
_TEXT_COMMANDS = (
    "text|textrm|textnormal|mathrm|mathit|mathbf|mathsf|mathtt|mathcal|mathbb|textbf|textit|emph|"
    "textsf|texttt|operatorname|boldsymbol|bm|mbox|hbox|underline|overline|textup|mathregular|ce"
)
_SPACING = re.compile(r"\\(?:quad|qquad|,|;|:|!| )")
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]", re.DOTALL)
_INLINE_MATH = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
# $...$ only when the inside looks like math (a backslash, ^, _ or braces): "$5 per kg" stays money.
_INLINE_DOLLAR = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]{0,300}?[\\^_{][^$\n]{0,300}?)\$(?!\$)")
_PLAIN_DOLLAR = re.compile(r"(?<![\w$\\])\$(?=[^\s\d$])([^$\n]{1,60}?)(?<=\S)\$(?![\w$])")
_TEX_QUOTES = re.compile(r"``([^`'\"\n]{0,200}?)(?:''|\")")
_ESCAPED_CITATION = re.compile(r"\\\[(\s*\d[\d,\s–-]*)\\\]")
_MD_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_MD_BULLET = re.compile(r"^([ \t]*)[-*+•][ \t]+(?=\S)")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]{0,500}?/?>")
_HTML_BLOCK_TAGS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})


@dataclass
class CleanText:
    """Readable text, and the character offsets of the lines that were Markdown headings."""

    text: str
    headings: list[int] = field(default_factory=list)


def latex_to_text(tex: str) -> str:
    """A LaTeX formula or fragment as readable plain text (\\text{..} kept, \\frac{a}{b} -> (a)/(b), ...)."""
    s = tex
    s = re.sub(r"\\(?:begin|end)\{[a-zA-Z*]+\}(?:\{[^{}]*\})?", " ", s)
    s = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)\b\s*(\\?[()\[\]|.{}])", lambda m: m.group(1).lstrip("\\"), s)
    s = s.replace(r"\left.", "").replace(r"\right.", "")
    s = _SPACING.sub(" ", s)
    s = re.sub(r"\\\\(?:\[[^\]]*\])?", "; ", s)  # line break in an aligned block
    s = s.replace("&", " ")
    s = re.sub(r"\^\s*\{?\\circ\}?", "°", s)
    for _ in range(6):  # innermost braces first, a few levels of nesting
        before = s
        s = re.sub(rf"\\(?:{_TEXT_COMMANDS})\s*\{{([^{{}}]*)\}}", r"\1", s)
        s = re.sub(r"\\textsuperscript\s*\{([^{}]*)\}", lambda m: _superscript(m.group(1)), s)
        s = re.sub(r"\\textsubscript\s*\{([^{}]*)\}", r"\1", s)
        s = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", s)
        s = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"√(\1)", s)
        s = re.sub(r"_\s*\{([^{}]*)\}", lambda m: _subscript(m.group(1)), s)
        s = re.sub(r"\^\s*\{([^{}]*)\}", lambda m: "^" + (m.group(1) if len(m.group(1)) <= 1 else f"({m.group(1)})"), s)
        if s == before:
            break
    for _ in range(6):
        before = s
        s = re.sub(r"(?<!\\)\{([^{}]*)\}", r"\1", s)
        if s == before:
            break
    s = re.sub(r"(^|[A-Za-z\)\]])_(\d+)", r"\1\2", s)  # H_2O -> H2O
    s = re.sub(r"\\([A-Za-z]+|[%&#$_{}])", lambda m: _command(m.group(1)), s)
    s = re.sub(r"\^\((-?[\w.]+)\)", r"^\1", s)
    return re.sub(r"[ \t]{2,}", " ", s).strip()


def _command(name: str) -> str:
    if name in _GREEK:
        return _GREEK[name]
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    return "" if name in {"displaystyle", "nonumber", "label", "noindent", "limits", "mathrm"} else name


def _superscript(arg: str) -> str:
    arg = arg.strip()
    # A superscript number after text is a reference marker ("... analysis.\\textsuperscript{14}").
    if re.fullmatch(r"\[?\d[\d,\s–-]*\]?", arg):
        return f"[{arg.strip('[]')}]"
    return f"^{arg}"


def _subscript(arg: str) -> str:
    arg = arg.strip()
    return arg if re.fullmatch(r"[\d.]+", arg) else f"_{arg}" if re.fullmatch(r"\w+", arg) else f"_({arg})"


def _latex(text: str) -> str:
    text = _ESCAPED_CITATION.sub(r"[\1]", text)  # "absorption\[26\]": an escaped Markdown bracket, not math
    text = _DISPLAY_MATH.sub(lambda m: " " + latex_to_text(m.group(1) or m.group(2) or "") + " ", text)
    text = _INLINE_MATH.sub(lambda m: latex_to_text(m.group(1)), text)
    text = _INLINE_DOLLAR.sub(lambda m: latex_to_text(m.group(1)), text)
    # Short math without commands ("$n$-B9H15", "$s+p$", "$x=1.0$", "$-0.4$ RIU/K"): TeX opens with no space after
    # the "$" and closes with none before it; "$5 and $10" (money: a digit or a space after "$") stays.
    text = _PLAIN_DOLLAR.sub(lambda m: latex_to_text(m.group(1)), text)
    if "``" in text:  # TeX quotes: ``Spherical'' reads “Spherical”
        text = _TEX_QUOTES.sub(r"“\1”", text)
    # Commands outside math mode (\textsuperscript{..}, \textbf{..}, \% ...).
    if "\\" in text:
        text = re.sub(
            rf"\\(?:{_TEXT_COMMANDS}|textsuperscript|textsubscript)\s*\{{[^{{}}]*\}}",
            lambda m: latex_to_text(m.group(0)),
            text,
        )
        text = re.sub(r"\\([%&#$_])", r"\1", text)
        # Stray formula pieces outside math mode ("~1 \\times 10^{-6} M H_3O^+").
        known = "|".join(sorted((*_GREEK, *(k for k in _SYMBOLS if k.isalpha())), key=len, reverse=True))
        text = re.sub(rf"\\(?:{known})\b", lambda m: _command(m.group(0)[1:]), text)
        text = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", lambda m: latex_to_text(m.group(0)), text)
    if "^{" in text or "_{" in text:
        text = re.sub(r"[\^_]\{[^{}\n]{1,30}\}", lambda m: latex_to_text(m.group(0)), text)
    return text


def _html(text: str) -> str:
    if "<" not in text and "&" not in text:
        return text
    text = re.sub(r"<sup>\s*([^<]{1,20})\s*</sup>", lambda m: _superscript(m.group(1)), text, flags=re.IGNORECASE)
    text = re.sub(r"<sub>\s*([^<]{1,20})\s*</sub>", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.IGNORECASE | re.DOTALL)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.DOTALL)
    text = re.sub(r"</?t[dh]\b[^<>]*>", " | ", text, flags=re.IGNORECASE)
    text = _HTML_TAG.sub(lambda m: "\n" if m.group(1).lower() in _HTML_BLOCK_TAGS else "", text)
    return html.unescape(text)


def _inline_markdown(line: str) -> str:
    line = line.replace(r"\*", "*").replace(r"\_", "_").replace(r"\#", "#").replace(r"\|", "|")
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)  # image -> alt text
    line = re.sub(r"\[([^\]]+)\]\((?:https?://|/|#)[^)]*\)", r"\1", line)  # link -> its text
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    line = re.sub(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])", r"\1", line)
    line = re.sub(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])", r"\1", line)
    line = re.sub(r"`([^`]+)`", r"\1", line)
    return line


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _table(rows: list[str]) -> list[str]:
    """A Markdown table (its lines) as readable lines: each data row with its cells named by their column."""
    has_header = len(rows) > 1 and bool(_TABLE_SEPARATOR.match(rows[1]))
    body = [r for r in rows if not _TABLE_SEPARATOR.match(r)]
    cells = [_cells(_inline_markdown(r)) for r in body]
    if not has_header:
        return ["; ".join(c for c in row if c) + "." for row in cells if any(row)]
    header, data = cells[0], cells[1:]
    out = []
    # A caption set as the table's only header cell ("| Table 4.2: Yields |" over "|---|---|"): the caption
    # becomes a line of its own and the first row below it the header.
    if data and sum(1 for c in header if c) == 1 and max(sum(1 for c in row if c) for row in data) > 1:
        out.append(next(c for c in header if c).rstrip(".") + ".")
        header, data = data[0], data[1:]
    for row in data:
        named = [f"{h}: {c}" if h else c for h, c in zip(header, row, strict=False) if c]
        if named:
            out.append("; ".join(named) + ".")
    return out if len(out) > 1 or data else [*out, "; ".join(c for c in header if c) + "."]


def _is_table_line(line: str) -> bool:
    s = line.strip()
    return s.startswith("|") and s.count("|") >= 2 or bool(_TABLE_SEPARATOR.match(s)) and "|" in s


# Subscript digits as plain digits: chemists type and search "H2O", "TiO2", "SnCl4".
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋", "0123456789+-")


def clean_markup(text: str) -> CleanText:
    """Readable plain text of Markdown / HTML / LaTeX: no table pipes, emphasis stars, '#' or LaTeX commands.
    Line structure and blank lines stay (the chunker reads them); Markdown headings are listed by offset."""
    text = _html(text).translate(_SUBSCRIPTS)
    text = _latex(text)
    lines = text.split("\n")
    out: list[str] = []
    headings: list[int] = []
    pos = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_table_line(line):
            j = i
            while j < len(lines) and _is_table_line(lines[j]):
                j += 1
            block = _table(lines[i:j])
            i = j
        else:
            heading = _MD_HEADING.match(line)
            if heading:
                headings.append(pos)
                line = heading.group(2)
            else:
                line = _MD_BULLET.sub(r"\1", line)
            block = [_inline_markdown(line).rstrip()]
            i += 1
        for b in block:
            out.append(b)
            pos += len(b) + 1
    cleaned = "\n".join(out)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
    # Removing spaces shifts offsets: recompute heading offsets from the heading lines' order.
    return CleanText(text=cleaned, headings=_relocate(cleaned, out, headings))


def _relocate(cleaned: str, lines: list[str], headings: list[int]) -> list[int]:
    if not headings:
        return []
    starts, pos, wanted = [], 0, set(headings)
    offsets_before, p = [], 0
    for line in lines:
        offsets_before.append(p)
        p += len(line) + 1
    new_lines = cleaned.split("\n")
    for before, new in zip(offsets_before, new_lines, strict=True):
        if before in wanted and new.strip():
            starts.append(pos)
        pos += len(new) + 1
    return starts


def to_plain(text: str) -> str:
    """Just the readable text (see `clean_markup`)."""
    return clean_markup(text).text
