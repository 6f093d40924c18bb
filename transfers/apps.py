from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "Transfers and weapon systems"

    def ready(self):
        # anchors connects its receiver by being imported.
        from . import anchors, citation_search_index, contradictions, evidence, search_index  # noqa: F401

        # The citation's own document first, then its transfer's (the order
        # the signals ran in when citations lived in `sources`).
        citation_search_index.connect()
        search_index.connect()
        evidence.connect()
        contradictions.connect()
