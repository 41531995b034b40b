"""KPI charts as SVG, drawn by matplotlib.

Why matplotlib: it is the most widely used and actively maintained Python
plotting library, its SVG backend needs no browser or JavaScript, and the
same SVG goes inline into a page and into a WeasyPrint PDF (the evidence
pack). Text stays text (``svg.fonttype = none``), so Chinese labels use the
page's CJK font and the values are searchable in the PDF.

Its SVG carries CSS in ``style`` attributes and a ``<style>`` element, which
a strict Content Security Policy (``style-src 'self'``) blocks when the SVG
is inline. :func:`_presentable` rewrites those declarations into the
equivalent SVG presentation attributes (``fill``, ``stroke``…), which no
policy restricts, and prefixes element ids so that several charts can share
one page.
"""

from __future__ import annotations

import io
import re
import threading
import uuid
import warnings
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from functools import lru_cache

from babel.numbers import format_decimal
from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", None: "#90a4ae"}
BAND_ALPHA = 0.12
LINE = "#17233b"
FONTS = ["DejaVu Sans", "Noto Sans CJK SC", "sans-serif"]
# matplotlib keeps global state (font cache, rcParams); one chart at a time.
_lock = threading.Lock()

PRESENTATION = frozenset(
    {
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-miterlimit",
        "opacity",
        "font-size",
        "font-family",
        "font-weight",
        "font-style",
        "text-anchor",
        "clip-rule",
        "dominant-baseline",
    }
)


def _pyplot_free_figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "dealerqms",
            "font.family": "sans-serif",
            "font.sans-serif": FONTS,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return Figure(figsize=(width, height), dpi=72)


def _render(figure, title: str) -> Markup:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # Text stays text: the browser or WeasyPrint picks the CJK font, so
        # matplotlib not knowing a glyph only makes its label box estimate rough.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
            bbox_inches="tight",
            pad_inches=0.05,
        )
    return Markup(_presentable(buffer.getvalue(), title))


def _declarations(style: str) -> dict[str, str]:
    found = {}
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font":
            # matplotlib's shorthand: "<size>px '<family>', …"
            size, _, family = value.partition(" ")
            found["font-size"], found["font-family"] = size, family
        elif name:
            found[name] = value
    return found


def _presentable(svg: str, title: str) -> str:
    root = ET.fromstring(svg)
    prefix = "c" + uuid.uuid4().hex[:8] + "-"
    inherited = {}
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.split("}")[-1]
            if tag == "metadata":
                parent.remove(child)
            elif tag == "style":
                # Only the "*{…}" defaults: they become attributes of the root, inherited by everything.
                body = child.text or ""
                inherited.update(_declarations(body[body.find("{") + 1 : body.rfind("}")]))
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _declarations(style).items():
                if name in PRESENTATION:
                    element.set(name, value)
        if "id" in element.attrib:
            element.set("id", prefix + element.get("id"))
        for name, value in list(element.attrib.items()):
            if "url(#" in value:
                element.set(name, value.replace("url(#", "url(#" + prefix))
            elif name == f"{{{XLINK_NS}}}href" and value.startswith("#"):
                element.set(name, "#" + prefix + value[1:])
    for name, value in inherited.items():
        if name in PRESENTATION:
            root.set(name, value)
    root.set("role", "img")
    root.set("aria-label", title)
    heading = ET.Element(f"{{{SVG_NS}}}title")
    heading.text = title
    root.insert(0, heading)
    # Plain tag names and ``href`` (SVG 2): the markup reads the same inline in
    # HTML, where namespace prefixes mean nothing, and in WeasyPrint.
    for element in root.iter():
        element.tag = element.tag.split("}")[-1]
        if f"{{{XLINK_NS}}}href" in element.attrib:
            element.set("href", element.attrib.pop(f"{{{XLINK_NS}}}href"))
    _compact(root)
    root.set("xmlns", SVG_NS)
    return ET.tostring(root, encoding="unicode")


# Coordinates to a hundredth of a point: finer than any screen or printer shows.
_LONG_NUMBER = re.compile(r"-?\d+\.\d{3,}")
GEOMETRY = frozenset({"d", "x", "y", "width", "height", "viewBox", "transform", "points", "x1", "x2", "y1", "y2"})


def _compact(root: ET.Element) -> None:
    """Drop what draws nothing: matplotlib wraps every artist in a named group and indents the
    file, and a dashboard inlines a dozen charts (half its HTML was such markup). Left are the
    ids something refers to, the groups that carry attributes, the text's own font where it
    differs from the chart's, and coordinates to 0.01 pt."""
    referred = set()
    for element in root.iter():
        for value in element.attrib.values():
            referred.update(re.findall(r"url\(#([^)]+)\)", value))
            if value.startswith("#"):
                referred.add(value[1:])
    fonts = {element.get("font-family") for element in root.iter("text")} - {None}
    if len(fonts) == 1:
        root.set("font-family", fonts.pop())
    for element in root.iter():
        if element.get("id") is not None and element.get("id") not in referred:
            del element.attrib["id"]
        if element is not root and element.tag == "text" and element.get("font-family") == root.get("font-family"):
            del element.attrib["font-family"]
        for name in GEOMETRY & element.attrib.keys():
            value = _LONG_NUMBER.sub(lambda number: f"{float(number.group()):.2f}", element.get(name))
            element.set(name, re.sub(r"\s{2,}", " ", value).strip())
        if element.tag != "text" and element.tag != "title":
            if element.text is not None and not element.text.strip():
                element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    _unwrap_groups(root)


def _unwrap_groups(parent: ET.Element) -> None:
    children = []
    for child in parent:
        _unwrap_groups(child)
        if child.tag == "g" and not child.attrib:
            children.extend(child)
        elif (
            child.tag == "g"
            and child.keys() == ["clip-path"]
            and len(child) == 1
            and "clip-path" not in child[0].keys()
        ):
            # matplotlib clips each scatter point through a group of its own: the point can say it.
            child[0].set("clip-path", child.get("clip-path"))
            children.append(child[0])
        elif not (child.tag == "defs" and len(child) == 0):
            children.append(child)
    parent[:] = children


# More annotated points than this overlap on a 7.5-inch chart: every n-th is labelled instead.
MAX_LABELS = 12


def _axis_value(value: float, decimals: int | None = None, locale: str | None = None) -> str:
    """A value as a chart label: ``decimals`` places in ``locale``'s digits, or, without them,
    one decimal from 10 up and three significant digits below (66.7, 4.25; never 66.6667)."""
    if decimals is None:
        return f"{round(value, 1) + 0.0:g}" if abs(value) >= 10 else f"{value:.3g}"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(value, decimals) + 0.0, format=pattern, locale=locale or "en")


def _every(count: int) -> int:
    """The step between labelled points, so that at most about MAX_LABELS are labelled."""
    return max(1, -(-count // MAX_LABELS))


def trend_svg(
    *,
    title: str,
    periods: list[str],
    values: list[float],
    target: float,
    warning: float | None,
    direction: str,
    unit: str = "",
    statuses: list[str | None] | None = None,
    decimals: int | None = None,
    locale: str | None = None,
) -> Markup:
    """Values over periods with the target line and green/amber/red bands; values labelled with
    ``decimals`` places for ``locale`` (see :func:`_axis_value`).

    Cached by content: drawing takes 100 ms or more, and a metric's page and the
    dashboard show the same series on every visit until a value, a threshold
    or the title changes (any of which is a different key).
    """
    svg = _trend_svg(
        str(title),
        tuple(periods),
        tuple(values),
        target,
        warning,
        direction,
        str(unit),
        None if statuses is None else tuple(statuses),
        decimals,
        locale,
    )
    return _fresh_ids(svg)


def _fresh_ids(svg: Markup) -> Markup:
    # A copy from the cache gets its own id prefix, so that two copies in one
    # page (or pack) never share the ids their clip paths refer to.
    found = re.search(r'id="(c[0-9a-f]{8}-)', svg)
    return Markup(svg.replace(found.group(1), "c" + uuid.uuid4().hex[:8] + "-")) if found else svg


@lru_cache(maxsize=1024)
def _trend_svg(
    title: str,
    periods: tuple[str, ...],
    values: tuple[float, ...],
    target: float,
    warning: float | None,
    direction: str,
    unit: str,
    statuses: tuple[str | None, ...] | None,
    decimals: int | None = None,
    locale: str | None = None,
) -> Markup:
    with _lock:
        figure = _pyplot_free_figure(7.5, 3.0)
        axes = figure.add_subplot()
        positions = list(range(len(periods)))
        lines = [target] + ([warning] if warning is not None else [])
        low = min([*values, *lines]) if values else min(lines)
        high = max([*values, *lines]) if values else max(lines)
        margin = (high - low) * 0.15 or abs(high) * 0.1 or 1
        bottom, top = low - margin, high + margin
        good, bad = max(lines), min(lines)
        if direction == "lower":
            good, bad = bad, good
        # RAG bands: better than both lines green, between amber, worse than both red.
        if direction == "higher":
            bands = [(good, top, "green"), (bad, good, "amber"), (bottom, bad, "red")]
        else:
            bands = [(bottom, good, "green"), (good, bad, "amber"), (bad, top, "red")]
        for start, end, colour in bands:
            if end > start:
                axes.axhspan(start, end, color=COLOURS[colour], alpha=BAND_ALPHA, linewidth=0)
        axes.axhline(target, color=LINE, linestyle="--", linewidth=1.2, label="target")
        if values:
            axes.plot(positions, values, color=LINE, linewidth=1.8)
            axes.scatter(
                positions,
                values,
                s=36,
                zorder=3,
                c=[COLOURS[s] for s in (statuses or [None] * len(values))],
                edgecolors=LINE,
                linewidths=0.6,
            )
            # Many points: every n-th and always the latest carry their value (the table has them all).
            step = _every(len(values))
            for x, value in zip(positions, values, strict=True):
                if (len(values) - 1 - x) % step:
                    continue
                axes.annotate(
                    _axis_value(value, decimals, locale),
                    (x, value),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=8,
                    color=LINE,
                )
        step = _every(len(periods))
        shown = [period if (len(periods) - 1 - x) % step == 0 else "" for x, period in enumerate(periods)]
        axes.set_xticks(
            positions,
            shown,
            rotation=45 if len(periods) > 8 else 0,
            fontsize=8,
            ha="right" if len(periods) > 8 else "center",
        )
        axes.set_ylim(bottom, top)
        axes.set_xlim(-0.5, max(len(periods) - 0.5, 0.5))
        axes.tick_params(axis="y", labelsize=8)
        axes.text(
            1.0,
            target,
            f" {_axis_value(target, decimals, locale)}",
            transform=axes.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color=LINE,
        )
        if unit:
            axes.set_ylabel(unit, fontsize=8)
        return _render(figure, title)


def comparison_svg(
    *,
    title: str,
    sites: list[str],
    values: list[float | None],
    statuses: list[str | None],
    target: float | None,
    unit: str = "",
    decimals: int | None = None,
    locale: str | None = None,
    limits: tuple[float, float] | None = None,
) -> Markup:
    """One metric across sites for a period, in the order given, bars coloured by status;
    values labelled as :func:`_axis_value` writes them. No target: no line; ``limits``: the
    value axis's range (a percent: 0 to 100).

    Cached by content, as :func:`trend_svg` is: a month's comparison changes when a value or a
    threshold does, and is asked again by everyone who opens the page until then.
    """
    svg = _comparison_svg(
        str(title),
        tuple(sites),
        tuple(values),
        tuple(statuses),
        target,
        str(unit),
        decimals,
        locale,
        None if limits is None else tuple(limits),
    )
    return _fresh_ids(svg)


@lru_cache(maxsize=256)
def _comparison_svg(title, sites, values, statuses, target, unit, decimals, locale, limits) -> Markup:
    with _lock:
        figure = _pyplot_free_figure(7.5, max(1.6, 0.38 * len(sites) + 0.8))
        axes = figure.add_subplot()
        shown = [value if value is not None else 0 for value in values]
        positions = list(range(len(sites)))[::-1]
        axes.barh(positions, shown, color=[COLOURS[s] for s in statuses], height=0.6)
        if target is not None:
            axes.axvline(target, color=LINE, linestyle="--", linewidth=1.2)
        if limits is not None:
            # Room on the right for the last bar's label.
            axes.set_xlim(limits[0], limits[1] * 1.12)
        for y, value in zip(positions, values, strict=True):
            axes.text(
                value or 0,
                y,
                f" {_axis_value(value, decimals, locale)}" if value is not None else " —",
                va="center",
                fontsize=8,
                color=LINE,
            )
        axes.set_yticks(positions, sites, fontsize=8)
        axes.tick_params(axis="x", labelsize=8)
        if unit:
            axes.set_xlabel(unit, fontsize=8)
        return _render(figure, title)


# Lines told apart by colour and marker both (a printout in black and white, a colour-blind reader).
SERIES_COLOURS = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4e342e", "#37474f")
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def lines_svg(
    *,
    title: str,
    series: list[tuple[str, list[tuple[date, float]]]],
    threshold: float | None = None,
    unit: str = "",
    limits: tuple[float, float] | None = None,
) -> Markup:
    """Several named series of dated values on one time axis (e.g. each site's audit scores), each
    line's latest value labelled, with a dashed ``threshold`` line; dates written year-month-day.

    Cached by content, as :func:`trend_svg` is.
    """
    frozen = tuple((str(name), tuple((day, float(value)) for day, value in points)) for name, points in series)
    return _fresh_ids(_lines_svg(str(title), frozen, threshold, str(unit), limits))


@lru_cache(maxsize=256)
def _lines_svg(title, series, threshold, unit, limits) -> Markup:
    from matplotlib.dates import AutoDateLocator, DateFormatter

    with _lock:
        figure = _pyplot_free_figure(7.5, 3.2)
        axes = figure.add_subplot()
        days = [day for _name, points in series for day, _value in points]
        for index, (name, points) in enumerate(series):
            if not points:
                continue
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            axes.plot(
                [day for day, _value in points],
                [value for _day, value in points],
                color=colour,
                marker=SERIES_MARKERS[index % len(SERIES_MARKERS)],
                markersize=5,
                linewidth=1.6,
                label=name,
            )
            day, value = points[-1]
            axes.annotate(
                _axis_value(value),
                (day, value),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
                color=colour,
            )
        if threshold is not None:
            axes.axhline(threshold, color=LINE, linestyle="--", linewidth=1.2)
            axes.text(
                1.0,
                threshold,
                f" {_axis_value(threshold)}",
                transform=axes.get_yaxis_transform(),
                va="center",
                fontsize=8,
                color=LINE,
            )
        if days:
            first, last = min(days), max(days)
            # A single day (or one audit) still gets a readable axis around it.
            margin = max((last - first) * 0.05, timedelta(days=15))
            axes.set_xlim(first - margin, last + margin)
        locator = AutoDateLocator(maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
        axes.tick_params(axis="x", labelsize=8, rotation=30)
        axes.tick_params(axis="y", labelsize=8)
        if limits is not None:
            axes.set_ylim(limits[0], limits[1] * 1.08)
        if unit:
            axes.set_ylabel(unit, fontsize=8)
        if len(series) > 1:
            axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
        return _render(figure, title)


# A sparkline's box, in points: 1.6 × 0.45 inches and a 0.1-inch margin, as the tiles were laid out.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_MARGIN = 122.4, 39.6, 7.2


@lru_cache(maxsize=4096)
def sparkline_svg(title: str, values: tuple[float, ...], statuses: tuple[str | None, ...], target: float) -> Markup:
    """A small trend line for a KPI tile: the values, the target dotted, the latest point in its
    status's colour. Written directly (a line and a dot need no plotting library): a few hundred
    bytes where matplotlib's file took two kilobytes, and the KPI pages show dozens."""
    low, high = min(*values, target), max(*values, target)
    spread = (high - low) or abs(high) or 1.0
    low, high = low - spread * 0.05, high + spread * 0.05

    def x(index: int) -> float:
        inner = SPARK_WIDTH - 2 * SPARK_MARGIN
        return SPARK_MARGIN + (inner * index / (len(values) - 1) if len(values) > 1 else inner / 2)

    def y(value: float) -> float:
        return SPARK_MARGIN + (SPARK_HEIGHT - 2 * SPARK_MARGIN) * (high - value) / (high - low)

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    last = len(values) - 1
    return Markup(
        '<svg width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" '
        'xmlns="{ns}"><title>{title}</title>'
        '<line x1="{m}" y1="{t:.1f}" x2="{e}" y2="{t:.1f}" stroke="{ink}" stroke-width="0.8" '
        'stroke-dasharray="0.8,1.32"/>'
        '<polyline points="{line}" fill="none" stroke="{ink}" stroke-width="1.2" stroke-linejoin="round"/>'
        '<circle cx="{cx:.1f}" cy="{cy:.1f}" r="1.9" fill="{dot}"/></svg>'
    ).format(
        w=SPARK_WIDTH,
        h=SPARK_HEIGHT,
        m=SPARK_MARGIN,
        e=SPARK_WIDTH - SPARK_MARGIN,
        t=y(target),
        title=title,
        ns=SVG_NS,
        ink=LINE,
        line=line,
        cx=x(last),
        cy=y(values[last]),
        dot=COLOURS[statuses[last]],
    )


def counts_svg(*, title: str, labels: list[str], counts: list[int], statuses: list[str | None]) -> Markup:
    """How many of each kind (e.g. audit findings by grade) as horizontal bars, first label on top."""
    with _lock:
        figure = _pyplot_free_figure(7.5, max(1.6, 0.34 * len(labels) + 0.7))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, counts, color=[COLOURS[s] for s in statuses], height=0.6)
        for y, count in zip(positions, counts, strict=True):
            axes.text(count, y, f" {count}", va="center", fontsize=8, color=LINE)
        axes.set_yticks(positions, labels, fontsize=8)
        axes.set_xlim(0, max([*counts, 1]) * 1.15)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.tick_params(axis="x", labelsize=8)
        return _render(figure, title)
