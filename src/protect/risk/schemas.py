"""The forecast as other layers see it: plain pydantic models, importable without pandas so
that serving a stored forecast stays fast."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Driver(BaseModel):
    """What one measure does to a country's risk against the year's median country."""

    feature: str = Field(description="driver key: a feature, or a group of features summed")
    label: str
    source: str
    features: list[str] = Field(description="the model features summed into this driver")
    value: float | None = Field(description="the headline feature as the model sees it")
    value_text: str = Field(description="the value in its own unit")
    points: float = Field(
        description="percentage points of risk due to this driver against the year's median "
        "country (positive raises the risk)"
    )
    log_odds: float = Field(description="the same difference in log-odds")
    text: str = Field(description="the driver as one plain sentence")


class ForecastRow(BaseModel):
    rank: int
    country: str = Field(description="ISO 3166-1 alpha-3 code")
    name: str
    year: int = Field(description="forecast year")
    data_year: int = Field(
        description="year of the features: year - 1, or year - 2 for the year after the data"
    )
    risk: float = Field(
        description="probability of a mass-killing onset in data_year + 1 or data_year + 2"
    )
    previous_risk: float | None = Field(
        description="the same model's risk from the data of data_year - 1"
    )
    change: float | None
    onset: int | None = Field(description="observed onset in the forecast year, when known")
    model: str
    drivers: list[Driver]
