"""Text mining of Li metal CE results: sentences -> candidate results with conditions.

``extract_text`` / ``extract_file`` propose candidates, each with a confidence and
the reason for it; ``compare`` checks them against rows already in the database.
The rules (what counts as a result, how conditions are assigned) are described in
``cedb.extract.rules``; offsets and qualifiers in ``cedb.extract.api``.
"""

from cedb.extract.api import SUFFIX_KINDS, Candidate, extract_file, extract_text, read_bounded, read_source
from cedb.extract.compare import CE_TOLERANCE_PERCENT, Comparison, compare, same_conditions

__all__ = [
    "CE_TOLERANCE_PERCENT",
    "SUFFIX_KINDS",
    "Candidate",
    "Comparison",
    "compare",
    "extract_file",
    "extract_text",
    "read_bounded",
    "read_source",
    "same_conditions",
]
