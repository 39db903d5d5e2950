"""Charts drawn on the server as SVG: no script, no CDN, readable without styles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 640, 200, 32
COLOURS = ("#2458d6", "#c2410c", "#15803d", "#7c3aed")


def line_chart(title: str, series: Mapping[str, Mapping[date, int]]) -> SafeString:
    """Daily values of each series as lines over the same days, with axis labels."""
    days = sorted({day for values in series.values() for day in values})
    if not days:
        return mark_safe(f'<p class="muted">{escape(title)}: no activity recorded yet.</p>')
    top = max(1, *(n for values in series.values() for n in values.values()))
    span = max(1, len(days) - 1)

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * i / span

    def y(n: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * n / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#98a2b3"/>',
        f'<text x="4" y="{y(top) + 4:.1f}" font-size="11">{top}</text>',
        f'<text x="4" y="{HEIGHT - PAD + 4}" font-size="11">0</text>',
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{days[0].isoformat()}</text>',
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">'
        f"{days[-1].isoformat()}</text>",
    ]
    for (label, values), colour in zip(series.items(), COLOURS, strict=False):
        points = " ".join(f"{x(i):.1f},{y(values.get(day, 0)):.1f}" for i, day in enumerate(days))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
            f"<title>{escape(label)}</title></polyline>"
        )
    legend = " ".join(
        f'<span style="color:{colour}">■ {escape(label)}</span>'
        for label, colour in zip(series, COLOURS, strict=False)
    )
    return mark_safe("".join(parts) + f'</svg><p class="legend">{legend}</p>')


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, its size (None: nothing to draw, `text` says why),
    the text at its end, and whether it stands out (the cheapest option, say)."""

    label: str
    value: float | None
    text: str
    highlighted: bool = False


BAR_HEIGHT, BAR_GAP, BAR_LABEL = 20, 8, 200
BAR_COLOUR, BAR_HIGHLIGHT, MUTED = "#2458d6", "#15803d", "#667085"


def horizontal_bars(
    title: str, bars: Sequence[Bar], *, empty: str = "nothing to show"
) -> SafeString:
    """One bar per row, drawn to scale from zero, with its text at its end."""
    if not bars:
        return mark_safe(f'<p class="muted">{escape(title)}: {escape(empty)}.</p>')
    top = max([b.value for b in bars if b.value is not None] + [1.0])
    span = WIDTH - BAR_LABEL - 2 * BAR_GAP - 120
    height = BAR_GAP + len(bars) * (BAR_HEIGHT + BAR_GAP)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for n, bar in enumerate(bars):
        y = BAR_GAP + n * (BAR_HEIGHT + BAR_GAP)
        text_y = y + BAR_HEIGHT - 5
        value = "" if bar.value is None else f"{bar.value:g}"
        parts.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{value}">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title>"
            f'<text x="{BAR_LABEL - 6}" y="{text_y}" font-size="12" text-anchor="end">'
            f"{escape(bar.label)}</text>"
        )
        if bar.value is None:
            parts.append(
                f'<text x="{BAR_LABEL}" y="{text_y}" font-size="12" fill="{MUTED}">'
                f"{escape(bar.text)}</text></g>"
            )
            continue
        length = span * max(bar.value, 0) / top
        colour = BAR_HIGHLIGHT if bar.highlighted else BAR_COLOUR
        parts.append(
            f'<rect x="{BAR_LABEL}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"/>'
            f'<text x="{BAR_LABEL + length + 6:.1f}" y="{text_y}" font-size="12">'
            f"{escape(bar.text)}</text></g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
