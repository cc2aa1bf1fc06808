"""Reading BibTeX, RIS, JSONL and arXiv records, text files; stable document ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.literature import DocumentUnreadable, FileTooLarge, UnsupportedFormat, read_file, read_path
from tools.literature.readers import make_document_id, parse_bibtex, record_to_document

DATA = Path(__file__).resolve().parent / "data"
DEMO_RECORDS = Path(__file__).resolve().parents[3] / "tools" / "literature" / "demo" / "records.jsonl"


def test_bibtex_with_nested_braces_and_bare_numbers() -> None:
    entry = parse_bibtex(
        '@Article{k1,\n title = {The {NMR} of {\\"U}rea},\n year = 2021,\n author = "A. Li and B. Wu",\n}'
    )[0]

    assert (entry["title"], entry["year"], entry["ID"], entry["author"]) == (
        "The NMR of Ürea",
        "2021",
        "k1",
        ["A. Li", "B. Wu"],
    )


def test_a_reference_manager_bibtex_export_reads_as_plain_unicode() -> None:
    docs = read_path(DATA / "zotero_export.bib")

    first = docs[0].meta
    assert first.authors == ["Schrödinger, Erwin", "Müller, Jérôme", "Ångström, Anders"]
    assert (first.title, first.source, first.year, first.extra["month"]) == (
        "An Undulatory Theory of the Mechanics of Atoms and Molecules",
        "Journal of the American Chemical Society",
        1926,
        12,
    )
    assert first.tags == ["quantum mechanics", "wave equation"]


def test_bibtex_string_macros_are_concatenated_and_accents_decoded() -> None:
    meta = read_path(DATA / "zotero_export.bib")[1].meta

    assert meta.source == "Proceedings of the American Chemical Society Fall Meeting"
    assert meta.authors == ["García, María", "Nuñez, José", "van der Waals, Johannes"]
    assert (meta.title, meta.extra["month"]) == ("Electrocatalytic CO2 reduction on Cu nanocubes", 3)


def test_a_protected_title_and_an_arxiv_eprint_in_bibtex() -> None:
    meta = read_path(DATA / "zotero_export.bib")[2].meta

    assert (meta.title, meta.document_id) == ("MOF-5 hydrogen uptake at 77 K", "arxiv:2301.01234")


def test_an_endnote_ris_export_with_crlf_lines() -> None:
    docs = read_path(DATA / "endnote_export.ris")

    assert [(d.meta.title, d.meta.year, d.meta.authors) for d in docs] == [
        ("Perovskite nanocrystals for light emission", 2020, ["Smith, Jane", "Müller, Jörg"]),
        ("Polymer brushes on silica", 2019, ["Lee, K."]),
    ]
    assert (docs[0].meta.document_id, docs[0].meta.source, docs[0].meta.tags) == (
        "doi:10.1021/acs.nanolett.0c00001",
        "Nano Lett.",
        ["perovskite", "photoluminescence"],
    )


def test_a_ris_record_that_never_ends_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cut.ris"
    path.write_text("TY  - JOUR\nTI  - Whole\nER  - \n\nTY  - JOUR\nTI  - Cut off in the middle\n")

    contents = read_file(path)

    assert [d.meta.title for d in contents.documents] == ["Whole"]
    assert contents.skipped == ["record 2: 1 record(s) open with a TY line but never close with an ER line"]


def test_a_file_that_is_not_bibtex_says_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.bib"
    path.write_text("These are my notes, not a bibliography.\n")

    with pytest.raises(DocumentUnreadable, match="notes.bib contains no BibTeX entries"):
        read_path(path)


def test_bibtex_file_gives_one_document_per_entry(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(
        "@article{a, title={Alpha}, doi={10.1/A}, author={X and Y}, year={2020}}\n"
        "@misc{b, title={Beta}, eprint={2101.00001}, archivePrefix={arXiv}}\n"
    )

    docs = read_path(path)

    assert [d.meta.document_id for d in docs] == ["doi:10.1/a", "arxiv:2101.00001"]
    assert docs[0].meta.authors == ["X", "Y"] and docs[0].meta.year == 2020


def test_ris_record(tmp_path: Path) -> None:
    path = tmp_path / "refs.ris"
    path.write_text("TY  - JOUR\nTI  - Gamma\nAU  - Doe, J\nPY  - 2018///\nDO  - 10.5/G\nER  -\n")

    doc = read_path(path)[0]

    assert (doc.meta.title, doc.meta.year, doc.meta.document_id, doc.meta.authors) == (
        "Gamma",
        2018,
        "doi:10.5/g",
        ["Doe, J"],
    )


def test_arxiv_snapshot_record() -> None:
    doc = record_to_document(
        {
            "id": "0704.0001",
            "title": "Calculation of prompt diphoton production",
            "abstract": "A fully differential calculation.",
            "authors": "C. Balazs, E. L. Berger and P. M. Nadolsky",
            "categories": "hep-ph",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        }
    )

    assert doc.meta.document_id == "arxiv:0704.0001" and doc.meta.year == 2007
    assert doc.meta.authors == ["C. Balazs", "E. L. Berger", "P. M. Nadolsky"]
    assert doc.meta.tags == ["hep-ph"]


def test_demo_records_use_their_full_text_when_present() -> None:
    docs = {d.meta.document_id: d for d in read_path(DEMO_RECORDS)}
    with_fulltext = json.loads(DEMO_RECORDS.read_text().splitlines()[0])

    assert len(docs) == 265
    doc = docs[with_fulltext["id"]]
    assert len(doc.pages[0].text) > 10 * len(with_fulltext["abstract"])
    assert doc.meta.license == "CC BY 4.0"


def test_same_text_gives_the_same_id_and_doi_wins() -> None:
    assert make_document_id(text="a  b") == make_document_id(text="a b")
    assert make_document_id(doi="https://doi.org/10.1000/ABC.", text="x") == "doi:10.1000/abc"


def test_bad_files(tmp_path: Path) -> None:
    (tmp_path / "x.exe").write_bytes(b"MZ")
    (tmp_path / "tiny.txt").write_text("hi")
    (tmp_path / "big.md").write_text("# T\n" + "word " * 100)
    (tmp_path / "bad.jsonl").write_text("{not json")

    with pytest.raises(UnsupportedFormat):
        read_path(tmp_path / "x.exe")
    with pytest.raises(DocumentUnreadable, match="too short"):
        read_path(tmp_path / "tiny.txt")
    with pytest.raises(FileTooLarge):
        read_path(tmp_path / "big.md", max_bytes=100)
    with pytest.raises(DocumentUnreadable, match="not valid JSON"):
        read_path(tmp_path / "bad.jsonl")


def test_a_bad_bibtex_record_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(
        "@article{a, title={Alpha}, doi={10.1/A}}\n"
        "@article{smith2020, author={Smith, J}, year={2020}}\n"
        "@misc{b, title={Beta}, eprint={2101.00001}, archivePrefix={arXiv}}\n"
        "@article{broken, title={Gamma\n"
    )

    contents = read_file(path)

    assert [d.meta.title for d in contents.documents] == ["Alpha", "Beta"]
    assert contents.skipped == [
        "record 2 (key smith2020): no title",
        "record 4 (key broken): not valid BibTeX at line 4: unbalanced braces or quotes (the entry does not close)",
    ]


def test_bad_json_lines_are_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    good = {"id": "r1", "title": "Zeolite membranes", "abstract": "Water from ethanol."}
    path.write_text(json.dumps(good) + "\n{oops\n\n" + json.dumps({"id": "r3", "abstract": "x"}) + "\n[1, 2]\n")

    contents = read_file(path)

    assert [d.meta.document_id for d in contents.documents] == ["r1"]
    assert contents.skipped == [
        "record 2 (line 2): not valid JSON (Expecting property name enclosed in double quotes)",
        "record 3 (line 4, id r3): no title",
        "record 4 (line 5): not a JSON object",
    ]


def test_a_record_file_without_one_good_record_fails_with_the_reasons(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@article{smith2020, author={Smith, J}}\n@article{doe2021, year={2021}}\n")

    with pytest.raises(DocumentUnreadable) as failure:
        read_path(path)

    assert str(failure.value) == (
        "refs.bib has no readable record: record 1 (key smith2020): no title; record 2 (key doe2021): no title"
    )
