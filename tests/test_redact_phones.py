import pytest

from congress_portal.masking import contains_phone, redact_phones


@pytest.mark.parametrize(
    "text, shown",
    [
        ("电话13800138000请回电", "电话138****8000请回电"),
        ("电话 138-0013-8000", "电话 138****8000"),
        ("+86 138 0013 8000 找我", "138****8000 找我"),
        ("全角１３８００１３８０００", "全角138****8000"),
        ("阿拉伯١٣٨٠٠١٣٨٠٠٠", "阿拉伯138****8000"),
        ("座机 010-61234567", "座机 010****4567"),
        ("12号楼3单元", "12号楼3单元"),
        ("订单 123456789012345 不是电话", "订单 123456789012345 不是电话"),
    ],
)
def test_phones_in_free_text_are_masked_whatever_digits_they_use(text, shown):
    assert redact_phones(text) == shown
    assert contains_phone(text) == (text != shown)
