"""Idea reference numbers: PSI-YYMM-NNNN-C, with a Luhn check digit over the digits.

The check digit catches any single mistyped digit and most swapped neighbours, so a
reference read out on the phone or typed into search can be checked before it is looked up.
"""

import re
from datetime import datetime

PREFIX = "PSI"
PATTERN = re.compile(r"^PSI-(\d{4})-(\d{4,})-(\d)$")


def luhn_digit(digits: str) -> int:
    """The Luhn check digit for a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the rightmost digit, as the check digit goes after it
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def period_of(moment: datetime) -> str:
    return moment.strftime("%y%m")


def format_reference(period: str, sequence: int) -> str:
    number = f"{sequence:04d}"
    return f"{PREFIX}-{period}-{number}-{luhn_digit(period + number)}"


def is_valid_reference(text: str) -> bool:
    """True when `text` is a well-formed reference whose check digit is right."""
    match = PATTERN.match(text.strip().upper())
    if not match:
        return False
    period, number, check = match.groups()
    return luhn_digit(period + number) == int(check)


def sequence_of(reference: str) -> int:
    return int(PATTERN.match(reference).group(2))
