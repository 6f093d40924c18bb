"""API building blocks shared by the apps: fields, serializer bases, the
viewset base with id-or-slug lookup and ETags, pagination, error handling
and the OpenAPI schema class."""
