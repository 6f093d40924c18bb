"""What search looks at in this app's records: one `SearchSpec` per model.

The spec builds both the query (the filtersets' `search`) and the stored
document (`transfers.search_index`, and migration 0005 that filled it), so
it lives here, where the filters, the index and the migration all import it
without the index depending on the API's filters.
"""

from common.search import SearchSpec

SYSTEM_SEARCH = SearchSpec(
    fields={
        "designation": "A",
        "slug": "A",
        "aliases": "A",
        "nato_reporting_name": "A",
        "description": "C",
    }
)

TRANSFER_SEARCH = SearchSpec(
    fields={
        "slug": "A",
        "supplier__name": "A",
        "supplier__aliases": "B",
        "recipient__name": "A",
        "recipient__aliases": "B",
        "system__designation": "A",
        "system__aliases": "B",
        "system__nato_reporting_name": "B",
        "notes": "C",
    },
    many={
        "intermediaries__name": "B",
        "intermediaries__aliases": "B",
        "citations__quote": "D",
        # Whom a claim is attributed to, as the text names them ("Fars",
        # "Ukrainian intelligence"): a reader searches for who said it.
        "citations__attributed_to": "D",
    },
    # Stored per transfer and GIN-indexed on PostgreSQL; transfers.search_index
    # keeps it up to date.
    document_field="search_document",
)

# Stored per citation (GIN-indexed on PostgreSQL), kept true by
# transfers.citation_search_index.
CITATION_SEARCH = SearchSpec(
    fields={"quote": "A", "location": "C", "note": "C"}, document_field="search_document"
)

# Computed at query time (few packages): ranked on PostgreSQL, a substring match elsewhere.
PACKAGE_SEARCH = SearchSpec(fields={"name": "A", "slug": "A", "notes": "C"})
