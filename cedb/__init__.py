"""cedb: a curated database of lithium metal anode coulombic efficiency (CE)."""

__version__ = "0.1.0"
