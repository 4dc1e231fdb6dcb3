"""The merge plan: which works and sessions an import adds, and what it adds to known ones.

A work already known (same arXiv id, DOI, normalized URL or normalized title) is reused and
only gains what it lacked (URLs, arXiv id, DOI, year, authors); a session already known gains
the readings, topics and fields it lacked, and keeps everything it had. Re-importing the same
sources therefore plans nothing. The plan writes nothing: :mod:`.yaml_edit` turns it into file
text and :mod:`.write` checks and writes that text.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from ..errors import Problem
from ..model import Catalog, Concept, Session, Work
from ..names import normalize
from ..vocab import slug
from .identifiers import guess_kind, normalize_url, unique_urls
from .records import ConceptLink, EntryUpdate, ImportedReading, ImportedSession


def _linked(work: Work) -> list[str]:
    """The concepts a work is linked to already, by any relation."""
    return list(dict.fromkeys(work.introduces + work.teaches + work.uses + work.discusses))


def _identity(arxiv: str | None, doi: str | None, urls: Iterable[str], title: str) -> list[str]:
    """The keys a work is recognised by, strongest first."""
    keys = []
    if arxiv:
        keys.append(f"arxiv:{arxiv}")
    if doi:
        keys.append(f"doi:{doi.lower()}")
    keys += [f"url:{normalize_url(u)}" for u in urls]
    name = normalize(title)
    if name:
        keys.append(f"title:{name}")
    return keys


class Merger:
    """Plans every change of one import against a loaded catalog; writes nothing."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        # Works and sessions as the plan leaves them: copies of the catalog's, and new ones.
        self.works: dict[str, Work] = {}
        self.new_works: dict[str, None] = {}
        self.index: dict[str, str] = {}
        for work in catalog.works.values():
            self._register(copy.deepcopy(work))
        self.sessions: dict[str, Session] = {
            s.code: copy.deepcopy(s) for s in catalog.sessions.values()
        }
        self.new_sessions: set[str] = set()
        self.topics: dict[str, str] = {t.id: t.label for t in catalog.topics.values()}
        self.new_topics: list[str] = []
        self.updates: dict[tuple[str, str], EntryUpdate] = {}
        self.reported: list[Problem] = []
        self.touched: dict[str, None] = {}
        self.reused: dict[str, None] = {}
        self.readings_added = 0
        self.session_order: list[str] = []
        #: Abstracts sources carry, per work id: evidence for concept links, never stored.
        self.abstracts: dict[str, list[str]] = {}
        #: The work each source file's readings were matched to or added as.
        self.works_of_file: dict[str, dict[str, None]] = {}

    # ------------------------------------------------------------------ bookkeeping

    def _register(self, state: Work) -> None:
        self.works[state.id] = state
        keys = _identity(state.arxiv, state.doi, state.urls, state.title)
        if state.id.startswith("arxiv-") and not state.arxiv:
            keys.insert(0, f"arxiv:{state.id[len('arxiv-') :]}")
        for key in keys:
            self.index.setdefault(key, state.id)

    def _update(self, section: str, key: str) -> EntryUpdate:
        """The pending update of an existing entry, created on first use."""
        found = self.updates.get((section, key))
        if found is None:
            table: dict[str, Any] = getattr(self.catalog, section)
            source = table[key].source
            found = EntryUpdate(section, key, source.file, source.line)
            self.updates[(section, key)] = found
        return found

    def _unique_id(self, base: str) -> str:
        base = base or "work"
        candidate, n = base, 2
        while candidate in self.works:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    # ------------------------------------------------------------------------ works

    def _find(self, work: Work) -> str | None:
        for key in _identity(work.arxiv, work.doi, work.urls, work.title):
            found = self.index.get(key)
            if found is None:
                continue
            state = self.works[found]
            clash_arxiv = work.arxiv and state.arxiv and work.arxiv != state.arxiv
            clash_doi = work.doi and state.doi and work.doi.lower() != state.doi.lower()
            if not (clash_arxiv or clash_doi):
                return found
        return None

    def work_for(self, work: Work) -> str:
        """The id of the work a reading reads: an existing one merged with it, or a new one."""
        found = self._find(work)
        if found is None:
            base = f"arxiv-{work.arxiv}" if work.arxiv else slug(work.title)
            state = copy.deepcopy(work)
            state.id = self._unique_id(base)
            self.new_works[state.id] = None
            self._register(state)
            self.touched[state.id] = None
            return state.id
        state = self.works[found]
        self.touched[found] = None
        is_new = found in self.new_works
        if not is_new:
            self.reused[found] = None
        extra = unique_urls(work.urls, known=state.urls)
        fill: dict[str, Any] = {}
        if work.arxiv and not state.arxiv and f"arxiv:{work.arxiv}" not in self.index:
            fill["arxiv"] = state.arxiv = work.arxiv
        if work.doi and not state.doi and f"doi:{work.doi.lower()}" not in self.index:
            fill["doi"] = state.doi = work.doi
        if work.year and not state.year:
            fill["year"] = state.year = work.year
        if work.authors and not state.authors:
            state.authors = list(work.authors)
            fill["authors"] = list(work.authors)
            if work.authors_truncated and not state.authors_truncated:
                fill["authors_truncated"] = state.authors_truncated = True
        state.urls.extend(extra)
        if is_new:
            state.kind = "paper" if state.arxiv else guess_kind(state.urls)
        elif extra or fill:
            update = self._update("works", found)
            if extra:
                update.add("urls", extra, "add URL " + ", ".join(extra))
            for name, value in fill.items():
                update.set[name] = value
                shown = ", ".join(value) if isinstance(value, list) else value
                update.notes.append(f"set {name} {shown}")
        self._register(state)
        return found

    # ----------------------------------------------------------------------- topics

    def topic_for(self, tag: str, session: ImportedSession) -> str | None:
        key = slug(tag)
        if not key:
            session.problems.append(
                Problem(
                    session.file,
                    session.line,
                    f"session {session.code!r}",
                    f"tag {tag!r} has no letters or digits; left out",
                )
            )
            return None
        wanted = normalize(tag)
        for topic_id, label in self.topics.items():
            if topic_id == key or normalize(label) == wanted:
                return topic_id
        self.topics[key] = tag
        self.new_topics.append(key)
        return key

    # --------------------------------------------------------------------- sessions

    def _report(self, session: ImportedSession, message: str) -> None:
        self.reported.append(
            Problem(session.file, session.line, f"session {session.code!r}", message)
        )

    def _readings(self, session: ImportedSession) -> list[tuple[str, str, ImportedReading]]:
        """``(role, work id, reading)`` of a source, each work once."""
        seen: dict[str, ImportedReading] = {}
        result = []
        for reading in session.readings:
            work_id = self.work_for(reading.work)
            self.works_of_file.setdefault(session.file, {})[work_id] = None
            if reading.abstract:
                self.abstracts.setdefault(work_id, []).append(reading.abstract)
            if work_id in seen:
                first = seen[work_id]
                reading.report(
                    f"reads the same work ({work_id}) as line {first.line}; kept once, "
                    f"as {first.role}"
                )
                continue
            seen[work_id] = reading
            result.append((reading.role, work_id, reading))
        return result

    def session(self, session: ImportedSession) -> None:
        """Plan the changes one imported session makes."""
        topics = [t for t in (self.topic_for(tag, session) for tag in session.tags) if t]
        readings = self._readings(session)
        state = self.sessions.get(session.code)
        if session.code not in self.session_order:
            self.session_order.append(session.code)
        if state is None:
            if session.title is None:
                self._report(
                    session,
                    "is a new session; it is titled by its code until you give it a title",
                )
            state = Session(
                session.code,
                session.title or session.code,
                date=session.date,
                collection=session.collection,
                topics=list(dict.fromkeys(topics)),
                required=[w for role, w, _ in readings if role == "required"],
                further=[w for role, w, _ in readings if role == "further"],
            )
            self.new_sessions.add(session.code)
            self.sessions[session.code] = state
            self.readings_added += len(readings)
            return
        is_new = session.code in self.new_sessions
        if is_new:
            self._report(session, "is also imported from an earlier source; merged into it")

        def change(name: str, items: list[Any], note: str) -> None:
            getattr(state, name).extend(items)
            if not is_new:
                self._update("sessions", session.code).add(name, items, note)

        listed = set(state.required) | set(state.further)
        for role, work_id, reading in readings:
            if work_id in listed:
                has = "required" if work_id in state.required else "further"
                if has != role:
                    reading.report(f"is {has} reading of session {session.code} already; kept so")
                continue
            listed.add(work_id)
            change(role, [work_id], f"add {role} reading {work_id}")
            self.readings_added += 1
        new_topics = [t for t in dict.fromkeys(topics) if t not in state.topics]
        if new_topics:
            change("topics", new_topics, "add topic " + ", ".join(new_topics))
        for name in ("date", "collection", "title"):
            value = getattr(session, name)
            current = getattr(state, name)
            if value is None or value == current:
                continue
            if current is None or (name == "title" and current == session.code):
                setattr(state, name, value)
                if not is_new:
                    update = self._update("sessions", session.code)
                    update.set[name] = value
                    update.notes.append(f"set {name} {value}")
            else:
                self._report(session, f"keeps its {name} {current!r} (the source says {value!r})")
        if session.complete:
            ids = {w for _, w, _ in readings}
            missing = [w for w in state.required + state.further if w not in ids]
            if missing:
                self._report(
                    session,
                    f"{len(missing)} reading(s) of the data are not in this source and were "
                    f"kept: {few(missing)}",
                )

    # ------------------------------------------------------------------------ links

    def link_concepts(self, write: bool) -> list[ConceptLink]:
        """Links from each touched work to the concepts its title names (a label or alias as a
        whole word), as teaches, uses or discusses (:func:`relation_in_title`); and, for
        concepts the title does not name, discusses links where an abstract the source carries
        names the concept's label. The abstract is evidence only; it is never stored."""
        patterns = [
            (c, _name_patterns(c))
            for c in sorted(self.catalog.concepts.values(), key=lambda c: c.id)
        ]
        links: list[ConceptLink] = []
        for work_id in self.touched:
            state = self.works[work_id]
            found: list[ConceptLink] = []
            linked = _linked(state)
            spans: dict[str, tuple[int, int]] = {}
            for concept, names in patterns:
                if concept.id in linked:
                    continue
                link, span = _title_link(state, concept.id, names, write)
                if link is None:
                    link = _abstract_link(state, concept, self.abstracts.get(work_id, []), write)
                if link is not None:
                    found.append(link)
                    if span is not None:
                        spans[concept.id] = span
            # A concept named only inside a longer name of another ("language model" inside
            # "large language model") is the other's part, not a topic of the work.
            found = [
                link
                for link in found
                if not any(
                    other != link.concept
                    and (a, b) != spans[link.concept]
                    and a <= spans[link.concept][0]
                    and spans[link.concept][1] <= b
                    for other, (a, b) in spans.items()
                )
                or link.concept not in spans
            ]
            links.extend(found)
            if write:
                for link in found:
                    getattr(state, link.relation).append(link.concept)
                    if work_id not in self.new_works:
                        self._update("works", work_id).add(
                            link.relation, [link.concept], f"link concept {link.concept}"
                        )
        return links


#: Words after which a concept named in a title is a means of the work, not its subject.
_USE_WORDS = {"with", "using", "via", "through", "by", "from", "for", "under", "leveraging"}
#: Words a title may open with before naming its subject.
_OPENERS = {"a", "an", "the", "introducing", "towards", "toward", "on", "understanding"}


def relation_in_title(title: str, start: int, end: int) -> tuple[str, str]:
    """The relation a title suggests for a concept it names at ``title[start:end]``, and why:

    * teaches — the title opens with it (after at most "a", "the", "towards" …) or it is what
      stands before the title's colon ("LoRA: Low-Rank Adaptation …");
    * uses — it follows "with", "using", "via", "by", "from", "for" … ("… with human
      feedback");
    * discusses — otherwise.
    """
    before = re.findall(r"[a-z0-9]+", title[:start].lower())
    after = title[end:].lstrip()
    if all(w in _OPENERS for w in before):
        return "teaches", "the title opens with it"
    if before and before[-1] in _USE_WORDS:
        return "uses", f"it follows {before[-1]!r}"
    if after.startswith(":") and ":" not in title[:start]:
        return "teaches", "it is the title's subject, before the colon"
    return "discusses", "the title names it"


def _title_link(
    state: Work, concept: str, names: list[tuple[str, re.Pattern[str]]], write: bool
) -> tuple[ConceptLink | None, tuple[int, int] | None]:
    for name, pattern in names:
        match = pattern.search(state.title)
        if match:
            relation, why = relation_in_title(state.title, match.start(), match.end())
            evidence = f"title words {match.group(0)!r} match {name!r}; {why}"
            link = ConceptLink(state.id, state.title, concept, name, write, relation, evidence)
            return link, match.span()
    return None, None


def _abstract_link(
    state: Work, concept: Concept, abstracts: list[str], write: bool
) -> ConceptLink | None:
    label = concept.label.strip()
    if len(label) < 4:
        return None  # short labels match too much prose
    pattern = _name_patterns(Concept(concept.id, label, "", ""))[0][1]
    for text in abstracts:
        match = pattern.search(text)
        if match:
            a, b = max(match.start() - 30, 0), min(match.end() + 30, len(text))
            snippet = " ".join(text[a:b].split())
            evidence = f"abstract says '…{snippet}…' (evidence only, not stored)"
            return ConceptLink(
                state.id, state.title, concept.id, label, write, "discusses", evidence
            )
    return None


def few(ids: list[str], shown: int = 3) -> str:
    """Some ids of a list, and how many more: a report line stays one line."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _name_patterns(concept: Concept) -> list[tuple[str, re.Pattern[str]]]:
    """One pattern per label and alias, matching it as a whole word (plural allowed).

    Short all-capital aliases (RLHF, LM) match only in capitals, so "lm" in a word does not.
    """
    patterns = []
    for name in [concept.label, *concept.aliases]:
        name = name.strip()
        if not name:
            continue
        body = r"[\s\-]+".join(re.escape(part) for part in name.split())
        flags = 0 if (name.isupper() and len(name) <= 6) else re.IGNORECASE
        patterns.append((name, re.compile(rf"(?<!\w){body}(?:s|es)?(?!\w)", flags)))
    return patterns
