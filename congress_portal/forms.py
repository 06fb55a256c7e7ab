"""Form helpers shared by the apps' views."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


def add_service_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has
    that field, otherwise above the form. Nothing the user typed is lost."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PortalDateField(forms.DateField):
    """A date the portal can work with: a year between 1900 and 2199.

    Year 1 is a valid ``datetime.date``, but working-day arithmetic, the holiday calendar and
    time zone conversions step outside what Python's dates hold (a reception-day period in
    year 1 was a 500). So a date out of that range is a form error, translated, and nothing is
    saved.
    """

    FIRST_YEAR = 1900
    LAST_YEAR = 2199

    def validate(self, value):
        super().validate(value)
        if value and not (self.FIRST_YEAR <= value.year <= self.LAST_YEAR):
            raise ValidationError(
                gettext("Enter a date between the years %(first)s and %(last)s.")
                % {"first": self.FIRST_YEAR, "last": self.LAST_YEAR},
                code="date_range",
            )
