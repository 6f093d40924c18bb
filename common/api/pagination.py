from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def _positive_int(raw: str) -> int | None:
    text = raw.strip()
    if text.isascii() and text.isdigit() and 0 < int(text) < 2**63:
        return int(text)
    return None


class ApiPagination(PageNumberPagination):
    """Numbered pages of 50 results; `page_size` may ask for up to 500.

    A `page` or `page_size` that is not a positive whole number is a 400 (not
    a silent fallback); a page past the last one is a 404; a `page_size`
    over the maximum is capped, as documented.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = (
        "Page number, from 1. Not a positive whole number: 400. A page past the last one: 404."
    )
    page_size_query_description = (
        f"Results per page: {DEFAULT_PAGE_SIZE} by default, at most {MAX_PAGE_SIZE} "
        "(a larger value is capped)."
    )

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        size = _positive_int(raw)
        if size is None:
            raise ValidationError(
                {self.page_size_query_param: [f"'{raw}' is not a positive whole number."]}
            )
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", *self.last_page_strings) and _positive_int(raw) is None:
            raise ValidationError(
                {self.page_query_param: [f"'{raw}' is not a page number (1, 2, …)."]}
            )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(
                    {"minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "default": 1})
        return parameters
