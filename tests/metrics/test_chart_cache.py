"""The trend chart is drawn once per content: the metric page and the dashboard redraw nothing unchanged."""

import re

from core import charts


def chart(values, title="First-time fix · MAIN"):
    return charts.trend_svg(
        title=title,
        periods=["2026-01", "2026-02", "2026-03"],
        values=values,
        target=85,
        warning=80,
        direction="higher",
        unit="%",
        statuses=["green", "amber", "red"],
    )


def test_the_same_series_is_drawn_once_and_each_copy_has_its_own_ids(monkeypatch):
    drawn = []
    draw = charts._pyplot_free_figure
    monkeypatch.setattr(charts, "_pyplot_free_figure", lambda *a: drawn.append(a) or draw(*a))
    values = [91.5, 83.25, 77.125]  # values no other test draws, so that the cache starts cold
    first, second = chart(values), chart(list(values))
    assert len(drawn) == 1
    ids = [set(re.findall(r'id="(c[0-9a-f]{8})-', str(svg))) for svg in (first, second)]
    assert len(ids[0]) == 1 and len(ids[1]) == 1 and ids[0] != ids[1]
    # Apart from the id prefix the copies are the same picture.
    assert re.sub(r"c[0-9a-f]{8}-", "", str(first)) == re.sub(r"c[0-9a-f]{8}-", "", str(second))


def test_a_changed_value_or_title_is_drawn_anew(monkeypatch):
    drawn = []
    draw = charts._pyplot_free_figure
    monkeypatch.setattr(charts, "_pyplot_free_figure", lambda *a: drawn.append(a) or draw(*a))
    chart([92.5, 84.25, 78.125])
    changed = chart([92.5, 84.25, 78.5])
    retitled = chart([92.5, 84.25, 78.125], title="First-time fix · NORTH")
    assert len(drawn) == 3
    assert ">78.5<" in str(changed) and "NORTH" in str(retitled)
