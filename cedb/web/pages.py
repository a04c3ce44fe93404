"""The pages as HTML text, for a server route or a static file alike.

Each function takes a session (a read-only transaction), the page's filter
parameters and the links of its medium, and returns the page; ``site`` passes
no filters (the browser applies them), the server passes the request's.
"""

from typing import Any

from cedb.web import render, views


def _form(params: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: params.get(name, []) for name in views.PARAMS}


def _rule(filters) -> str:
    from cedb.practical import rule_text

    return rule_text(filters.resolved_profile(), strict=filters.strict)


def profiles() -> dict[str, dict[str, Any]]:
    """Each profile's rule text (plain and strict) and its current/capacity thresholds."""
    from cedb.practical import PROFILES, rule_text

    return {
        name: {
            "rule": rule_text(p),
            "strict_rule": rule_text(p, strict=True),
            "thresholds": views.thresholds(views.Filters(profile=name)),
        }
        for name, p in PROFILES.items()
    }


def add_links(rows: list[dict], links) -> list[dict]:
    """Each row's result and paper links (built once per paper: 10k rows render in time)."""
    papers: dict[str, str] = {}
    for row in rows:
        row["href"] = links.result(row["id"])
        key = row["paper"]
        if key not in papers:
            papers[key] = links.paper(key)
        row["paper_href"] = papers[key]
    return rows


def results_page(session, params: dict[str, list[str]], links, *, rows=None, built=None) -> str:
    """The results table: every selected row is counted, one page of them drawn."""
    from cedb.store import query

    filters = views.to_filters(params)
    if rows is None:
        rows = query.run(session.connection(), filters, extra=True)
    page, pages = views.page_number(params, len(rows))
    shown = rows[(page - 1) * views.PAGE_SIZE : page * views.PAGE_SIZE]
    add_links(views.with_verdicts(shown, filters), links)
    qs = views.query_string(params, page=None)
    return render.page(
        "results.html",
        links=links,
        active="results",
        rows=shown,
        total=len(rows),
        page=page,
        pages=pages,
        first=(page - 1) * views.PAGE_SIZE + 1,
        params=_form(params),
        options=views.options(),
        columns=views.COLUMNS,
        rule=_rule(filters),
        qs=qs,
        form_action=links.results(),
        built=built,
    )


def figures_page(session, params: dict[str, list[str]], links, *, rows=None) -> str:
    filters = views.to_filters(params)
    config: dict[str, Any] = {
        "categories": views.categories(),
        "thresholds": {name: p["thresholds"] for name, p in profiles().items()},
    }
    if not links.static_site:
        if rows is None:
            rows = views.results(session.connection(), filters)
        config["rows"] = [views.figure_row(row, links.result(row["id"]), links.paper(row["paper"])) for row in rows]
    return render.page(
        "figures.html",
        links=links,
        active="figures",
        params=_form(params),
        options=views.options(),
        rule=_rule(filters),
        qs=views.query_string(params),
        form_action=links.figures(),
        config_json=render.script_json(config),
    )


def result_page(session, id: int, links) -> str:
    return render.page("result.html", links=links, active="", detail=views.result_detail(session, id))


def paper_page(
    session, key: str, links, params: dict[str, list[str]] | None = None, *, rows=None, bibtex_text=None
) -> str:
    filters = views.to_filters(params or {})
    detail = views.paper_detail(session, key, filters, rows=rows, bibtex_text=bibtex_text)
    return render.page("paper.html", links=links, active="", detail=detail, rule=_rule(filters))


def cite_page(links, *, built=None) -> str:
    return render.page("cite.html", links=links, active="cite", built=built)


def error_page(links, status: int, message: str) -> str:
    return render.page("error.html", links=links, active="", status=status, message=message)
