from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from common.admin import CuratedModelAdmin, titled_filter, year_list_filter
from common.forms import PartialDateFormField, PartialDateFormMixin
from sources.models import Source

from . import contradictions, services
from .audit import AUDITED_MODELS, ERROR, open_contradiction_count, run_audit
from .choices import ValueKind
from .document_admin import DocumentSourceAdmin, passage_from_query, quote_of_passage
from .models import (
    TRANSFER_PARTIES,
    Citation,
    CitationRelay,
    Contradiction,
    Delivery,
    Package,
    StatusEvent,
    System,
    Transfer,
    TransferIntermediary,
    Value,
    parties_via,
)
from .restore import RESTORE_PERMISSIONS, transfer_restore


@admin.register(System)
class SystemAdmin(CuratedModelAdmin):
    list_display = ["designation", "slug", "category", "nato_reporting_name", "origin"]
    list_filter = ["category"]
    list_select_related = ["origin"]
    search_fields = ["designation", "slug", "aliases", "nato_reporting_name"]
    prepopulated_fields = {"slug": ["designation"]}
    autocomplete_fields = ["origin"]
    readonly_fields = ["created", "updated"]
    # The merge action is added by editorial.admin.


class StatusEventForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {"when": ("date", "date_precision")}
    when = PartialDateFormField(label="Date")

    class Meta:
        model = StatusEvent
        fields = [
            "stage",
            "when",
            "date_is_inferred",
            "credibility_override",
            "credibility_override_reason",
            "note",
        ]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 2, "cols": 50}),
            "credibility_override_reason": forms.Textarea(attrs={"rows": 2, "cols": 40}),
        }


def kept_in_position_order(formset) -> list:
    """The forms of an ordered inline (intermediaries, relays) that are kept,
    in the order of their `position`."""
    kept = [
        form
        for form in formset.forms
        if form.cleaned_data and not (formset.can_delete and formset._should_delete_form(form))
    ]
    kept.sort(key=lambda form: form.cleaned_data["position"])
    return kept


# Where IntermediaryFormSet leaves the stops an editor submitted, for
# TransferAdmin.save_model: Django saves the transfer before it hands over
# the inline formsets, and the service writes a transfer with its stops.
SUBMITTED_STOPS = "_admin_submitted_intermediaries"


class IntermediaryFormSet(forms.BaseInlineFormSet):
    """The transfer's stops, checked against the transfer as submitted with
    the services' rule, so a refusal is a form error rather than a 500."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = kept_in_position_order(self)
        stops = [
            services.Stop(form.cleaned_data["actor"], form.cleaned_data.get("role", ""))
            for form in kept
        ]
        try:
            services.validate_intermediaries(self.instance, stops)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        # Stops left as they were are not rewritten (nor their history).
        if any(form.has_changed() for form in self.forms) or any(
            self.can_delete and self._should_delete_form(form) for form in self.forms
        ):
            setattr(self.instance, SUBMITTED_STOPS, stops)


class IntermediaryInline(admin.TabularInline):
    model = TransferIntermediary
    formset = IntermediaryFormSet
    extra = 0
    autocomplete_fields = ["actor"]


class StatusHistoryFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        deleted = [
            form for form in self.forms if self.can_delete and self._should_delete_form(form)
        ]
        added = [
            form
            for form in self.forms
            if form.has_changed() and form.instance.pk is None and form not in deleted
        ]
        if not services.keeps_a_status_event(
            self.instance.pk,
            deleting=[form.instance.pk for form in deleted if form.instance.pk],
            adding=len(added),
        ):
            raise forms.ValidationError(services.NEEDS_A_STATUS_EVENT)


class StatusEventInline(admin.TabularInline):
    model = StatusEvent
    form = StatusEventForm
    formset = StatusHistoryFormSet
    extra = 0
    min_num = 1
    show_change_link = True
    verbose_name = "status event"
    verbose_name_plural = "status history (the latest event is the current stage)"
    readonly_fields = ["computed_credibility", "independent_sources", "first_reported_display"]

    @admin.display(description="first reported")
    def first_reported_display(self, obj):
        return obj.first_reported_display or "—"


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0


class TransferCitationInline(admin.StackedInline):
    model = Citation
    fk_name = "transfer"
    extra = 0
    autocomplete_fields = ["source", "attributed_to_actor"]
    fields = [
        "source",
        "status_event",
        "quote",
        "location",
        "stance",
        "attributed_to",
        "attributed_to_actor",
        "note",
    ]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Only this transfer's events can be cited here; a new transfer has
        # none yet, so its events are cited after the first save.
        events = StatusEvent.objects.filter(transfer=obj) if obj else StatusEvent.objects.none()
        formset.form.base_fields["status_event"].queryset = events
        return formset


VALUE_FIELDS = ["kind", "amount", "currency", "is_estimate", "is_hedged", "citation", "note"]


class TransferValueInline(admin.TabularInline):
    """A transfer's own values (a package's value is on the package's page)."""

    model = Value
    fk_name = "transfer"
    extra = 0
    fields = VALUE_FIELDS
    verbose_name = "value"
    verbose_name_plural = "values (a package's value is recorded on the package)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Its value cites one of this transfer's citations; a new transfer
        # has none yet, so its values are cited after the first save.
        cited = Citation.objects.filter(transfer=obj) if obj else Citation.objects.none()
        formset.form.base_fields["citation"].queryset = cited.select_related("source")
        kinds = [choice for choice in ValueKind.choices if choice[0] != ValueKind.PACKAGE]
        formset.form.base_fields["kind"].choices = kinds
        return formset


class PackageValueInline(admin.TabularInline):
    """The value of a package as a whole, recorded once on the package."""

    model = Value
    fk_name = "package"
    extra = 0
    fields = VALUE_FIELDS
    verbose_name = "value of the package"
    verbose_name_plural = "values of the package as a whole"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        cited = Citation.objects.filter(transfer__package=obj) if obj else Citation.objects.none()
        formset.form.base_fields["citation"].queryset = cited.select_related("source")
        kind = formset.form.base_fields["kind"]
        kind.choices = [(ValueKind.PACKAGE, ValueKind.PACKAGE.label)]
        kind.initial = ValueKind.PACKAGE
        return formset


class PackageTransferInline(admin.TabularInline):
    """The package's transfers, to see; a transfer joins one on its own page."""

    model = Transfer
    fk_name = "package"
    extra = 0
    fields = ["transfer", "start_date", "quantity", "quantity_max"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = "transfers in the package (set on each transfer's page)"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*TRANSFER_PARTIES)

    @admin.display(description="transfer")
    def transfer(self, obj):
        return str(obj)


@admin.register(Package)
class PackageAdmin(CuratedModelAdmin):
    list_display = ["name", "slug", "transfer_count"]
    search_fields = ["name", "slug", "notes"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created", "updated"]
    fields = ["name", "slug", "notes", "created", "updated"]
    inlines = [PackageTransferInline, PackageValueInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(transfer_total=Count("transfers"))

    @admin.display(description="transfers", ordering="transfer_total")
    def transfer_count(self, obj):
        return obj.transfer_total


class TransferForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {
        "start": ("start_date", "start_date_precision"),
        "end": ("end_date", "end_date_precision"),
    }
    start = PartialDateFormField(label="Start date")
    end = PartialDateFormField(label="End date")

    class Meta:
        model = Transfer
        fields = [
            "supplier",
            "recipient",
            "system",
            "transfer_type",
            "start",
            "end",
            "quantity",
            "quantity_max",
            "quantity_is_estimate",
            "package",
            "condition",
            "slug",
            "notes",
        ]


def abbreviation(short: str, full: str):
    """A column header shortened, spelled out on hover."""
    return format_html('<abbr title="{}">{}</abbr>', full, short)


@admin.register(Transfer)
class TransferAdmin(CuratedModelAdmin):
    form = TransferForm
    # Nine columns beside the two sidebars in a 1400 px window
    # (tests/admin/test_transfer_list_browser.py): no column repeating the
    # others (a transfer's name is its parties, system and stage), short
    # headers, the credibility as its grade (the label on hover), and the
    # compact cells of transfers/changelist.css.
    list_display = [
        "supplier",
        "recipient",
        "system",
        "stage",
        "credibility_grade",
        "transfer_type_display",
        "start_date_display",
        "citation_count",
    ]
    list_display_links = ["system"]
    list_filter = [
        "stage",
        "credibility",
        "reached_agreement",
        "transfer_type",
        titled_filter("system__category", "system category"),
        year_list_filter("start_date", "start year"),
        titled_filter("supplier__kind", "supplier kind"),
        titled_filter("recipient__kind", "recipient kind"),
    ]
    list_select_related = TRANSFER_PARTIES
    search_fields = [
        "slug",
        "notes",
        "supplier__name",
        "supplier__aliases",
        "recipient__name",
        "recipient__aliases",
        "system__designation",
        "system__aliases",
        "system__nato_reporting_name",
    ]
    autocomplete_fields = ["supplier", "recipient", "system", "package"]
    readonly_fields = [
        "stage",
        "credibility",
        "independent_sources",
        "reached_agreement",
        "created",
        "updated",
    ]
    fieldsets = [
        (None, {"fields": ["supplier", "recipient", "system", "transfer_type", "stage"]}),
        (
            "How sure (from the evidence of the current stage)",
            {"fields": ["credibility", "independent_sources", "reached_agreement"]},
        ),
        ("When", {"fields": ["start", "end"]}),
        (
            "How much",
            {
                "fields": [
                    "quantity",
                    "quantity_max",
                    "quantity_is_estimate",
                    "condition",
                    "package",
                ],
            },
        ),
        ("More", {"fields": ["slug", "notes", "created", "updated"]}),
    ]
    inlines = [
        IntermediaryInline,
        StatusEventInline,
        DeliveryInline,
        TransferValueInline,
        TransferCitationInline,
    ]
    change_list_template = "admin/transfers/transfer/change_list.html"

    def get_urls(self):
        return [
            path(
                "deleted/",
                self.admin_site.admin_view(self.deleted_view),
                name="transfers_transfer_deleted",
            ),
            path(
                "deleted/<int:transfer_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="transfers_transfer_restore",
            ),
            path(
                "audit/",
                self.admin_site.admin_view(self.audit_view),
                name="audit_report",
            ),
            *super().get_urls(),
        ]

    def audit_view(self, request):
        """The audit_data report, for editors."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        findings = run_audit()
        rows = [(finding, self.finding_url(request, finding)) for finding in findings]
        return TemplateResponse(
            request,
            "admin/transfers/transfer/audit.html",
            {
                **self.admin_site.each_context(request),
                "title": "Data-quality report",
                "opts": self.model._meta,
                "errors": [(f, url) for f, url in rows if f.severity == ERROR],
                "warnings": [(f, url) for f, url in rows if f.severity != ERROR],
                "open_contradictions": open_contradiction_count(findings),
            },
        )

    def finding_url(self, request, finding):
        """The admin page of the record `finding` is about, where it is
        fixed; None if this user may not see that page."""
        model = AUDITED_MODELS[finding.model]
        model_admin = self.admin_site._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            return None
        opts = model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
            args=[finding.object_id],
        )

    def deleted_view(self, request):
        """Transfers deleted and not restored, newest first, from the history."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        deletions = (
            Transfer.history.filter(history_type="-")
            .exclude(id__in=Transfer.objects.values("id"))
            .select_related("history_user")
            .order_by("-history_date")
        )
        latest = {}
        for record in deletions:
            latest.setdefault(record.id, record)
        return TemplateResponse(
            request,
            "admin/transfers/transfer/deleted.html",
            {
                **self.admin_site.each_context(request),
                "title": "Deleted transfers",
                "opts": self.model._meta,
                "deletions": list(latest.values()),
                "can_restore": self.has_restore_permission(request),
            },
        )

    def has_restore_permission(self, request):
        return request.user.has_perms(RESTORE_PERMISSIONS)

    def restore_view(self, request, transfer_id):
        if not self.has_restore_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:transfers_transfer_deleted")
        try:
            transfer = transfer_restore(transfer_id=transfer_id, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect("admin:transfers_transfer_deleted")
        self.message_user(request, f"Restored “{transfer}” with its history.", messages.SUCCESS)
        return redirect(reverse("admin:transfers_transfer_change", args=[transfer.pk]))

    def save_model(self, request, obj, form, change):
        """Through the services, as the API writes, with the stops the editor
        changed (if any); the history's reason and user are set first, as the
        base classes set them before their `obj.save()`."""
        self.set_change_reason(obj, form)
        obj._history_user = request.user
        services.transfer_save(obj, intermediaries=obj.__dict__.pop(SUBMITTED_STOPS, None))

    def response_add(self, request, obj, post_url_continue=None):
        """A transfer made from a passage of a document ("New transfer from
        this passage"): next, cite the passage for it."""
        passage = passage_from_query(request.GET, prefix="cite_")
        if passage is not None and "_addanother" not in request.POST:
            source, start, end = passage
            return redirect(
                f"{reverse('admin:transfers_citation_add')}?transfer={obj.pk}"
                f"&source={source}&start={start}&end={end}"
            )
        return super().response_add(request, obj, post_url_continue)

    def save_formset(self, request, form, formset, change):
        if formset.model is TransferIntermediary:
            # Written with the transfer in save_model; saving without commit
            # only lists what changed, for the admin's change message.
            formset.save(commit=False)
        elif formset.model is StatusEvent:
            events = formset.save(commit=False)
            services.status_history_change(
                form.instance, save=events, delete=formset.deleted_objects
            )
        else:
            formset.save()

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except ValidationError as error:
            # Reverting to parties that are now among the stops: refused by
            # the service, with nothing written.
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(request.path)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_total=Count("citations"))

    class Media:
        css = {"all": ["transfers/changelist.css"]}

    @admin.display(description=abbreviation("cred.", "credibility"), ordering="credibility")
    def credibility_grade(self, obj):
        if obj.credibility is None:
            return "—"
        return format_html(
            '<abbr title="{}">{}</abbr>', obj.get_credibility_display(), obj.credibility
        )

    @admin.display(description="type", ordering="transfer_type")
    def transfer_type_display(self, obj):
        return obj.get_transfer_type_display()

    @admin.display(description="start", ordering="start_date")
    def start_date_display(self, obj):
        return obj.start_date_display or "—"

    @admin.display(description=abbreviation("cit.", "citations"), ordering="citation_total")
    def citation_count(self, obj):
        return obj.citation_total


class StatusEventCitationInline(admin.StackedInline):
    model = Citation
    fk_name = "status_event"
    extra = 1
    autocomplete_fields = ["source", "attributed_to_actor"]
    fields = [
        "source",
        "quote",
        "location",
        "stance",
        "attributed_to",
        "attributed_to_actor",
        "note",
    ]


@admin.register(StatusEvent)
class StatusEventAdmin(CuratedModelAdmin):
    """Mostly reached from a transfer's status history, to cite one event."""

    form = StatusEventForm
    list_display = ["__str__", "transfer", "stage", "date"]
    list_filter = ["stage", year_list_filter("date", "event year")]
    list_select_related = parties_via("transfer")
    search_fields = [
        "transfer__slug",
        "transfer__supplier__name",
        "transfer__recipient__name",
        "transfer__system__designation",
        "note",
    ]
    autocomplete_fields = ["transfer"]
    fields = [
        "transfer",
        "stage",
        "when",
        "date_is_inferred",
        "first_reported_display",
        "computed_credibility",
        "credibility_override",
        "credibility_override_reason",
        "independent_sources",
        "note",
    ]
    inlines = [StatusEventCitationInline]

    def get_readonly_fields(self, request, obj=None):
        # An event stays with its transfer (services.status_event_update):
        # moving one would leave the first transfer's stage behind.
        derived = ["first_reported_display", "computed_credibility", "independent_sources"]
        return ["transfer", *derived] if obj is not None else derived

    @admin.display(description="first reported")
    def first_reported_display(self, obj):
        return obj.first_reported_display or "—"

    def save_model(self, request, obj, form, change):
        """Through the services, as the API writes (see TransferAdmin.save_model)."""
        self.set_change_reason(obj, form)
        obj._history_user = request.user
        services.status_history_change(obj.transfer, save=[obj])

    def get_deleted_objects(self, objs, request):
        """Deleting every event of a transfer is refused, on the delete page and
        in the bulk action alike: a transfer's status is its latest event."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        chosen = {}
        for event in objs:
            chosen.setdefault(event.transfer_id, set()).add(event.pk)
        for transfer_id, event_ids in sorted(chosen.items()):
            if not services.keeps_a_status_event(transfer_id, deleting=event_ids):
                transfer = Transfer.objects.get(pk=transfer_id)
                protected = [
                    *protected,
                    f"the status history of {transfer}: a transfer keeps at least one "
                    "status event (add the right one before deleting this)",
                ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.status_event_delete(obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for event in queryset:
                services.status_event_delete(event)


class RelayFormSet(forms.BaseInlineFormSet):
    """The reports a citation relays, checked with the services' rule."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = kept_in_position_order(self)
        try:
            services.validate_relays(self.instance, [form.cleaned_data["source"] for form in kept])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class CitationRelayInline(admin.TabularInline):
    model = CitationRelay
    formset = RelayFormSet
    extra = 0
    autocomplete_fields = ["source"]
    verbose_name_plural = "relayed reports (1 = the original, then towards this document)"


@admin.register(Citation)
class CitationAdmin(CuratedModelAdmin):
    list_display = ["short_quote", "source", "transfer", "status_event", "stance", "attributed_to"]
    list_filter = [
        "stance",
        titled_filter("source__kind", "source kind"),
        titled_filter("source__reliability", "source reliability"),
    ]
    list_select_related = ["source", *parties_via("transfer"), "status_event"]
    search_fields = [
        "quote",
        "attributed_to",
        "source__title",
        "source__publisher",
        "transfer__slug",
    ]
    autocomplete_fields = ["source", "transfer", "status_event", "attributed_to_actor"]
    readonly_fields = ["anchor", "created", "updated"]
    fields = [
        "source",
        "transfer",
        "status_event",
        "quote",
        "start",
        "end",
        "anchor",
        "location",
        "stance",
        "attributed_to",
        "attributed_to_actor",
        "note",
        "created",
        "updated",
    ]
    inlines = [CitationRelayInline]

    def save_model(self, request, obj, form, change):
        """Through the services, as the API writes; the relays follow in the inline."""
        self.set_change_reason(obj, form)
        obj._history_user = request.user
        services.citation_save(obj)

    @admin.display(description="quote")
    def short_quote(self, obj):
        return obj.quote if len(obj.quote) <= 90 else obj.quote[:87] + "…"

    @admin.display(description="anchor")
    def anchor(self, obj):
        if obj.document_id is None:
            return obj.get_anchor_state_display()
        url = reverse("admin:sources_source_document", args=[obj.source_id])
        return format_html(
            '{} — <a href="{}?version={}#citation-{}">see it in version {} of the text</a>',
            obj.get_anchor_state_display(),
            url,
            obj.document.version,
            obj.pk,
            obj.document.version,
        )

    def get_changeform_initial_data(self, request):
        """A passage selected in the document page: its quote is the stored
        text's, filled in with its offsets (never retyped)."""
        initial = super().get_changeform_initial_data(request)
        passage = passage_from_query(request.GET)
        if passage is not None:
            initial["quote"] = quote_of_passage(*passage)
        return initial


class ContradictionForm(forms.ModelForm):
    """Checks the links with the service's rule, so a citation or event of
    another transfer is a form error rather than a 500."""

    class Meta:
        model = Contradiction
        fields = [
            "transfer",
            "kind",
            "state",
            "description",
            "citations",
            "status_events",
            "resolution",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "resolution": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def clean(self):
        cleaned = super().clean()
        if "citations" not in self.fields and "status_events" not in self.fields:
            return cleaned  # a detected one: its links are the rule's
        transfer = cleaned.get("transfer", getattr(self.instance, "transfer", None))
        if transfer is None or self.errors:
            return cleaned
        try:
            contradictions.validate_links(
                transfer.pk,
                cleaned.get("kind", self.instance.kind),
                list(cleaned.get("citations") or []),
                list(cleaned.get("status_events") or []),
            )
        except ValidationError as error:
            for name, messages_ in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages_)
        return cleaned


@admin.register(Contradiction)
class ContradictionAdmin(CuratedModelAdmin):
    """Resolve one by setting its state to resolved and writing the resolution;
    who and when are set on save (through transfers.contradictions, as the API)."""

    form = ContradictionForm
    list_display = [
        "__str__",
        "kind",
        "state",
        "detected",
        "transfer",
        "resolved_by",
        "resolved_at",
    ]
    list_filter = ["state", "kind", "detected"]
    list_select_related = [*parties_via("transfer"), "resolved_by"]
    search_fields = [
        "description",
        "resolution",
        "transfer__slug",
        "transfer__supplier__name",
        "transfer__recipient__name",
        "transfer__system__designation",
    ]
    autocomplete_fields = ["transfer", "citations", "status_events"]
    fieldsets = [
        (None, {"fields": ["transfer", "kind", "description", "citations", "status_events"]}),
        ("State", {"fields": ["state", "resolution", "resolved_by", "resolved_at"]}),
        ("More", {"fields": ["detected", "created", "updated"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["resolved_by", "resolved_at", "detected", "created", "updated"]
        if obj is not None and obj.detected:
            # Found by the rule: an editor resolves or reopens it, no more.
            readonly = ["transfer", "kind", "citations", "status_events", *readonly]
        return readonly

    def save_model(self, request, obj, form, change):
        self.set_change_reason(obj, form)
        obj._history_user = request.user
        contradictions.contradiction_save(
            obj,
            citations=form.cleaned_data.get("citations"),
            status_events=form.cleaned_data.get("status_events"),
            user=request.user,
        )

    def save_related(self, request, form, formsets, change):
        # The links were written with the record in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


# The source's admin, with its document page (transfers.document_admin).
admin.site.unregister(Source)
admin.site.register(Source, DocumentSourceAdmin)
