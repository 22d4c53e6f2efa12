"""`sohoa serve` on a fresh data directory prints the setup link; once an administrator exists, nothing."""
from __future__ import annotations

from catalog import first_admin
from catalog.db import Database
from catalog.users import Role, create_user
from sohoa.first_start import announce_setup_link


def test_a_fresh_service_prints_a_local_setup_link(settings, capsys):
    link = announce_setup_link(settings, "0.0.0.0", 8123)
    assert link is not None and link.startswith("http://127.0.0.1:8123/setup#token=")
    out = capsys.readouterr().out
    assert link in out and "sohoa users create" in out  # the CLI way is still named
    assert first_admin.setup_pending(settings.data_dir)
    db = Database(settings.resolved_database_url())
    try:
        with db.session() as s:
            create_user(s, "admin", "mat-khau-du-dai", Role.admin, "PT01")
    finally:
        db.dispose()
    assert announce_setup_link(settings, "127.0.0.1", 8123) is None
    assert "setup" not in capsys.readouterr().out
    assert not first_admin.setup_pending(settings.data_dir)
