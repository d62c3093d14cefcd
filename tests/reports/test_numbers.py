"""Headings are numbered in Chinese: a department may cooperate on more than a hundred matters."""

import pytest

from registry.reports.rendering import chinese_number


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (119, "一百一十九"),
        (250, "二百五十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
    ],
)
def test_chinese_numbers(n, text):
    assert chinese_number(n) == text
