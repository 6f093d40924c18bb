from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "assistant"
    verbose_name = "Reading assistant"

    def ready(self):
        # Connects its receiver by being imported.
        from . import signals  # noqa: F401
