from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "Transfers and weapon systems"

    def ready(self):
        from . import search_index

        search_index.connect()
