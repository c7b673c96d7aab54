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

The offsets are linear in the class sums ``S``: ``a = T·S`` with a class-space operator ``T``
that depends only on the design (the ten sweeps applied to the identity). ``T`` is computed
once per design and kept: for all small components together in padded batches (e.g. the
thousands of single-class components of a post-stratification), and for a large component when
it has fewer classes than domains. Otherwise the sweeps run directly on the domains' class sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ikoe.stats._codes import _densify, combine_codes, group_sums
from ikoe.stats.weighting import SurveyDesign

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Matrix: TypeAlias = FloatArray | sp.csr_array

_SMALL_MAX = 32  # components with at most this many classes are handled in padded batches
_OPERATOR_MAX = 3000  # largest component whose operator T is computed and kept
_DENSE_LIMIT = 150  # larger components use sparse class-space matrices
_BLOCK_ELEMENTS = 4_000_000  # class × domain (or batch) elements processed at once
_STILL = 1e-17  # a sweep whose largest step is this small (relative) changes nothing


@dataclass(eq=False)
class _Batch:
    """Small components of up to ``P`` classes, padded to ``P`` (padding rows stay zero)."""

    P: int
    G: FloatArray  # (m, P, P) rows per class pair
    H: FloatArray  # (m, P, P) Σw² per class pair
    L: FloatArray  # (m, P) Σw per class
    T: FloatArray  # (m, P, P) offsets operator


@dataclass(eq=False)
class _Big:
    bounds: tuple[int, ...]  # local class slice boundaries per margin (len K+1)
    G: Matrix
    H: Matrix
    L: FloatArray
    count: FloatArray
    T: FloatArray | None = None


@dataclass(eq=False)
class _Structure:
    cell_of_row: IntArray
    cell_comp: IntArray  # component of each cell
    cell_local: tuple[IntArray, ...]  # per margin: local class index of each cell
    comp_batch: IntArray  # batch of each component, -1 for large ones
    comp_pos: IntArray  # position in its batch, or index into ``bigs``
    batches: list[_Batch] = field(default_factory=list)
    bigs: list[_Big] = field(default_factory=list)


def _sweep_operator(
    G: FloatArray, count: FloatArray, masks: npt.NDArray[np.bool_], sweeps: int
) -> FloatArray:
    """``T`` for a batch: the sweeps applied to the identity (shapes (m, P, P))."""
    m, P, _ = G.shape
    T = np.zeros((m, P, P))
    eye = np.eye(P)
    scale = [(masks[k] / count)[:, :, None] for k in range(masks.shape[0])]
    for _ in range(sweeps if masks.shape[0] > 1 else 1):
        largest = 0.0
        for k in range(masks.shape[0]):
            step = (eye - G @ T) * scale[k]
            T += step
            largest = max(largest, float(np.abs(step).max(initial=0.0)))
        if largest <= _STILL * max(float(np.abs(T).max(initial=0.0)), 1e-300):
            break
    return T


def _offsets(comp: _Big, S: FloatArray, sweeps: int) -> FloatArray:
    """Class offsets after ``sweeps`` sweeps of class-mean removal, for each column of ``S``."""
    A = np.zeros_like(S)
    K = len(comp.bounds) - 1
    blocks = [slice(comp.bounds[k], comp.bounds[k + 1]) for k in range(K)]
    row_blocks = [comp.G[b] for b in blocks]
    inv = [1.0 / comp.count[b][:, None] for b in blocks]
    for _ in range(sweeps if K > 1 else 1):
        largest = 0.0
        for k, b in enumerate(blocks):
            step = (S[b] - row_blocks[k] @ A) * inv[k]
            A[b] += step
            largest = max(largest, float(np.abs(step).max(initial=0.0)))
        if largest <= _STILL * max(float(np.abs(A).max(initial=0.0)), 1e-300):
            break  # nothing left to remove: further sweeps would change nothing
    return A


def _structure(design: SurveyDesign) -> _Structure:
    cached = design._cache.get("variance_structure")
    if isinstance(cached, _Structure):
        return cached
    codes = list(design.margin_codes)
    sizes = list(design.margin_sizes)
    K = len(codes)
    w = design.weights
    cells = combine_codes(codes, sizes)
    n_cells = cells.size
    cell_n = np.bincount(cells.codes, minlength=n_cells).astype(np.float64)
    cell_w = group_sums(cells.codes, w, n_cells)
    cell_w2 = group_sums(cells.codes, w * w, n_cells)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_classes = int(offsets[-1])
    cell_class = [codes[k][cells.first] + offsets[k] for k in range(K)]
    # connected components of the classes: a cell links its class in every margin
    rows = np.concatenate([cell_class[0]] * max(K - 1, 1))
    cols = np.concatenate(cell_class[1:]) if K > 1 else cell_class[0]
    graph = sp.coo_array((np.ones(rows.size), (rows, cols)), shape=(n_classes, n_classes))
    n_comp, labels = connected_components(graph.tocsr(), directed=False)
    class_comp = labels.astype(np.int64)
    # local index of each class within its component (ascending global index, so the
    # classes of each margin are contiguous and in margin order)
    order = np.lexsort((np.arange(n_classes), class_comp))
    comp_start = np.searchsorted(class_comp[order], np.arange(n_comp + 1))
    comp_size = np.diff(comp_start)
    local = np.empty(n_classes, dtype=np.int64)
    local[order] = np.arange(n_classes) - comp_start[class_comp[order]]
    all_classes = np.concatenate(cell_class)
    class_n = group_sums(all_classes, np.tile(cell_n, K), n_classes)
    class_w = group_sums(all_classes, np.tile(cell_w, K), n_classes)
    margin_of_class = np.searchsorted(offsets, np.arange(n_classes), side="right") - 1
    cell_comp = class_comp[cell_class[0]]
    cell_local = [local[cc] for cc in cell_class]

    padded = np.where(
        comp_size <= _SMALL_MAX, 1 << np.ceil(np.log2(np.maximum(comp_size, 1))).astype(int), 0
    )
    comp_batch = np.full(n_comp, -1, dtype=np.int64)
    comp_pos = np.zeros(n_comp, dtype=np.int64)
    structure = _Structure(cells.codes, cell_comp, tuple(cell_local), comp_batch, comp_pos)
    for P in sorted(set(padded[padded > 0].tolist())):
        comps = np.flatnonzero(padded == P)
        m = comps.size
        comp_batch[comps] = len(structure.batches)
        comp_pos[comps] = np.arange(m)
        in_batch = np.flatnonzero(padded[cell_comp] == P)
        base = comp_pos[cell_comp[in_batch]] * P * P
        G = np.zeros(m * P * P)
        H = np.zeros(m * P * P)
        for k in range(K):
            for kk in range(K):
                flat = base + cell_local[k][in_batch] * P + cell_local[kk][in_batch]
                G += group_sums(flat, cell_n[in_batch], m * P * P)
                H += group_sums(flat, cell_w2[in_batch], m * P * P)
        cls = np.flatnonzero(padded[class_comp] == P)
        cpos, lc = comp_pos[class_comp[cls]], local[cls]
        count = np.ones((m, P))
        count[cpos, lc] = class_n[cls]
        L = np.zeros((m, P))
        L[cpos, lc] = class_w[cls]
        masks = np.zeros((K, m, P), dtype=bool)
        masks[margin_of_class[cls], cpos, lc] = True
        G3 = G.reshape(m, P, P)
        T = _sweep_operator(G3, count, masks, design.variance_sweeps)
        structure.batches.append(_Batch(P, G3, H.reshape(m, P, P), L, T))

    big = np.flatnonzero(padded == 0)
    if big.size:
        cell_order = np.argsort(cell_comp, kind="stable")
        cell_start = np.searchsorted(cell_comp[cell_order], np.arange(n_comp + 1))
    for c in big:
        comp_pos[c] = len(structure.bigs)
        classes = order[comp_start[c] : comp_start[c + 1]]
        size = classes.size
        bounds = tuple(int(x) for x in np.searchsorted(margin_of_class[classes], np.arange(K + 1)))
        cell_idx = cell_order[cell_start[c] : cell_start[c + 1]]
        loc = [cl[cell_idx] for cl in cell_local]
        r_idx = np.concatenate([loc[k] for k in range(K) for _ in range(K)])
        c_idx = np.concatenate([loc[kk] for _ in range(K) for kk in range(K)])
        g_val = np.tile(cell_n[cell_idx], K * K)
        h_val = np.tile(cell_w2[cell_idx], K * K)
        Gm: Matrix
        Hm: Matrix
        if size <= _DENSE_LIMIT:
            Gm = np.zeros((size, size))
            Hm = np.zeros((size, size))
            np.add.at(Gm, (r_idx, c_idx), g_val)
            np.add.at(Hm, (r_idx, c_idx), h_val)
        else:
            Gm = sp.csr_array(sp.coo_array((g_val, (r_idx, c_idx)), shape=(size, size)))
            Hm = sp.csr_array(sp.coo_array((h_val, (r_idx, c_idx)), shape=(size, size)))
        structure.bigs.append(_Big(bounds, Gm, Hm, class_w[classes], class_n[classes]))
    design._cache["variance_structure"] = structure
    return structure


def _first_rows(codes: IntArray, size: int) -> IntArray:
    first = np.full(size, codes.size, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(codes.size, dtype=np.int64))
    return first


def _calibration_terms(
    design: SurveyDesign,
    dom: IntArray,
    inside: npt.NDArray[np.bool_],
    u: FloatArray,
    w2u: FloatArray,
    n_domains: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per domain: ``Σ_k a_kᵀ(M_kᵀw²u)``, ``Σ a_kᵀ H a_l`` and ``Σ a_kᵀ(M_kᵀw)``."""
    structure = _structure(design)
    sweeps = design.variance_sweeps
    cross = np.zeros(n_domains)
    quad = np.zeros(n_domains)
    lin = np.zeros(n_domains)
    cells = structure.cell_of_row[inside]
    n_cells = int(structure.cell_comp.size)
    # aggregate rows to (cell, domain) pairs
    pair_codes, n_pairs = _densify(cells * n_domains + dom, n_cells * n_domains)
    su = group_sums(pair_codes, u, n_pairs)
    sq = group_sums(pair_codes, w2u, n_pairs)
    first = _first_rows(pair_codes, n_pairs)
    pair_cell = cells[first]
    pair_dom = dom[first]
    pair_comp = structure.cell_comp[pair_cell]
    pair_batch = structure.comp_batch[pair_comp]

    for b, batch in enumerate(structure.batches):
        sel = np.flatnonzero(pair_batch == b)
        if sel.size == 0:
            continue
        P = batch.P
        m = batch.G.shape[0]
        cpos = structure.comp_pos[pair_comp[sel]]
        combo, n_combo = _densify(cpos * n_domains + pair_dom[sel], m * n_domains)
        head = _first_rows(combo, n_combo)
        combo_pos = cpos[head]
        combo_dom = pair_dom[sel][head]
        S = np.zeros(n_combo * P)
        Q = np.zeros(n_combo * P)
        for cl in structure.cell_local:
            flat = combo * P + cl[pair_cell[sel]]
            S += group_sums(flat, su[sel], n_combo * P)
            Q += group_sums(flat, sq[sel], n_combo * P)
        S2 = S.reshape(n_combo, P)
        Q2 = Q.reshape(n_combo, P)
        step = max(1, _BLOCK_ELEMENTS // (P * P))
        for lo in range(0, n_combo, step):
            ch = slice(lo, min(n_combo, lo + step))
            pos = combo_pos[ch]
            A = np.einsum("cij,cj->ci", batch.T[pos], S2[ch])
            HA = np.einsum("cij,cj->ci", batch.H[pos], A)
            d = combo_dom[ch]
            quad += group_sums(d, np.einsum("ci,ci->c", A, HA), n_domains)
            cross += group_sums(d, np.einsum("ci,ci->c", Q2[ch], A), n_domains)
            lin += group_sums(d, np.einsum("ci,ci->c", batch.L[pos], A), n_domains)

    big_sel = np.flatnonzero(pair_batch < 0)
    if big_sel.size == 0:
        return cross, quad, lin
    big_index = structure.comp_pos[pair_comp[big_sel]]
    order = big_sel[np.argsort(big_index, kind="stable")]
    starts = np.searchsorted(np.sort(big_index), np.arange(len(structure.bigs) + 1))
    for c, comp in enumerate(structure.bigs):
        idx = order[starts[c] : starts[c + 1]]
        if idx.size == 0:
            continue
        doms, dloc = np.unique(pair_dom[idx], return_inverse=True)
        dloc = dloc.reshape(-1)
        size = comp.count.size
        use_operator = comp.T is not None or (size <= _OPERATOR_MAX and size <= doms.size)
        if use_operator and comp.T is None:
            comp.T = _offsets(comp, np.eye(size), sweeps)
        step = max(1, _BLOCK_ELEMENTS // max(size, 1))
        for lo in range(0, doms.size, step):
            hi = min(doms.size, lo + step)
            cols = hi - lo
            chunk = (dloc >= lo) & (dloc < hi)
            rows_local = [cl[pair_cell[idx[chunk]]] for cl in structure.cell_local]
            col_local = np.tile(dloc[chunk] - lo, len(rows_local))
            row_all = np.concatenate(rows_local)
            S_sp = sp.csc_array(
                (np.tile(su[idx[chunk]], len(rows_local)), (row_all, col_local)),
                shape=(size, cols),
            )
            Q_sp = sp.csc_array(
                (np.tile(sq[idx[chunk]], len(rows_local)), (row_all, col_local)),
                shape=(size, cols),
            )
            if comp.T is not None:
                A = np.asarray((S_sp.T @ comp.T.T).T)
            else:
                A = _offsets(comp, S_sp.toarray(), sweeps)
            target = doms[lo:hi]
            cross[target] += np.asarray((Q_sp.multiply(A)).sum(axis=0)).reshape(-1)
            quad[target] += np.einsum("ij,ij->j", A, np.asarray(comp.H @ A))
            lin[target] += comp.L @ A
    return cross, quad, lin


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
        cross, quad, lin = _calibration_terms(design, dom, inside, u, w_in * wu, n_domains)
        sum_x2 = sum_x2 - 2.0 * cross + quad
        sum_x = sum_x - lin
    if n < 2:
        return mean, np.full(n_domains, np.nan), W
    variance = n / (n - 1) * (sum_x2 - sum_x * sum_x / n)
    return mean, np.maximum(variance, 0.0), W
