"""Server-rendered SVG charts."""

from datetime import date

from comparisons import charts


def test_a_scatter_plot_draws_one_linked_point_per_model_with_a_tooltip():
    svg = charts.scatter(
        [
            charts.Point(0.5, 0.9, "Fast <Model>", "/models/fast/"),
            charts.Point(1.5, 0.7, "Slow", "/models/slow/"),
        ],
        title="Cost against quality",
        x_label="Cost",
        y_label="Coherence",
    )
    assert svg.startswith('<svg class="chart"')
    assert svg.count("<circle") == 2
    assert '<a href="/models/fast/">' in svg
    assert "Fast &lt;Model&gt;" in svg and "<Model>" not in svg  # noqa: PT018
    assert 'role="img"' in svg and "<title id=" in svg  # noqa: PT018


def test_a_chart_with_nothing_to_plot_is_empty():
    assert charts.scatter([charts.Point(None, 0.5, "x")], title="t", x_label="x", y_label="y") == ""
    assert charts.trend([charts.Series("x", [])], title="t", y_label="y") == ""


def test_coherence_axes_stop_at_one():
    svg = charts.scatter(
        [charts.Point(1, 0.99, "a"), charts.Point(2, 0.5, "b")],
        title="t", x_label="x", y_label="y", y_format=lambda v: f"{v:.2f}", y_cap=1.0,
    )  # fmt: skip
    assert ">1.00<" in svg
    assert ">1.20<" not in svg


def test_labels_of_nearby_points_do_not_overlap():
    svg = charts.scatter(
        [charts.Point(1, 0.60, "First"), charts.Point(1.01, 0.601, "Second")],
        title="t", x_label="x", y_label="y",
    )  # fmt: skip
    label_ys = [
        float(chunk.split('y="')[1].split('"')[0])
        for chunk in svg.split("<text x=")[1:]
        if "First" in chunk.split("</text>")[0] or "Second" in chunk.split("</text>")[0]
    ]
    assert abs(label_ys[0] - label_ys[1]) >= charts.LABEL_HEIGHT


def test_a_trend_draws_a_line_per_model_across_days():
    svg = charts.trend(
        [charts.Series("A", [(date(2026, 1, 1), 0.8), (date(2026, 2, 1), 0.85)], "/models/a/")],
        title="Trend",
        y_label="Coherence",
    )
    assert svg.count("<polyline") == 1
    assert "1 Jan" in svg or "31 Dec" in svg  # noqa: PT018


def test_nice_ticks_of_values_a_rounding_error_apart_end():
    # Two models' mean coherence as PostgreSQL's AVG and Python's fmean give it: this looped
    # forever (a step too small to move 0.8) and ate the memory of the leaderboard's process.
    ticks = charts.nice_ticks(0.8, 0.8000000000000002)
    assert 2 <= len(ticks) <= 10
    assert ticks[0] <= 0.8 <= ticks[-1]


def test_nice_ticks_cover_the_range_with_round_steps():
    ticks = charts.nice_ticks(0.13, 0.87)
    assert ticks[0] <= 0.13 and ticks[-1] >= 0.87  # noqa: PT018
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1


def test_a_cost_axis_never_goes_negative():
    svg = charts.scatter(
        [charts.Point(0.0, 0.9, "free"), charts.Point(0.6, 0.8, "paid")],
        title="t", x_label="x", y_label="y", x_format=lambda v: f"${v:.2f}",
    )  # fmt: skip
    assert "$-" not in svg
    assert ">$0.00<" in svg
