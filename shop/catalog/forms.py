"""Seller centre forms: the store, products with their variant rows, images and bulk actions.

Forms parse and check the shape of the input; the rules (unique handle and SKUs, one store per
account, prices above zero) live in ``shop.catalog.services``, which the views call.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.money import CURRENCIES, minor_units, parse_amount, to_decimal
from shop.catalog import services, stores
from shop.catalog.models import ProductStatus

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif"


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def uploaded(files: Any) -> list[FileStorage]:
    """The files actually chosen (a browser sends an empty part for an empty file input)."""
    if files is None:
        return []
    if isinstance(files, FileStorage):
        files = [files]
    return [f for f in files if isinstance(f, FileStorage) and f.filename]


def format_amount(amount: int | None, currency: str) -> str:
    """Minor units as the seller types them: ``1250`` → ``"12.50"``."""
    return "" if amount is None else str(to_decimal(amount, currency))


def parse_price(text: str, currency: str) -> int:
    """Parse a price typed by a seller; raise ``ValueError`` with a message for them."""
    places = minor_units(currency)
    try:
        amount = parse_amount(text, currency)
    except ValueError as error:
        if "decimals" in str(error):
            raise ValueError(
                f"Use at most {places} decimals for {currency}, like "
                f"{format_amount(1250, currency)}."
            ) from None
        raise ValueError("Enter a price like 12.50.") from None
    if amount <= 0:
        raise ValueError("The price must be more than zero.")
    return amount


class StoreForm(FlaskForm):
    name = StringField(
        "Store name",
        validators=[DataRequired("Give your store a name."), Length(max=80)],
        filters=[strip],
    )
    handle = StringField(
        "Handle",
        validators=[Optional(), Length(max=60)],
        filters=[strip],
        description=(
            "Your store's web address. 3 to 40 lowercase letters, digits and hyphens; "
            "left empty, we make one from the name."
        ),
    )
    description = TextAreaField(
        "Description", validators=[Length(max=5000)], filters=[strip], render_kw={"rows": 4}
    )
    currency = SelectField(
        "Currency",
        choices=[SelectChoice(code, code) for code in CURRENCIES],
        default="USD",
        description="Your prices are in this currency; it cannot change once you list products.",
    )
    return_address = TextAreaField(
        "Return address",
        validators=[Length(max=1000)],
        filters=[strip],
        render_kw={"rows": 3},
        description="Where buyers send returns.",
    )
    logo = FileField("Logo", render_kw={"accept": IMAGE_ACCEPT})
    banner = FileField("Banner", render_kw={"accept": IMAGE_ACCEPT})


class VariantRowForm(Form):
    """One variant row; a row left entirely blank is ignored."""

    id = HiddenField()
    option1 = StringField("Size", validators=[Length(max=60)], filters=[strip])
    option2 = StringField("Colour", validators=[Length(max=60)], filters=[strip])
    sku = StringField("SKU", validators=[Length(max=64)], filters=[strip])
    price = StringField("Price", validators=[Length(max=30)], filters=[strip])
    cost_price = StringField("Cost", validators=[Length(max=30)], filters=[strip])
    stock = StringField("Stock", validators=[Length(max=12)], filters=[strip])
    remove = BooleanField("Remove")

    def is_blank(self) -> bool:
        return (
            not any(
                (
                    self.option1.data,
                    self.option2.data,
                    self.sku.data,
                    self.price.data,
                    self.stock.data,
                    self.cost_price.data,
                )
            )
            and not self.id.data
        )


class ProductForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the product a title."), Length(max=services.TITLE_MAX)],
        filters=[strip],
    )
    description = TextAreaField(
        "Description", validators=[Length(max=20000)], filters=[strip], render_kw={"rows": 5}
    )
    category_id = SelectField(
        "Category",
        coerce=int,
        validate_choice=True,
        validators=[DataRequired("Choose a category.")],
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice(s.value, s.value.capitalize()) for s in ProductStatus],
        default=ProductStatus.DRAFT.value,
        description="Only active products are shown to buyers and can be sold.",
    )
    compare_at_price = StringField(
        "Compare-at price",
        validators=[Length(max=30)],
        filters=[strip],
        description="Optional: the old price, shown struck through. Higher than the price.",
    )
    featured = BooleanField("Feature this product on my store page")
    images = MultipleFileField(
        "Images",
        render_kw={"accept": IMAGE_ACCEPT},
        description="PNG, JPEG, WebP or GIF. The first image is the cover.",
    )
    variants = FieldList(
        FormField(VariantRowForm), min_entries=1, max_entries=services.MAX_VARIANTS
    )
    add_variant = SubmitField("Add a variant")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category_id.choices = [
            SelectChoice(child.id, child.name, optgroup=parent.name)
            for parent, children in stores.category_tree()
            for child in children
        ]
        self.product_input: services.ProductInput | None = None
        self.variant_inputs: list[services.VariantInput] = []
        self.variants_error = ""
        self.input_rows: list[VariantRowForm] = []  # the row behind each of variant_inputs

    def validate_for(self, currency: str) -> bool:
        """Validate the submission and parse it into service inputs (prices in ``currency``)."""
        valid = self.validate()
        compare_at: int | None = None
        if self.compare_at_price.data:
            try:
                compare_at = parse_price(self.compare_at_price.data, currency)
            except ValueError as error:
                self.compare_at_price.errors = [*self.compare_at_price.errors, str(error)]
                valid = False
        rows: list[services.VariantInput] = []
        filled = 0
        for entry in self.variants:
            row: VariantRowForm = entry.form
            if row.remove.data or row.is_blank():
                continue
            filled += 1
            parsed = self._parse_row(row, currency)
            if parsed is None:
                valid = False
            else:
                rows.append(parsed)
                self.input_rows.append(row)
        if not filled:
            self.variants_error = "Add at least one variant with a SKU, a price and stock."
            valid = False
        if valid:
            self.variant_inputs = rows
            self.product_input = services.ProductInput(
                title=self.title.data,
                category_id=self.category_id.data,
                description=self.description.data or "",
                status=self.status.data,
                compare_at_price=compare_at,
                featured=bool(self.featured.data),
            )
        return valid

    @staticmethod
    def _parse_row(row: VariantRowForm, currency: str) -> services.VariantInput | None:
        ok = not row.errors
        if not row.sku.data:
            row.sku.errors = [*row.sku.errors, "Enter a SKU."]
            ok = False
        price = 0
        try:
            price = parse_price(row.price.data or "", currency)
        except ValueError as error:
            row.price.errors = [*row.price.errors, str(error)]
            ok = False
        cost_price: int | None = None
        if row.cost_price.data:
            try:
                cost_price = parse_amount(row.cost_price.data, currency)
            except ValueError:
                row.cost_price.errors = [*row.cost_price.errors, "Enter a cost like 4.20."]
                ok = False
            else:
                if cost_price < 0:
                    row.cost_price.errors = [*row.cost_price.errors, "The cost cannot be negative."]
                    ok = False
        stock_text = row.stock.data or ""
        if (
            not (stock_text.isascii() and stock_text.isdigit())
            or int(stock_text) > services.MAX_STOCK
        ):
            message = (
                "Stock cannot be below zero."
                if stock_text.startswith("-")
                else "Enter the stock as a whole number, 0 or more."
            )
            row.stock.errors = [*row.stock.errors, message]
            ok = False
        variant_id: int | None = None
        if row.id.data:
            if not (row.id.data.isascii() and row.id.data.isdigit()):
                row.sku.errors = [*row.sku.errors, "This row is not one of the product's variants."]
                return None
            variant_id = int(row.id.data)
        if not ok:
            return None
        return services.VariantInput(
            sku=row.sku.data,
            price=price,
            stock=int(stock_text),
            option1=row.option1.data or "",
            option2=row.option2.data or "",
            id=variant_id,
            cost_price=cost_price,
        )


class ActionForm(FlaskForm):
    """A button that changes something (delete, move, bulk): it carries the CSRF token."""


class BulkForm(FlaskForm):
    action = SelectField(
        "With the checked products",
        choices=[SelectChoice("activate", "Activate"), SelectChoice("archive", "Archive")],
    )
