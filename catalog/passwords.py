"""The password policy: long enough, not trivially guessable, not the username, not a common one.

The common-password list is data shipped with the package (catalog/data/common-passwords.txt);
passwords are compared with it lower-cased.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str | None = None) -> None:
    """Raise Invalid with what is wrong; the password itself is never echoed."""
    if len(password) < MIN_LENGTH:
        raise Invalid("weak_password", f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự.")
    if len(password) > MAX_LENGTH:
        raise Invalid("weak_password", f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự.")
    if "\x00" in password:
        raise Invalid("weak_password", "Mật khẩu chứa ký tự không hợp lệ.")
    stripped = password.strip()
    if not stripped or len(set(stripped)) == 1:
        raise Invalid("weak_password", "Mật khẩu không được chỉ gồm một ký tự lặp lại hoặc khoảng trắng.")
    lowered = password.lower()
    if username and username.lower() in lowered and len(username) * 2 >= len(password):
        raise Invalid("weak_password", "Mật khẩu không được là (hoặc gần như là) tên đăng nhập.")
    if lowered in common_passwords() or stripped.lower() in common_passwords():
        raise Invalid("weak_password", "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.")
