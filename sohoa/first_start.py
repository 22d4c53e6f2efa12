"""`sohoa serve` on a fresh machine: with no administrator yet, print the one-time setup link."""
from __future__ import annotations

import click

from catalog import first_admin
from catalog.db import Database
from core.settings import Settings


def announce_setup_link(settings: Settings, host: str, port: int) -> str | None:
    """Issue a fresh link when no administrator exists and print it; the link itself, or None."""
    db = Database(settings.resolved_database_url())
    db.migrate()
    try:
        with db.session() as s:
            token = first_admin.issue_setup_token(s, settings.data_dir)
    finally:
        db.dispose()
    if token is None:
        return None
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    link = f"http://{local}:{port}/setup#token={token}"
    hours = int(first_admin.LIFETIME.total_seconds() // 3600)
    click.secho("\nChưa có quản trị viên. Mở liên kết sau trên chính máy này để đặt mật khẩu quản trị viên đầu tiên\n"
                f"(dùng một lần, hết hạn sau {hours} giờ; hoặc: sohoa users create admin --role admin --office PT01):\n"
                f"    {link}\n", fg="yellow")
    return link
