"""A fishbone (Ishikawa) diagram as SVG, drawn on the server.

Plain SVG with presentation attributes and no styles or scripts, so it passes
the page's Content Security Policy and prints in the evidence pack as it shows.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 960, 420
SPINE_Y = HEIGHT // 2
HEAD_X = WIDTH - 170
TOP = ("man", "machine", "method")
BOTTOM = ("material", "measurement", "environment")
MAX_CAUSES_SHOWN = 4


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fishbone_svg(root_cause: dict | None, labels: dict, effect: str = "") -> Markup | None:
    if not root_cause or root_cause.get("method") != "fishbone":
        return None
    causes = root_cause["causes"]
    parts = [
        Markup('<line x1="20" y1="{y}" x2="{x}" y2="{y}" stroke="#17233b" stroke-width="3"/>').format(
            y=SPINE_Y, x=HEAD_X
        )
    ]
    parts.append(
        Markup(
            '<rect x="{x}" y="{y}" width="150" height="60" rx="6" fill="#17233b"/>'
            '<text x="{tx}" y="{ty}" fill="#ffffff" font-size="14" text-anchor="middle">{label}</text>'
        ).format(x=HEAD_X, y=SPINE_Y - 30, tx=HEAD_X + 75, ty=SPINE_Y + 5, label=_short(effect or "", 18))
    )
    step = (HEAD_X - 60) // 3
    for categories, direction in ((TOP, -1), (BOTTOM, 1)):
        for index, category in enumerate(categories):
            x_end = 80 + step * (index + 1)
            x_start = x_end - 110
            y_end = SPINE_Y + direction * 170
            parts.append(
                Markup('<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#4a5a78" stroke-width="2"/>').format(
                    x1=x_start, y1=y_end, x2=x_end, y2=SPINE_Y
                )
            )
            label_y = y_end - 8 if direction < 0 else y_end + 18
            parts.append(
                Markup('<text x="{x}" y="{y}" font-size="14" font-weight="bold" fill="#17233b">{t}</text>').format(
                    x=x_start - 10, y=label_y, t=labels.get(category, category)
                )
            )
            for number, cause in enumerate(causes.get(category, [])[:MAX_CAUSES_SHOWN]):
                fraction = (number + 1) / (MAX_CAUSES_SHOWN + 1)
                cx = x_start + (x_end - x_start) * fraction
                cy = y_end + (SPINE_Y - y_end) * fraction
                parts.append(
                    Markup('<text x="{x}" y="{y}" font-size="12" fill="#333333">{t}</text>').format(
                        x=int(cx) + 6, y=int(cy) + 4, t=_short(cause)
                    )
                )
            hidden = len(causes.get(category, [])) - MAX_CAUSES_SHOWN
            if hidden > 0:
                parts.append(
                    Markup('<text x="{x}" y="{y}" font-size="12" fill="#666666">+{n}</text>').format(
                        x=x_end + 6, y=SPINE_Y + direction * 16, n=hidden
                    )
                )
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" class="fishbone" '
        'aria-label="{label}">{body}</svg>'
    ).format(w=WIDTH, h=HEIGHT, label=escape("Fishbone diagram"), body=Markup("").join(parts))
