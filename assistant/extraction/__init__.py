"""The reading assistant's engine (issue 15 §4): pure Python, no database.

For a source's text it proposes the mentions of known actors and systems
(and of names that look like new ones) and candidate claims of transfers,
each with its exact quote span, for an editor to review.
"""

from .assistant import Assistant
from .records import CandidateClaim, Extraction, KnownName, Mention

__all__ = ["Assistant", "CandidateClaim", "Extraction", "KnownName", "Mention"]
