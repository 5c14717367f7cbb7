"""gongshi: 双公示 records in Git, published as a static site.

The package is the engine (plain Python, usable without Pelican), the CLI and a thin Pelican
adapter. Pelican finds ``register`` here when ``PLUGINS = ["gongshi"]``.
"""

__version__ = "0.1.0"


def register() -> None:
    """Pelican entry point: connect the records generator (imported lazily, so the CLI stays light)."""
    from gongshi.generator import register as _register

    _register()
