"""The monthly chart now lives in `protect.service.charts` (the briefing PDF draws it too)."""

from protect.service.charts import (
    LEVEL_COLOURS,
    SERIES,
    ChartMonth,
    monthly_deaths_svg,
    nice_ceiling,
)

__all__ = ["LEVEL_COLOURS", "SERIES", "ChartMonth", "monthly_deaths_svg", "nice_ceiling"]
