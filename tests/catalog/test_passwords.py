"""The password policy: length, not one repeated character or whitespace, not the username, not a
common password from the shipped list."""
from __future__ import annotations

import pytest

from catalog.passwords import MIN_LENGTH, check_password, common_passwords
from core.errors import Invalid


@pytest.mark.parametrize("password", [
    "short-pass", "a" * 20, " " * 14, "\t" * 12, "quay.so.7" * 2, "Password1234", "matkhau123456", "123456789012",
    "QWERTYUIOP123",
])
def test_weak_passwords_are_refused(password):
    with pytest.raises(Invalid) as refused:
        check_password(password, "quay.so.7")
    assert refused.value.code == "weak_password" and password not in refused.value.message


@pytest.mark.parametrize("password", ["mat-khau-thu-nghiem", "Sông Đà chảy qua 3 tỉnh", "correct horse battery"])
def test_good_passwords_pass(password):
    check_password(password, "quay7")


def test_the_common_list_is_shipped_data_of_some_size():
    common = common_passwords()
    assert len(common) > 1000 and "password1234" in common and all(p == p.lower() for p in common)
    assert MIN_LENGTH == 12
