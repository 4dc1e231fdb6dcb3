"""Paper identifiers and URLs: the one place that knows what an arXiv id, a DOI or an
OpenReview id looks like in a URL or in text, how URLs are compared, and what kind of work a URL
suggests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

from .. import loader
from ..loader import ARXIV_NEW, ARXIV_OLD

_ARXIV_URL = re.compile(
    rf"^https?://(?:(?:www\.|export\.|browse\.)?arxiv\.org/(?:abs|pdf|html|format|ps)/"
    rf"|ar5iv(?:\.labs\.arxiv)?\.org/(?:html|abs)/)"
    rf"(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?(?:\.pdf)?/?(?:[?#].*)?$"
)
_HF_PAPER_URL = re.compile(rf"^https?://huggingface\.co/papers/(?P<id>{ARXIV_NEW})(?:v\d+)?/?$")
_ARXIV_TEXT = re.compile(rf"\barxiv\s*:\s*(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?", re.I)
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.(?P<id>{ARXIV_NEW})$", re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(?P<doi>10\.\d{4,9}/\S+)$", re.I)
#: A publisher's page named by its DOI (ACM, Wiley, Science, Taylor & Francis …).
_DOI_PATH = re.compile(
    r"^https?://[^/]+/doi/(?:abs/|full/|pdf/|epdf/)?(?P<doi>10\.\d{4,9}/[^?#\s]+)"
)
_OPENREVIEW = re.compile(r"^https?://(?:www\.)?openreview\.net/(?:forum|pdf)\?(?:.*&)?id=([^&#]+)")

_PAPER_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "aclanthology.org",
    "aclweb.org",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "papers.neurips.cc",
    "proceedings.mlr.press",
    "jmlr.org",
    "dl.acm.org",
    "ieeexplore.ieee.org",
    "doi.org",
    "link.springer.com",
    "openaccess.thecvf.com",
    "semanticscholar.org",
    "biorxiv.org",
    "ojs.aaai.org",
    "ijcai.org",
    "nature.com",
    "science.org",
)
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "gist.github.com")
_BLOG_HOSTS = (
    "medium.com",
    "substack.com",
    "blogspot.com",
    "wordpress.com",
    "towardsdatascience.com",
    "lilianweng.github.io",
    "jalammar.github.io",
    "colah.github.io",
    "karpathy.github.io",
    "thegradient.pub",
    "distill.pub",
)
_BLOG_PATHS = {"blog", "blogs", "news", "post", "posts"}


def host_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _on(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def arxiv_id(url: str) -> str | None:
    """The arXiv id an arXiv abs/pdf/html (or Hugging Face papers) URL names, without version."""
    match = _ARXIV_URL.match(url) or _HF_PAPER_URL.match(url)
    return match.group("id") if match else None


def arxiv_in_text(text: str) -> str | None:
    """An ``arXiv:2305.18290`` mention in free text, or an arXiv DOI, without version."""
    match = _ARXIV_TEXT.search(text)
    if match:
        return match.group("id")
    doi = _ARXIV_DOI.match(text.strip())
    return doi.group("id") if doi else None


def doi_url(url: str) -> str | None:
    """The DOI a doi.org URL names."""
    match = _DOI_URL.match(url)
    return match.group("doi").rstrip(".,;") if match else None


def doi_of(text: str) -> str | None:
    """The DOI of a doi.org URL, or of a ``doi: 10.…`` mention."""
    match = _DOI_URL.match(text)
    if match:
        return match.group("doi").rstrip(".,;")
    match = _DOI.search(text)
    return match.group(1).rstrip(".,;") if match else None


def year_of_arxiv(identifier: str) -> int | None:
    """The year an arXiv id was first submitted (new ids are YYMM.NNNNN, old ones …/YYMMNNN)."""
    digits = identifier.split("/")[-1][:2] if "/" in identifier else identifier[:2]
    if not digits.isdigit():
        return None
    yy = int(digits)
    return 1900 + yy if yy >= 91 else 2000 + yy


def canonical_url(url: str) -> str:
    """``url`` as stored: every arXiv URL of a paper becomes its one ``abs`` page."""
    found = _ARXIV_URL.match(url)
    return f"https://arxiv.org/abs/{found.group('id')}" if found else url


_ACL = re.compile(
    r"^https?://(?:www\.)?(?:aclanthology\.org|aclweb\.org/anthology)/"
    r"(?:[A-Z]/[A-Z]\d\d/)?(?P<id>\d{4}\.[a-z][\w-]*\.\d+|[A-Z]\d{2}-\d{4})(?:v\d+)?(?:\.pdf)?/?$"
)
_PMLR = re.compile(
    r"^https?://proceedings\.mlr\.press/(?P<volume>v\d+)/(?P<name>[\w-]+?)(?:/[\w-]+)?"
    r"(?:\.html|\.pdf)?/?$"
)
_NEURIPS = re.compile(
    r"^https?://(?:proceedings|papers)\.(?:neurips|nips)\.cc/paper(?:_files)?/"
    r"(?:paper/)?(?P<year>\d{4})/(?:hash|file)/(?P<hash>[0-9a-f]{32})"
)


def paper_key(url: str) -> str | None:
    """The identifier a paper's URL names, as ``scheme:id``, whichever page or file of it the URL
    is: ``arxiv:`` (abs, pdf, html, versions), ``doi:``, ``openreview:``, ``acl:`` (ACL
    Anthology), ``pmlr:`` (PMLR proceedings) or ``neurips:`` (NeurIPS proceedings); None when
    it names none of them."""
    found = arxiv_id(url)
    if found:
        return f"arxiv:{found}"
    path = _DOI_PATH.match(url)
    doi = doi_url(url) or (path.group("doi").rstrip("/.,;") if path else None)
    if doi:
        inner = arxiv_in_text(doi)
        return f"arxiv:{inner}" if inner else f"doi:{doi.lower()}"
    for pattern, scheme in ((_OPENREVIEW, "openreview"), (_ACL, "acl")):
        match = pattern.match(url)
        if match:
            return f"{scheme}:{match.group(1)}"
    pmlr = _PMLR.match(url)
    if pmlr:
        return f"pmlr:{pmlr.group('volume')}/{pmlr.group('name')}"
    neurips = _NEURIPS.match(url)
    if neurips:
        return f"neurips:{neurips.group('year')}/{neurips.group('hash')}"
    return None


def paper_keys_in_text(text: str) -> list[str]:
    """The ``arXiv:2401.01234`` mentions and bare DOIs of free text, as :func:`paper_key`s."""
    keys = [f"arxiv:{m.group('id')}" for m in _ARXIV_TEXT.finditer(text)]
    for match in _DOI.finditer(text):
        doi = match.group(1).rstrip(".,;)")
        inner = _ARXIV_DOI.match(doi)
        keys.append(f"arxiv:{inner.group('id')}" if inner else f"doi:{doi.lower()}")
    return list(dict.fromkeys(keys))


def paper_mentions(text: str) -> list[tuple[str, int, int]]:
    """``(url, start, end)`` of each ``arXiv:2401.01234`` mention and bare DOI in free text, the
    URL being the paper's canonical page."""
    found = [
        (f"https://arxiv.org/abs/{m.group('id')}", m.start(), m.end())
        for m in _ARXIV_TEXT.finditer(text)
    ]
    for match in _DOI.finditer(text):
        doi = match.group(1).rstrip(".,;)")
        if not any(start <= match.start() < end for _, start, end in found):
            found.append((f"https://doi.org/{doi}", match.start(), match.start() + len(doi)))
    return sorted(found, key=lambda item: item[1])


def normalize_url(url: str) -> str:
    """The form URLs are compared in: no scheme, ``www.``, fragment, tracking or trailing ``/``.

    Every URL of one paper (:func:`paper_key`: arXiv abs and pdf pages, OpenReview forum and
    pdf, an ACL Anthology page and its pdf …) is one URL.
    """
    key = paper_key(url)
    if key and not key.startswith("doi:"):
        return key
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_") and k != "tab"]
    host = host_of(url)
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def unique_urls(urls: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """``urls`` in order, without those the same (by :func:`normalize_url`) as an earlier one
    or as one of ``known``."""
    seen = {normalize_url(u) for u in known}
    unique = []
    for url in urls:
        key = normalize_url(url)
        if key not in seen:
            seen.add(key)
            unique.append(url)
    return unique


def guess_kind(urls: Iterable[str]) -> str:
    """The kind of work its URLs suggest: a paper host wins over code, code over a blog, …"""
    kinds = set()
    for url in urls:
        host, path = host_of(url), urlsplit(url).path.lower()
        segments = {s for s in path.split("/") if s}
        if _on(host, _PAPER_HOSTS) or (host == "huggingface.co" and "papers" in segments):
            kinds.add("paper")
        elif _on(host, _CODE_HOSTS):
            kinds.add("code-repository")
        elif "leaderboard" in host or "leaderboard" in path:
            kinds.add("leaderboard")
        elif (
            _on(host, _BLOG_HOSTS)
            or any("blog" in label for label in host.split("."))
            or segments & _BLOG_PATHS
        ):
            kinds.add("blog-post")
        elif "lecture" in path or "slides" in path:
            kinds.add("lecture-notes")
        elif path.endswith(".pdf"):
            kinds.add("paper")
        else:
            kinds.add("web-page")
    for kind in ("paper", "code-repository", "leaderboard", "blog-post", "lecture-notes"):
        if kind in kinds:
            return kind
    return "web-page" if kinds else "paper"


def is_web_url(url: str) -> bool:
    """Whether ``url`` is a link to somewhere: an IRI the graph can hold (``loader.is_iri``)
    with a host, which a reading's address must have."""
    return loader.is_iri(url) and bool(urlsplit(url).netloc)
