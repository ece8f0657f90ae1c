import logging

from apps.core.log_filters import MaskIdNumbers, mask_id_numbers


def test_id_numbers_in_a_log_line_are_masked():
    line = '"GET /api/v1/people/?id_number=63010220010315002X HTTP/1.1" 200 1532'
    assert mask_id_numbers(line) == '"GET /api/v1/people/?id_number=630***********002X HTTP/1.1" 200 1532'


def test_longer_digit_runs_are_left_alone():
    assert mask_id_numbers("trace 12345678901234567890123") == "trace 12345678901234567890123"


def test_the_filter_rewrites_formatted_records():
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, "%s %s", ("GET", "630102200103150020"), None)
    MaskIdNumbers().filter(record)
    assert record.getMessage() == "GET 630***********0020"


def test_the_root_handler_masks_and_runserver_logs_through_it():
    handlers = logging.getLogger().handlers
    assert any(isinstance(f, MaskIdNumbers) for handler in handlers for f in handler.filters)
    assert logging.getLogger("django.server").handlers == []
