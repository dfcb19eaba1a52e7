"""The synthetic documents the demo's partnerships upload.

Every name, place and case reference here is invented. The one identifier planted
(under the failed redaction) is 0101011237, a test CHI number from Public Health
Scotland's documentation: it shows that spcheck finds it and never repeats it.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from spcheck.demo.writers import Box, Text, box_over, docx, pdf, xlsx

TEST_CHI = "0101011237"
CHILD = "Skye Placeholder"
ADDRESS = "12 Harbour Row, Glenmorven"

_STATEMENTS = (
    "How good is our leadership of services for children at risk of harm?",
    "How well do we recognise and respond to children at risk of harm?",
    "How good is our collaborative working to keep children safe?",
    "How well are children and young people at risk of harm protected and supported?",
)


class Document(StrEnum):
    """What a partnership uploads, apart from case records."""

    PIR = "pir"
    POSITION_STATEMENT = "position-statement"
    TRAINING_PLAN = "training-plan"
    ASSESSMENT_BOXED = "assessment-boxed"  # black boxes drawn over live text: a failed redaction
    ASSESSMENT_REDACTED = "assessment-redacted"  # text removed, then boxes drawn: done properly


def build(kind: Document, partnership: str, case_references: Sequence[str]) -> bytes:
    if kind is Document.PIR:
        return pre_inspection_return(partnership, case_references)
    if kind is Document.POSITION_STATEMENT:
        return position_statement(partnership)
    if kind is Document.TRAINING_PLAN:
        return training_plan(partnership)
    return assessment(partnership, redacted=kind is Document.ASSESSMENT_REDACTED)


def pre_inspection_return(partnership: str, case_references: Sequence[str]) -> bytes:
    """The PIR: case references and counts, never names or CHI numbers."""
    concerns = ("neglect", "domestic abuse", "parental substance use", "emotional abuse")
    rows: list[list[str | int]] = [
        ["Case reference", "Age band", "Main concern", "On the register", "Months open"]
    ]
    for index, reference in enumerate(case_references):
        rows.append(
            [
                reference,
                ("0-4", "5-11", "12-15", "16-17")[index % 4],
                concerns[(index * 3) % len(concerns)],
                "yes" if index % 3 == 0 else "no",
                3 + (index * 5) % 19,
            ]
        )
    rows.append([])
    rows.append([f"Pre-inspection return of the {partnership}"])
    return xlsx("Pre-inspection return", rows)


def position_statement(partnership: str) -> bytes:
    paragraphs = [f"Position statement of the {partnership}"]
    for number, statement in enumerate(_STATEMENTS, start=1):
        paragraphs.append(f"Statement {number}: {statement}")
        paragraphs.append(
            "We set out what we know about our performance, how we know it and what we are "
            "doing to improve. Our evidence comes from multi-agency audits, the views of "
            "children and families, and the data reviewed by our child protection committee. "
            "Where practice is not yet consistent we say so, and name the improvement work "
            "under way and when we expect to see its effect."
        )
    return docx(paragraphs)


def training_plan(partnership: str) -> bytes:
    return docx(
        [
            f"Training plan for local record readers, {partnership}",
            "Day one: the records-reading tool, the quality indicators and how readers are "
            "paired with inspectors.",
            "Day two: reading the redacted assessment and plan together and agreeing grades.",
            "Readers keep no notes that name a child; questions go to the inspection lead.",
        ]
    )


def assessment(partnership: str, *, redacted: bool) -> bytes:
    """The assessment and plan used to train record readers.

    Both versions draw the same black boxes. In the failed one the child's name, CHI
    number and address are still in the page under them, so selecting and copying
    brings them back; in the redacted one the text was removed before the boxes were
    drawn, and white "[REDACTED]" marks sit on top.
    """
    title = Text(72, 780, "Assessment and plan: training copy for record readers", size=14)
    intro = Text(72, 756, f"Prepared by the {partnership}.", size=10)
    fields = [
        ("Child's name: ", CHILD, 720),
        ("CHI number: ", TEST_CHI, 700),
        ("Address: ", ADDRESS, 680),
    ]
    marks: list[Text | Box] = [title, intro]
    boxes: list[Box] = []
    for label, value, y in fields:
        line = Text(72, y, label + value)
        marks.append(Text(72, y, label) if redacted else line)
        boxes.append(box_over(line, label, value))
    marks.extend(boxes)
    if redacted:
        marks.extend(Text(b.x + 4, b.y + 3, "[REDACTED]", size=9, grey=1.0) for b in boxes)
    body = [
        "The assessment found that the family needed help with routines and school attendance.",
        "The plan agreed at the core group sets out who does what and by when, and how the",
        "child's views were gathered and recorded.",
    ]
    marks.extend(Text(72, 640 - 16 * n, line) for n, line in enumerate(body))
    return pdf(marks)


def case_record(record_id: str, partnership: str) -> bytes:
    """A record in the sample, named and headed by its case reference."""
    return (
        f"Case file {record_id} ({partnership})\n"
        "Chronology, assessment, child's plan and minutes of the core group.\n"
        "Copy made for the joint inspection records reading.\n"
    ).encode()
