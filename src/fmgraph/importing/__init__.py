"""Importing reading lists into a data directory.

One module per job: :mod:`.records` (what sources say and what an import did),
:mod:`.identifiers` (paper ids and URLs), :mod:`.text` (titles, roles, bylines), one parser
per source format (:mod:`.posts`, :mod:`.site`, :mod:`.bibtex`, :mod:`.csl_json`; a site's
pages become :mod:`.blocks` and the rules of :mod:`.readings` read readings out of them),
:mod:`.plan` (the merge plan), :mod:`.yaml_edit` (data-file text in, text out) and
:mod:`.write` (check and write), tied together by :mod:`.commands`.
"""

from __future__ import annotations

from .commands import (
    OWNED_FILES,
    import_bibtex,
    import_csl_json,
    import_posts,
    import_site,
    merge_sessions,
)
from .records import Change, ConceptLink, ImportResult

__all__ = [
    "OWNED_FILES",
    "Change",
    "ConceptLink",
    "ImportResult",
    "import_bibtex",
    "import_csl_json",
    "import_posts",
    "import_site",
    "merge_sessions",
]
