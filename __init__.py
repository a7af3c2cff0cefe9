"""sxmap — maps of Shaoxing's districts, investment projects, platforms and enclaves (绍兴招商地图).

The repository's root is the ``sxmap`` import package (``pyproject.toml`` maps it): ``sxmap.geo`` is
the spatial core, ``sxmap.maps`` the rendering, ``sxmap.cli`` the command line, and the bundled data
lives in ``sxmap/data`` (read through :mod:`importlib.resources`, see :mod:`sxmap.geo.bundled`).
Nothing is imported here, so ``sxmap --help`` stays fast.
"""
