from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .services import MAX_BYTES, check_upload


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("At most 5 MB and 10,000 rows; the first sheet is read."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                gettext("The file is larger than %(mb)d MB: split it into several files.")
                % {"mb": MAX_BYTES // (1024 * 1024)},
                code="size",
            )
        content = upload.read()
        check_upload(content, upload.name or "")
        self.content = content
        return upload
