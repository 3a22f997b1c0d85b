"""The outcomes page's pictures: a line that may go below zero (NPS runs from -100 to 100) and
the heat classes of the retention table (classes, not inline styles: the console's CSP allows
no style attribute)."""

from collections.abc import Sequence

from markupsafe import Markup, escape

from api.console.charts import LINE_HEIGHT, LINE_WIDTH, MARGIN


def heat_class(share: float | None) -> str:
    """`heat-0` .. `heat-10` by tens of percent; `heat-none` for a figure not told yet."""
    return "heat-none" if share is None else f"heat-{min(10, max(0, int(share // 10)))}"


def signed_line_chart(
    title: str, labels: Sequence[str], values: Sequence[float | None], *, low: float, high: float
) -> Markup:
    """One series on a fixed scale from `low` to `high` with a line at zero; a missing value
    leaves a gap (the points either side are not joined)."""
    count = max(len(labels), 2)
    plot_w, plot_h = LINE_WIDTH - 2 * MARGIN, LINE_HEIGHT - 2 * MARGIN

    def x(i: int) -> float:
        return MARGIN + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return MARGIN + plot_h * (high - v) / (high - low)

    body = [
        f'<line class="axis" x1="{MARGIN}" y1="{y(0):.1f}" x2="{LINE_WIDTH - MARGIN}" '
        f'y2="{y(0):.1f}"/>',
        *(
            f'<text x="{MARGIN - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>'
            for v in (high, 0, low)
        ),
    ]
    if labels:
        body.append(f'<text x="{x(0)}" y="{LINE_HEIGHT - 8}">{escape(labels[0])}</text>')
        body.append(
            f'<text x="{x(len(labels) - 1)}" y="{LINE_HEIGHT - 8}" text-anchor="end">'
            f"{escape(labels[-1])}</text>"
        )
    run: list[str] = []
    for i, value in enumerate([*values, None]):
        if value is None:
            if len(run) > 1:
                body.append(f'<polyline class="line s0" points="{" ".join(run)}"/>')
            run = []
            continue
        run.append(f"{x(i):.1f},{y(value):.1f}")
        body.append(
            f'<circle class="s0" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3">'
            f"<title>{escape(labels[i])}: {value:g}</title></circle>"
        )
    return Markup(  # noqa: S704 - every text inside is escaped above
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {LINE_WIDTH} '
        f'{LINE_HEIGHT}" width="{LINE_WIDTH}" height="{LINE_HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )
