"""A product's images as rows: add them after the existing ones, move one up or down (the first
is the cover, shown on cards), delete one. The files are written and removed by the caller
(``shop.catalog.images``), around the commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.extensions import db
from shop.catalog.exceptions import NotFound, TooManyImages
from shop.catalog.images import ImageInput, image_row
from shop.catalog.models import Product, ProductImage
from shop.catalog.services import MAX_IMAGES, recompute_product_summary


def _renumber(product: Product) -> None:
    product.images.sort(key=lambda i: (i.position, i.id or 0))
    for position, image in enumerate(product.images):
        image.position = position


def add_images(product: Product, images: Sequence[ImageInput]) -> list[ProductImage]:
    """Append images after the existing ones (the first image of a product is its cover)."""
    if len(product.images) + len(images) > MAX_IMAGES:
        raise TooManyImages(
            f"A product has at most {MAX_IMAGES} images; it has {len(product.images)}."
        )
    _renumber(product)
    rows = [image_row(image, len(product.images) + i) for i, image in enumerate(images)]
    product.images.extend(rows)
    recompute_product_summary(product)
    db.session.flush()
    return rows


def _product_image(product: Product, image_id: int) -> ProductImage:
    for image in product.images:
        if image.id == image_id:
            return image
    raise NotFound("That image is not one of this product's.")


def move_image(product: Product, image_id: int, offset: int) -> None:
    """Move an image ``offset`` places (-1 up, +1 down); moving to the top makes it the cover."""
    image = _product_image(product, image_id)
    _renumber(product)
    target = max(0, min(len(product.images) - 1, image.position + offset))
    product.images.remove(image)
    product.images.insert(target, image)
    for position, row in enumerate(product.images):
        row.position = position
    recompute_product_summary(product)
    db.session.flush()


def delete_image(product: Product, image_id: int) -> list[str]:
    """Delete an image; return its files, to remove after commit."""
    image = _product_image(product, image_id)
    with db.session.no_autoflush:
        db.session.delete(image)
        product.images.remove(image)
    _renumber(product)
    recompute_product_summary(product)
    db.session.flush()
    return [image.path, image.thumb_path]
