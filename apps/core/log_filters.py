"""Keep resident ID numbers and mobile numbers out of log files (PIPL): access logs carry
`?id_number=` lookups, and an exception's message may quote a value it choked on."""

from __future__ import annotations

import logging
import re

from apps.core.phones import mask_mobile_numbers

# 17 digits and a digit or X, not inside a longer run of digits (order numbers, timestamps).
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{2})[0-9]{11}([0-9]{3}[0-9Xx])(?![0-9])")


def mask_id_numbers(text: str) -> str:
    return _ID_NUMBER.sub(r"\1***********\2", text)


def mask_personal_numbers(text: str) -> str:
    """ID numbers first: an ID number's digits hold runs a phone pattern would otherwise take."""
    return mask_mobile_numbers(mask_id_numbers(text))


class MaskIdNumbers(logging.Filter):
    """Rewrites each record's message, and its traceback text, with ID and mobile numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            # The formatter would print the exception's own message (and its chain) in full.
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_personal_numbers(record.exc_text)
        return True


# The same filter under the name of what it does now.
MaskPersonalNumbers = MaskIdNumbers
