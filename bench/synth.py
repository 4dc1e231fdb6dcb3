"""A deterministic synthetic course in fmgraph's data format, for benchmarks at scale.

Run: python bench/synth.py --triples 1000000 --seed 7 OUT_DIR

OUT_DIR gets the shape of a real reading graph, split the way a real one would be:

- ``topics.yaml``, ``concepts.yaml``, ``sessions.yaml`` — hand-curated course data: topics;
  concepts with labels, aliases, definitions and prerequisites (with reasons) forming a
  layered DAG, one cluster per topic, so prerequisite chains run up to a dozen steps; and
  sessions with ordered required and further readings.
- ``works.yaml`` — a catalogue of works (id, title, kind, year), as an import would write it:
  ``min(100_000, triples // 10)`` works, so 100k works at the 1M size.
- ``bulk.nt`` — the bulk metadata, in N-Triples: arXiv ids, URLs, authors, citations
  (``cito:cites``, to earlier works) and discusses/introduces links of the catalogue's works,
  then works described only here, until the triple budget is spent.

With the default split the YAML states about 62% of the triples (the works catalogue alone
50%) and ``bulk.nt`` 38%, at every size up to 1M, so the cost per triple of two sizes can be
compared; about half the catalogue's works get metadata in ``bulk.nt``, spread evenly. Above
1M triples the catalogue stops growing and only ``bulk.nt`` does. ``--yaml-works`` moves the
split.

Every concept has exactly one introducing work. The concepts ``rlhf`` and ``dpo`` exist at
every size, with a prerequisite chain from the first to the second, so
``fmgraph path rlhf dpo`` always has an answer.

``--deep-concepts N`` adds N concepts that ``dpo`` builds on, directly or not: a DAG of layers
of ``DEEP_WIDTH`` concepts, each requiring its twin and up to two others of the layer below, so
``fmgraph plan dpo`` has N + a few dozen steps, the shape of a real curriculum grown large. The
works then discuss these concepts first (the most discussed have hundreds of works each), and
each link is ``fm:teaches``, ``fm:uses`` or plain ``fm:discusses`` (super-properties written
out, as the build does for YAML). Without it, the output is what it always was.

The same arguments give byte-identical files. The triple count (what the store holds, not
counting fmgraph's own ontology) is within a few triples of ``--triples``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fmgraph.vocab import (
    CITO,
    DCTERMS,
    FM,
    RDF,
    SCHEMA,
    WORK_KINDS,
    XSD,
    concept_iri,
    slug,
    work_iri,
)

YAML_WORKS_CAP = 100_000
#: Concepts per topic cluster, and at most this many prerequisite layers in one cluster.
CLUSTER = 50
MAX_LAYERS = 12
#: Concepts per layer of the --deep-concepts DAG.
DEEP_WIDTH = 25
FIRST_YEAR = 2000


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ADJECTIVES = _words(
    "sparse dense causal masked contrastive adaptive recurrent residual gated latent "
    "hierarchical implicit explicit robust scalable efficient multimodal multilingual "
    "distributed quantized pruned distilled retrieval-augmented instruction-tuned "
    "self-supervised semi-supervised federated continual curriculum adversarial bayesian "
    "variational probabilistic differentiable modular compositional structured "
    "low-resource long-context bidirectional autoregressive diffusion-based energy-based "
    "token-level sequence-level reward-guided preference-based"
)
_DOMAINS = _words(
    "attention routing memory decoding tokenization alignment reasoning planning retrieval "
    "embedding pretraining finetuning evaluation calibration compression inference search "
    "sampling scheduling normalization initialization regularization optimization "
    "generalization interpretability grounding translation summarization captioning "
    "segmentation detection generation ranking labeling annotation synthesis verification "
    "exploration imitation feedback distillation"
)
_HEADS = _words(
    "objective estimator model mechanism layer loss policy kernel network benchmark "
    "protocol schedule encoder decoder adapter head prior bound metric pipeline"
)
_TITLE_WORDS = _words(
    "Towards Scaling Understanding Revisiting Learning Improving Rethinking Measuring "
    "Training Benchmarking Probing Aligning Compressing Exploring Evaluating Adapting"
)
_FIRST = _words(
    "Ada Alan Amara Anil Aya Bao Beatriz Carlos Chen Dana Dmitri Elena Emeka Farah Fatima "
    "Hana Hiro Ines Ivan Jae Jonas Kai Kavya Lars Leila Lin Lucia Malik Maya Mei Nadia "
    "Noah Omar Priya Rafael Rosa Sam Sara Sven Tariq Tomas Uma Wei Yara Yusuf Zoe"
)
_LAST = _words(
    "Abe Adeyemi Alvarez Bauer Berg Chandra Costa Das Dubois Eriksen Fischer Garcia "
    "Haddad Horvat Ibrahim Ito Jansen Kapoor Kim Kowalski Larsen Lee Lopez Moreau Mwangi "
    "Nakamura Novak Okafor Olsen Park Patel Petrov Quinn Rossi Sato Schmidt Silva Singh "
    "Tanaka Torres Ueda Varga Wang Weber Yamada Zhang"
)
_NON_PAPER = ("blog-post", "web-page", "code-repository", "leaderboard", "lecture-notes")
_NON_PAPER_HOSTS = {
    "blog-post": "https://blog.example.org/posts/",
    "web-page": "https://www.example.org/pages/",
    "code-repository": "https://git.example.org/lab/",
    "leaderboard": "https://board.example.org/",
    "lecture-notes": "https://notes.example.edu/lectures/",
}
#: About how many .nt triples the metadata of one catalogue work takes.
_META_PER_WORK = 7.0
_TYPE = f"<{RDF.type}>"
_RESERVED = {
    "rlhf",
    "dpo",
    "reinforcementlearningfromhumanfeedback",
    "directpreferenceoptimization",
}


@dataclass
class Concept:
    id: str
    label: str
    aliases: list[str]
    topic: str
    layer: int
    requires: list[tuple[str, str]] = field(default_factory=list)  # (concept id, reason)


@dataclass
class Plan:
    """How many of each thing a directory of ``triples`` triples holds."""

    triples: int
    yaml_works: int
    concepts: int
    topics: int
    sessions: int
    deep: int = 0  # concepts of the --deep-concepts DAG under dpo

    @classmethod
    def for_size(cls, triples: int, yaml_works: int | None = None, deep: int = 0) -> Plan:
        concepts = max(60, triples // 200)
        return cls(
            triples=triples,
            yaml_works=min(YAML_WORKS_CAP, triples // 10) if yaml_works is None else yaml_works,
            concepts=concepts,
            topics=max(4, concepts // CLUSTER),
            sessions=max(8, triples // 2000),
            deep=deep,
        )


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lit(text: str) -> str:
    """An N-Triples string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _plural(noun: str) -> str:
    if noun.endswith("y"):
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x")) else "s")


def _acronym(label: str) -> str:
    return "".join(w[0] for w in label.replace("-", " ").split()).upper()


def arxiv_id(index: int) -> str:
    """A distinct new-style arXiv id for the ``index``-th work: YYMM.NNNNN."""
    month = index % 120  # ten years of months, so ids spread over 2015-2024
    number = index // 120 + 1
    return f"{15 + month // 12:02d}{month % 12 + 1:02d}.{number:05d}"


def year_of(index: int) -> int:
    return 2015 + (index % 120) // 12


class Synth:
    """Builds one synthetic directory; every choice comes from ``seed``, in a fixed order."""

    def __init__(self, plan: Plan, seed: int) -> None:
        self.plan = plan
        self.seed = seed
        self.count = 0  # triples written so far

    def rng(self, part: int) -> random.Random:
        # One generator per part, so growing one section never reshuffles another.
        return random.Random(self.seed * 1_000_003 + part)

    # ----------------------------------------------------------------- topics and concepts

    def topics(self) -> list[tuple[str, str]]:
        rng = self.rng(1)
        found = [("foundations", "Foundations"), ("alignment", "Alignment")]
        pairs = [(a, b) for a in _DOMAINS for b in _HEADS]
        rng.shuffle(pairs)
        seen = {t for t, _ in found}
        for a, b in pairs:
            if len(found) >= self.plan.topics:
                break
            label = f"{a.capitalize()} {_plural(b)}"
            if slug(label) not in seen:
                seen.add(slug(label))
                found.append((slug(label), label))
        return found

    def concepts(self, topics: list[tuple[str, str]]) -> list[Concept]:
        """Concepts in clusters (one per topic) of layers; a concept requires concepts of the
        one or two layers below it in its cluster, and sometimes a foundation, so the graph is
        acyclic by construction: (cluster, layer) only ever points down."""
        rng = self.rng(2)
        labels = self._labels(rng)
        sizes = [self.plan.concepts // len(topics)] * len(topics)
        for i in range(self.plan.concepts % len(topics)):
            sizes[i] += 1
        used_acronyms: dict[str, int] = {}
        clusters: list[list[Concept]] = []
        for (topic_id, _), size in zip(topics, sizes, strict=True):
            layers = max(3, min(MAX_LAYERS, size // 2))
            level = [i * layers // size for i in range(size)]
            cluster: list[Concept] = []
            for i in range(size):
                if topic_id == "alignment" and i == level.index(1):
                    label = "Reinforcement learning from human feedback"
                    cluster.append(Concept("rlhf", label, ["RLHF"], topic_id, level[i]))
                    continue
                if topic_id == "alignment" and i == size - 1:
                    label = "Direct preference optimization"
                    cluster.append(Concept("dpo", label, ["DPO"], topic_id, level[i]))
                    continue
                a, d, h, label = next(labels)
                acronym = _acronym(label)
                aliases = []
                if acronym.lower() not in _RESERVED and used_acronyms.get(acronym, 0) < 2:
                    used_acronyms[acronym] = used_acronyms.get(acronym, 0) + 1
                    aliases.append(acronym)
                if rng.random() < 0.5:
                    aliases.append(f"{d} {_plural(h)} ({a})")
                cluster.append(Concept(slug(label), label, aliases, topic_id, level[i]))
            clusters.append(cluster)
        foundations = clusters[0]
        for c_index, cluster in enumerate(clusters):
            by_layer: dict[int, list[Concept]] = {}
            for concept in cluster:
                by_layer.setdefault(concept.layer, []).append(concept)
            for concept in cluster:
                below = by_layer.get(concept.layer - 1, [])
                below2 = by_layer.get(concept.layer - 2, [])
                chosen: list[Concept] = []
                if below:
                    chosen.append(rng.choice(below))
                    for _ in range(rng.choice((0, 0, 1, 1, 2))):
                        pool = below2 if below2 and rng.random() < 0.3 else below
                        candidate = rng.choice(pool)
                        if candidate not in chosen:
                            chosen.append(candidate)
                if c_index > 0 and rng.random() < (0.5 if concept.layer == 0 else 0.1):
                    candidate = rng.choice(foundations)
                    if candidate not in chosen:
                        chosen.append(candidate)
                concept.requires = [
                    (p.id, f"{concept.label} builds on the {p.label.lower()}") for p in chosen
                ]
        alignment = clusters[1]
        self._chain(alignment)
        deep = self._deep(labels, next(c for c in alignment if c.id == "dpo"))
        return [c for cluster in clusters for c in cluster] + deep

    def _deep(self, labels: Iterator[tuple[str, str, str, str]], dpo: Concept) -> list[Concept]:
        """The --deep-concepts DAG: layer 0 is required by dpo, and each concept requires its
        twin in the layer below (so all of them are dpo's ancestors) and up to two others."""
        if not self.plan.deep:
            return []
        rng = self.rng(6)  # its own stream: the default output never draws from it
        found: list[Concept] = []
        for i in range(self.plan.deep):
            _, _, _, label = next(labels)
            found.append(Concept(slug(label), label, [], "alignment", i // DEEP_WIDTH))
        for i, concept in enumerate(found):
            below = found[(concept.layer + 1) * DEEP_WIDTH : (concept.layer + 2) * DEEP_WIDTH]
            chosen = [below[i % DEEP_WIDTH]] if i % DEEP_WIDTH < len(below) else []
            for _ in range(rng.choice((0, 1, 1, 2))):
                if below and (candidate := rng.choice(below)) not in chosen:
                    chosen.append(candidate)
            concept.requires = [
                (p.id, f"{concept.label} builds on the {p.label.lower()}") for p in chosen
            ]
        dpo.requires += [(c.id, f"DPO builds on the {c.label.lower()}") for c in found[:DEEP_WIDTH]]
        return found

    @staticmethod
    def _labels(rng: random.Random) -> Iterator[tuple[str, str, str, str]]:
        """Distinct concept labels "Adjective domain head", numbered once all are used."""
        combos = [(a, d, h) for a in _ADJECTIVES for d in _DOMAINS for h in _HEADS]
        rng.shuffle(combos)
        for round_ in itertools.count(1):
            suffix = "" if round_ == 1 else f" {round_}"
            for a, d, h in combos:
                yield a, d, h, f"{a.capitalize()} {d} {h}{suffix}"

    @staticmethod
    def _chain(cluster: list[Concept]) -> None:
        """Make sure dpo needs rlhf through one concept per layer in between."""
        rlhf = next(c for c in cluster if c.id == "rlhf")
        dpo = next(c for c in cluster if c.id == "dpo")
        previous = rlhf
        for layer in range(rlhf.layer + 1, dpo.layer + 1):
            step = dpo if layer == dpo.layer else next(c for c in cluster if c.layer == layer)
            if all(p != previous.id for p, _ in step.requires):
                reason = f"{step.label} extends {previous.label.lower()}"
                if step.id == "dpo":
                    reason = "it optimises the same preference objective without a reward model"
                step.requires.append((previous.id, reason))
            previous = step

    # ----------------------------------------------------------------------------- works

    def work_kind(self, rng: random.Random) -> str:
        return "paper" if rng.random() < 0.9 else rng.choice(_NON_PAPER)

    @staticmethod
    def work_id(index: int, kind: str) -> str:
        return f"arxiv-{arxiv_id(index)}" if kind == "paper" else f"{kind}-{index}"

    def title(self, rng: random.Random) -> str:
        verb, a, b = rng.choice(_TITLE_WORDS), rng.choice(_ADJECTIVES), rng.choice(_DOMAINS)
        c, d, e = rng.choice(_ADJECTIVES), rng.choice(_HEADS), rng.choice(_DOMAINS)
        return f"{verb} {a} {b}: {c.capitalize()} {_plural(d)} for {e}"

    # ------------------------------------------------------------------------- writing

    def write(self, out: Path) -> dict[str, int]:
        out.mkdir(parents=True, exist_ok=True)
        topics = self.topics()
        concepts = self.concepts(topics)
        self.count = 4  # the two schemes, each typed and labelled
        self._write_topics(out / "topics.yaml", topics)
        self._write_concepts(out / "concepts.yaml", concepts)
        kinds = self._write_works(out / "works.yaml")
        self._write_sessions(out / "sessions.yaml", topics, kinds)
        yaml_triples = self.count
        self._write_bulk(out / "bulk.nt", concepts, kinds)
        return {
            "triples": self.count,
            "yaml_triples": yaml_triples,
            "nt_triples": self.count - yaml_triples,
            "topics": len(topics),
            "concepts": len(concepts),
            "prerequisites": sum(len(c.requires) for c in concepts),
            "sessions": self.plan.sessions,
            "yaml_works": len(kinds),
            "works": self.works_total,
        }

    def _write_topics(self, path: Path, topics: list[tuple[str, str]]) -> None:
        lines = ["# Synthetic topics (bench/synth.py).", "topics:"]
        for topic_id, label in topics:
            lines += [f"  - id: {topic_id}", f"    label: {_q(label)}"]
            lines.append(f"    definition: {_q(f'Synthetic topic about {label.lower()}.')}")
            self.count += 5
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _write_concepts(self, path: Path, concepts: list[Concept]) -> None:
        lines = ["# Synthetic concepts: one layered prerequisite cluster per topic.", "concepts:"]
        for c in concepts:
            lines += [f"  - id: {c.id}", f"    label: {_q(c.label)}"]
            if c.aliases:
                lines.append(f"    aliases: [{', '.join(_q(a) for a in c.aliases)}]")
            definition = f"A synthetic concept: the {c.label.lower()}, at level {c.layer}."
            lines += [f"    definition: {_q(definition)}", f"    topic: {c.topic}"]
            self.count += 6 + len(c.aliases)
            if c.requires:
                lines.append("    requires:")
                for prerequisite, reason in c.requires:
                    lines += [f"      - concept: {prerequisite}", f"        reason: {_q(reason)}"]
                    self.count += 6
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _write_works(self, path: Path) -> list[str]:
        """The YAML catalogue; returns the kind of each of its works, by index."""
        rng = self.rng(3)
        kinds: list[str] = []
        lines = [
            "# Synthetic catalogue of works; authors, links and citations are in bulk.nt.",
            "works:",
        ]
        for i in range(self.plan.yaml_works):
            kind = self.work_kind(rng)
            kinds.append(kind)
            lines += [
                f"  - id: {self.work_id(i, kind)}",
                f"    title: {_q(self.title(rng))}",
                f"    kind: {kind}",
                f"    year: {year_of(i)}",
            ]
            self.count += 5
            if kind != "paper":
                lines.append(f"    urls: [{_NON_PAPER_HOSTS[kind]}{i}]")
                self.count += 1
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return kinds

    def _write_sessions(self, path: Path, topics: list[tuple[str, str]], kinds: list[str]) -> None:
        rng = self.rng(4)
        n_works = len(kinds)
        lines = ["# Synthetic sessions with ordered required and further readings.", "sessions:"]
        collections = [f"Series-{chr(ord('A') + k)}" for k in range(4)]
        self.count += 3 * len(collections)  # each collection: type, identifier, label
        for i in range(self.plan.sessions):
            year, number = FIRST_YEAR + i // 50, i % 50
            code = f"{year}-S{number}"
            month, day = number // 5 + 1, number % 5 * 5 + 1
            picked = list(dict.fromkeys(rng.randrange(n_works) for _ in range(rng.randint(2, 9))))
            n_required = min(len(picked), rng.randint(1, 3))
            required, further = picked[:n_required], picked[n_required:]
            session_topics = sorted({rng.choice(topics)[0] for _ in range(rng.randint(1, 2))})
            lines += [
                f"  - code: {code}",
                f"    title: {_q(f'Session {number} of {year}: {self.title(rng)}')}",
                f"    date: {year}-{month:02d}-{day:02d}",
                f"    collection: {collections[i % len(collections)]}",
                f"    topics: [{', '.join(session_topics)}]",
                f"    required: [{', '.join(self.work_id(w, kinds[w]) for w in required)}]",
            ]
            if further:
                lines.append(
                    f"    further: [{', '.join(self.work_id(w, kinds[w]) for w in further)}]"
                )
            self.count += 5 + len(session_topics) + 8 * len(picked)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _write_bulk(self, path: Path, concepts: list[Concept], kinds: list[str]) -> None:
        """Metadata of the catalogue's works, then works only described here, to the budget.

        Every catalogue work that introduces a concept gets that link; the others get their
        metadata with the probability that spends the budget evenly over the catalogue."""
        rng = self.rng(5)
        n_yaml = len(kinds)
        introducer: dict[int, list[Concept]] = {}
        for i, concept in enumerate(concepts):
            introducer.setdefault((i * 7919) % max(1, n_yaml), []).append(concept)
        # With --deep-concepts the deep DAG is discussed first (it takes the most popular
        # places), and each link says how, from a stream of its own.
        deep = concepts[len(concepts) - self.plan.deep :] if self.plan.deep else []
        discussable = deep + concepts[: len(concepts) - len(deep)]
        how = self.rng(7) if deep else None
        budget = self.plan.triples
        share = (budget - self.count - 2 * len(concepts)) / max(1, n_yaml * _META_PER_WORK)
        ids: list[str] = []  # IRIs of the works so far, by index, for citations
        with path.open("w", encoding="utf-8", newline="\n") as f:
            index = 0
            while index < n_yaml or self.count < budget:
                in_yaml = index < n_yaml
                kind = kinds[index] if in_yaml else self.work_kind(rng)
                work_id = self.work_id(index, kind)
                s = f"<{work_iri(work_id)}>"
                lines: list[str] = []
                if not in_yaml:  # what the catalogue says of its works, said here instead
                    lines += [
                        f"{s} {_TYPE} <{FM.Work}> .",
                        f"{s} {_TYPE} <{WORK_KINDS[kind]}> .",
                        f"{s} <{DCTERMS.identifier}> {_lit(work_id)} .",
                        f"{s} <{DCTERMS.title}> {_lit(self.title(rng))} .",
                        f'{s} <{DCTERMS.issued}> "{year_of(index)}"^^<{XSD.gYear}> .',
                    ]
                    if kind != "paper":
                        lines.append(f"{s} <{SCHEMA.url}> <{_NON_PAPER_HOSTS[kind]}{index}> .")
                new = introducer.get(index, []) if in_yaml else []
                for concept in new:
                    lines.append(f"{s} <{FM.introduces}> <{concept_iri(concept.id)}> .")
                    if how is not None:
                        lines.append(f"{s} <{FM.teaches}> <{concept_iri(concept.id)}> .")
                    lines.append(f"{s} <{FM.discusses}> <{concept_iri(concept.id)}> .")
                if not in_yaml or rng.random() < share:
                    lines += self._metadata(rng, s, index, kind, discussable, new, ids, how)
                ids.append(s)
                if lines:
                    f.write("\n".join(lines) + "\n")
                    self.count += len(lines)
                index += 1
        self.works_total = index

    @staticmethod
    def _metadata(
        rng: random.Random,
        s: str,
        index: int,
        kind: str,
        concepts: list[Concept],
        introduced: list[Concept],
        ids: list[str],
        how: random.Random | None = None,
    ) -> list[str]:
        """Authors, arXiv id and URL, the concepts a work discusses, and what it cites."""
        lines = []
        if kind == "paper":
            a = arxiv_id(index)
            lines.append(f"{s} <{FM.arxivId}> {_lit(a)} .")
            lines.append(f"{s} <{SCHEMA.url}> <https://arxiv.org/abs/{a}> .")
        names = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 3))]
        for name in dict.fromkeys(names):
            lines.append(f"{s} <{DCTERMS.creator}> {_lit(name)} .")
        # Popularity is skewed: a few foundations are discussed by many works.
        n = len(concepts)
        discussed = {int(n * rng.random() ** 3) for _ in range(rng.randint(1, 2))}
        for t in sorted(discussed):
            if concepts[t] not in introduced:
                o = f"<{concept_iri(concepts[t].id)}>"
                if how is not None:  # --deep-concepts: a third teach, half use it
                    draw = how.random()
                    if draw < 0.5:
                        lines.append(f"{s} <{FM.teaches if draw < 0.3 else FM.uses}> {o} .")
                lines.append(f"{s} <{FM.discusses}> {o} .")
        if index:
            cited = {int(index * rng.random() ** 2) for _ in range(rng.randint(0, 3))}
            lines += [f"{s} <{CITO.cites}> {ids[j]} ." for j in sorted(cited)]
        return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to write (created if missing)")
    parser.add_argument("--triples", type=int, default=10_000, help="about how many triples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--yaml-works",
        type=int,
        default=None,
        help=f"works in works.yaml (default: triples/10, at most {YAML_WORKS_CAP})",
    )
    parser.add_argument(
        "--deep-concepts",
        type=int,
        default=0,
        metavar="N",
        help="add N concepts that dpo builds on, in a deep DAG, discussed by many works",
    )
    args = parser.parse_args(argv)
    if args.yaml_works is not None and args.yaml_works < 1:
        parser.error("--yaml-works must be at least 1: sessions read catalogue works")
    start = time.perf_counter()
    plan = Plan.for_size(args.triples, args.yaml_works, args.deep_concepts)
    counts = Synth(plan, args.seed).write(args.out)
    elapsed = time.perf_counter() - start
    summary = ", ".join(f"{k}={v}" for k, v in counts.items())
    print(f"{args.out}: {summary} ({elapsed:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
