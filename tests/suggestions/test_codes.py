"""The one way a tracking code is shown to people."""

from suggestions.codes import format_code, new_code, normalise_code
from suggestions.templatetags.tracking import tracking_code


def test_codes_are_shown_in_groups_of_four_and_grouping_twice_changes_nothing():
    assert format_code("61DQ9FNP8843") == "61DQ-9FNP-8843"
    assert format_code("61DQ-9FNP-8843") == "61DQ-9FNP-8843"
    assert tracking_code("61DQ9FNP8843") == "61DQ-9FNP-8843"
    assert tracking_code(None) == ""
    code = new_code()
    assert normalise_code(format_code(code)) == code
