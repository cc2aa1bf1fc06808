"""`chemassist users`: manage accounts from the server's shell (the trusted operator)."""

from __future__ import annotations

import typer
from rich.table import Table

from app.cli.common import console, friendly_errors, print_json
from app.services import accounts

cli = typer.Typer(help="Manage user accounts (roles: admin, instructor, chemist).", no_args_is_help=True)


def _ask_password(password: str | None, generate: bool) -> tuple[str, bool]:
    if password:
        return password, False
    if generate:
        return accounts.generate_password(), True
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False


@cli.command("add")
@friendly_errors
def add(
    username: str = typer.Argument(..., help="Login name: lowercase letters, digits, '.', '_' or '-'."),
    role: str = typer.Option("chemist", "--role", "-r", help="admin, instructor or chemist."),
    display_name: str = typer.Option("", "--name", "-n", help="Name shown in the app."),
    password: str | None = typer.Option(None, "--password", help="Password (prompted when omitted)."),
    generate: bool = typer.Option(False, "--generate-password", help="Generate a random password and print it."),
) -> None:
    """Add a user."""
    secret, generated = _ask_password(password, generate)
    account = accounts.create_user(username, secret, display_name=display_name, role=role)
    console.print(f"Added [bold]{account.username}[/] ({account.role.value}).")
    if generated:
        console.print(f"Password: [bold]{secret}[/]  (shown once; ask them to change it after signing in)")


@cli.command("list")
@friendly_errors
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List users."""
    users = accounts.list_users()
    if as_json:
        print_json(
            [
                {
                    "username": u.username,
                    "display_name": u.display_name,
                    "role": u.role.value,
                    "active": u.active,
                }
                for u in users
            ]
        )
        return
    table = Table("username", "name", "role", "active", "last sign-in")
    for u in users:
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"
        table.add_row(u.username, u.display_name, u.role.value, "yes" if u.active else "no", last)
    console.print(table)


@cli.command("set-role")
@friendly_errors
def set_role(
    username: str = typer.Argument(..., help="The user."),
    role: str = typer.Argument(..., help="admin, instructor or chemist."),
) -> None:
    """Change a user's role."""
    account = accounts.set_role(username, role)
    console.print(f"{account.username} is now {account.role.value}.")


@cli.command("reset-password")
@friendly_errors
def reset_password(
    username: str = typer.Argument(..., help="The user."),
    password: str | None = typer.Option(None, "--password", help="New password (prompted when omitted)."),
    generate: bool = typer.Option(False, "--generate-password", help="Generate a random password and print it."),
) -> None:
    """Set a new password (signs the user out everywhere and clears the sign-in throttle)."""
    secret, generated = _ask_password(password, generate)
    account = accounts.reset_password(username, secret)
    console.print(f"Password of {account.username} reset.")
    if generated:
        console.print(f"New password: [bold]{secret}[/]")


@cli.command("deactivate")
@friendly_errors
def deactivate(username: str = typer.Argument(..., help="The user.")) -> None:
    """Block a user from signing in (their sessions are kept)."""
    accounts.set_active(username, False)
    console.print(f"{username} can no longer sign in.")


@cli.command("activate")
@friendly_errors
def activate(username: str = typer.Argument(..., help="The user.")) -> None:
    """Allow a deactivated user to sign in again."""
    accounts.set_active(username, True)
    console.print(f"{username} can sign in again.")
