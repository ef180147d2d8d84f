"""Creators' videos: post (an uploaded file or an external link), edit, remove, list.

An upload is judged by its bytes, never its name or declared type: an mp4 has ``ftyp`` at bytes
4–8, a webm starts with the EBML magic and names its doctype ``webm`` in its first 4 KB. It is
streamed to disk in chunks (never held whole in memory) under a random name, through a
temporary file renamed into place once it is complete and valid; a file over the size limit is
refused as soon as it passes the limit and its partial copy removed.

The poster is the creator's image (validated and re-encoded by the shop's image helpers) or,
failing that, a copy of the first product's cover thumbnail, so every poster belongs to its
video and goes with it. Files are written before the caller commits: ``create_video`` removes
what it wrote if it fails, and a caller whose commit fails calls ``delete_files(files_of(v))``.
Removing a video marks it removed (its page and file answer 404) and returns its files for the
caller to delete once the change has committed.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from affiliate.creators.content.exceptions import InvalidUpload, InvalidVideo, TooLarge
from affiliate.creators.content.models import CONTENT, Content, ContentKind, ContentStatus
from affiliate.creators.content.services import clean_product_ids, own_content, set_products
from core.extensions import db
from shop.catalog import images
from shop.catalog.exceptions import ImageError
from shop.catalog.models import Product

VIDEO_DIR = "videos"
CAPTION_MAX = 150
EXTERNAL_URL_MAX = 500
CHUNK_BYTES = 256 * 1024
SNIFF_BYTES = 4096
POSTER_SIZE = 720
MIME_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


# ---------------------------------------------------------------------------- input


def clean_caption(caption: str | None) -> str:
    text = " ".join((caption or "").split())
    if not text:
        raise InvalidVideo("Write a caption.", field="caption")
    if len(text) > CAPTION_MAX:
        raise InvalidVideo(f"Keep the caption to {CAPTION_MAX} characters.", field="caption")
    return text


def clean_external_url(url: str) -> str:
    """An http(s) URL with a host, at most ``EXTERNAL_URL_MAX`` characters."""
    url = url.strip()
    refused = InvalidVideo(
        "Give the full address of the video, starting with https://.", field="external_url"
    )
    if len(url) > EXTERNAL_URL_MAX:
        raise InvalidVideo(
            f"That address is longer than {EXTERNAL_URL_MAX} characters.", field="external_url"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise refused
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise refused from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise refused
    return url


def sniff_video(head: bytes) -> str | None:
    """``mp4`` or ``webm`` from a file's first bytes, else None."""
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(EBML_MAGIC) and b"webm" in head[:SNIFF_BYTES]:
        return "webm"
    return None


def external_host(url: str | None) -> str:
    """The host of an external video's URL, for "Watch on <host>"."""
    if not url:
        return ""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


# ---------------------------------------------------------------------------- files


@dataclass(frozen=True)
class StoredVideo:
    path: str  # relative to the upload directory
    mime: str
    size: int


def size_label(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g} MB" if value >= 1 else f"{max(size // 1024, 1)} KB"


def store_upload(stream: IO[bytes], upload_dir: str | Path, max_bytes: int) -> StoredVideo:
    """Stream an upload to ``videos/<random>.<ext>``; refuse a non-video or an oversized one.

    Chunks go to a hidden temporary file beside the target; only a complete, valid file is
    renamed into place. Whatever goes wrong, the temporary file is removed.
    """
    folder = Path(upload_dir) / VIDEO_DIR
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    temporary = folder / f".{token}.part"
    size = 0
    head = b""
    try:
        with open(temporary, "wb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"That video is larger than {size_label(max_bytes)}; "
                        "upload a shorter or smaller one."
                    )
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                out.write(chunk)
        if size == 0:
            raise InvalidUpload("That file is empty; choose an mp4 or webm video.")
        kind = sniff_video(head)
        if kind is None:
            raise InvalidUpload("That file is not an mp4 or webm video.")
        relative = f"{VIDEO_DIR}/{token}.{kind}"
        os.replace(temporary, Path(upload_dir) / relative)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StoredVideo(path=relative, mime=MIME_TYPES[kind], size=size)


def _process_poster(poster: FileStorage, max_bytes: int) -> images.ProcessedImage:
    try:
        return images.process_image(
            poster.stream, max_bytes=max_bytes, main_size=POSTER_SIZE, thumb_size=None
        )
    except ImageError as error:
        raise InvalidVideo(str(error), field="poster") from None


def _copy_product_cover(product_ids: Sequence[int], upload_dir: str | Path) -> str | None:
    """A copy of the first product's cover thumbnail (the video's own file), or None."""
    if not product_ids:
        return None
    source = db.session.scalar(select(Product.cover_thumb_path).where(Product.id == product_ids[0]))
    if not source:
        return None
    root = Path(upload_dir).resolve()
    origin = (root / source).resolve()
    if root not in origin.parents or not origin.is_file():
        return None
    relative = f"{images.new_name()}.webp"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(origin, target)
    return relative


def files_of(video: Content) -> list[str]:
    """The files a video owns: its upload and its poster (both under the upload directory)."""
    return [path for path in (video.video_path, video.poster_path) if path]


def delete_files(paths: Iterable[str | None], upload_dir: str | Path | None = None) -> None:
    images.remove_files(paths, upload_dir or current_app.config["UPLOAD_DIR"])


def video_file(video: Content, upload_dir: str | Path | None = None) -> Path | None:
    """The path of a video's uploaded file if it is there (inside the upload directory)."""
    if not video.video_path:
        return None
    root = Path(upload_dir or current_app.config["UPLOAD_DIR"]).resolve()
    target = (root / video.video_path).resolve()
    if root not in target.parents or not target.is_file():
        return None
    return target


# ---------------------------------------------------------------------------- use cases


def create_video(
    creator_id: int,
    *,
    caption: str,
    product_ids: Iterable[object],
    upload: FileStorage | None,
    external_url: str | None,
    poster: FileStorage | None,
    upload_dir: str | Path | None = None,
    max_bytes: int | None = None,
) -> Content:
    """Post a video from exactly one source; return it (flushed; the caller commits).

    Every check that needs no file runs first; then the poster is validated (in memory), the
    video streamed to disk, and the row written. Files written are removed if anything fails.
    """
    config = current_app.config
    upload_dir = upload_dir or config["UPLOAD_DIR"]
    max_bytes = max_bytes or int(config["UPLOAD_MAX_VIDEO_BYTES"])
    title = clean_caption(caption)
    has_upload = upload is not None and bool(upload.filename)
    url = (external_url or "").strip()
    if has_upload == bool(url):
        raise InvalidVideo(
            "Upload a video file or give a link to one (not both)."
            if has_upload
            else "Upload a video file or give a link to one.",
            field="file",
        )
    cleaned_url = clean_external_url(url) if url else None
    chosen = clean_product_ids(creator_id, product_ids)
    poster_image = None
    if poster is not None and poster.filename:
        image_limit = int(config.get("UPLOAD_MAX_IMAGE_BYTES") or images.DEFAULT_MAX_BYTES)
        poster_image = _process_poster(poster, image_limit)

    written: list[str] = []
    try:
        stored = None
        if has_upload:
            assert upload is not None
            stored = store_upload(upload.stream, upload_dir, max_bytes)
            written.append(stored.path)
        if poster_image is not None:
            written += images.write_images([poster_image], upload_dir)
            poster_path: str | None = poster_image.path
        else:
            poster_path = _copy_product_cover(chosen, upload_dir)
            if poster_path:
                written.append(poster_path)
        video = Content(
            creator_id=creator_id,
            kind=ContentKind.VIDEO.value,
            title=title,
            status=ContentStatus.PUBLISHED.value,
            poster_path=poster_path,
            video_path=stored.path if stored else None,
            video_mime=stored.mime if stored else None,
            video_bytes=stored.size if stored else None,
            external_url=cleaned_url,
        )
        db.session.add(video)
        db.session.flush()
        set_products(video, chosen)
    except BaseException:
        images.remove_files(written, upload_dir)
        raise
    return video


def update_video(
    creator_id: int, content_id: int, caption: str, product_ids: Iterable[object]
) -> Content:
    """Change a video's caption and yellow-cart products (the source stays)."""
    video = own_content(creator_id, content_id, ContentKind.VIDEO)
    title = clean_caption(caption)
    chosen = clean_product_ids(creator_id, product_ids)
    video.title = title
    set_products(video, chosen)
    return video


def remove_video(creator_id: int, content_id: int) -> list[str]:
    """Take a video down; return its files, for the caller to delete once it has committed.

    The row stays (status ``removed``): order lines and events still name it.
    """
    video = own_content(creator_id, content_id, ContentKind.VIDEO)
    CONTENT.move(video, ContentStatus.REMOVED)
    db.session.flush()
    return files_of(video)
