"""A generated corpus of mixed documents with known planted identifiers and near misses.

Every identifier is synthetic: CHI, NHS and SCN numbers are made with their check digits
(computed here, not with spcheck's code, so the benchmark cannot agree with a shared
mistake), phone numbers come from Ofcom's drama ranges, people's names are fictional and
email addresses end in ``.example``. The generator records exactly what it planted, as it
was written and as a correct detector would mask it, and plants near misses (invoice
numbers that fail the check, meeting dates with no cue, sort codes, role mailboxes,
redacted fields) that must not be reported.

Run ``python bench/corpus.py OUT_DIR`` to write the corpus out for inspection.
"""

from __future__ import annotations

import calendar
import csv
import io
import random
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document as DocxDocument
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from spcheck.content.detectors.interface import KINDS

__all__ = ["KINDS", "Document", "build_corpus", "mask", "national_phone"]


def mask(value: str) -> str:
    """spcheck's masking rule (docs/security.md): first two and last two characters.

    Written out here, not imported: the corpus is the benchmark's ground truth, so what a
    correct detector reports is not taken from the code being measured."""
    compact = "".join(value.split())
    if len(compact) <= 6:
        return "*" * len(compact)
    return compact[:2] + "*" * (len(compact) - 4) + compact[-2:]


@dataclass(frozen=True, slots=True)
class Planted:
    kind: str
    value: str  # as written in the document
    masked: str  # what a correct detector reports


@dataclass(slots=True)
class Document:
    name: str
    data: bytes
    planted: list[Planted] = field(default_factory=list)
    near_misses: int = 0


# ---- identifier generators -------------------------------------------------------------

_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _ten_digit_check(nine: str) -> int | None:
    check = (11 - sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11) % 11
    return None if check == 10 else check


def _scn_check(eight: str) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(eight, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    return None if remainder == 1 else (11 - remainder) % 11


def _birth(rng: random.Random) -> tuple[int, int, int]:
    year = rng.randint(2006, 2024)
    month = rng.randint(1, 12)
    return rng.randint(1, _DAYS[month]), month, year


def make_chi(rng: random.Random) -> str:
    while True:
        day, month, year = _birth(rng)
        nine = f"{day:02d}{month:02d}{year % 100:02d}{rng.randint(0, 999):03d}"
        check = _ten_digit_check(nine)
        if check is not None:
            return nine + str(check)


def make_nhs(rng: random.Random) -> str:
    while True:
        nine = rng.choice("467") + f"{rng.randint(0, 99_999_999):08d}"
        check = _ten_digit_check(nine)
        if check is not None:
            return nine + str(check)


def make_scn(rng: random.Random) -> str:
    while True:
        eight = f"{rng.randint(10_000_000, 99_999_999)}"
        check = _scn_check(eight)
        if check is not None:
            return eight + str(check)


_NINO_FIRST = "ABCEGHJKLMNPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_UNUSED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def make_nino(rng: random.Random) -> str:
    while True:
        prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        if prefix not in _NINO_UNUSED:
            break
    digits = f"{rng.randint(0, 999_999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


_AREAS = {
    "EH": 55,
    "G": 84,
    "KY": 16,
    "AB": 56,
    "DD": 11,
    "IV": 63,
    "PA": 80,
    "FK": 21,
    "ML": 12,
    "KA": 30,
    "DG": 16,
    "TD": 15,
    "PH": 50,
    "KW": 17,
}
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def make_postcode(rng: random.Random) -> str:
    area = rng.choice(sorted(_AREAS))
    district = rng.randint(1, _AREAS[area])
    return f"{area}{district} {rng.randint(0, 9)}{rng.choice(_INWARD)}{rng.choice(_INWARD)}"


def make_phone(rng: random.Random) -> str:
    line = f"{rng.randint(0, 999):03d}"
    shapes = [
        f"0131 496 0{line}",
        f"0141 496 0{line}",
        f"01382 496{line}",
        f"020 7946 0{line}",
        f"07700 900{line}",
        f"+44 7700 900{line}",
        f"+44 (0)131 496 0{line}",
        f"07700900{line}",
    ]
    return rng.choice(shapes)


def national_phone(written: str) -> str:
    """A phone number as dialled inside the UK: its masked form is spcheck's canonical one."""
    digits = "".join(ch for ch in written if ch.isdigit())
    if written.startswith("+44"):
        digits = digits[2:] if digits[2:].startswith("0") else "0" + digits[2:]
    return digits


FIRST_NAMES = (
    "Ailsa",
    "Morag",
    "Kai",
    "Callum",
    "Isla",
    "Rory",
    "Eilidh",
    "Finlay",
    "Skye",
    "Lewis",
    "Mhairi",
    "Euan",
)
SURNAMES = ("Testperson", "Sampleton", "Exampleson", "Fictionary", "Madeupson")
COUNCILS = ("glenmorven-council", "strathfictional", "invermock-hscp", "lochsample-nhs")


def make_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def make_email(rng: random.Random) -> str:
    first, last = make_name(rng).lower().split()
    return f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(COUNCILS)}.example"


def make_birth_text(rng: random.Random) -> str:
    day, month, year = _birth(rng)
    months = calendar.month_name[1:]
    shapes = [
        f"{day:02d}/{month:02d}/{year}",
        f"{day}.{month}.{year}",
        f"{year}-{month:02d}-{day:02d}",
        f"{day} {months[month - 1]} {year}",
    ]
    return rng.choice(shapes)


# ---- planted sentences -----------------------------------------------------------------

Sentence = tuple[str, list[Planted]]


def _one(kind: str, template: str, value: str, masked: str | None = None) -> Sentence:
    return template.format(value), [Planted(kind, value, masked or mask(value))]


def planted_sentence(rng: random.Random) -> Sentence:
    """One line holding one or two identifiers, with what was planted."""
    kind = rng.choice(KINDS)
    if kind == "chi":
        chi = make_chi(rng)
        if rng.random() < 0.3:
            written = f"{chi[:6]} {chi[6:]}"
            return f"CHI number {written} was recorded at the assessment.", [
                Planted("chi", written, mask(chi))
            ]
        template = rng.choice(
            [
                "The child's CHI is {} according to the health chronology.",
                "Health record {} was shared with the named person.",
                "Reference {} appears in the chronology.",
            ]
        )
        return _one("chi", template, chi)
    if kind == "nhs_number":
        nhs = make_nhs(rng)
        spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        template = rng.choice(
            [
                "Mother's NHS number {} (registered in England).",
                "Previously registered with NHS number {}.",
                "Father's record from Carlisle, {}.",
            ]
        )
        return _one("nhs_number", template, spaced, mask(nhs))
    if kind == "scn":
        scn = make_scn(rng)
        if rng.random() < 0.5:
            email = f"{scn}@glow.{rng.choice(COUNCILS)}.example"
            return f"Pupil account {email} was used for the referral.", [
                Planted("scn", scn, mask(scn)),
                Planted("email", email, mask(email)),
            ]
        return _one("scn", rng.choice(["SCN {} at transition.", "Pupil number: {}."]), scn)
    if kind == "nino":
        return _one(
            "nino",
            rng.choice(["Parent's National Insurance number {}.", "NI {} on the form."]),
            make_nino(rng),
        )
    if kind == "postcode":
        return _one(
            "postcode",
            rng.choice(["The family moved to {} in the spring.", "Placement near {}."]),
            make_postcode(rng),
        )
    if kind == "phone":
        phone = make_phone(rng)
        return _one(
            "phone",
            rng.choice(["Tel: {}", "Contact the carer on {} after school.", "Mobile {}."]),
            phone,
            mask(national_phone(phone)),
        )
    if kind == "email":
        return _one(
            "email",
            rng.choice(["Email {} for the minutes.", "Sent by {} on Tuesday."]),
            make_email(rng),
        )
    if kind == "date_of_birth":
        return _one(
            "date_of_birth",
            rng.choice(["DOB: {}", "The young person was born on {} in Fife.", "D.O.B. {}"]),
            make_birth_text(rng),
        )
    label, value = rng.choice(
        [
            ("Child's name", make_name(rng)),
            ("Name", make_name(rng)),
            ("Address", f"{rng.randint(1, 120)} Glen Road, Glenmorven"),
            ("School", f"{rng.choice(SURNAMES)} Primary"),
            ("GP", f"Dr {rng.choice(SURNAMES)}"),
            ("Mother's name", make_name(rng)),
        ]
    )
    return f"{label}: {value}", [Planted("labelled_field", value, f"{label}: ****")]


def _not_a_check(rng: random.Random, length: int) -> str:
    """A number of ``length`` digits that is neither a CHI nor an NHS number."""
    while True:
        number = str(rng.randint(10 ** (length - 1), 10**length - 1))
        if length != 10:
            return number
        check = _ten_digit_check(number[:9])
        if check is None or check != int(number[9]):
            return number


NEAR_MISSES: tuple[Callable[[random.Random], str], ...] = (
    lambda r: f"Invoice {_not_a_check(r, 10)} was paid on {r.randint(1, 28):02d}/03/2026.",
    lambda r: f"Invoice no. 0{_not_a_check(r, 9)} for the venue.",
    lambda r: f"Order ref {_not_a_check(r, 9)}, purchase order {_not_a_check(r, 10)}.",
    lambda r: f"Meeting held {r.randint(1, 28):02d}/0{r.randint(1, 9)}/2025 at 10:30.",
    lambda r: f"Next review {2025 + r.randint(0, 1)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}.",
    lambda r: f"Sort code {r.randint(10, 99)}-{r.randint(10, 99)}-{r.randint(10, 99)}.",
    lambda r: f"Budget line {r.randint(1000, 9999)}-{r.randint(1000, 9999)}-{r.randint(10, 99)}.",
    lambda r: f"Case reference GLM-2026-{r.randint(1, 75):04d} was sampled.",
    lambda r: f"{r.randint(100, 999)} children and {r.randint(10, 99)} staff responded.",
    lambda r: "Name: [REDACTED]",
    lambda r: "Address: XXXX XXXXXX XXXX",
    lambda r: "Child's name: ████████",
    lambda r: "Date of birth: withheld",
    lambda r: "QQ 12 34 56 C is the form's example number.",
    lambda r: "Meet on the g12 3rd floor of the building.",
    lambda r: "Write to enquiries@careinspectorate.example for a copy.",
    lambda r: f"Version {r.randint(1, 9)}.{r.randint(0, 9)}, page {r.randint(1, 40)} of 40.",
    lambda r: f"Ratio 0.{_not_a_check(r, 10)} from the survey model.",
)

PROSE = (
    "The partnership has strengthened its approach to multi-agency chronologies.",
    "Staff told us that supervision supported reflective practice.",
    "Inter-agency referral discussions were timely and well attended.",
    "Children and young people said they felt listened to by their workers.",
    "The chief officers group had good oversight of performance information.",
    "Quality assurance of child protection plans was improving.",
    "Some families waited too long for specialist support.",
    "Joint self-evaluation informed the improvement plan for the coming year.",
    "Risk assessments were of a consistent standard across services.",
    "Advocacy was offered to most children subject to child protection processes.",
    "The records reading team found clear analysis of risk and need.",
    "Leaders recognised the need to improve recording of children's views.",
)


@dataclass(slots=True)
class _Content:
    lines: list[str] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    near_misses: int = 0


def _content(rng: random.Random, identifiers: int, misses: int, prose: int) -> _Content:
    content = _Content()
    items: list[tuple[str, list[Planted]] | str] = []
    items.extend(planted_sentence(rng) for _ in range(identifiers))
    items.extend(rng.choice(NEAR_MISSES)(rng) for _ in range(misses))
    items.extend(" ".join(rng.sample(PROSE, 4)) for _ in range(prose))
    rng.shuffle(items)
    for item in items:
        if isinstance(item, str):
            content.lines.append(item)
            if not any(p in item for p in PROSE):
                content.near_misses += 1
        else:
            content.lines.append(item[0])
            content.planted.extend(item[1])
    return content


# ---- writers ---------------------------------------------------------------------------


def _txt(rng: random.Random, content: _Content) -> bytes:
    text = "\n".join(content.lines) + "\n"
    if rng.random() < 0.5:
        try:
            return text.encode("cp1252")
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8")


def _pdf(content: _Content) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    y = 800.0
    for raw in content.lines:
        # Helvetica has no full block glyph: a redacted near miss is drawn with X instead.
        line = raw.replace("█", "X")
        for piece in textwrap.wrap(line, 95) if len(line) > 95 else [line]:
            if y < 60:
                canvas.showPage()
                y = 800.0
            canvas.setFont("Helvetica", 9)
            canvas.drawString(40, y, piece)
            y -= 13
    canvas.save()
    return buffer.getvalue()


def _docx(rng: random.Random, content: _Content) -> bytes:
    document = DocxDocument()
    section = document.sections[0]
    lines = list(content.lines)
    if lines and rng.random() < 0.5:
        section.header.paragraphs[0].text = lines.pop(0)
    table_rows: list[tuple[str, str]] = []
    if rng.random() < 0.6:
        name, birth = make_name(rng), make_birth_text(rng)
        table_rows = [("Child's name", name), ("Date of birth", birth)]
        content.planted.append(Planted("labelled_field", name, "Child's name: ****"))
        content.planted.append(Planted("date_of_birth", birth, mask(birth)))
    for line in lines:
        document.add_paragraph(line)
    if table_rows:
        table = document.add_table(rows=len(table_rows), cols=2)
        for row, (label, value) in zip(table.rows, table_rows, strict=True):
            row.cells[0].text = label
            row.cells[1].text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx(rng: random.Random, content: _Content, rows: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Cases"
    sheet.append(["Case reference", "CHI", "Child's name", "Date of birth", "Postcode", "Notes"])
    for number in range(rows):
        chi = make_chi(rng)
        name = make_name(rng)
        birth = f"{chi[:2]}/{chi[2:4]}/20{chi[4:6]}"
        postcode = make_postcode(rng)
        note = content.lines[number] if number < len(content.lines) else ""
        # Excel keeps the number, not the text: a leading zero is lost.
        sheet.append([f"GLM-{number + 1:04d}", int(chi), name, birth, postcode, note])
        content.planted.extend(
            [
                Planted("chi", chi, mask(chi)),
                Planted("labelled_field", name, "Child's name: ****"),
                Planted("date_of_birth", birth, mask(birth)),
                Planted("postcode", postcode, mask(postcode)),
            ]
        )
    extra = content.lines[rows:]
    if extra:
        hidden = workbook.create_sheet("Working")
        hidden.sheet_state = rng.choice(["hidden", "veryHidden"])
        for line in extra:
            hidden.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rng: random.Random, content: _Content) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["record_id", "CHI", "Child's name", "note"])
    for number, line in enumerate(content.lines, start=1):
        if rng.random() < 0.3:
            chi, name = make_chi(rng), make_name(rng)
            # An export from Excel: the CHI went through a number and lost a leading zero.
            written = chi.lstrip("0") if rng.random() < 0.5 else chi
            content.planted.append(Planted("chi", written, mask(chi)))
            content.planted.append(Planted("labelled_field", name, "Child's name: ****"))
        else:
            written, name = "", ""
        writer.writerow([f"GLM-{number:04d}", written, name, line])
    return buffer.getvalue().encode("utf-8")


def build_corpus(count: int = 240, seed: int = 2026) -> list[Document]:
    """``count`` documents (docx, xlsx, pdf, csv, txt in turn), reproducible from ``seed``."""
    rng = random.Random(seed)
    documents: list[Document] = []
    for number in range(count):
        kind = ("docx", "xlsx", "pdf", "csv", "txt")[number % 5]
        # Every eleventh document is a long position statement; some have no identifier.
        long = number % 11 == 0
        identifiers = 0 if number % 7 == 3 else rng.randint(3, 12)
        content = _content(
            rng,
            identifiers,
            misses=rng.randint(3, 10),
            prose=rng.randint(150, 300) if long else rng.randint(8, 40),
        )
        if kind == "docx":
            data = _docx(rng, content)
        elif kind == "xlsx":
            data = _xlsx(rng, content, rows=rng.randint(3, 15))
        elif kind == "pdf":
            data = _pdf(content)
        elif kind == "csv":
            data = _csv(rng, content)
        else:
            data = _txt(rng, content)
        documents.append(
            Document(f"doc-{number:03d}.{kind}", data, content.planted, content.near_misses)
        )
    return documents


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path("corpus")
    out.mkdir(parents=True, exist_ok=True)
    for document in build_corpus():
        (out / document.name).write_bytes(document.data)
    print(f"wrote {len(list(out.iterdir()))} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
