"""The rating palette, and how far apart its colours stay for readers with colour-vision deficiency.

Four ratings in a blue–orange scheme (Outstanding dark blue, Good light blue, Requires improvement
light orange, Inadequate dark orange-brown): blue and orange stay apart under deuteranopia and
protanopia, and dark and light stay apart for everyone. Red–green pairs are avoided. Control limits
and reference lines are neutral greys; no other chart element uses a rating's colour.

``simulate`` applies the Machado, Oliveira and Fernandes (2009) matrices (severity 1.0) in linear
RGB; ``distance`` is the CIE76 ΔE between two colours in CIELAB (D65). Pure Python and numpy.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

RATING_COLOURS = {"Outstanding": "#08519c", "Good": "#6baed6", "Requires improvement": "#fdae6b", "Inadequate": "#a63603"}
RATING_TEXT = {"Outstanding": "#ffffff", "Good": "#000000", "Requires improvement": "#000000", "Inadequate": "#ffffff"}
NEUTRALS = {"limit": "#7f7f7f", "reference": "#000000", "within": "#636363"}

SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]),
}


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])


def _linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]])
    xyz = m @ np.clip(linear_rgb, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulate(hex_colour: str, deficiency: str) -> np.ndarray:
    """The colour as seen with ``deficiency`` ('normal', 'protanopia', 'deuteranopia'), in CIELAB."""
    return _lab(SIMULATIONS[deficiency] @ _linear(_rgb(hex_colour)))


def distance(a: str, b: str, deficiency: str = "normal") -> float:
    """CIE76 ΔE between two colours as seen with ``deficiency``."""
    return float(np.linalg.norm(simulate(a, deficiency) - simulate(b, deficiency)))


def smallest_distance(colours: dict[str, str] = RATING_COLOURS) -> dict[str, tuple[float, str, str]]:
    """Per deficiency: the smallest ΔE between any two of the colours, and which two."""
    out = {}
    for deficiency in SIMULATIONS:
        out[deficiency] = min((distance(colours[a], colours[b], deficiency), a, b) for a, b in combinations(colours, 2))
    return out


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two colours."""
    def lum(c):
        return float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(_rgb(c)))
    hi, lo = sorted((lum(foreground), lum(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
