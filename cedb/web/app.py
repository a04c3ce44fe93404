"""`cedb serve`: the pages over the configured database, read-only, with Starlette.

Only GET (and HEAD) routes exist; each request runs in one read-only transaction
(``session_scope(write=False)``) and reads through ``cedb.store.query``. No parameter is
SQL: the URL carries filter values, which the query binds as parameters.
"""

from cedb.web import pages, render, views

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: defence in depth beside escaping (no inline script runs, nothing loads
    from elsewhere)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(engine):
    """The ASGI application serving ``engine``'s database."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from cedb.errors import CedbError, NotFound
    from cedb.store.db import session_scope

    links = render.ServerLinks()

    def params_of(request) -> dict[str, list[str]]:
        return views.clean_params(request.query_params.multi_items())

    def page(build):
        """A route that renders ``build(session, request)``; user errors become an error page."""

        def endpoint(request):
            try:
                with session_scope(engine, write=False) as session:
                    return build(session, request)
            except NotFound as exc:
                return HTMLResponse(pages.error_page(links, 404, str(exc)), status_code=404)
            except CedbError as exc:
                return HTMLResponse(pages.error_page(links, 400, str(exc)), status_code=400)

        return endpoint

    def results(session, request):
        return HTMLResponse(pages.results_page(session, params_of(request), links))

    def figures(session, request):
        return HTMLResponse(pages.figures_page(session, params_of(request), links))

    def result(session, request):
        return HTMLResponse(pages.result_page(session, request.path_params["id"], links))

    def paper(session, request):
        return HTMLResponse(pages.paper_page(session, request.path_params["key"], links, params_of(request)))

    def cite(session, request):
        return HTMLResponse(pages.cite_page(links))

    def download(session, request):
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "json", "bib"):
            raise NotFound(f"no download results.{fmt}: choose results.csv, results.json or results.bib")
        rows = views.results(session.connection(), views.to_filters(params_of(request)))
        text, media = {
            "csv": lambda: (views.to_csv(rows), "text/csv; charset=utf-8"),
            "json": lambda: (views.to_json(rows), "application/json"),
            "bib": lambda: (views.to_bibtex(session, rows), "application/x-bibtex; charset=utf-8"),
        }[fmt]()
        return Response(
            text, media_type=media, headers={"Content-Disposition": f'attachment; filename="cedb-results.{fmt}"'}
        )

    def not_found(request, exc):
        return HTMLResponse(pages.error_page(links, 404, f"no page at {request.url.path}"), status_code=404)

    async def method_not_allowed(request, exc):
        return PlainTextResponse("This view is read-only.", status_code=405, headers={"Allow": "GET, HEAD"})

    from importlib.resources import files

    routes = [
        Route("/", page(results)),
        Route("/figures", page(figures)),
        Route("/result/{id:int}", page(result)),
        Route("/paper/{key:str}", page(paper)),
        Route("/cite", page(cite)),
        Route("/download/results.{fmt:str}", page(download)),
        Mount("/static", StaticFiles(directory=str(files("cedb.web") / "static")), name="static"),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: method_not_allowed},
        middleware=[Middleware(SecurityHeaders)],
    )


def listen(host: str, port: int):
    """A socket bound to ``host``:``port``; one that cannot be had is a user error."""
    import socket

    from cedb.errors import InvalidValue

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        raise InvalidValue(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}: choose another --port or --host"
        ) from None
    return listener


def serve(engine, listener) -> None:
    """Run the app with uvicorn on ``listener`` until interrupted."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(engine), log_level="warning"))
    with listener:
        server.run(sockets=[listener])
