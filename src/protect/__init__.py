"""protect: decision support and early warning for POC and R2P.

The Python API: `from protect import assess, Situation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Assessment", "Situation", "__version__", "assess"]

if TYPE_CHECKING:
    from protect.engine.assess import assess
    from protect.engine.model import Assessment, Situation


def __getattr__(name: str) -> Any:
    # Lazy, so that `import protect` stays cheap for the CLI's cold start.
    if name == "assess":
        from protect.engine.assess import assess

        return assess
    if name in ("Situation", "Assessment"):
        from protect.engine import model

        return getattr(model, name)
    raise AttributeError(f"module 'protect' has no attribute {name!r}")
