"""The one Jinja2 environment (autoescaping every template) and the links of each medium.

The server and the static site render the same templates; only the links differ:
``ServerLinks`` point at routes, ``SiteLinks`` at files relative to the page.
"""

import json
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from cedb import __version__


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from cedb.web import views

    env = Environment(
        loader=PackageLoader("cedb.web", "templates"),
        autoescape=True,  # every text is escaped; templates never mark data as safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = views.number
    env.globals.update(
        version=__version__, citation=views.CITATION, doi_url=views.doi_url, query_string=views.query_string
    )
    return env


def page(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element or a .js file (no '</script>', no '<!--')."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def paper_file(key: str) -> str:
    """A paper page's file name: the curation file's safe name, ending in .html."""
    from cedb.curation import file_name

    return file_name(key).removesuffix(".yaml") + ".html"


class ServerLinks:
    static_site = False

    def __init__(self, root: str = "/"):
        self.root = root

    def results(self, qs: str = "") -> str:
        return self.root + qs

    def figures(self, qs: str = "") -> str:
        return self.root + "figures" + qs

    def result(self, id: int) -> str:
        return f"{self.root}result/{int(id)}"

    def paper(self, key: str) -> str:
        return self.root + "paper/" + quote(key, safe="")

    def static(self, name: str) -> str:
        return self.root + "static/" + name

    def download(self, fmt: str, qs: str = "") -> str:
        return self.root + "download/results." + fmt + qs

    def cite(self) -> str:
        return self.root + "cite"


class SiteLinks(ServerLinks):
    """Links between static files; ``depth`` is how many folders below the site root a page is."""

    static_site = True

    def __init__(self, depth: int = 0):
        super().__init__("../" * depth)

    def results(self, qs: str = "") -> str:
        return self.root + "index.html" + qs

    def figures(self, qs: str = "") -> str:
        return self.root + "figures.html" + qs

    def result(self, id: int) -> str:
        return f"{self.root}result/{int(id)}.html"

    def paper(self, key: str) -> str:
        return self.root + "paper/" + quote(paper_file(key))

    def download(self, fmt: str, qs: str = "") -> str:
        return self.root + "download/results." + fmt  # the whole dataset; JS builds selections

    def cite(self) -> str:
        return self.root + "cite.html"
