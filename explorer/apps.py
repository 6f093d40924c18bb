from django.apps import AppConfig


class ExplorerConfig(AppConfig):
    """The public, read-only explorer: the register, records and their evidence."""

    name = "explorer"
    verbose_name = "Explorer"
