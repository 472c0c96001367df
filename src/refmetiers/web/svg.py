"""Pictures drawn on the server as SVG: readable without JavaScript, links included, nothing from another host.

Each function takes plain nodes (``Node``: a label, its language and a link) and returns SVG markup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

CHAR_WIDTH = 6.6  # average width of a 12 px sans-serif character, for laying out labels


@dataclass
class Node:
    label: str
    href: str = ""
    lang: str = ""
    children: list[Node] = field(default_factory=list)
    strong: bool = False


def _text(node: Node, x: float, y: float, page_lang: str, anchor: str = "start", css: str = "") -> str:
    lang = f' lang="{escape(node.lang)}"' if node.lang and node.lang != page_lang else ""
    cls = f' class="{css}"' if css else ""
    text = f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{lang}{cls}>{escape(node.label)}</text>'
    if node.href:
        return f'<a href="{escape(node.href)}">{text}</a>'
    return text


def _svg(width: float, height: float, title: str, body: list[str], css: str) -> Markup:
    # A picture holding links is a group (its links stay reachable by keyboard and screen readers); one without
    # links is an image.
    role = "group" if any("<a href" in part for part in body) else "img"
    return Markup(f'<svg class="{css}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
                  f'width="{width:.0f}" height="{height:.0f}" role="{role}" aria-label="{escape(title)}">'
                  f'<title>{escape(title)}</title>' + "".join(body) + "</svg>")


def tree(roots: list[Node], title: str, page_lang: str) -> Markup:
    """Families → sub-families → jobs, left to right, one row per leaf."""
    row, gap = 20.0, 14.0
    levels = [0.0, 0.0, 0.0]
    width_of = [0.0, 0.0, 0.0]

    def measure(node: Node, depth: int) -> None:
        width_of[depth] = max(width_of[depth], len(node.label) * CHAR_WIDTH)
        for child in node.children:
            measure(child, min(depth + 1, 2))

    for root in roots:
        measure(root, 0)
    levels[1] = width_of[0] + 40
    levels[2] = levels[1] + width_of[1] + 40
    body: list[str] = []
    y = row

    def place(node: Node, depth: int) -> float:
        """Draw ``node`` and its subtree from the current row; return its vertical centre."""
        nonlocal y
        x = levels[depth]
        if not node.children:
            centre = y
            y += row
        else:
            centres = []
            for child in node.children:
                child_depth = 2 if not child.children else min(depth + 1, 2)
                centres.append((place(child, child_depth), levels[child_depth]))
            centre = (centres[0][0] + centres[-1][0]) / 2
            start = x + len(node.label) * CHAR_WIDTH + 6
            for child_y, child_x in centres:
                middle = (start + child_x - 6) / 2
                body.append(f'<path d="M{start:.1f},{centre - 4:.1f} C{middle:.1f},{centre - 4:.1f} {middle:.1f},'
                            f'{child_y - 4:.1f} {child_x - 6:.1f},{child_y - 4:.1f}" class="edge"/>')
        body.append(_text(node, x, centre, page_lang, css="strong" if node.strong or depth == 0 else ""))
        return centre

    for root in roots:
        place(root, 0)
        y += gap
    return _svg(levels[2] + width_of[2] + 10, y, title, body, "picture tree")


def network(centre: Node, neighbours: list[tuple[Node, str]], title: str, page_lang: str,
            legend: tuple[str, str, str]) -> Markup:
    """``centre`` and its neighbours around it; each edge drawn ``out`` (centre → it), ``in`` or ``both``.

    Labels sit outside the circle, on the side of their node (left of the centre: right-aligned), so that
    they never run into each other.
    """
    count = max(len(neighbours), 1)
    label_room = max([len(n.label) for n, _ in neighbours] + [len(centre.label) // 2]) * CHAR_WIDTH
    radius = max(120.0, 26.0 * count / math.pi)
    width = 2 * (radius + label_room + 24)
    height = 2 * radius + 70 + 56
    cx, cy = width / 2, radius + 35
    body = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>']
    for index, (node, direction) in enumerate(neighbours):
        angle = -math.pi / 2 + 2 * math.pi * (index + 0.5) / count
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = cx + radius * cos, cy + radius * sin
        sx, sy = cx + 10 * cos, cy + 10 * sin
        ex, ey = x - 8 * cos, y - 8 * sin
        start = ' marker-start="url(#arrow)"' if direction in ("in", "both") else ""
        end = ' marker-end="url(#arrow)"' if direction in ("out", "both") else ""
        body.append(f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" class="edge {direction}"'
                    f'{start}{end}/>')
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="node"/>')
        if cos > 0.2:
            body.append(_text(node, x + 9, y + 4, page_lang, anchor="start"))
        elif cos < -0.2:
            body.append(_text(node, x - 9, y + 4, page_lang, anchor="end"))
        else:
            body.append(_text(node, x, y + (18 if sin > 0 else -10), page_lang, anchor="middle"))
    body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" class="node centre"/>')
    body.append(_text(centre, cx, cy - 12, page_lang, anchor="middle", css="strong"))
    y = height - 44
    for index, (text, css) in enumerate(zip(legend, ("out", "in", "both"), strict=True)):
        ly = y + index * 15
        start = ' marker-start="url(#arrow)"' if css in ("in", "both") else ""
        end = ' marker-end="url(#arrow)"' if css in ("out", "both") else ""
        body.append(f'<line x1="10" y1="{ly - 4:.1f}" x2="50" y2="{ly - 4:.1f}" class="edge {css}"{start}{end}/>')
        body.append(f'<text x="58" y="{ly:.1f}" class="legend">{escape(text)}</text>')
    return _svg(width, height, title, body, "picture network")


def bars(rows: list[tuple[Node, int, str]], title: str, page_lang: str, unit: str) -> Markup:
    """Horizontal bars: one per (node, value, link of the bar), longest first."""
    if not rows:
        return Markup("")
    label_room = max(len(n.label) for n, _, _ in rows) * CHAR_WIDTH + 12
    top = max(v for _, v, _ in rows) or 1
    scale, row = 220.0 / top, 24.0
    body = []
    for index, (node, value, href) in enumerate(rows):
        y = 8 + index * row
        body.append(_text(node, label_room - 8, y + 13, page_lang, anchor="end"))
        bar = (f'<rect x="{label_room:.1f}" y="{y:.1f}" width="{value * scale:.1f}" height="16" class="bar"/>'
               f'<text x="{label_room + value * scale + 6:.1f}" y="{y + 13:.1f}" class="value">{value} {escape(unit)}'
               f'</text>')
        body.append(f'<a href="{escape(href)}">{bar}</a>' if href else bar)
    return _svg(label_room + 220 + 140, 16 + len(rows) * row, title, body, "picture bars")
