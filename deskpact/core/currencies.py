"""ISO 4217 currencies in circulation and their minor units (digits after the point)."""

from __future__ import annotations

# Three decimals: the dinars and rials that ISO 4217 lists with 1/1000 units.
_THREE = "BHD IQD JOD KWD LYD OMR TND"
# No decimals: currencies whose smallest unit is the whole unit.
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
# Two decimals: everything else in circulation.
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES "
    "WST XCD YER ZAR ZMW ZWG"
)

MINOR_UNITS: dict[str, int] = {
    **{code: 2 for code in _TWO.split()},
    **{code: 0 for code in _ZERO.split()},
    **{code: 3 for code in _THREE.split()},
}

CURRENCY_CHOICES = [(code, code) for code in sorted(MINOR_UNITS)]


class UnknownCurrency(ValueError):
    pass


def minor_units(code: str) -> int:
    """Digits after the point for `code` (JPY 0, EUR 2, KWD 3)."""
    try:
        return MINOR_UNITS[code]
    except KeyError:
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code") from None


def is_currency(code: str) -> bool:
    return code in MINOR_UNITS
