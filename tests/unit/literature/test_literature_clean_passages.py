"""Passages read as text: Markdown tables, LaTeX and emphasis turned into plain text; back matter recognised;
real page numbers for PDFs and section names for text; PDF titles not cut at a line break; at most a few hits
per document (issue 20)."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from tools.literature import SearchHit, chunk_document, read_path
from tools.literature.markup import latex_to_text, to_plain
from tools.literature.retrieval import select_hits
from tools.literature.sections import asked_kinds, passage_kind

TABLE = """Furfural yields were calculated from all bagasse samples (A-D).

| Table 4.2: Percentage Yield of Furfural from Different Bagasse Samples |
|---|---|---|---|
| Sample | Bagasse (g) | Yield (g) | Furfural Yield (%) |
| A | 10 | 0.75 | 7.5 |
| B | 10 | 1.0 | 10 |
"""


def test_a_markdown_table_becomes_one_readable_line_per_row() -> None:
    text = to_plain(TABLE)

    assert text.splitlines()[2:] == [
        "Table 4.2: Percentage Yield of Furfural from Different Bagasse Samples.",
        "Sample: A; Bagasse (g): 10; Yield (g): 0.75; Furfural Yield (%): 7.5.",
        "Sample: B; Bagasse (g): 10; Yield (g): 1.0; Furfural Yield (%): 10.",
    ]


def test_display_latex_reads_as_a_formula() -> None:
    text = to_plain(
        "The percentage yield was calculated as:\n\n\\[\n\\text{Percentage Yield} = \\left( \\frac{\\text{Mass of "
        "Furfural Obtained}}{\\text{Mass of Raw Material}} \\right) \\times 100\n\\]\n"
    )

    assert "Percentage Yield = ( (Mass of Furfural Obtained)/(Mass of Raw Material) ) × 100" in text
    assert "\\" not in text


def test_inline_latex_formulas_and_units_stay_legible() -> None:
    assert to_plain("the THF/H\\(_2\\)O system at 25$^\\circ$C") == "the THF/H2O system at 25°C"
    assert latex_to_text("K_{a2} = 10^{-9.60}") == "K_a2 = 10^-9.60"
    assert to_plain("the $\\alpha$-NH$_3^+$ group of $n$-B9H15") == "the α-NH3^+ group of n-B9H15"


def test_money_in_dollars_is_not_taken_for_latex() -> None:
    assert to_plain("It costs $5 per kg and $6 per litre.") == "It costs $5 per kg and $6 per litre."
    assert to_plain("between $5-$10 a kilogram") == "between $5-$10 a kilogram"


def test_arxiv_abstract_math_and_quotes_read_as_text() -> None:
    """What arXiv abstracts in the demo library carry: short math with no commands, and TeX quotes."""
    abstract = (
        "Comment on ``Spherical 2 + p spin-glass model'': the spherical $s+p$ mean-field spin glass at $P=1.2$ GPa "
        'with $x=1.0$, a thermo-optic coefficient of $-0.4$ RIU/K and the ``swelling coefficient", measured.'
    )
    assert to_plain(abstract) == (
        "Comment on “Spherical 2 + p spin-glass model”: the spherical s+p mean-field spin glass at P=1.2 GPa "
        "with x=1.0, a thermo-optic coefficient of -0.4 RIU/K and the “swelling coefficient”, measured."
    )


def test_an_escaped_bold_list_item_loses_its_markup() -> None:
    text = to_plain("- \\*\\*UV Spectroscopy\\*\\*: the absorption maximum was recorded.")

    assert text == "UV Spectroscopy: the absorption maximum was recorded."


def test_html_becomes_text() -> None:
    assert to_plain("<p>H<sub>2</sub>O boils at 100&nbsp;&deg;C.</p>").strip() == "H2O boils at 100\xa0°C."


def test_markdown_headings_still_start_sections(tmp_path: Path) -> None:
    path = tmp_path / "paper.md"
    path.write_text(
        "# Gold nanoparticles\n\n## Synthesis of the colloid\n\nCitrate was added to boiling HAuCl4.\n\n"
        "## Particle size\n\nThe mean diameter was 13 nm.\n"
    )

    chunks = chunk_document(read_path(path)[0])

    assert [c.section for c in chunks] == ["Synthesis of the colloid", "Particle size"]
    assert all("#" not in c.text for c in chunks)


def test_a_text_document_has_sections_not_fake_pages(tmp_path: Path) -> None:
    path = tmp_path / "paper.md"
    path.write_text("# A study\n\n## Results\n\nThe yield was 41.2 mol% after 3 h at 180 °C.\n")

    doc = read_path(path)[0]
    chunk = chunk_document(doc)[-1]
    hit = SearchHit(**chunk.model_dump(exclude={"text"}), title="A study", content=chunk.text, score=1.0)

    assert not doc.paged and doc.meta.n_pages is None
    assert hit.location == "section “Results”"


def test_a_pdf_passage_is_located_by_its_real_page(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(_pdf([[(11, "Introduction text about catalysts and their yields.")], [(11, "Second page.")]]))

    chunks = chunk_document(read_path(path)[0])
    hit = SearchHit(**chunks[1].model_dump(exclude={"text"}), title="t", content=chunks[1].text, score=1.0)

    assert [c.page for c in chunks] == [1, 2] and hit.location == "page 2"


def test_a_pdf_title_on_two_lines_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(
        _pdf(
            [
                [
                    (20, "Sustainable Extraction of Furfural from Sugarcane"),
                    (20, "Bagasse for Rural Economies"),
                    (11, "Muhammad Asif, Sana Sultan"),
                    (11, "Furfural is a platform chemical made from lignocellulosic biomass by acid hydrolysis."),
                ]
            ],
            title="manuscript_v3.docx",
        )
    )

    doc = read_path(path)[0]

    assert doc.meta.title == "Sustainable Extraction of Furfural from Sugarcane Bagasse for Rural Economies"


def test_a_real_metadata_title_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(_pdf([[(11, "Some body text of the paper that is long enough.")]], title="Zeolite Membranes"))

    assert read_path(path)[0].meta.title == "Zeolite Membranes"


REFERENCES = (
    "1. Dutta, S.; De, S.; Saha, B. ChemPlusChem 2012, 77, 259-272.\n"
    "2. Peleteiro, S.; Rivas, S.; Alonso, J. L. Bioresour. Technol. 2016, 202, 181-191.\n"
    "3. Mamman, A. S.; Lee, J. M.; Kim, Y. C. J. Chem. Technol. Biotechnol. 2008, 83, 1-12.\n"
)


def test_back_matter_is_recognised_by_section_or_by_its_text() -> None:
    assert passage_kind("References", "Smith J. A paper. 2019.") == "references"
    assert passage_kind("", REFERENCES) == "references"
    assert passage_kind("", "Acknowledgments. This work was sponsored by Enamine and Pfizer.") == "acknowledgements"
    assert passage_kind("Acknowledgement", "My appreciation goes to the Chemistry Department.") == "acknowledgements"
    front = "Muhammad Asif, Sana Sultan\nDepartment of Chemistry, The Islamia University of Bahawalpur\nEmail: a@b.com"
    assert passage_kind("", front, first=True) == "front matter"


def test_findings_are_body_even_with_years_and_a_university() -> None:
    text = (
        "In 2019 and 2021 the University of Bahawalpur measured furfural yields that ranged from 7.5% to 10%, "
        "with sample B giving the maximum amount of product after distillation."
    )

    assert passage_kind("Results", text) == "body"
    assert passage_kind("", text, first=True) == "body"


def test_back_matter_is_searched_only_when_asked() -> None:
    assert asked_kinds("Which papers does the furfural study cite?") == {"references"}
    assert asked_kinds("What furfural yields were obtained?") == set()


def _hit(doc: str, n: int, section: str = "Results", text: str = "Furfural yield was 10%.") -> SearchHit:
    return SearchHit(
        chunk_id=f"{doc}#p1:{n}",
        document_id=doc,
        title=f"Paper {doc}",
        content=text,
        page=1,
        char_start=100 * n + 1,
        char_end=100 * n + 50,
        score=1.0 / (n + 1),
        section=section,
    )


def test_one_document_takes_at_most_three_of_the_top_places() -> None:
    hits = [_hit("doc:a", i) for i in range(8)] + [_hit("doc:b", 10), _hit("doc:c", 11)]

    top = select_hits("furfural yield", hits, k=5)

    assert [h.document_id for h in top] == ["doc:a", "doc:a", "doc:a", "doc:b", "doc:c"]


def test_a_query_that_names_the_document_is_not_capped() -> None:
    hits = [_hit("doc:a", i) for i in range(5)] + [_hit("doc:b", 10)]

    top = select_hits("furfural yield in Paper doc:a", hits, k=5)

    assert [h.document_id for h in top] == ["doc:a"] * 5


def test_reference_lists_are_not_hits_unless_asked() -> None:
    hits = [_hit("doc:a", 0, section="References", text=REFERENCES), _hit("doc:b", 1)]

    assert [h.document_id for h in select_hits("furfural yield", hits, k=5)] == ["doc:b"]
    assert [h.document_id for h in select_hits("references on furfural", hits, k=5)] == ["doc:a", "doc:b"]


def _pdf(pages: list[list[tuple[int, str]]], title: str | None = None) -> bytes:
    """A PDF whose pages hold lines of text at the given font sizes (Helvetica), top to bottom."""
    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
        ops, y = [], 740
        for size, text in lines:
            safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf 72 {y} Td ({safe}) Tj ET")
            y -= int(size * 1.6)
        stream = StreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if title is not None:
        writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
