"""Linearisation variance of domain means on a (raked) design, as R's ``survey`` computes it.

This reproduces ``svymean`` / ``svyby(..., svymean)`` on ``svydesign(ids = ~1, weights = ...)``
(with-replacement single-stage design) followed by ``rake()``:

1. For domain ``d`` (R: ``design[domain, ]``, which keeps all rows and gives the others weight
   0), the influence values are ``x_i = w_i·1[i∈d]·(y_i − ȳ_d)/W_d`` with ``W_d = Σ_{i∈d} w_i``
   and ``ȳ_d`` the weighted domain mean.
2. Raking adjustment (``survey:::svyrecvar``, class ``"raking"``): 10 times, for each margin,
   ``x ← x − w·ave(x/w, margin)``, i.e. in ``u = x/w`` the unweighted class means of each margin
   are removed in turn. (``w`` is the weight after the margin's post-stratification in the last
   raking sweep; at convergence this is the final weight.)
3. ``var = n/(n−1)·Σ_i (x_i − x̄)²`` over all ``n`` respondents.

Step 2 never changes ``u`` by anything but class-constant offsets, so ``u_final = u − Σ_k
M_k a_k`` with ``M_k`` the class indicators of margin ``k`` and offsets ``a_k`` that follow from
class sums only. The offsets are computed in class space (per connected component of the
margin classes, for all domains of the component at once) and the variance is expanded as

``Σx² = Σw²u² − 2·Σ_k a_kᵀ(M_kᵀ w²u) + Σ_{k,l} a_kᵀ (M_kᵀ W² M_l) a_l``,
``Σx = Σwu − Σ_k a_kᵀ (M_kᵀ w)``,

so the cost is linear in the respondents plus a small class-space problem per component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ikoe.stats._codes import _densify, combine_codes, group_sums
from ikoe.stats.weighting import SurveyDesign

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_DENSE_LIMIT = 150  # components with more classes use sparse class-space matrices
_BLOCK_ELEMENTS = 4_000_000  # class × domain block size processed at once


@dataclass(frozen=True, eq=False)
class _Component:
    classes: IntArray  # global class indices, ascending (margins in order)
    bounds: tuple[int, ...]  # local class slice boundaries per margin (len K+1)
    G: FloatArray | sp.csr_array  # counts of rows per class pair
    H: FloatArray | sp.csr_array  # Σw² per class pair
    L: FloatArray  # Σw per class
    count: FloatArray  # rows per class


@dataclass(frozen=True, eq=False)
class _Structure:
    cell_of_row: IntArray
    cell_comp: IntArray
    cell_local: tuple[IntArray, ...]  # per margin: local class index of each cell
    components: tuple[_Component, ...]


def _structure(design: SurveyDesign) -> _Structure:
    cached = design._cache.get("variance_structure")
    if isinstance(cached, _Structure):
        return cached
    codes = list(design.margin_codes)
    sizes = list(design.margin_sizes)
    w = design.weights
    cells = combine_codes(codes, sizes)
    n_cells = cells.size
    cell_n = np.bincount(cells.codes, minlength=n_cells).astype(np.float64)
    cell_w = group_sums(cells.codes, w, n_cells)
    cell_w2 = group_sums(cells.codes, w * w, n_cells)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_classes = int(offsets[-1])
    cell_class = [codes[k][cells.first] + offsets[k] for k in range(len(codes))]
    # connected components of the classes: a cell links its class in every margin
    rows = np.concatenate([cell_class[0]] * max(len(codes) - 1, 1))
    cols = np.concatenate(cell_class[1:]) if len(codes) > 1 else cell_class[0]
    graph = sp.coo_array(
        (np.ones(rows.size), (rows, cols)), shape=(n_classes, n_classes)
    ).tocsr()
    n_comp, class_comp = connected_components(graph, directed=False)
    class_comp = class_comp.astype(np.int64)
    # local index of each class within its component (classes sorted by global index)
    order = np.lexsort((np.arange(n_classes), class_comp))
    comp_start = np.searchsorted(class_comp[order], np.arange(n_comp + 1))
    local = np.empty(n_classes, dtype=np.int64)
    local[order] = np.arange(n_classes) - comp_start[class_comp[order]]
    all_classes = np.concatenate(cell_class)
    class_n = group_sums(all_classes, np.tile(cell_n, len(codes)), n_classes)
    class_w = group_sums(all_classes, np.tile(cell_w, len(codes)), n_classes)
    cell_comp = class_comp[cell_class[0]]
    cell_order = np.argsort(cell_comp, kind="stable")
    cell_start = np.searchsorted(cell_comp[cell_order], np.arange(n_comp + 1))
    margin_of_class = np.searchsorted(offsets, np.arange(n_classes), side="right") - 1
    components = []
    for c in range(n_comp):
        classes = order[comp_start[c] : comp_start[c + 1]]
        size = classes.size
        bounds = tuple(
            int(x)
            for x in np.searchsorted(margin_of_class[classes], np.arange(len(codes) + 1))
        )
        cell_idx = cell_order[cell_start[c] : cell_start[c + 1]]
        loc = [local[cc[cell_idx]] for cc in cell_class]
        r_idx = np.concatenate([loc[k] for k in range(len(codes)) for _ in range(len(codes))])
        c_idx = np.concatenate([loc[m] for _ in range(len(codes)) for m in range(len(codes))])
        reps = len(codes) * len(codes)
        g_val = np.tile(cell_n[cell_idx], reps)
        h_val = np.tile(cell_w2[cell_idx], reps)
        G: FloatArray | sp.csr_array
        H: FloatArray | sp.csr_array
        if size <= _DENSE_LIMIT:
            G = np.zeros((size, size))
            H = np.zeros((size, size))
            np.add.at(G, (r_idx, c_idx), g_val)
            np.add.at(H, (r_idx, c_idx), h_val)
        else:
            G = sp.csr_array(sp.coo_array((g_val, (r_idx, c_idx)), shape=(size, size)))
            H = sp.csr_array(sp.coo_array((h_val, (r_idx, c_idx)), shape=(size, size)))
        components.append(
            _Component(classes, bounds, G, H, class_w[classes], class_n[classes])
        )
    structure = _Structure(
        cell_of_row=cells.codes,
        cell_comp=cell_comp,
        cell_local=tuple(local[cc] for cc in cell_class),
        components=tuple(components),
    )
    design._cache["variance_structure"] = structure
    return structure


def _offsets(
    comp: _Component, S: FloatArray, sweeps: int
) -> FloatArray:
    """Class offsets ``a`` after ``sweeps`` sweeps of class-mean removal, for each column."""
    A = np.zeros_like(S)
    K = len(comp.bounds) - 1
    blocks = [slice(comp.bounds[k], comp.bounds[k + 1]) for k in range(K)]
    G = comp.G
    row_blocks = [G[b] for b in blocks]
    inv = [1.0 / comp.count[b][:, None] for b in blocks]
    for _ in range(sweeps if K > 1 else 1):
        largest = 0.0
        for k, b in enumerate(blocks):
            step = (S[b] - row_blocks[k] @ A) * inv[k]
            A[b] += step
            largest = max(largest, float(np.abs(step).max(initial=0.0)))
        if largest <= 1e-17 * max(float(np.abs(A).max(initial=0.0)), 1e-300):
            break  # nothing left to remove: further sweeps would change nothing
    return A


def domain_mean_variance(
    design: SurveyDesign | None,
    weights: FloatArray,
    domain: IntArray,
    y: FloatArray,
    n_domains: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Weighted domain means of ``y`` and their variances (R's ``svyby(svymean)``).

    ``domain[i]`` is the domain of row ``i`` or ``-1`` when the row belongs to none (it still
    counts as a respondent of the design). Returns ``(mean, variance, domain weight sum)``.
    """
    n = weights.size
    inside = domain >= 0
    dom = domain[inside]
    w_in = weights[inside]
    W = group_sums(dom, w_in, n_domains)
    Y = group_sums(dom, w_in * y[inside], n_domains)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = Y / W
    u = (y[inside] - mean[dom]) / W[dom]
    wu = w_in * u
    sum_x = group_sums(dom, wu, n_domains)
    sum_x2 = group_sums(dom, wu * wu, n_domains)
    if design is not None and design.calibrated:
        structure = _structure(design)
        cross = np.zeros(n_domains)
        quad = np.zeros(n_domains)
        lin = np.zeros(n_domains)
        cells = structure.cell_of_row[inside]
        n_cells = int(structure.cell_comp.size)
        pair_codes, n_pairs = _densify(cells * n_domains + dom, n_cells * n_domains)
        su = group_sums(pair_codes, u, n_pairs)
        sq = group_sums(pair_codes, w_in * wu, n_pairs)
        first = np.full(n_pairs, dom.size, dtype=np.int64)
        np.minimum.at(first, pair_codes, np.arange(dom.size, dtype=np.int64))
        pair_cell = cells[first]
        pair_dom = dom[first]
        pair_comp = structure.cell_comp[pair_cell]
        order = np.argsort(pair_comp, kind="stable")
        starts = np.searchsorted(pair_comp[order], np.arange(len(structure.components) + 1))
        for c, comp in enumerate(structure.components):
            idx = order[starts[c] : starts[c + 1]]
            if idx.size == 0:
                continue
            doms, dloc = np.unique(pair_dom[idx], return_inverse=True)
            dloc = dloc.reshape(-1)
            size = comp.classes.size
            step = max(1, _BLOCK_ELEMENTS // max(size, 1))
            for lo in range(0, doms.size, step):
                hi = min(doms.size, lo + step)
                sel = (dloc >= lo) & (dloc < hi)
                cols = hi - lo
                S = np.zeros(size * cols)
                Q = np.zeros(size * cols)
                for cl in structure.cell_local:
                    flat = cl[pair_cell[idx[sel]]] * cols + (dloc[sel] - lo)
                    S += group_sums(flat, su[idx[sel]], size * cols)
                    Q += group_sums(flat, sq[idx[sel]], size * cols)
                S2 = S.reshape(size, cols)
                Q2 = Q.reshape(size, cols)
                A = _offsets(comp, S2, design.variance_sweeps)
                target = doms[lo:hi]
                cross[target] += np.einsum("ij,ij->j", Q2, A)
                quad[target] += np.einsum("ij,ij->j", A, np.asarray(comp.H @ A))
                lin[target] += comp.L @ A
        sum_x2 = sum_x2 - 2.0 * cross + quad
        sum_x = sum_x - lin
    variance = n / (n - 1) * (sum_x2 - sum_x * sum_x / n) if n > 1 else np.full(n_domains, np.nan)
    return mean, np.maximum(variance, 0.0), W
