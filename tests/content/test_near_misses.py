"""Clean documents full of near misses (invoice numbers, dates, amounts) give no finding."""

from __future__ import annotations

import pytest

from spcheck.content.pipeline import scan_file
from tests.content.builders import NEAR_MISS_NUMBERS, fails_mod11


def test_the_invoice_numbers_really_fail_the_check_digit():
    assert all(fails_mod11(number) for number in NEAR_MISS_NUMBERS)


@pytest.mark.parametrize(
    "name", ["near-miss.docx", "near-miss.pdf", "near-miss.xlsx", "near-miss.txt", "near-miss.csv"]
)
def test_no_finding_on_a_clean_document(name, documents, strict, file_rules):
    scan = scan_file(documents[name], name, strict, file_rules)
    assert scan.findings == (), [(f.rule, f.kind, f.location) for f in scan.findings]
    assert scan.status == "pass"
    assert scan.text_chars > 0
