"""OCR text put back the way it was typed, so the detectors read it as they read text.

OCR loses and adds spaces ("NHSnumber9434765919", "CHI 01 0101 1237"), and in a run of
digits reads 0 as O, 1 as I or l, 5 as S, 8 as B, 2 as Z. ``normalise`` undoes what can be
undone without inventing identifiers:

- a cue word read with a look-alike letter is set right ("CHl" -> "CHI");
- a space goes back between a cue word and what is glued to it ("NHSnumber" -> "NHS
  number", "number9434..." -> "number 9434...", "dateofbirth" -> "date of birth");
- letters that look like digits become digits only inside a run that is otherwise digits
  (at least four of them, at most a third look-alikes, standing alone between spaces or
  punctuation): "O1O1O11237" -> "0101011237", never "BOSS" or "INV40213";
- digit groups split by stray spaces are joined only after an identifier's own cue word
  on the line ("CHI: 01 0101 1237"), and only when they make exactly ten digits; the
  detectors still require the date and check digit.

Every change maps back to the characters read (``positions``), so a finding keeps its box.
"""

from __future__ import annotations

import re

# Cue words that OCR glues to the next word, written as a reader sets them.
_GLUED_WORDS = (
    ("date", "of", "birth"),
    ("nhs", "number"),
    ("nhs", "no"),
    ("chi", "number"),
    ("chi", "no"),
    ("scn", "number"),
    ("candidate", "number"),
    ("national", "insurance"),
    ("insurance", "number"),
    ("ni", "number"),
    ("post", "code"),
    ("home", "address"),
    ("phone", "number"),
    ("mobile", "number"),
    ("email", "address"),
    ("known", "as"),
    ("next", "of", "kin"),
    ("child's", "name"),
    ("childs", "name"),
    ("child", "name"),
    ("mother's", "name"),
    ("father's", "name"),
    ("carer's", "name"),
    ("full", "name"),
    ("first", "name"),
    ("last", "name"),
    ("young", "person"),
)
_GLUED = re.compile(
    "|".join(
        r"\b" + " ?".join(f"(?P<w{i}_{n}>{re.escape(word)})" for n, word in enumerate(words))
        for i, words in enumerate(_GLUED_WORDS)
    ),
    re.IGNORECASE,
)
# An upper-case cue glued to a lower-case word ("NHSnumber", "CHIno").
# Cue words with a letter read as its look-alike: "CHl", "CH1", "NH5".
_CUE_LOOKALIKES = re.compile(
    r"\b(?:CH(?:[l|](?=number|no\b|[^a-z]|$)|1(?=number|no\b|[^a-z0-9]|$))(?P<chi>)"
    r"|NH5(?=number|no\b|[^a-z0-9]|$)(?P<nhs>))"
)
_CAPS_GLUED = re.compile(r"\b(?:CHI|NHS|SCN|DOB|NI)(?=[a-z]{2})")
# Three letters or more glued to a run of six digits or more ("number9434765919",
# "CHI0101011237"): two letters and digits are a postcode or a National Insurance number's
# start, and a few digits after a name are an email address's ("sampleton84@"), left as
# they are. A colon glued to what follows gets its space back too.
_LETTERS_DIGIT = re.compile(
    r"(?<=[A-Za-z]{3})(?=[0-9]{6}(?![0-9]*@))|(?<=[:;])(?=[0-9A-Za-z])(?![^\s@]*@)"
)
LOOKALIKES = {
    "O": "0",
    "o": "0",
    "D": "0",
    "Q": "0",
    "I": "1",
    "l": "1",
    "|": "1",
    "i": "1",
    "S": "5",
    "s": "5",
    "B": "8",
    "Z": "2",
    "z": "2",
    "G": "6",
    "g": "9",
}
_RUN = re.compile(r"(?<![^\s.,:;()\[\]/-])[0-9OoDQIl|iSsBZzGg]{6,}(?![^\s.,:;()\[\]/-])")
_CUE = re.compile(r"\b(?:CHI|NHS|SCN|C\.H\.I|patient|health\s+number|candidate)\b", re.I)
_GROUPS = re.compile(r"(?<![0-9])[0-9]{1,6}(?: [0-9]{1,6}){1,4}(?![0-9])")
_STANDARD = re.compile(r"[0-9]{10}|[0-9]{3} [0-9]{3} [0-9]{4}|[0-9]{6} [0-9]{4}")


class _Edit:
    """Text being rewritten, keeping for each character the position it was read at."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)
        self.positions = list(range(len(text)))

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def insert_space(self, at: int) -> None:
        # A space inserted takes the position of the character after it.
        position = self.positions[at] if at < len(self.positions) else len(self.positions)
        self.chars.insert(at, " ")
        self.positions.insert(at, position)

    def delete(self, at: int) -> None:
        del self.chars[at]
        del self.positions[at]


def _cues_back(edit: _Edit) -> None:
    for match in _CUE_LOOKALIKES.finditer(edit.text):
        last = match.end() - 1
        edit.chars[last] = "I" if match.group("chi") is not None else "S"


def _spaces_back(edit: _Edit) -> None:
    text = edit.text
    inserts: set[int] = set()
    for match in _GLUED.finditer(text):
        groups = [name for name, value in match.groupdict().items() if value is not None]
        for name in groups[1:]:
            start = match.start(name)
            if text[start - 1] != " ":
                inserts.add(start)
        if match.end() < len(text) and text[match.end()].isalnum():
            inserts.add(match.end())
    for match in _CAPS_GLUED.finditer(text):
        inserts.add(match.end())
    for match in _LETTERS_DIGIT.finditer(text):
        inserts.add(match.start())
    for at in sorted(inserts, reverse=True):
        edit.insert_space(at)


def _digits_back(edit: _Edit) -> None:
    text = edit.text
    for match in _RUN.finditer(text):
        run = match.group()
        lookalikes = sum(1 for c in run if not c.isdigit())
        if lookalikes == 0 or lookalikes > max(2, len(run) // 3) or len(run) - lookalikes < 4:
            continue
        for offset, char in enumerate(run):
            if not char.isdigit():
                edit.chars[match.start() + offset] = LOOKALIKES[char]


def _groups_joined(edit: _Edit) -> None:
    text = edit.text
    cue = _CUE.search(text)
    if cue is None:
        return
    spaces: list[int] = []
    for match in _GROUPS.finditer(text, cue.end()):
        group = match.group()
        if len(group.replace(" ", "")) != 10 or _STANDARD.fullmatch(group):
            continue
        spaces.extend(match.start() + i for i, c in enumerate(group) if c == " ")
    for at in sorted(spaces, reverse=True):
        edit.delete(at)


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as typed, and for each of its characters the position it was read at."""
    edit = _Edit(text)
    _cues_back(edit)
    _spaces_back(edit)
    _digits_back(edit)
    _groups_joined(edit)
    return edit.text, edit.positions
