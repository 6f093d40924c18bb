"""OpenAPI additions the generator cannot see: the id-or-slug relation's two
faces, the ETag / If-Match / X-Change-Reason headers, the error responses
(one shared `Error` component), anonymous reads, the path's id typed as what
the route takes, and repeatable reference filters.

Each is there so a client generated from the schema works as is (issue 16;
.ci/generated_client.py generates one and runs it against a live server)."""

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_basic_type, force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import (
    SAFE_METHODS,
    AllowAny,
    DjangoModelPermissionsOrAnonReadOnly,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)

from .filters import ReferenceFilter, YearFilter
from .renderers import ListCSVRenderer

CSV_RESPONSE = {
    "schema": {
        "type": "string",
        "description": (
            "`?format=csv` (or `Accept: text/csv`): this page's results as CSV, one row a "
            "record, with a header row. A nested object is spread over columns named by its "
            "path (`supplier.name`); a list is one cell of JSON. The page's links are in the "
            '`Link` header (`rel="next"`, `rel="prev"`), the count in `X-Total-Count`. Errors '
            "stay JSON."
        ),
    }
}

#: The one error shape every operation refers to (as `#/components/schemas/Error`),
#: so a generated client has one error type, not one per operation and status.
ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'Invalid input: `{"field": ["message", …]}` (nested for nested fields, '
        "`non_field_errors` for the record as a whole). Anything else: "
        '`{"detail": "message"}`.'
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {},
}

ERRORS = {
    "304": "Not Modified: `If-None-Match` holds the current ETag. No body.",
    "308": (
        "This record was merged into another; repeat the request at the survivor's URL, "
        "given in `Location`."
    ),
    "400": "Invalid input or query parameter; the body names each field and what is wrong.",
    "401": "Not authenticated: send `Authorization: Token <key>` (or log in for a session).",
    "403": "Authenticated, but without the model permission this write needs.",
    "404": "No such record (or, for a list, a page past the last one).",
    "409": "Refused: the record is still referred to, or a concurrent write got there first.",
    "412": "`If-Match` no longer matches the record's ETag: someone changed it. Nothing was "
    "written; fetch it again and retry.",
    "413": "The request body is larger than the server accepts (2.5 MB by default).",
    "414": "The query string is longer than the web server accepts (gunicorn: a request line "
    "of 4094 bytes). Answered by the server before the API, as a short HTML page.",
    "415": "The body's Content-Type is not one the API reads (send application/json).",
    "429": "Too many requests from this client: wait for the seconds given in `Retry-After`.",
}

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"

#: Permissions under which anyone may read (GET, HEAD, OPTIONS) without logging in.
ANONYMOUS_READS = (AllowAny, IsAuthenticatedOrReadOnly, DjangoModelPermissionsOrAnonReadOnly)
#: The actions that keep an `X-Change-Reason` header in the record's history
#: (ApiModelViewSet.record_change_reason).
CHANGE_REASON_ACTIONS = ("create", "update", "partial_update")


class ApiAutoSchema(AutoSchema):
    def _is_detail(self):
        return "{" in self.path

    def map_renderers(self, attribute):
        # The CSV of a list is not its JSON schema: get_operation documents it as text.
        csv_value = getattr(ListCSVRenderer, attribute)
        return [value for value in super().map_renderers(attribute) if value != csv_value]

    def _offers_csv(self) -> bool:
        return (
            self.method == "GET"
            and self._is_list_view()
            and self._get_paginator() is not None
            and any(isinstance(renderer, ListCSVRenderer) for renderer in self.view.get_renderers())
        )

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        # The route's pattern takes any segment (RECORD_LOOKUP_PATTERN); what the
        # view looks it up as decides the type: digits are an id, else a slug.
        by_slug = getattr(self.view, "path_takes_slug", False)
        for parameter in parameters:
            if parameter["name"] in ("id", "pk"):
                if by_slug:
                    parameter["schema"] = {"type": "string", "pattern": r"^[^/]+$"}
                    parameter["description"] = (
                        "The record's id (digits) or its slug: `12` or `russia`."
                    )
                else:
                    parameter["schema"] = {"type": "integer"}
                    parameter["description"] = "The record's id."
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        """A response holds every field its serializer reads out, whether or
        not a write needs it: in a response component (with
        COMPONENT_SPLIT_REQUEST, not the request's) each is `required`, so a
        generated client types it as present, `None` only where nullable.
        Except where a plain (schema-only) serializer says a field may be
        left out (`required=False`: a flow's `year`, only with `per_year`)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "response" or not schema.get("properties"):
            return schema
        serializer = force_instance(serializer)
        fields = serializer.fields
        optional = {
            name
            for name, field in fields.items()
            if not isinstance(serializer, serializers.ModelSerializer)
            and not field.required
            and not field.read_only
        }
        schema["required"] = sorted(
            name
            for name, field in schema["properties"].items()
            if name not in optional and not (isinstance(field, dict) and field.get("writeOnly"))
        )
        return schema

    def get_auth(self):
        """The token and the session, and for a read that anyone may make, no
        authentication at all (`{}`): DRF's anonymous-read permissions are
        not ones drf-spectacular knows to mark so."""
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            permissions = self.view.get_permissions()
            if permissions and all(isinstance(p, ANONYMOUS_READS) for p in permissions):
                auths.append({})
        return auths

    def _error_ref(self) -> dict:
        component = ResolvedComponent(
            name=ERROR_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            object=ERROR_COMPONENT,
            schema=ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        etag = "A hash of this representation; send it back in `If-Match` to write safely."
        if getattr(self.view, "action", None) in CHANGE_REASON_ACTIONS and hasattr(
            self.view, "record_change_reason"
        ):
            parameters.append(
                OpenApiParameter(
                    "X-Change-Reason",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description=(
                        "Why this change is made, kept in the record's history (one line, "
                        "at most 100 characters are kept; a control character is a 400)."
                    ),
                )
            )
        if self.method == "GET" and self._is_detail():
            parameters += [
                OpenApiParameter(
                    "If-None-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="An ETag you hold: 304 Not Modified if it is still current.",
                ),
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=[200],
                    description=etag,
                ),
            ]
        elif self.method in ("PUT", "PATCH", "DELETE"):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description=(
                        "The ETag of the version you edited. If the record changed since, the "
                        "write is refused with 412 and nothing changes. Optional, but send it."
                    ),
                )
            )
            if self.method != "DELETE":
                parameters.append(
                    OpenApiParameter(
                        "ETag",
                        OpenApiTypes.STR,
                        OpenApiParameter.HEADER,
                        response=[200],
                        description=etag,
                    )
                )
        elif self.method == "POST":
            parameters += [
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=[201],
                    description=etag,
                ),
                OpenApiParameter(
                    "Location",
                    OpenApiTypes.URI,
                    OpenApiParameter.HEADER,
                    response=[201],
                    description="The new record's URL.",
                ),
            ]
        return parameters

    def _error_codes(self, operation) -> list[str]:
        """The error statuses this operation can answer, from what it takes:
        query parameters can be invalid (400), a record in the path can be
        missing (404) or merged away (308), a page can be past the last (404),
        a write needs a login (401) and a permission (403), and any request
        can be throttled (429)."""
        codes = {"429"}
        detail = self._is_detail()
        # ApiModelViewSet answers 308 for a merged record (not imported: it
        # imports this module's settings through drf-spectacular).
        record_view = hasattr(self.view, "merged_into_url")
        if self.method == "GET":
            if any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
                codes |= {"400", "414"}
            paginated = self._is_list_view() and self._get_paginator() is not None
            if detail or paginated:
                codes.add("404")
            if detail and record_view:
                codes.add("308")
            if getattr(self.view, "action", None) == "retrieve":
                codes.add("304")
            return sorted(codes)
        permissions = getattr(self.view, "permission_classes", [])
        if not all(issubclass(permission, AllowAny) for permission in permissions):
            codes.add("401")
            # A view that asks only for a login (revoking one's token) never answers 403.
            if not all(issubclass(permission, IsAuthenticated) for permission in permissions):
                codes.add("403")
        if self.method in ("POST", "PUT", "PATCH") and "requestBody" in operation:
            codes |= {"400", "413", "415"}
        if detail:
            codes |= {"404", "409"}
            if self.method in ("PUT", "PATCH", "DELETE"):
                codes |= {"308", "412"}
        return sorted(codes)

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        if self._offers_csv() and "200" in responses:
            responses["200"].setdefault("content", {})["text/csv"] = CSV_RESPONSE
        for code in self._error_codes(operation):
            response = {"description": ERRORS[code]}
            if code == "414":
                response["content"] = {"text/html": {"schema": {"type": "string"}}}
            elif code != "304":
                response["content"] = {"application/json": {"schema": self._error_ref()}}
            responses.setdefault(code, response)
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before trying again.",
            }
        return operation


class TokenScheme(KnoxTokenScheme):
    """knox's token under the name DRF's token had, so clients generated from
    the schema keep their `tokenAuth`."""

    name = "tokenAuth"
    priority = 1


class IdOrSlugRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """Read: the brief nested object. Write: an id or a slug."""

    target_class = "common.api.fields.IdOrSlugRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if direction == "response" and field.brief_serializer is not None:
            return auto_schema.resolve_serializer(field.brief_serializer, direction).ref
        model = field.queryset.model._meta.verbose_name if field.queryset is not None else "record"
        choices = [{**build_basic_type(OpenApiTypes.INT), "description": f"The {model}'s id."}]
        brief = {
            "type": "object",
            "properties": {"id": build_basic_type(OpenApiTypes.INT)},
            "required": ["id"],
            "description": f"The {model} in brief, as read (only its id is used).",
        }
        if field.slug_field:
            choices.append(
                {"type": "string", "pattern": SLUG_PATTERN, "description": f"The {model}'s slug."}
            )
        return {"oneOf": [*choices, brief]}


class ApiDjangoFilterExtension(DjangoFilterExtension):
    """django-filter parameters, with the filter's help text kept even where
    the type comes from an `extend_schema_field` override (slug, id and year
    filters), so every parameter is described, and the slug and id filters,
    which take several values, typed as arrays."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        description = filter_field.extra.get("help_text") or filter_field.label
        for parameter in parameters:
            if not parameter.get("description") and description:
                parameter["description"] = str(description)
            if isinstance(filter_field, ReferenceFilter):
                # Repeat the parameter for several records (?supplier=a&supplier=b).
                parameter["schema"] = {"type": "array", "items": parameter["schema"]}
                parameter["style"] = "form"
                parameter["explode"] = True
            if isinstance(filter_field, YearFilter):
                parameter["schema"].update(
                    {
                        "minimum": filter_field.extra["min_value"],
                        "maximum": filter_field.extra["max_value"],
                    }
                )
        return parameters


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[-1]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


BLANK_ENUM_REF = "#/components/schemas/BlankEnum"
EMPTY_STRING = {"type": "string", "maxLength": 0}


def _replace_blank_enum(node):
    if isinstance(node, dict):
        choices = node.get("oneOf")
        if isinstance(choices, list) and (
            {"$ref": BLANK_ENUM_REF} in choices or EMPTY_STRING in choices
        ):
            # anyOf, not oneOf: "" may pass the other choice too (a URL's
            # string, for a validator that does not check formats).
            del node["oneOf"]
            node["anyOf"] = [
                EMPTY_STRING if choice == {"$ref": BLANK_ENUM_REF} else choice for choice in choices
            ]
        for value in node.values():
            _replace_blank_enum(value)
    elif isinstance(node, list):
        for item in node:
            _replace_blank_enum(item)


def blank_as_empty_string(result, generator, request, public):
    """A field that may be empty (`"condition": ""`) as "any of the enum (or
    the URL, …) or the empty string", not drf-spectacular's `BlankEnum` component:
    generators make that a type of its own, an enum whose one member is "".
    Runs after postprocess_schema_enums, which adds it; the component, now
    unreferenced, goes with drop_unreferenced_components."""
    _replace_blank_enum(result.get("paths", {}))
    _replace_blank_enum(result.get("components", {}).get("schemas", {}))
    return result


def drop_unreferenced_components(result, generator, request, public):
    """Remove schema components nothing refers to.

    A read-only nested serializer still gets a `…Request` twin when the
    request side is mapped, though no request uses it; a client generated
    from the schema would carry those dead types."""
    schemas = result.get("components", {}).get("schemas", {})
    reachable, pending = set(), list(_refs(result.get("paths", {})))
    while pending:
        name = pending.pop()
        if name in reachable or name not in schemas:
            continue
        reachable.add(name)
        pending.extend(_refs(schemas[name]))
    for name in list(schemas):
        if name not in reachable:
            del schemas[name]
    return result
