"""Every changelist's filters can be told apart: Django titles a filter "By
<title>", the title of a field's filter being the field's name alone, so
`supplier__kind` and `recipient__kind` were both "By kind"."""

import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

#: The filter sidebar's headings, as Django's admin/filter.html writes them.
HEADING = re.compile(r"<summary>\s*(.*?)\s*</summary>|<h3>\s*(.*?)\s*</h3>", re.S)


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def seed(db):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)


def test_the_filters_of_every_changelist_have_distinct_titles(admin_client, seed):
    pages = 0
    for model, model_admin in registered():
        if not model_admin.get_list_filter(None):
            continue
        opts = model._meta
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, opts.label
        titles = [str(spec.title) for spec in response.context["cl"].filter_specs]
        assert len(titles) == len(set(titles)), (opts.label, titles)
        sidebar = response.content.decode().split('id="changelist-filter"', 1)[1]
        sidebar = sidebar.split("</nav>", 1)[0]
        headings = [a or b for a, b in HEADING.findall(sidebar)]
        headings = [h for h in headings if h.startswith("By ")]
        assert headings, opts.label
        assert len(headings) == len(set(headings)), (opts.label, headings)
        pages += 1
    assert pages >= 8  # the project's own, at least


def test_a_filter_across_a_relation_is_titled_by_it():
    # "source__kind" would be titled "kind": whose kind is then unsaid.
    for model, model_admin in registered():
        for entry in model_admin.list_filter:
            assert not (isinstance(entry, str) and "__" in entry), (model._meta.label, entry)


def test_a_titled_filter_still_narrows_as_django_would(admin_client, seed):
    from transfers.models import Transfer

    url = reverse("admin:transfers_transfer_changelist")
    response = admin_client.get(url, {"supplier__kind__exact": "state"})
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown and {t.supplier.kind for t in shown} == {"state"}
    assert len(shown) < Transfer.objects.count()
    [spec] = [s for s in response.context["cl"].filter_specs if s.title == "supplier kind"]
    assert "By supplier kind" in response.content.decode()
    assert spec.lookup_val == ["state"]
