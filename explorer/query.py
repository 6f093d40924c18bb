"""The register's query string: the API's filters, kept in the URL so a
view can be shared, and narrowed or widened one value at a time."""

from django.http import QueryDict

#: Parameters that name a page of the current query, dropped when it changes.
PAGING = ("cursor", "page")


class QueryString:
    def __init__(self, params: QueryDict):
        self.params = params

    def _without_paging(self) -> QueryDict:
        params = self.params.copy()
        for name in PAGING:
            params.pop(name, None)
        return params

    def has(self, name: str, value: str) -> bool:
        return value in self.params.getlist(name)

    def encoded(self) -> str:
        return self._without_paging().urlencode()

    def __str__(self) -> str:
        return self.encoded()

    def toggled(self, name: str, value: str) -> str:
        """`?…` with `value` added to the repeatable filter `name`, or taken
        out of it if it is there."""
        params = self._without_paging()
        values = params.getlist(name)
        params.setlist(
            name, [v for v in values if v != value] if value in values else [*values, value]
        )
        return f"?{params.urlencode()}"

    def with_year(self, year: int) -> str:
        params = self._without_paging()
        params["year_from"] = params["year_to"] = str(year)
        return f"?{params.urlencode()}"

    def narrowed_url(self, path: str, **extra) -> str:
        """`path` with this query (no paging) and `extra` filters added."""
        params = self._without_paging()
        for name, value in extra.items():
            if value not in params.getlist(name):
                params.appendlist(name, value)
        encoded = params.urlencode()
        return f"{path}?{encoded}" if encoded else path

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(name, value, the query without it) for each filter value in use."""
        out = []
        for name, values in self._without_paging().lists():
            for value in values:
                if value == "":
                    continue
                params = self._without_paging()
                params.setlist(name, [v for v in values if v != value])
                out.append((name, value, f"?{params.urlencode()}"))
        return out
