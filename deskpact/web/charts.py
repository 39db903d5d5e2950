"""Charts drawn on the server as SVG: no script, no CDN, readable without styles."""

from __future__ import annotations

from collections.abc import Mapping
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
