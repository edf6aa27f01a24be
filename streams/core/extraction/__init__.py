"""Claim extraction: pure functions from an article to the claims it carries.

No I/O beyond reading the packaged data files once; see docs/extraction.md.
"""

from streams.core.extraction.extractor import EXTRACTOR_VERSION, combine, extract

__all__ = ["EXTRACTOR_VERSION", "combine", "extract"]
