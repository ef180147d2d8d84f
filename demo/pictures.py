"""Drawing helpers for demo pictures (products, avatars): colours, initials, PNG bytes."""

from __future__ import annotations

import colorsys
import hashlib
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]


def palette(seed: str, *, light: float, dark: float, saturation: float) -> tuple[RGB, RGB]:
    """A light and a dark colour of one hue chosen by ``seed`` (the same seed, the same hue)."""
    hue = int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) / 0xFFFF

    def rgb(lightness: float) -> RGB:
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        return int(r * 255), int(g * 255), int(b * 255)

    return rgb(light), rgb(dark)


def initials_of(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def draw_centred_text(
    draw: ImageDraw.ImageDraw, size: int, text: str, font_size: int, fill: RGB
) -> None:
    font = ImageFont.load_default(size=font_size)
    box = draw.textbbox((0, 0), text, font=font)
    position = ((size - (box[2] - box[0])) / 2 - box[0], (size - (box[3] - box[1])) / 2 - box[1])
    draw.text(position, text, font=font, fill=fill)


def png_bytes(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
