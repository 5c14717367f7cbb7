"""gongshi: 双公示 records in Git, published as a static site.

The package is the engine (plain Python, usable without Pelican), the CLI and a thin Pelican
adapter. Pelican finds ``register`` here when ``PLUGINS = ["gongshi"]``.
"""

__version__ = "0.1.0"


def register() -> None:
    """Pelican entry point: connect the records generator."""
    # lazy: the generator loads Pelican (~0.45 s); the CLI imports this package for every command
    from gongshi.generator import register as _register

    _register()
