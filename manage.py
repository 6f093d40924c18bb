#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Commands (migrate, exports, demo data, index rebuilds) run for minutes by
    # design: the web's statement timeout would cut them off. They get their
    # own, none unless DB_COMMAND_STATEMENT_TIMEOUT says (see config/settings.py).
    os.environ["DB_STATEMENT_TIMEOUT"] = os.environ.get("DB_COMMAND_STATEMENT_TIMEOUT", "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
