"""The reading assistant: known names in, proposed mentions and claims out."""

import datetime
from collections.abc import Iterable

from .claims import ClaimReader
from .mentions import MentionFinder
from .names import build_name_table
from .records import Extraction, KnownName
from .segments import SentenceSplitter, mask_markup


class Assistant:
    """Reads texts against a fixed set of known records.

    The automata and the sentence splitter are built once, here; `read` is
    pure (no database, no network, nothing downloaded): the same text and
    the same known names always give the same extraction.
    """

    def __init__(self, known: Iterable[KnownName]):
        records = tuple(known)
        self.known_keys = frozenset(record.key for record in records)
        self.finder = MentionFinder(build_name_table(records))
        self.splitter = SentenceSplitter()

    def read(self, text: str, *, published: datetime.date | None = None) -> Extraction:
        """What `text` says: its mentions and its candidate claims.

        `published`, the document's own date where known, only resolves
        relative dates ("last December"); it is never a claim's date itself.
        """
        masked = mask_markup(text)
        founds = self.finder.find(text)
        sentences = self.splitter.split(masked)
        claims = ClaimReader(text, masked, founds, self.known_keys).read(sentences, published)
        return Extraction(mentions=tuple(found.mention for found in founds), claims=tuple(claims))
