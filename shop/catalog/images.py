"""Uploaded images: validated by their content, re-encoded as WebP, stored under random names.

The protocol, in order: read at most ``max_bytes`` (more is refused); let Pillow identify and
``verify`` the bytes, then reopen them (a verified image cannot be decoded further); refuse any
format but PNG, JPEG, WebP and GIF, and any image with more than ``MAX_PIXELS`` pixels (a
decompression bomb); apply the EXIF orientation; re-encode a main image and a thumbnail in
memory. Nothing touches the disk until ``write_images``, which the caller runs once the
database change has been accepted. The uploaded filename is never used.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO, Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from shop.catalog.exceptions import ImageTooLarge, NotAnImage
from shop.catalog.models import ProductImage

ALLOWED_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: more than any camera photo, less than a bomb
MAIN_SIZE = 1600
THUMB_SIZE = 400
WEBP_QUALITY = 82

# Pillow warns above this and refuses above twice it; ``_open`` turns the warning into a refusal.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class ProcessedImage:
    """A validated image, re-encoded and ready to be written under ``path`` (and ``thumb_path``).

    Paths are relative to the upload directory; ``ProductImage`` rows store them as they are.
    """

    path: str
    thumb_path: str
    width: int
    height: int
    files: dict[str, bytes] = field(repr=False)


def read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    """Read an upload, refusing it as soon as it passes ``max_bytes``."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"That image is larger than {_megabytes(max_bytes)}; choose a smaller one."
        )
    if not data:
        raise NotAnImage("That file is empty; choose a PNG, JPEG, WebP or GIF image.")
    return data


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g} MB" if value >= 1 else f"{size // 1024} KB"


def _open(data: bytes) -> Image.Image:
    refused = NotAnImage("That file is not an image we accept; upload a PNG, JPEG, WebP or GIF.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise refused
                probe.verify()
            image = Image.open(BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise ImageTooLarge("That image has too many pixels; upload a smaller one.")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge("That image has too many pixels; upload a smaller one.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise refused from None
    return image


def _normalise(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def new_name() -> str:
    """A random sharded base name: ``ab/cd/abcd…``; 128 random bits, no part from the user."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token[2:4]}/{token}"


def process_image(
    stream: IO[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    main_size: int = MAIN_SIZE,
    thumb_size: int | None = THUMB_SIZE,
) -> ProcessedImage:
    """Validate an upload and re-encode it (main image, and a square thumbnail unless None)."""
    image = _normalise(_open(read_limited(stream, max_bytes)))
    main = image.copy()
    main.thumbnail((main_size, main_size), Image.Resampling.LANCZOS)
    base = new_name()
    path = f"{base}.webp"
    files = {path: _encode(main)}
    thumb_path = path
    if thumb_size is not None:
        thumb = ImageOps.fit(image, (thumb_size, thumb_size), Image.Resampling.LANCZOS)
        thumb_path = f"{base}-thumb.webp"
        files[thumb_path] = _encode(thumb)
    return ProcessedImage(
        path=path, thumb_path=thumb_path, width=main.width, height=main.height, files=files
    )


def process_bytes(data: bytes, **kwargs: int | None) -> ProcessedImage:
    """``process_image`` for bytes in memory (demo data, imports)."""
    return process_image(BytesIO(data), **kwargs)  # type: ignore[arg-type]


def _resolve(upload_dir: str | Path, relative: str) -> Path:
    root = Path(upload_dir).resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise ValueError(f"{relative!r} is outside the upload directory")
    return target


def write_images(images: Iterable[ProcessedImage], upload_dir: str | Path) -> list[str]:
    """Write the images' files; return the paths written (for ``remove_files`` on failure)."""
    written: list[str] = []
    try:
        for image in images:
            for relative, data in image.files.items():
                target = _resolve(upload_dir, relative)
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
                temporary.write_bytes(data)
                os.replace(temporary, target)
                written.append(relative)
    except OSError:
        remove_files(written, upload_dir)
        raise
    return written


def remove_files(paths: Iterable[str | None], upload_dir: str | Path) -> None:
    """Delete stored files (missing ones are fine: deleting twice is deleting once)."""
    for relative in paths:
        if not relative:
            continue
        try:
            _resolve(upload_dir, relative).unlink(missing_ok=True)
        except (OSError, ValueError):
            continue


# --- as rows of a product ---------------------------------------------------------------------


class ImageInput(Protocol):
    """What an image service needs of a processed image (``images.ProcessedImage`` fits)."""

    @property
    def path(self) -> str: ...
    @property
    def thumb_path(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


def image_row(image: ImageInput, position: int) -> ProductImage:
    return ProductImage(
        position=position,
        path=image.path,
        thumb_path=image.thumb_path,
        width=image.width,
        height=image.height,
    )
