"""Moved: the monitor's resource functions live in `service.monitor`, the forecast in
`service.risk`. Kept only so branches written before the split still import; remove once they
are merged (import from the new homes)."""

from protect.service.monitor import (
    DEFAULT_WINDOW,
    CountryMonths,
    DataUnavailableError,
    MonthAlerts,
    alerts_for,
    call,
    check_month,
    monitor_for,
)
from protect.service.risk import forecast, latest_forecast_year

__all__ = [
    "DEFAULT_WINDOW",
    "CountryMonths",
    "DataUnavailableError",
    "MonthAlerts",
    "alerts_for",
    "call",
    "check_month",
    "forecast",
    "latest_forecast_year",
    "monitor_for",
]
