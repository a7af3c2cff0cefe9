"""Rendering: interactive HTML maps (:mod:`maps.html`), static images (:mod:`maps.static`), and the
styling both share (:mod:`maps.style`). No argument parsing here; the CLI calls these functions."""
