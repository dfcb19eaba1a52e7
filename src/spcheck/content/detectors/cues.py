"""Cue words shared by several detectors (compiled once)."""

from __future__ import annotations

import re

# Shapes shared by several detectors: a trigger (see Detector.trigger) and a candidate.
SIX_DIGITS = re.compile(r"[0-9]{3}[ -]?[0-9]{3}")
NINE_DIGITS = re.compile(r"[0-9](?<![0-9][0-9])(?<![0-9][.,][0-9])[0-9]{8}(?![0-9])(?![.,][0-9])")

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
