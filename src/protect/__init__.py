"""protect: decision support and early warning for POC and R2P.

The Python API: `from protect import assess, Situation` (and `assess_many` for many at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Assessment", "Situation", "__version__", "assess", "assess_many"]

if TYPE_CHECKING:
    from protect.engine.assess import assess, assess_many
    from protect.engine.model import Assessment, Situation


def __getattr__(name: str) -> Any:
    # Lazy, so that `import protect` stays cheap for the CLI's cold start; resolved once, then
    # kept as a module attribute so later look-ups do not come back here.
    if name in ("assess", "assess_many"):
        from protect.engine import assess as engine

        value = getattr(engine, name)
    elif name in ("Situation", "Assessment"):
        from protect.engine import model

        value = getattr(model, name)
    else:
        raise AttributeError(f"module 'protect' has no attribute {name!r}")
    globals()[name] = value
    return value
