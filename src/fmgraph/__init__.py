"""fmgraph: a course reading list as a knowledge graph.

The Python API mirrors the command line::

    from pathlib import Path
    import fmgraph

    store = fmgraph.open_store(fmgraph.bundled_data())   # build (cached) and open
    fmgraph.find_path(store, "transformer", "rlhf")        # prerequisite chain
    fmgraph.learning_plan(store, "dpo", know=["rlhf"])     # teaching order, known left out
    fmgraph.next_concepts(store, ["transformer"])          # what can be learned next
    fmgraph.audit_course(store)                            # syllabus-order findings
    fmgraph.run_query(store, "SELECT ...")                 # read-only SPARQL
    fmgraph.full_graph(store)                              # networkx view
    fmgraph.load_catalog(Path("data"))                     # the YAML as dataclasses
    fmgraph.catalog_triples(catalog)                       # the catalog as RDF triples
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "__version__",
    "audit_course",
    "bundled_data",
    "catalog_triples",
    "export_bytes",
    "find_path",
    "full_graph",
    "graph_stats",
    "learning_plan",
    "load_catalog",
    "neighbourhood",
    "next_concepts",
    "open_store",
    "prerequisite_graph",
    "run_query",
    "show_node",
    "validate_data",
    "write_export",
]

_API = {
    "bundled_data": ("resources", "data_dir"),
    "catalog_triples": ("build", "catalog_triples"),
    "export_bytes": ("export", "export_bytes"),
    "find_path": ("paths", "find_path"),
    "full_graph": ("graphview", "full_graph"),
    "graph_stats": ("stats", "graph_stats"),
    "learning_plan": ("paths", "learning_plan"),
    "next_concepts": ("paths", "next_concepts"),
    "audit_course": ("audit", "audit"),
    "load_catalog": ("loader", "load_catalog"),
    "neighbourhood": ("graphview", "neighbourhood"),
    "open_store": ("cache", "open_store"),
    "prerequisite_graph": ("graphview", "prerequisite_graph"),
    "run_query": ("query", "run_query"),
    "show_node": ("show", "show_node"),
    "validate_data": ("validate", "validate_data"),
    "write_export": ("export", "write_export"),
}

if TYPE_CHECKING:
    from .audit import audit as audit_course
    from .build import catalog_triples
    from .cache import open_store
    from .export import export_bytes, write_export
    from .graphview import full_graph, neighbourhood, prerequisite_graph
    from .loader import load_catalog
    from .paths import find_path, learning_plan, next_concepts
    from .query import run_query
    from .resources import data_dir as bundled_data
    from .show import show_node
    from .stats import graph_stats
    from .validate import validate_data


def __getattr__(name: str) -> Any:
    # Imports stay lazy so that `import fmgraph` costs nothing; networkx and rdflib load on use.
    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("fmgraph")
    elif name in _API:
        import importlib

        module, attr = _API[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # the next access is a plain module attribute, not this call
    return value
