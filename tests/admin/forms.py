"""What a browser would submit from an admin page's main form (no tests of its own).

The admin permission matrix posts real, valid forms: a refused write is only
proof of a permission check when the same request from a permitted user
would have written.
"""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    """Collects the named fields of the first form whose id is `form_id`."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_multiple = False
        self._select_options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._option_value: str | None = None
        self._option_selected = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id and not self.found:
            self.inside = self.found = True
            return
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.fields.append((name, attributes.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
            self._select_multiple = "multiple" in attributes
            self._select_options = []
        elif tag == "option" and self._select is not None:
            self._option_value = attributes.get("value")
            self._option_selected = "selected" in attributes
            self._text = []
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_data(self, data):
        if self._textarea is not None or self._option_value is not None or self._select:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "option" and self._select is not None:
            value = self._option_value
            if value is None:
                value = "".join(self._text).strip()
            self._select_options.append((value, self._option_selected))
            self._option_value = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._select_options if selected]
            if not chosen and not self._select_multiple and self._select_options:
                # A browser submits a single select's first option when none is marked.
                chosen = [self._select_options[0][0]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser keeps the newline a browser drops after <textarea>.
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    """The fields of the form `form_id` in `html`, as the test client takes them."""
    parser = _FormFields(form_id)
    parser.feed(html)
    if not parser.found:
        raise AssertionError(f"no form #{form_id} on the page")
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data
