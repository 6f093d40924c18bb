"""Admin pieces shared by the apps."""

from django.contrib import admin


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
