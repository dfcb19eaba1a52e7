"""Colour arithmetic for telling whether text can be seen against what is behind it."""

from __future__ import annotations

RGB = tuple[float, float, float]

BLACK: RGB = (0.0, 0.0, 0.0)
WHITE: RGB = (1.0, 1.0, 1.0)

# Word's highlight colours (w:highlight w:val).
HIGHLIGHTS: dict[str, RGB] = {
    "black": (0.0, 0.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "cyan": (0.0, 1.0, 1.0),
    "green": (0.0, 1.0, 0.0),
    "magenta": (1.0, 0.0, 1.0),
    "red": (1.0, 0.0, 0.0),
    "yellow": (1.0, 1.0, 0.0),
    "white": (1.0, 1.0, 1.0),
    "darkBlue": (0.0, 0.0, 0.5),
    "darkCyan": (0.0, 0.5, 0.5),
    "darkGreen": (0.0, 0.5, 0.0),
    "darkMagenta": (0.5, 0.0, 0.5),
    "darkRed": (0.5, 0.0, 0.0),
    "darkYellow": (0.5, 0.5, 0.0),
    "darkGray": (0.5, 0.5, 0.5),
    "lightGray": (0.75, 0.75, 0.75),
}


def from_hex(value: str | None) -> RGB | None:
    """``"1F1F1F"`` as RGB; None for ``auto``, empty or malformed values."""
    if not value or len(value) != 6:
        return None
    try:
        number = int(value, 16)
    except ValueError:
        return None
    return ((number >> 16) / 255, ((number >> 8) & 0xFF) / 255, (number & 0xFF) / 255)


def from_components(value: object) -> RGB | None:
    """A PDF colour (gray, RGB or CMYK components) as RGB; None for patterns and the unknown."""
    if isinstance(value, (int, float)):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, (int, float)) for v in value):
        return None
    parts = [min(1.0, max(0.0, float(v))) for v in value]
    if len(parts) == 1:
        return (parts[0], parts[0], parts[0])
    if len(parts) == 3:
        return (parts[0], parts[1], parts[2])
    if len(parts) == 4:
        c, m, y, k = parts
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def luminance(colour: RGB) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(first: RGB, second: RGB) -> float:
    """WCAG contrast ratio, 1 (identical) to 21 (black on white)."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def is_dark(colour: RGB) -> bool:
    return luminance(colour) < 0.1
