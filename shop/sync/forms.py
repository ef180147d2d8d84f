"""Forms of the product sync pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ImportUploadForm(FlaskForm):
    file = FileField(
        "Product file (CSV)",
        validators=[
            FileRequired("Choose a CSV file to upload."),
            FileAllowed(["csv"], "Upload a .csv file (save the spreadsheet as “CSV UTF-8”)."),
        ],
        description="UTF-8 CSV, up to 20 MB and 100,000 rows. Nothing changes until you confirm.",
    )


class ImportCommitForm(FlaskForm):
    """Only the CSRF token: the import to commit is in the URL."""
