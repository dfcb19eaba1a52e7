"""Cue words shared by several detectors (compiled once), and the gates that make them cheap.

A cue pattern is case-insensitive and starts every alternative at a word boundary, so the
regular expression engine tries each alternative at every position of the text searched:
slow, and it runs for most candidates. Each cue has a gate, a case-sensitive pattern that
matches where any match of the cue starts (a word boundary, its first two letters in either
case or the Unicode letters that case-fold onto them: ı and İ onto i, ſ onto s), and that
starts with a character class so that the engine skips ahead. Where the gate finds nothing
the cue cannot match; ``has_cue`` asks the gate first. tests/content/test_detectors_batch.py
checks each gate against its cue.
"""

from __future__ import annotations

import re
import sys

# Shapes shared by several detectors: a trigger (see Detector.trigger) and candidates.
SIX_DIGITS = re.compile(r"[0-9]{3}[ -]?[0-9]{3}")
NINE_DIGITS = re.compile(r"[0-9](?<![0-9][0-9])(?<![0-9][.,][0-9])[0-9]{8}(?![0-9])(?![.,][0-9])")
# The numbers of the CHI, NHS number and SCN detectors, never part of a longer digit run or
# a decimal: ten digits ("plain", "dated" DDMMYY NNNN, or "spaced" 3-3-4, not part of a
# longer spaced run) or nine ("nine", as ``NINE_DIGITS``). Written for the digit-runs
# sketch (see sketches.py: "S" starts a run of digits, "0" is any other digit), so that it
# is tried once a run.
# One pattern, so that the engine tries each run once for all three detectors rather than
# once each: at any position at most one shape can match, and no shape can match inside a
# match of another, so it finds what a pattern for each shape finds.
NUMBERS = re.compile(
    rb"S(?<![0S][.,]S)"
    rb"(?:"
    rb"(?P<plain>0{9})"
    rb"|(?<![0S][ -]S)(?P<dated>0{5}[ -]S0{3})(?![ -]S)"
    rb"|(?<![0S][ -]S)(?P<spaced>0{2}(?P<sep>[ -])S0{2}(?P=sep)S0{3})(?![ -]S)"
    rb"|(?P<nine>0{8})"
    rb")"
    rb"(?!0)(?![.,]S)"
)

CHI_CUE = re.compile(
    r"\b(?:CHI|C\.H\.I\.?|community\s+health\s+index|NHS|patient|health\s+(?:record|number))\b",
    re.IGNORECASE,
)
NHS_CUE = re.compile(r"\b(?:NHS|national\s+health\s+service|patient)\b", re.IGNORECASE)
SCN_CUE = re.compile(
    r"\b(?:SCN|scottish\s+candidate|candidate\s+(?:number|no\b|num)|"
    r"(?:pupil|learner|student)\s+(?:number|no\b|num|id))",
    re.IGNORECASE,
)
PHONE_CUE = re.compile(
    r"\b(?:tel|telephone|phone|mobile|mob|fax|call|contact\s+number)\b", re.IGNORECASE
)
DOB_CUE = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bborn\b|\bbirthday\b|"
    r"\bdob\b)",
    re.IGNORECASE,
)
_LABEL_TAIL = r"\b(?:\s*(?:number|num|no|ref|reference|id))?[\s.:#]*$"
_OTHER_NUMBERS = (
    r"invoice|inv|order|account|acct|a/c|sort\s+code|iban|purchase|po|receipt|"
    r"transaction|serial|isbn|issn|batch|lot|tracking|barcode|licen[cs]e|policy"
)
# A label naming a number as something other than a person's identifier
# ("Invoice no. 4012345678"). A cue word for the identifier itself wins over these.
NOT_A_PERSON_LABEL = re.compile(
    rf"\b(?:{_OTHER_NUMBERS}|tel|telephone|phone|mobile|fax){_LABEL_TAIL}", re.IGNORECASE
)
# The same for a phone-shaped number: "Invoice no. 0131496000" is not a phone number.
NOT_A_PHONE_LABEL = re.compile(rf"\b(?:{_OTHER_NUMBERS}){_LABEL_TAIL}", re.IGNORECASE)


def _gate(starts: dict[str, str]) -> re.Pattern[str]:
    """A gate from each first letter (with its case-fold variants) to the letters after it.

    The look-behinds come after the first character so that the pattern starts with a
    character class; ``(?<!\\w.)`` is the word boundary before that character.
    """
    firsts = "".join(starts)
    seconds = "|".join(f"(?<=[{first}])(?:{second})" for first, second in starts.items())
    return re.compile(rf"[{firsts}](?<!\w.)(?:{seconds})")


_I = "iI\u0130\u0131"
_S = "sS\u017f"
GATES: dict[re.Pattern[str], re.Pattern[str]] = {
    CHI_CUE: _gate({"cC": "[hHoO.]", "nN": "[hH]", "pP": "[aA]", "hH": "[eE]"}),
    NHS_CUE: _gate({"nN": "[hHaA]", "pP": "[aA]"}),
    SCN_CUE: _gate({_S: "[cCtT]", "cC": "[aA]", "pP": "[uU]", "lL": "[eE]"}),
    PHONE_CUE: _gate({"tT": "[eE]", "pP": "[hH]", "mM": "[oO]", "fF": "[aA]", "cC": "[aAoO]"}),
    DOB_CUE: _gate({"dD": r"\.?\s?[oO]|[aA]", "bB": f"[oO{_I}]"}),
    NOT_A_PERSON_LABEL: _gate(
        {
            _I: f"[nNbB{_S}]",
            "oO": "[rR]",
            "aA": "[cC/]",
            _S: "[oOeE]",
            "pP": "[uUoOhH]",
            "rR": "[eE]",
            "tT": "[rReE]",
            "bB": "[aA]",
            "lL": f"[oO{_I}]",
            "mM": "[oO]",
            "fF": "[aA]",
        }
    ),
    NOT_A_PHONE_LABEL: _gate(
        {
            _I: f"[nNbB{_S}]",
            "oO": "[rR]",
            "aA": "[cC/]",
            _S: "[oOeE]",
            "pP": "[uUoO]",
            "rR": "[eE]",
            "tT": "[rR]",
            "bB": "[aA]",
            "lL": f"[oO{_I}]",
        }
    ),
}
# Looked up by id: hashing a compiled pattern hashes its whole program, every time.
_GATE_OF = {id(cue): gate for cue, gate in GATES.items()}


def gate_of(cue: re.Pattern[str]) -> re.Pattern[str]:
    """The gate of one of the cues above."""
    return _GATE_OF[id(cue)]


def has_cue(cue: re.Pattern[str], text: str, pos: int = 0, endpos: int = sys.maxsize) -> bool:
    """``cue.search(text, pos, endpos) is not None``, asking the cue's gate first."""
    return _GATE_OF[id(cue)].search(text, pos, endpos) is not None and (
        cue.search(text, pos, endpos) is not None
    )
