"""CLI commands for access control: API keys and the access log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lineage_api.auth.keys import KeyStore
from lineage_api.auth.roles import Role
from lineage_api.core.errors import LineageError
from lineage_api.core.settings import get_settings

# Key labels, namespaces and logged queries are user text: escaped, and no :emoji: codes.
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)


def register(app: typer.Typer) -> None:
    keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")

    def _store() -> KeyStore:
        return KeyStore(get_settings().data_dir / "auth.sqlite")

    @keys_app.command("create")
    def create(
        role: Annotated[Role, typer.Option(help="admin, producer, auditor, privacy_officer, viewer or approver")],
        namespace: Annotated[
            list[str] | None,
            typer.Option(help="Namespace pattern; repeat for several: --namespace 'cbp-*' --namespace s3://x."),
        ] = None,
        expires: Annotated[str | None, typer.Option(help="Expiry time, ISO-8601.")] = None,
        label: Annotated[str, typer.Option(help="A note for whom the key is.")] = "",
    ) -> None:
        """Create a key; its secret is printed once."""
        from lineage_api.auth.service import create_key

        keys = _store()
        try:
            created = create_key(keys=keys, role=role, namespaces=namespace, expires_at=expires, label=label)
        except LineageError as exc:
            err.print(f"[bold red]error:[/] {escape(exc.message)}")
            raise typer.Exit(2) from None
        finally:
            keys.close()
        err.print(
            f"key {created.keyId} ({created.role.value}, namespaces {escape(', '.join(created.namespaces))}); "
            "store the secret now, it is not shown again:"
        )
        console.print(created.key, markup=False, highlight=False)

    @keys_app.command("list")
    def list_() -> None:
        """Every key (no secrets)."""
        from lineage_api.auth.service import list_keys

        keys = _store()
        try:
            listed = list_keys(keys=keys).keys
        finally:
            keys.close()
        table = Table("key id", "role", "namespaces", "state", "expires", "label")
        for k in listed:
            table.add_row(
                k.keyId, k.role.value, escape(", ".join(k.namespaces)), k.state, k.expiresAt or "-", escape(k.label)
            )
        console.print(table)

    @keys_app.command("revoke")
    def revoke(key_id: Annotated[str, typer.Argument(help="The key id (not the secret).")]) -> None:
        """Revoke a key; it stops working at once."""
        from lineage_api.auth.service import revoke_key

        keys = _store()
        try:
            revoked = revoke_key(keys=keys, key_id=key_id)
        except LineageError as exc:
            err.print(f"[bold red]error:[/] {escape(exc.message)}")
            raise typer.Exit(2) from None
        finally:
            keys.close()
        console.print(f"key {escape(revoked.keyId)} revoked at {revoked.revokedAt}")

    @app.command()
    def audit(
        after: Annotated[int, typer.Option(help="Show entries after this sequence number.")] = 0,
        limit: Annotated[int, typer.Option(help="Most entries to show.")] = 50,
    ) -> None:
        """Show the access log and verify its hash chain (exit 1 on a break)."""
        from lineage_api.auth.audit import AccessLog
        from lineage_api.auth.service import read_access, verify_access

        access = AccessLog.of(get_settings())
        try:
            page = read_access(access=access, after=after, limit=limit)
            check = verify_access(access=access)
        finally:
            access.close()
        table = Table("seq", "at", "key", "role", "query", "status", "nodes")
        for e in page.entries:
            query = escape(f"{e.path}?{e.query}")
            table.add_row(str(e.seq), e.at, escape(e.keyId), escape(e.role), query, str(e.status), str(e.nodes))
        console.print(table)
        reason = escape(check.reason or "")
        verdict = "[green]intact[/]" if check.ok else f"[red]broken at {check.firstBreak}: {reason}[/]"
        console.print(f"{check.count} entries, chain {verdict}")
        if not check.ok:
            raise typer.Exit(1)
