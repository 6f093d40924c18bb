"""Admin pieces shared by the apps."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from common.validators import validate_single_line


def year_list_filter(date_field: str, title: str = "year"):
    """A changelist filter by the calendar year of `date_field`."""

    class YearListFilter(admin.SimpleListFilter):
        parameter_name = f"{date_field}_year"

        def lookups(self, request, model_admin):
            years = model_admin.get_queryset(request).dates(date_field, "year", order="DESC")
            return [(str(day.year), str(day.year)) for day in years]

        def queryset(self, request, queryset):
            if self.value() and self.value().isdigit():
                return queryset.filter(**{f"{date_field}__year": int(self.value())})
            return queryset

    YearListFilter.title = title
    return YearListFilter


def titled_filter(field_path: str, title: str):
    """`list_filter`'s entry for `field_path` with its own title: Django
    titles a field's filter by the field alone ("By kind"), so two paths
    ending in the same field ("supplier__kind", "recipient__kind") would
    look the same. The filter is the one Django would choose for the field."""

    class TitledFieldListFilter(admin.FieldListFilter):
        def __new__(cls, field, request, params, model, model_admin, field_path):
            chosen = admin.FieldListFilter.create(
                field, request, params, model, model_admin, field_path=field_path
            )
            chosen.title = title
            return chosen

    return (field_path, TitledFieldListFilter)


class ChangeReasonAdminMixin:
    """Adds an optional "reason for this change" to every change form; it is
    kept with the version in the record's history."""

    change_reason_field = "change_reason"

    def get_form(self, request, obj=None, **kwargs):
        if "fields" not in kwargs:
            # Called without the fields (django-simple-history's revert form):
            # take them from the fieldsets, as the change form does. Django
            # itself passes fields=None only to learn the form's own fields.
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = [f for f in kwargs["fields"] if f != self.change_reason_field]
        form = super().get_form(request, obj, **kwargs)
        return type(
            form.__name__,
            (form,),
            {
                self.change_reason_field: forms.CharField(
                    label="Reason for this change",
                    required=False,
                    max_length=100,
                    validators=[validate_single_line],
                    help_text="Optional; kept in the history (e.g. the source that prompted it).",
                )
            },
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.change_reason_field not in flatten_fieldsets(fieldsets):
            fieldsets.append(("History", {"fields": [self.change_reason_field]}))
        return fieldsets

    def set_change_reason(self, obj, form):
        reason = form.cleaned_data.get(self.change_reason_field)
        if reason:
            obj._change_reason = reason

    def save_model(self, request, obj, form, change):
        self.set_change_reason(obj, form)
        super().save_model(request, obj, form, change)


class CuratedModelAdmin(ChangeReasonAdminMixin, SimpleHistoryAdmin):
    """The admin of a curated model: a reason on every change, the history with
    revert, and no write without the permission it needs."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history shows an old version to anyone who may view the
        # record and saves it on POST without asking more: a revert is a change.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
