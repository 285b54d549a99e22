"""Server-rendered SVG charts: geometry from comparisons.charts, SVG from its template includes."""

from datetime import date
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.template.loader import render_to_string

from comparisons import charts


def _svg(chart) -> str:
    """Render `chart` as the pages do."""
    return render_to_string("comparisons/_chart.html", {"chart": chart})


def test_a_scatter_plot_draws_one_linked_point_per_model_with_a_tooltip():
    svg = _svg(
        charts.scatter(
            [
                charts.Point(0.5, 0.9, "Fast <Model>", "/models/fast/"),
                charts.Point(1.5, 0.7, "Slow", "/models/slow/"),
            ],
            title="Cost against quality",
            x_label="Cost",
            y_label="Coherence",
        )
    )
    assert svg.startswith('<svg class="chart"')
    assert svg.count("<circle") == 2
    assert '<a href="/models/fast/">' in svg
    assert "Fast &lt;Model&gt;" in svg and "<Model>" not in svg  # noqa: PT018
    assert 'role="img"' in svg and "<title id=" in svg  # noqa: PT018


def test_a_chart_with_nothing_to_plot_is_empty():
    assert (
        charts.scatter([charts.Point(None, 0.5, "x")], title="t", x_label="x", y_label="y") is None
    )
    assert charts.trend([charts.Series("x", [])], title="t", y_label="y") is None


def test_coherence_axes_stop_at_one():
    svg = _svg(charts.scatter(
        [charts.Point(1, 0.99, "a"), charts.Point(2, 0.5, "b")],
        title="t", x_label="x", y_label="y", y_format=lambda v: f"{v:.2f}", y_cap=1.0,
    ))  # fmt: skip
    assert ">1.00<" in svg
    assert ">1.20<" not in svg


def test_labels_of_nearby_points_do_not_overlap():
    chart = charts.scatter(
        [charts.Point(1, 0.60, "First"), charts.Point(1.01, 0.601, "Second")],
        title="t", x_label="x", y_label="y",
    )  # fmt: skip
    label_ys = [dot.label_y for dot in chart.dots if dot.label in ("First", "Second")]
    assert abs(label_ys[0] - label_ys[1]) >= charts.LABEL_HEIGHT
    svg = _svg(chart)
    assert f'y="{label_ys[0]}">First<' in svg and f'y="{label_ys[1]}">Second<' in svg  # noqa: PT018


def test_a_trend_draws_a_line_per_model_across_days():
    svg = _svg(charts.trend(
        [charts.Series("A", [(date(2026, 1, 1), 0.8), (date(2026, 2, 1), 0.85)], "/models/a/")],
        title="Trend",
        y_label="Coherence",
    ))  # fmt: skip
    assert svg.count("<polyline") == 1
    assert "1 Jan" in svg or "31 Dec" in svg  # noqa: PT018


def test_a_trend_days_tooltips_are_escaped_like_the_rest_of_the_chart():
    # The day dots' markup is made in Python (charts._day_dots), not by the template.
    svg = _svg(charts.trend(
        [charts.Series("<b>A</b>", [(date(2026, 1, 1), 0.8), (date(2026, 2, 1), 0.85)])],
        title="Trend",
        y_label="Coherence",
    ))  # fmt: skip
    assert svg.count('<circle class="day"') == 2
    assert "&lt;b&gt;A&lt;/b&gt; on 1 Jan 2026: 0.8" in svg
    assert "<b>" not in svg


def test_a_coarsened_trend_says_how_many_days_a_point_spans():
    # `days` was shadowed by the list of day numbers: "per [739617, 739648] days".
    chart = charts.trend(
        [charts.Series("A", [(date(2026, 1, 1), 0.8), (date(2026, 2, 1), 0.85)])],
        title="Trend",
        y_label="Coherence",
        days=7,
    )
    assert chart.description == "Coherence of each model per 7 days of benchmark dates."
    assert "<title>A, 7 days from 1 Jan 2026: 0.8</title>" in _svg(chart)


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


def test_nice_ticks_cover_a_top_just_past_a_round_value():
    # 0.0870009 is a hair above 0.087: the axis must still reach past it.
    assert charts.nice_ticks(0.0845, 0.0870009)[-1] >= 0.0870009


def test_a_cost_axis_never_goes_negative():
    svg = _svg(charts.scatter(
        [charts.Point(0.0, 0.9, "free"), charts.Point(0.6, 0.8, "paid")],
        title="t", x_label="x", y_label="y", x_format=lambda v: f"${v:.2f}",
    ))  # fmt: skip
    assert "$-" not in svg
    assert ">$0.00<" in svg


def test_a_models_colour_is_a_class_that_site_css_defines():
    point = charts.Point(1, 0.9, "a", colour=charts.colour_for(9))
    svg = _svg(charts.scatter([point], title="t", x_label="x", y_label="y"))
    assert '<g class="series-1">' in svg
    assert "#" not in svg.split("</desc>")[1]  # no colour written into the SVG
    css = Path(settings.BASE_DIR, "static", "site", "site.css").read_text()
    assert ".series-1 { --series:" in css


def _rating(pk: int, rating: float, name: str):
    return SimpleNamespace(
        video_model_id=pk, rating=rating, lower=rating - 40, upper=rating + 40,
        video_model=SimpleNamespace(display_name=name),
    )  # fmt: skip


def test_the_arena_chart_leaves_a_model_without_a_cost_off_the_cost_axis():
    ratings = [_rating(1, 1100, "Priced"), _rating(2, 1000, "Unpriced"), _rating(3, 950, "Free")]

    chart = charts.rating_vs_cost(ratings, {1: 0.40, 2: None, 3: 0.0})

    assert [p["label"] for p in chart.points] == ["Priced", "Free"]
    assert chart.missing == 1
    assert chart.x_ticks[0].label == "$0"  # a cost axis never goes negative
    assert charts.rating_vs_cost(ratings[1:2], {2: None}) is None


def test_a_crowded_scatter_keeps_every_dot_and_only_labels_that_fit_near_their_point():
    # 300 models with close numbers: every label was nudged clear of every other, however far
    # from its dot (seconds of work, and labels naming the wrong dots).
    points = [
        charts.Point(0.30 + (i % 10) * 0.001, 0.80 + (i % 7) * 0.001, f"Model {i}", f"/m/{i}/")
        for i in range(300)
    ]
    chart = charts.scatter(points, title="Crowd", x_label="Cost", y_label="Coherence")
    assert len(chart.dots) == 300
    labelled = [dot for dot in chart.dots if dot.label_y is not None]
    assert 0 < len(labelled) < 300
    for dot in labelled:
        assert dot.label_y - (dot.y + 4) <= charts.MAX_LABEL_DROP + 0.1
    svg = _svg(chart)
    assert svg.count("<circle") == 300
    assert svg.count('class="point-label"') == len(labelled)


def test_placing_a_label_ends_when_float_rounding_leaves_a_nudge_where_it_was():
    # Two labels 12.99999999999997 apart (from the leaderboard at a year's data): they clash,
    # and the nudge to 254.54713804683482 + 13 lands on 267.5471380468348 again. It hung.
    frame = charts.Frame([0.0, 1.0], [0.0, 1.0])
    anchors = [(205.175, 250.54713804683482), (132.095, 263.5471380468348)]
    assert frame.place_labels(anchors, max_drop=charts.MAX_LABEL_DROP) == [254.5, None]
