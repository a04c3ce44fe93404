"""cedb serve: a read-only web view of the database (results, figures, papers)."""

from typing import Annotated

import typer

from cedb.cli import common


def serve_command(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; the default serves this machine only.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve a read-only web view: sortable, filterable results, figures, papers, downloads."""
    from cedb.web.app import listen, serve

    state = common.state(ctx)
    engine = state.engine()
    listener = listen(host, port)
    common.note(f"Serving {common.display_url(state.database_url())} read-only at http://{host}:{port}/ (Ctrl+C stops)")
    serve(engine, listener)
