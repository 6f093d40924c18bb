from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and citations"

    def ready(self):
        from . import search_index

        search_index.connect()
