"""Layout checks for the browser tests: screenshots at three sizes, no sideways overflow, nothing clipped.

``check_layout`` screenshots the page as test-output/screenshots/polish-<page>-<width>.png and
returns what it measured; the assertions are the callers', so a failure names the page and size.
"""

from __future__ import annotations

import re

from tests.live import ROOT

SCREENSHOTS = ROOT / "test-output" / "screenshots"
VIEWPORTS = ({"width": 1280, "height": 800}, {"width": 1024, "height": 768}, {"width": 390, "height": 844})

# Every visible element of ``selector``: where it is, and which box cuts it off (if any).
# A box cuts off when its overflow is not visible; the container is the nearest card-like box.
_MEASURE = """([selector, containers]) => {
    const width = window.innerWidth;
    const found = [];
    for (const element of document.querySelectorAll(selector)) {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        if (!box.width || !box.height || style.visibility === "hidden") continue;
        const problems = [];
        if (box.left < -0.5 || box.right > width + 0.5) problems.push("outside the viewport");
        for (let up = element.parentElement; up && up !== document.documentElement; up = up.parentElement) {
            const s = getComputedStyle(up);
            if (s.overflowX === "visible" && s.overflowY === "visible") continue;
            const edge = up.getBoundingClientRect();
            if (box.left < edge.left - 0.5 || box.right > edge.right + 0.5) {
                problems.push("clipped by " + up.tagName.toLowerCase() + "." + up.className);
            }
        }
        const container = element.closest(containers);
        if (container && container !== element) {
            const edge = container.getBoundingClientRect();
            if (box.left < edge.left - 0.5 || box.right > edge.right + 0.5) {
                problems.push("outside its " + container.tagName.toLowerCase() + "." + container.className);
            }
        }
        found.push({text: (element.innerText || element.value || "").trim().slice(0, 40), problems});
    }
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: width,
        buttons: found,
    };
}"""

# Elements that reach past the right edge of their own box (text or a child wider than the box).
_OVERFLOWING = """(selector) => [...document.querySelectorAll(selector)]
    .filter(e => e.getBoundingClientRect().width && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.className + ": " + (e.innerText || "").trim().slice(0, 40))"""

# Descendants of ``selector`` that stick out of its right or left edge.
_STICKING_OUT = """(selector) => {
    const out = [];
    for (const box of document.querySelectorAll(selector)) {
        const edge = box.getBoundingClientRect();
        if (!edge.width) continue;
        for (const child of box.querySelectorAll("*")) {
            // Screen-reader-only text is clipped to a pixel on purpose; hidden elements take no room.
            if (child.closest(".visually-hidden, .sr-only") || !child.checkVisibility()) continue;
            const head = child.closest("thead");
            if (head && getComputedStyle(head).position === "absolute") continue;
            const r = child.getBoundingClientRect();
            if (r.width && (r.right > edge.right + 0.5 || r.left < edge.left - 0.5)) {
                const text = (child.innerText || "").slice(0, 40);
                out.push(child.tagName.toLowerCase() + "." + child.className + ": " + text);
            }
        }
    }
    return out;
}"""


def shot_name(page_name: str, width: int) -> str:
    return f"polish-{page_name}-{width}.png"


def check_layout(
    page, page_name: str, buttons: str, containers: str = ".card", full_page: bool = True
) -> dict:
    """Screenshot the page and measure it; asserts no sideways overflow and no clipped primary button.

    ``full_page=False`` shoots what the screen shows without scrolling (sticky bars where they stick).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / shot_name(page_name, width)), full_page=full_page)
    measured = page.evaluate(_MEASURE, [buttons, containers])
    where = f"{page_name} at {width}px"
    assert measured["scrollWidth"] <= measured["innerWidth"], (
        f"{where}: the page scrolls sideways ({measured})"
    )
    clipped = [b for b in measured["buttons"] if b["problems"]]
    assert not clipped, f"{where}: primary buttons cut off: {clipped}"
    return measured


def overflowing(page, selector: str) -> list[str]:
    return page.evaluate(_OVERFLOWING, selector)


def sticking_out(page, selector: str) -> list[str]:
    return page.evaluate(_STICKING_OUT, selector)


def rgb(value: str) -> tuple[float, ...]:
    """``rgb(1, 2, 3)`` or ``rgba(1, 2, 3, 0.5)`` -> the numbers."""
    return tuple(float(n) for n in re.findall(r"[\d.]+", value))


def _luminance(color: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two opaque CSS colours."""
    a, b = sorted((_luminance(rgb(first)), _luminance(rgb(second))), reverse=True)
    return (a + 0.05) / (b + 0.05)
