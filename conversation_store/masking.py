"""Masks personal identifiers in what patients type, before it is stored: e-mail addresses, phone
numbers, NHS numbers, UK postcodes, dates of birth, and names introduced as such ("my name is
..."). Each is replaced by a label in brackets, so staff still see what kind of thing was said.

The rules are written for UK patients' messages and err towards masking: a ten-digit number is
masked whether it is a phone or an NHS number; a date is masked when it follows a birth cue or its
year is before 2010."""

from __future__ import annotations

import re
from typing import Callable, List, Set, Tuple

from actions.knowledge.messages import cached_messages

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# NHS numbers: ten digits, usually written 3 3 4; masked as such when the check digit fits.
NHS_NUMBER = re.compile(r"(?<![\d+])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
# Phone numbers: +44 or 0 then 9-10 more digits, with spaces, dashes, dots or brackets between.
PHONE = re.compile(r"(?<![\w+])(?:\+\s?\d{1,3}|\(?0)[\d\s().-]{8,16}\d(?!\d)")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?[\s/.-]+(?:\d{{1,2}}|{MONTHS})[\s/.,-]+\d{{2,4}}"
    rf"|(?:{MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})"
)
BIRTH_CUE = r"(?:date of birth|d\.?o\.?b\.?|born(?: on)?|birthday(?: is)?)[\s:,-]*(?:is\s+|was\s+)?"
BIRTH_DATE = re.compile(rf"\b(?P<cue>{BIRTH_CUE})(?P<date>{DATE})", re.IGNORECASE)
OLD_DATE = re.compile(rf"\b{DATE}\b", re.IGNORECASE)
WORD = r"[^\W\d_][\w'-]*"
NAME_CUE = re.compile(
    rf"\b(?P<cue>my name(?:'s| is)|i'?m called|i am called|name:)\s+(?P<name>{WORD}(?:\s+{WORD}){{0,2}})",
    re.IGNORECASE | re.UNICODE,
)
TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?")
# Words that end a name introduced as such ("my name is Sue and I'm scared").
NOT_NAME = {
    "and",
    "but",
    "so",
    "i",
    "im",
    "i'm",
    "from",
    "here",
    "again",
    "please",
    "thanks",
    "the",
    "a",
    "an",
    "just",
    "really",
    "very",
    "not",
    "worried",
    "scared",
    "anxious",
    "confused",
    "mum",
    "aged",
    "age",
    "have",
    "had",
    "has",
    "was",
    "is",
    "am",
    "with",
    "about",
    "my",
    "me",
    "your",
    "you",
    "to",
    "it",
    "this",
    "that",
    "what",
    "how",
    "why",
    "when",
    "can",
    "could",
    "do",
    "does",
    "will",
    "would",
    "should",
    "on",
    "at",
    "in",
    "by",
    "back",
    "later",
    "if",
    "or",
    "of",
    "for",
    "they",
    "we",
    "she",
    "he",
}
FIRST_YEAR_KEPT = 2010  # a full date from before 2010 in a patient's message is most likely a birth date


def _nhs_check_digit_ok(digits: str) -> bool:
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _nhs(match: re.Match) -> str:
    digits = "".join(match.groups())
    return "[NHS number]" if _nhs_check_digit_ok(digits) else match.group(0)


def _public_numbers() -> Set[str]:
    """The helpline's number, which patients may quote back: it is nobody's personal data."""
    helpline = cached_messages().helpline
    return {re.sub(r"\D", "", helpline.number), re.sub(r"\D", "", helpline.tel)}


def _phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 10 <= len(digits) <= 15 or digits in _public_numbers():
        return match.group(0)
    return "[phone]"


def _birth_date(match: re.Match) -> str:
    return f"{match.group('cue')}[date of birth]"


def _old_date(match: re.Match) -> str:
    years = re.findall(r"\d{4}|\d{2}$", match.group(0))
    if not years:
        return match.group(0)
    year = int(years[-1])
    if len(years[-1]) == 2:  # "12/03/58": a two-digit year is read as 19xx unless it is recent
        year += 2000 if year < 30 else 1900
    return "[date of birth]" if 1900 <= year < FIRST_YEAR_KEPT else match.group(0)


def _name(match: re.Match) -> str:
    words = match.group("name").split()
    kept: List[str] = []
    for word in words:
        if word.lower().strip("'") in NOT_NAME:
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    rest = match.group("name")[len(" ".join(kept)) :]
    return f"{match.group('cue')} [name]{rest}"


RULES: List[Tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (EMAIL, lambda m: "[email]"),
    (BIRTH_DATE, _birth_date),
    (OLD_DATE, _old_date),
    (NHS_NUMBER, _nhs),
    (PHONE, _phone),
    (POSTCODE, lambda m: "[postcode]"),
    (NAME_CUE, _name),
    (TITLED_NAME, lambda m: "[name]"),
]


def mask(text: str) -> str:
    """`text` with every personal identifier the rules find replaced by its label."""
    if not text:
        return text
    for pattern, replace in RULES:
        text = pattern.sub(replace, text)
    return text
