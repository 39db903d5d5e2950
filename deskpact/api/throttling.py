"""Request rates for the API, read from settings when a request arrives."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedSettingsRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, but with the rates of the settings in force now.

    DRF copies DEFAULT_THROTTLE_RATES into a class attribute at import, so overriding
    the setting later (as the tests do, to switch the limit off) would be ignored.
    """

    def get_rate(self) -> str | None:
        rates: Any = api_settings.DEFAULT_THROTTLE_RATES  # the stubs' value type is off
        self.THROTTLE_RATES = dict(rates or {})
        return super().get_rate()
