"""The standard written form of a document number (文号)."""

from __future__ import annotations

import pytest
from gongshi.core.docno import doc_no_year, standard_doc_no


@pytest.mark.parametrize(
    "written,standard",
    [
        ("钟市监罚（２０２６）１０１号", "钟市监罚〔2026〕101号"),
        ("钟市监罚(2026)101号", "钟市监罚〔2026〕101号"),
        ("钟市监罚[2026]101号", "钟市监罚〔2026〕101号"),
        ("钟市监罚【 2026 】101号", "钟市监罚〔2026〕101号"),
        ("钟市监罚﹝2026﹞101号", "钟市监罚〔2026〕101号"),
        ("钟市监罚〔2026〕101号", "钟市监罚〔2026〕101号"),
        ("钟市监罚字第101号", "钟市监罚字第101号"),  # no year: only the digits change
        ("苏（2026）第(3)号", "苏〔2026〕第(3)号"),  # only a four-digit year is a year
    ],
)
def test_standard_doc_no(written, standard):
    assert standard_doc_no(written) == standard
    assert standard_doc_no(standard) == standard


def test_doc_no_year():
    assert doc_no_year("钟市监罚（２０２４）５号") == 2024
    assert doc_no_year("钟市监罚字第101号") is None
