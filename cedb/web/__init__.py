"""The living review: a read-only web view (`cedb serve`) and a static site (`cedb site build`).

``views`` turns URL parameters into query filters and query rows into what the pages show;
``render`` holds the one Jinja2 environment; ``app`` serves the pages with Starlette;
``site`` writes the same pages as static files. Nothing here writes to the database.
"""
