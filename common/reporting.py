"""What the DEBUG error page and the admins' error mails may show."""

import re

from django.views.debug import SafeExceptionReporterFilter


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter hides names with API, TOKEN, KEY, SECRET, PASS or
    SIGNATURE. Connection URLs carry passwords under other names
    (DATABASE_URL, REDIS_URL, CACHE_URL in os.environ, which runserver copies
    into request.META; a cache's LOCATION), and a request's credentials sit in
    its Authorization header and session cookie; so every URL, DSN, LOCATION,
    AUTH* and COOKIE/SESSION name is hidden too."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|URL|DSN|LOCATION|AUTH|COOKIE|SESSION",
        flags=re.IGNORECASE,
    )
