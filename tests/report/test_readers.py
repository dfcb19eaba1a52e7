"""Who can read the records now, in every report format: JSON v2 (to its schema), HTML,
markdown and the terminal table; JSON v1 keeps its old shape."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from spcheck.report import renderer
from spcheck.rules import RecordReader
from tests.report.builders import LONDON, sample_report, sample_result
from tests.report.schemas import problems

UNTIL = dt.datetime(2026, 12, 18, 23, 59, tzinfo=LONDON)
READERS = (
    RecordReader(
        who="ia**********on@nhs-glenmorven.example",
        kind="person",
        organisation="Glenmorven Partnership",
        organisation_from="definition",
        role="write",
        folders=("records", "records-reserves"),
        until=UNTIL,
        no_end=False,
    ),
    RecordReader(
        who="ai*********er@scrutiny-body.example",
        kind="person",
        organisation="scrutiny-body.example",
        organisation_from="email domain",
        role="read",
        folders=("records",),
        until=None,
        no_end=True,
    ),
    RecordReader(
        who="<b>Inspections</b> Members",
        kind="site_group",
        organisation=None,
        organisation_from=None,
        role="read",
        folders=("records",),
        until=None,
        no_end=True,
    ),
    RecordReader(
        who="Records reading panel",
        kind="group",
        organisation=None,
        organisation_from=None,
        role="read",
        folders=("records",),
        until=None,
        no_end=True,
    ),
)


def report(readers: tuple[RecordReader, ...] | None = READERS) -> Any:
    base = sample_result()
    return sample_report(
        dataclasses.replace(base, records=dataclasses.replace(base.records, readers=readers))
    )


def test_json_v2_lists_each_reader_to_the_schema() -> None:
    document = json.loads(renderer("json").render(report()))
    assert problems(document, "v2") == []
    readers = document["inspections"][0]["records"]["readers"]
    assert readers[0] == {
        "who": "ia**********on@nhs-glenmorven.example",
        "kind": "person",
        "organisation": "Glenmorven Partnership",
        "organisation_from": "definition",
        "role": "write",
        "folders": ["records", "records-reserves"],
        "until": "2026-12-18T23:59:00+00:00",
        "no_end": False,
    }
    assert readers[1]["until"] is None
    assert readers[1]["no_end"] is True
    assert readers[2]["organisation"] is None


@pytest.mark.parametrize("readers", [None, ()])
def test_json_v2_not_read_and_nobody_are_told_apart(
    readers: tuple[RecordReader, ...] | None,
) -> None:
    document = json.loads(renderer("json").render(report(readers)))
    assert problems(document, "v2") == []
    assert document["inspections"][0]["records"]["readers"] == (None if readers is None else [])


def test_json_v1_keeps_its_shape() -> None:
    document = json.loads(renderer("json-v1").render(report()))
    assert problems(document, "v1") == []
    assert "readers" not in document["inspections"][0]["records"]


def test_markdown_shows_organisation_and_until_with_no_end_flagged() -> None:
    text = renderer("md").render(report())
    assert "Who can read the records now:" in text
    assert (
        r"| ia\*\*\*\*\*\*\*\*\*\*on@nhs-glenmorven.example | Glenmorven Partnership | write "
        "| records, records-reserves | Fri 18 Dec 2026 23:59 GMT |"
    ) in text
    assert (
        r"scrutiny-body.example \(by email domain\) | read | records | no end (never expires) |"
        in (text)
    )
    assert "| &lt;b&gt;Inspections&lt;/b&gt; Members | the site's own group | read |" in text
    assert "| Records reading panel | - | read |" in text
    assert "not known (permissions not read)" in renderer("md").render(report(None))
    assert "Who can read the records: nobody." in renderer("md").render(report(()))


def test_html_has_the_readers_table_escaped_with_no_end_marked() -> None:
    page = renderer("html").render(report())
    assert "Who can read the records now" in page
    assert "&lt;b&gt;Inspections&lt;/b&gt; Members" in page
    assert "<b>Inspections</b>" not in page
    # The scrutiny partner's and the panel's open-ended access is marked; the site's own
    # group, open-ended by design, is not.
    assert page.count('class="no-end"') == 2
    members = page.index("&lt;b&gt;Inspections&lt;/b&gt; Members")
    assert 'class="no-end"' not in page[members : page.index("</tr>", members)]
    assert "Fri 18 Dec 2026 23:59 GMT" in page
    assert "Not known: the permissions were not read." in renderer("html").render(report(None))


def test_the_terminal_table_lists_them() -> None:
    text = renderer("table").render(report())
    assert "can read records" in text
    assert "no end (never expires)" in text
    assert "scrutiny-body.example" in text
