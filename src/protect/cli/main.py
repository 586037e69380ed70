"""The `protect` command. Each area registers its own commands; heavy imports stay inside them
so that `protect --help` starts fast."""

from __future__ import annotations

import typer

from protect.cli import core, fetch, foa, monitor, risk, service

app = typer.Typer(
    name="protect",
    help="Decision support and early warning for the protection of civilians (POC) "
    "and the responsibility to protect (R2P).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

core.register(app)
monitor.register(app)
fetch.register(app)
service.register(app)
risk.register(app)
foa.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
