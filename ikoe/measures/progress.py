"""The progress of a measure with its parts: the mean of its children's progress, each rolled
up the same way, and its own progress when it has no children (docs/measures.md, "Progress").

:func:`rolled_up` is pure over the tree; :func:`rolled_up_progress` and :func:`rolled_up_many`
read the measures below the given ones from the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from ikoe.measures.models import Measure

Node = tuple[int | None, int]  # (parent id, own progress)


def rolled_up(nodes: Mapping[int, Node]) -> dict[int, float]:
    """Measure id → rolled-up progress for every node of ``nodes`` (id → (parent id, own
    progress)). A child not in ``nodes`` does not count; a cycle (which the forms and imports
    refuse) is cut where it closes.

    >>> rolled_up({1: (None, 0), 2: (1, 20), 3: (1, 60)})[1]   # (20 + 60) / 2
    40.0
    >>> rolled_up({1: (None, 0), 2: (1, 20), 3: (1, 0), 4: (3, 100), 5: (3, 50)})[1]
    47.5
    >>> rolled_up({1: (None, 10), 2: (1, 50), 3: (1, 0), 4: (3, 100), 5: (3, 20)})
    {1: 55.0, 2: 50.0, 3: 60.0, 4: 100.0, 5: 20.0}
    >>> rolled_up({1: (2, 30), 2: (1, 70)})
    {1: 70.0, 2: 70.0}
    """
    children: dict[int, list[int]] = defaultdict(list)
    for node, (parent, _progress) in nodes.items():
        if parent is not None and parent in nodes:
            children[parent].append(node)
    result: dict[int, float] = {}
    for root in nodes:
        if root in result:
            continue
        # Depth first without recursion: a node's value once all of its children have one.
        stack: list[tuple[int, bool]] = [(root, False)]
        on_path: set[int] = set()
        while stack:
            node, expanded = stack.pop()
            if node in result:
                continue
            kids = [k for k in children.get(node, ()) if k not in on_path or k in result]
            if not expanded:
                on_path.add(node)
                stack.append((node, True))
                stack.extend((k, False) for k in kids if k not in result)
                continue
            on_path.discard(node)
            values = [result[k] for k in kids if k in result]
            result[node] = sum(values) / len(values) if values else float(nodes[node][1])
    return {node: result[node] for node in nodes}


def tree_below(ids: Iterable[int]) -> dict[int, Node]:
    """The measures ``ids`` and every measure below them: id → (parent id, own progress)."""
    nodes: dict[int, Node] = {}
    frontier = set(ids)
    rows = Measure.objects.filter(pk__in=frontier).values_list("pk", "parent_id", "progress")
    while rows:
        found = {pk: (parent, progress) for pk, parent, progress in rows if pk not in nodes}
        nodes.update(found)
        if not found:
            break
        rows = Measure.objects.filter(parent_id__in=list(found)).values_list(
            "pk", "parent_id", "progress"
        )
    return nodes


def rolled_up_many(ids: Iterable[int]) -> dict[int, float]:
    """The rolled-up progress of each of the measures ``ids``."""
    wanted = list(ids)
    values = rolled_up(tree_below(wanted))
    return {pk: values[pk] for pk in wanted if pk in values}


def rolled_up_progress(measure: Measure) -> float:
    """The rolled-up progress of one measure (see the module)."""
    return rolled_up_many([measure.pk]).get(measure.pk, float(measure.progress))
