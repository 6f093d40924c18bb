"""The data-quality report in the admin (/admin/transfers/transfer/audit/):
each finding links to the admin page of the record to fix."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from actors.factories import ActorFactory
from transfers.audit import AUDITED_MODELS, run_audit
from transfers.choices import Stance
from transfers.factories import CitationFactory, StatusEventFactory, SystemFactory, TransferFactory

pytestmark = pytest.mark.django_db

REPORT = "/admin/transfers/transfer/audit/"
ROW = re.compile(r"<tr><td>([a-z_]+)</td><td>(.*?)</td>", re.S)
HREF = re.compile(r'<a href="([^"]+)">')


@pytest.fixture
def findings():
    """A finding about a record of every model the audit reports on."""
    uncited = TransferFactory()  # a transfer without citation...
    StatusEventFactory(transfer=uncited)  # ...and an event without citation
    ActorFactory()  # named by no transfer
    SystemFactory(origin=None)  # of no transfer
    cited = TransferFactory()
    event = StatusEventFactory(transfer=cited, stage=cited.stage)
    CitationFactory(transfer=cited, status_event=event)
    # For and against one event: an open contradiction.
    CitationFactory(transfer=cited, status_event=event, stance=Stance.CONTRADICTS)
    # A citation of one transfer supporting another's event.
    CitationFactory(transfer=TransferFactory(), status_event=event)
    found = run_audit()
    assert {f.model for f in found} == set(AUDITED_MODELS)
    return found


def change_url(finding):
    opts = AUDITED_MODELS[finding.model]._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[finding.object_id])


def test_every_finding_links_to_the_record_to_fix(admin_client, findings):
    response = admin_client.get(REPORT)
    assert response.status_code == 200
    rows = ROW.findall(response.content.decode())
    assert len(rows) == len(findings)
    for finding, (check, record) in zip(findings, rows, strict=True):
        assert check == finding.check
        assert HREF.findall(record) == [change_url(finding)]
    for url in {change_url(finding) for finding in findings}:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert page.context["original"].pk == int(url.rstrip("/").split("/")[-2])


def test_a_record_the_user_may_not_see_is_named_without_a_link(client, findings):
    # May see transfers (and so the report), not actors or systems.
    user = User.objects.create_user("reader", password="a long passphrase", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_transfer"))
    client.force_login(user)
    response = client.get(REPORT)
    assert response.status_code == 200
    rows = ROW.findall(response.content.decode())
    for finding, (_check, record) in zip(findings, rows, strict=True):
        if finding.model == "transfer":
            assert HREF.findall(record) == [change_url(finding)]
        else:
            assert HREF.findall(record) == []
            assert f"#{finding.object_id}" in record
