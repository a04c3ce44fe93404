"""The query filters shared by `cedb query`, `cedb export table` and `cedb plot` (same flags everywhere)."""

from typing import Annotated, Optional

import typer

Practical = Annotated[Optional[bool], typer.Option("--practical/--not-practical", help="Only results at (or not at) practical conditions; unknown ones are in neither.", show_default=False)]
Profile = Annotated[str, typer.Option("--profile", help="Practical-condition profile: review, recommended or pouch-500.")]
Strict = Annotated[bool, typer.Option("--strict", help="Read the thresholds as strict inequalities (> instead of ≥).")]
MinCurrent = Annotated[Optional[float], typer.Option("--min-current", help="Override the profile's current-density threshold (mA cm⁻²).", show_default=False)]
MinCapacity = Annotated[Optional[float], typer.Option("--min-capacity", help="Override the profile's capacity threshold (mAh cm⁻²).", show_default=False)]
MinCe = Annotated[Optional[float], typer.Option("--min-ce", help="Lowest CE (%) to include.", show_default=False)]
MaxCe = Annotated[Optional[float], typer.Option("--max-ce", help="Highest CE (%) to include.", show_default=False)]
Category = Annotated[Optional[list[str]], typer.Option("--category", help="composite-anode, electrolyte, interface or other (repeatable).", show_default=False)]
Cell = Annotated[Optional[list[str]], typer.Option("--cell", help="li-cu, li-li, full or anode-free (repeatable).", show_default=False)]
Method = Annotated[Optional[list[str]], typer.Option("--method", help="CE method (repeatable).", show_default=False)]
Host = Annotated[Optional[str], typer.Option("--host", help="Host contains this text (case-insensitive).", show_default=False)]
Electrolyte = Annotated[Optional[str], typer.Option("--electrolyte", help="Electrolyte contains this text (case-insensitive).", show_default=False)]
Additive = Annotated[Optional[str], typer.Option("--additive", help="Additive text contains this (case-insensitive), or a parsed additive is this chemical.", show_default=False)]
Salt = Annotated[Optional[list[str]], typer.Option("--salt", help="Electrolyte contains this salt (any synonym, e.g. LiFSI; repeatable).", show_default=False)]
Solvent = Annotated[Optional[list[str]], typer.Option("--solvent", help="Electrolyte contains this solvent (any synonym, e.g. DME; repeatable).", show_default=False)]
Diluent = Annotated[Optional[list[str]], typer.Option("--diluent", help="Electrolyte contains this diluent (e.g. TTE; repeatable).", show_default=False)]
Paper = Annotated[Optional[str], typer.Option("--paper", help="Only this paper (citation key or DOI).", show_default=False)]
YearFrom = Annotated[Optional[int], typer.Option("--year-from", help="Published in or after this year.", show_default=False)]
YearTo = Annotated[Optional[int], typer.Option("--year-to", help="Published in or before this year.", show_default=False)]
Status = Annotated[Optional[list[str]], typer.Option("--status", help="draft, verified or rejected (repeatable).", show_default=False)]
Sort = Annotated[Optional[str], typer.Option("--sort", help="Sort by this output key (e.g. ce_percent, year); prefix - for descending.", show_default=False)]
Limit = Annotated[Optional[int], typer.Option("--limit", help="At most this many rows.", show_default=False)]


def make_filters(*, practical, profile, strict, min_current, min_capacity, min_ce, max_ce, category, cell,
                 method, host, electrolyte, additive, paper, year_from, year_to, status, sort, limit,
                 salt=None, solvent=None, diluent=None):
    from cedb.query import Filters

    descending = bool(sort and sort.startswith("-"))
    return Filters(
        practical=practical, profile=profile, strict=strict, min_current=min_current,
        min_capacity=min_capacity, min_ce=min_ce, max_ce=max_ce, category=category or [],
        cell=cell or [], method=method or [], host=host, electrolyte=electrolyte, additive=additive,
        salt=salt or [], solvent=solvent or [], diluent=diluent or [],
        paper=paper, year_from=year_from, year_to=year_to, status=status or [],
        sort=sort.lstrip("-") if sort else None, descending=descending, limit=limit,
    )
