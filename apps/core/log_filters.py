"""Keep resident ID numbers out of log files (PIPL): access logs carry `?id_number=` lookups."""

from __future__ import annotations

import logging
import re

# 17 digits and a digit or X, not inside a longer run of digits (order numbers, timestamps).
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{2})[0-9]{11}([0-9]{3}[0-9Xx])(?![0-9])")


def mask_id_numbers(text: str) -> str:
    return _ID_NUMBER.sub(r"\1***********\2", text)


class MaskIdNumbers(logging.Filter):
    """Rewrites each record's message with ID numbers masked, whichever logger produced it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
