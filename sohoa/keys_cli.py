"""``sohoa keys …``: the agency's signing key. ``init-dev`` makes throw-away keys for local use."""
from __future__ import annotations

import sys

import click

from core.settings import get_settings


@click.group()
def keys() -> None:
    """Signing keys of digitized copies (PKCS#12 file or PKCS#11 token)."""


@keys.command("init-dev")
@click.option("--force", is_flag=True, help="Replace existing development keys")
@click.option("--if-missing", is_flag=True, help="Say nothing and do nothing when a key is configured or made")
def init_dev(force: bool, if_missing: bool) -> None:
    """A throw-away CA and agency certificate under DATA_DIR/keys/dev, used when no key is configured."""
    from records.keys import DEV_P12, dev_dir, init_dev as make

    settings = get_settings()
    configured = settings.signing_pkcs11_module or settings.signing_pkcs12 is not None
    if if_missing and (configured or (dev_dir(settings) / DEV_P12).exists()):
        return
    folder = make(settings, settings.agency_code, force=force)
    click.echo(f"development signing keys in {folder} (throw-away: not for real documents)")


@keys.command("show")
def show() -> None:
    """Which key signs, its certificate's subject and validity, and how many trust roots are loaded."""
    from records.keys import open_signing_key, trust_roots

    settings = get_settings()
    key = open_signing_key(settings)
    if key is None:
        click.echo("no signing key: papers are approved unsigned (sohoa keys init-dev for local use)")
    else:
        validity = key.certificate["tbs_certificate"]["validity"]
        click.echo(f"{key.source}: {key.subject}, valid {validity['not_before'].native:%Y-%m-%d} "
                   f"to {validity['not_after'].native:%Y-%m-%d}")
        key.close()
    click.echo(f"trust roots: {len(trust_roots(settings))}")


@keys.command("check")
def check() -> None:
    """Sign a test page with the configured key and verify it as the service would (trust folder,
    timestamp authority, revocation); nothing is stored. Exit 1 when any step fails."""
    from core.errors import Rejected
    from records.keys import open_signing_key, trust_roots
    from records.signatures import check_key

    settings = get_settings()
    try:
        key = open_signing_key(settings)
    except Rejected as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    if key is None:
        raise click.ClickException("no signing key configured (SOHOA_SIGNING_PKCS12 or SOHOA_SIGNING_PKCS11_MODULE)")
    try:
        validity = key.certificate["tbs_certificate"]["validity"]
        click.echo(f"key: {key.source}, {key.subject}, valid to {validity['not_after'].native:%Y-%m-%d}")
        roots = trust_roots(settings)
        click.echo(f"trust roots: {len(roots)} in {settings.trust_dir or '(development keys)'}")
        try:
            level, verdict = check_key(key, settings, roots)
        except Rejected as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        key.close()
    click.echo(f"test signature: PAdES {level}, {verdict.status.value}"
               + (f" ({verdict.reason}: {verdict.detail})" if verdict.reason else ""))
    if verdict.status.value != "valid":
        sys.exit(1)


def register(main: click.Group) -> None:
    main.add_command(keys)
