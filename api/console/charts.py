"""Charts drawn as SVG on the server: no script, nothing to load, readable without colour
(every bar and point carries its value in a <title>, and each chart has a table beside it)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW_HEIGHT = 22
LABEL_WIDTH = 220
PLOT_WIDTH = 420
VALUE_WIDTH = 70
LINE_HEIGHT = 220
LINE_WIDTH = 640
MARGIN = 36


@dataclass(frozen=True)
class Bars:
    label: str
    values: Sequence[float]  # one per series


def _number(value: float, percent: bool) -> str:
    return f"{value:.0f}%" if percent else f"{value:g}"


def _legend(series: Sequence[str], y: float) -> str:
    parts = []
    for i, name in enumerate(series):
        x = LABEL_WIDTH + i * 140
        parts.append(
            f'<rect class="s{i}" x="{x}" y="{y}" width="12" height="12"/>'
            f'<text x="{x + 18}" y="{y + 11}">{escape(name)}</text>'
        )
    return "".join(parts)


def bar_chart(
    title: str, rows: Sequence[Bars], series: Sequence[str], *, percent: bool = False
) -> Markup:
    """Horizontal bars, one group per row, one bar per series (percentages on a 0-100 scale)."""
    top = max((v for row in rows for v in row.values), default=0.0)
    scale = 100.0 if percent else max(top, 1.0)
    group = ROW_HEIGHT * len(series) + 8
    height = group * len(rows) + 30
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    body = []
    for r, row in enumerate(rows):
        y0 = r * group
        body.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y0 + ROW_HEIGHT - 7}" '
            f'text-anchor="end">{escape(row.label[:32])}</text>'
        )
        for s, value in enumerate(row.values):
            y = y0 + s * ROW_HEIGHT
            length = PLOT_WIDTH * max(value, 0) / scale
            said = _number(value, percent)
            body.append(
                f'<rect class="s{s}" x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" '
                f'height="{ROW_HEIGHT - 6}"><title>{escape(row.label)}: {escape(series[s])} '
                f"{said}</title></rect>"
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + ROW_HEIGHT - 7}">{said}</text>'
            )
    body.append(_legend(series, height - 18))
    return Markup(  # noqa: S704 - every text inside is escaped above
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def line_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> Markup:
    """Lines over a shared x axis (days), each series on the same y scale from zero."""
    top = max((v for values in series.values() for v in values), default=0.0) or 1.0
    count = max(len(labels), 2)
    plot_w, plot_h = LINE_WIDTH - 2 * MARGIN, LINE_HEIGHT - 2 * MARGIN

    def x(i: int) -> float:
        return MARGIN + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return MARGIN + plot_h * (1 - v / top)

    body = [
        f'<line class="axis" x1="{MARGIN}" y1="{y(0):.1f}" x2="{LINE_WIDTH - MARGIN}" '
        f'y2="{y(0):.1f}"/>',
        f'<text x="{MARGIN - 4}" y="{y(top) + 4:.1f}" text-anchor="end">{top:g}</text>',
        f'<text x="{MARGIN - 4}" y="{y(0) + 4:.1f}" text-anchor="end">0</text>',
    ]
    if labels:
        body.append(f'<text x="{x(0)}" y="{LINE_HEIGHT - 8}">{escape(labels[0])}</text>')
        body.append(
            f'<text x="{x(len(labels) - 1)}" y="{LINE_HEIGHT - 8}" text-anchor="end">'
            f"{escape(labels[-1])}</text>"
        )
    for s, (name, values) in enumerate(series.items()):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        body.append(f'<polyline class="line s{s}" points="{points}"/>')
        body.extend(
            f'<circle class="s{s}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3">'
            f"<title>{escape(labels[i])} {escape(name)}: {v:g}</title></circle>"
            for i, v in enumerate(values)
        )
        body.append(
            f'<rect class="s{s}" x="{MARGIN + s * 140}" y="6" width="12" height="12"/>'
            f'<text x="{MARGIN + s * 140 + 18}" y="17">{escape(name)}</text>'
        )
    return Markup(  # noqa: S704 - every text inside is escaped above
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {LINE_WIDTH} '
        f'{LINE_HEIGHT}" width="{LINE_WIDTH}" height="{LINE_HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )
