"""sxmap's spatial core: boundaries, coordinate systems, districts, reading inputs, joins and queries.

Nothing here imports click or writes HTML. Heavy libraries (geopandas) are imported inside the
functions that need them, so ``import geo`` is cheap.
"""
