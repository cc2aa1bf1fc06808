"""The session as a printable PDF (fpdf2): a title page, page numbers, the agent's Markdown typeset (tables as
tables, emphasis as emphasis, code and chemistry in a monospace face), molecules and reaction steps drawn by RDKit,
and the bibliography of cited documents.

The agent's Markdown is parsed with markdown-it-py (CommonMark + GFM tables) after app.ui.text has put its SMILES
in code spans, so `*CC(*)c1ccccc1` prints as typed instead of losing its stars to emphasis.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tools.chem as chem
from app.services import access
from app.services.accounts import Account
from app.services.export.blocks import (
    Block,
    Cover,
    Heading,
    Items,
    Markdown,
    Para,
    Structure,
    Table,
    blocks,
    shorten,
)
from app.services.export.session_file import load
from app.ui.text import protect_chemistry

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_CELL = 400  # characters per PDF table cell; the full text is in the Markdown and JSON exports
Run = tuple[str, str]  # (text, style): style is "", "B", "I", "BI" or "code"

_LATIN1 = str.maketrans(
    {"→": "->", "⇐": "<=", "–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "·": "-", "•": "-"}
)


# --------------------------------------------------------------------------- the agent's Markdown


@dataclass(frozen=True)
class RichText:
    """A paragraph or list item of the agent's Markdown as styled runs."""

    runs: tuple[Run, ...]
    bullet: str = ""
    depth: int = 0
    size: float = 10


@dataclass(frozen=True)
class CodeBlock:
    text: str


@dataclass(frozen=True)
class Rule:
    pass


Typeset = Block | RichText | CodeBlock | Rule


def _runs(children: list[Any]) -> tuple[Run, ...]:
    """Inline tokens to styled runs: strong/em nest, code spans and links keep their text."""
    runs: list[Run] = []
    bold = italic = 0
    for token in children or []:
        kind = token.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "code_inline":
            runs.append((token.content, "code"))
        elif kind in ("softbreak", "hardbreak"):  # the writer's line break (a citation per line) is kept
            runs.append(("\n", ""))
        elif kind in ("text", "html_inline") or kind == "image":
            style = ("B" if bold else "") + ("I" if italic else "")
            runs.append((token.content, style))
    return tuple(runs)


def _plain(runs: tuple[Run, ...]) -> str:
    return "".join(text for text, _ in runs)


def parse_markdown(markdown: str) -> list[Typeset]:
    """The agent's Markdown as blocks the PDF typesets; its chemistry protected first (see the module docstring)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(protect_chemistry(markdown))
    out: list[Typeset] = []
    lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
    bullet = ""
    table: list[list[str]] | None = None
    heading = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1])
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([int(token.attrGet("start") or 1)] if kind == "ordered_list_open" else [])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            current = lists[-1]
            if current:
                bullet = f"{current[0]}. "
                current[0] += 1
            else:
                bullet = "• "
        elif kind == "table_open":
            table = []
        elif kind == "tr_open" and table is not None:
            table.append([])
        elif kind == "table_close" and table:
            out.append(Table(table[0], table[1:]))
            table = None
        elif kind in ("fence", "code_block"):
            out.append(CodeBlock(token.content.rstrip("\n")))
        elif kind == "hr":
            out.append(Rule())
        elif kind == "inline":
            runs = _runs(token.children or [])
            if table is not None:
                table[-1].append(_plain(runs))
            elif heading:
                out.append(Heading(_plain(runs), min(heading + 2, 4)))
                heading = 0
            else:
                out.append(RichText(runs, bullet, max(len(lists) - 1, 0) if bullet or lists else 0))
                bullet = ""
    return out


# --------------------------------------------------------------------------- pictures


def _structure_png(structure: Structure) -> bytes | None:
    """PNG of a molecule (tools.chem) or of a reaction step; None when RDKit cannot draw it."""
    try:
        if not structure.reactants:
            return chem.to_png(chem.parse(structure.smiles), size=(360, 260))
        # tools.synthesis.depict draws SVG only; fpdf2 wants a raster, so the step is drawn with Cairo here.
        from rdkit.Chem import AllChem
        from rdkit.Chem.Draw import rdMolDraw2D

        rxn = AllChem.ReactionFromSmarts(  # type: ignore[attr-defined]
            f"{'.'.join(structure.reactants)}>>{structure.smiles}", useSmiles=True
        )
        drawer = rdMolDraw2D.MolDraw2DCairo(900, 240)
        drawer.DrawReaction(rxn)
        drawer.FinishDrawing()
        return bytes(drawer.GetDrawingText())
    except Exception:  # a picture we cannot draw leaves the text version, never a failed export
        return None


# --------------------------------------------------------------------------- rendering


def _document(title: str) -> Any:
    from fpdf import FPDF

    class SessionPDF(FPDF):
        """Pages after the title page carry the session title and 'Page n of N' at the foot."""

        footer_font: tuple[str, str] = ("helvetica", "")
        clean: Callable[[str], str] = staticmethod(lambda text: text)

        def footer(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(-12)
            self.set_font(self.footer_font[0], "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(self.epw * 0.75, 5, self.clean(shorten(title, 90)), align="L")
            self.cell(self.epw * 0.25, 5, f"Page {self.page_no()} of {{nb}}", align="R")
            self.set_text_color(0)

    return SessionPDF(format="A4")


def render_pdf(items: list[Block], *, title: str = "chemassist session", font_dir: Path | None = FONT_DIR) -> bytes:
    """A PDF of the blocks (fpdf2): DejaVu fonts for Unicode when installed, else core fonts with text sanitised."""
    from fpdf.enums import XPos, YPos

    pdf = _document(title)
    pdf.set_title(title)
    pdf.set_creator("chemassist")
    pdf.set_auto_page_break(True, margin=18)
    regular = font_dir / "DejaVuSans.ttf" if font_dir else None
    if font_dir is not None and regular is not None and regular.is_file():
        family, mono = "DejaVu", "DejaVuMono"
        for fam, stem in ((family, "DejaVuSans"), (mono, "DejaVuSansMono")):
            base = font_dir / f"{stem}.ttf"
            base = base if base.is_file() else regular
            pdf.add_font(fam, "", str(base))
            for style, suffix in (("B", "-Bold"), ("I", "-Oblique"), ("BI", "-BoldOblique")):
                path = font_dir / f"{stem}{suffix}.ttf"
                pdf.add_font(fam, style, str(path if path.is_file() else base))

        def clean(text: str) -> str:
            return text
    else:
        family, mono = "helvetica", "courier"

        def clean(text: str) -> str:
            return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")

    pdf.footer_font = (family, "")
    pdf.clean = clean
    width = pdf.epw

    def write(
        text: str, *, style: str = "", size: float = 10, height: float = 5, color: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.multi_cell(width, height, clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)

    def table(header: list[str], rows: list[list[str]]) -> None:
        pdf.set_font(family, "", 8)
        narrow = width * 0.8 if len(header) <= 3 else width
        cells = [[clean(shorten(str(v), MAX_CELL)) for v in values] for values in [header, *rows]]
        columns = max(len(values) for values in cells)
        cells = [values + [""] * (columns - len(values)) for values in cells]  # ragged Markdown rows
        try:
            with pdf.table(width=narrow, align="LEFT", text_align="LEFT", line_height=4.5, padding=1) as grid:
                for values in cells:
                    row = grid.row()
                    for value in values:
                        row.cell(value)
        except ValueError:  # a row taller than a page: fpdf2 cannot split it, so write the rows as text
            for values in cells[1:]:
                write(" · ".join(f"{h}: {v}" for h, v in zip(cells[0], values, strict=False)), size=8)
        pdf.ln(2)

    def rich(block: RichText) -> None:
        indent = (4 + 5 * block.depth) if block.bullet else 0
        pdf.set_left_margin(pdf.l_margin + indent)
        pdf.set_x(pdf.l_margin)
        height = block.size / 2
        if block.bullet:
            pdf.set_font(family, "", block.size)
            pdf.write(height, clean(block.bullet))
        for text, style in block.runs:
            if style == "code":
                pdf.set_font(mono, "", block.size - 1)
            else:
                pdf.set_font(family, style, block.size)
            pdf.write(height, clean(text))
        pdf.set_left_margin(pdf.l_margin - indent)
        pdf.ln(height + 1.5)

    def cover(block: Cover) -> None:
        pdf.set_y(60)
        write(block.title, style="B", size=24, height=11)
        pdf.ln(4)
        write("Research session exported from chemassist", size=12, height=7, color=(90, 90, 90))
        pdf.ln(10)
        for label, value in (
            ("Owner", block.owner),
            ("Created", f"{block.created:%Y-%m-%d %H:%M} UTC"),
            ("Last updated", f"{block.updated:%Y-%m-%d %H:%M} UTC"),
            ("Exported", f"{block.exported:%Y-%m-%d %H:%M} UTC by {block.exported_by or block.owner}"),
            ("Contents", f"{block.messages} message(s), {block.artifacts} result(s)"),
            ("chemassist version", block.version),
        ):
            pdf.set_font(family, "B", 11)
            pdf.cell(45, 7, clean(label))
            pdf.set_font(family, "", 11)
            pdf.multi_cell(width - 45, 7, clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.add_page()

    def render(block: Typeset) -> None:
        match block:
            case Cover():
                cover(block)
            case Heading(text, level):
                pdf.ln(2 if level > 2 else 4)
                write(text, style="B", size={1: 18, 2: 14, 3: 12}.get(level, 11), height=7 if level <= 2 else 6)
                pdf.ln(1)
            case Markdown(text):
                for part in parse_markdown(text):
                    render(part)
            case RichText():
                rich(block)
            case CodeBlock(text):
                pdf.set_fill_color(242, 242, 242)
                pdf.set_font(mono, "", 8)
                pdf.multi_cell(width, 4, clean(text), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(2)
            case Rule():
                pdf.ln(1)
                pdf.set_draw_color(190, 190, 190)
                pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
                pdf.set_draw_color(0)
                pdf.ln(3)
            case Para(text, "quote"):
                pdf.set_x(pdf.l_margin + 4)
                pdf.set_font(family, "I", 10)
                pdf.multi_cell(width - 4, 5, clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            case Para(text, "caption"):
                write(text, size=8, height=4, color=(90, 90, 90))
            case Para(text, "strong"):
                write(text, style="B")
            case Para(text, "warning"):
                write("Warning: " + text, style="B", color=(170, 60, 0))
            case Para(text, _):
                write(text)
            case Table(header, rows):
                table(header, rows)
            case Items(entries, numbered, start):
                pdf.set_font(family, "", 9.5)
                for i, entry in enumerate(entries, start):
                    bullet = f"{i}. " if numbered else "• "
                    pdf.set_x(pdf.l_margin + 3)
                    pdf.multi_cell(width - 3, 5, clean(bullet + entry), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1)
            case Structure(_, reactants):
                png = _structure_png(block)
                if png is None:
                    return
                w = 150 if reactants else 55
                h = w * (240 / 900 if reactants else 260 / 360)
                if pdf.get_y() + h > pdf.page_break_trigger:
                    pdf.add_page()
                pdf.image(io.BytesIO(png), x=pdf.l_margin, w=w, h=h)
                pdf.ln(1)

    pdf.add_page()
    for block in items:
        render(block)
    return bytes(pdf.output())


@access.guarded
def to_pdf(actor: Account, session_id: int) -> bytes:
    """The session as a PDF: title page, page numbers, typeset answers, drawn structures and routes, bibliography."""
    export = load(actor, session_id, include_feedback=False)
    return render_pdf(blocks(export), title=export.info.title)
