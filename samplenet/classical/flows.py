"""Information flows between pixels (Aksoy, Aydın, Pollefeys, CVPR 2017).

Information-flow matting writes alpha at an unknown pixel in terms of other
pixels' alpha in three non-local ways, besides the local closed-form
Laplacian:

* **colour mixture**: the pixel's colour-and-position feature is the
  locally linear embedding (LLE) of its ``K`` nearest neighbours' features;
  alpha mixes the same way (``alpha_p ~ sum_q w_pq alpha_q``);
* **known to unknown**: the same embedding over its nearest known
  foreground and background pixels; the share of weight on foreground
  pixels is an alpha estimate, trusted as far as the two mixed colours
  differ (a pair of equal colours says nothing about alpha);
* **intra unknown**: unknown pixels of nearly the same colour anywhere in
  the unknown region get similar alpha (the flow that carries alpha
  through hair whose strands are far from any known pixel).

Every function here works on flat arrays of features; the caller chooses
which pixels they describe.  Neighbour search is pymatting's ``knn``.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse
from numba import njit
from pymatting import knn

#: Regularisation added to the diagonal of each local Gram matrix: with
#: more neighbours than feature dimensions the Gram matrix is singular.
LLE_REGULARIZATION = 1e-3


@njit(cache=True, nogil=True)
def _lle_weights(query, data, neighbours, regularization):  # pragma: no cover - compiled by numba
    """Weights w (N, K) with sum 1 minimising |q - sum_k w_k d_k|^2 + reg |w|^2
    for each query row, by a Cholesky solve of the K x K local Gram matrix."""
    n, k = neighbours.shape
    dims = query.shape[1]
    out = np.empty((n, k))
    gram = np.empty((k, k))
    diff = np.empty((k, dims))
    chol = np.empty((k, k))
    y = np.empty(k)
    for p in range(n):
        for a in range(k):
            for d in range(dims):
                diff[a, d] = data[neighbours[p, a], d] - query[p, d]
        for a in range(k):
            for b in range(a + 1):
                s = 0.0
                for d in range(dims):
                    s += diff[a, d] * diff[b, d]
                gram[a, b] = s
                gram[b, a] = s
            gram[a, a] += regularization
        # Cholesky gram = chol chol^T
        for a in range(k):
            for b in range(a + 1):
                s = gram[a, b]
                for c in range(b):
                    s -= chol[a, c] * chol[b, c]
                if a == b:
                    chol[a, a] = np.sqrt(max(s, 1e-12))
                else:
                    chol[a, b] = s / chol[b, b]
        # solve chol y = 1, chol^T w = y
        for a in range(k):
            s = 1.0
            for c in range(a):
                s -= chol[a, c] * y[c]
            y[a] = s / chol[a, a]
        total = 0.0
        for a in range(k - 1, -1, -1):
            s = y[a]
            for c in range(a + 1, k):
                s -= chol[c, a] * out[p, c]
            out[p, a] = s / chol[a, a]
            total += out[p, a]
        if abs(total) < 1e-12:
            total = 1e-12
        for a in range(k):
            out[p, a] /= total
    return out


def nearest(data: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Indices (N, k') of the ``k`` nearest ``data`` rows of every query row,
    ``k' = min(k, len(data))``."""
    k = min(k, len(data))
    _, index = knn(np.ascontiguousarray(data, np.float32), np.ascontiguousarray(query, np.float32), k)
    return np.asarray(index, dtype=np.int64).reshape(len(query), k)


def lle_weights(query: np.ndarray, data: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Locally-linear-embedding weights of each query over its neighbours."""
    return _lle_weights(
        np.ascontiguousarray(query, np.float64),
        np.ascontiguousarray(data, np.float64),
        np.ascontiguousarray(neighbours, np.int64),
        LLE_REGULARIZATION,
    )


def colour_mixture_rows(
    features: np.ndarray, rows: np.ndarray, k: int, candidates: np.ndarray | None = None
) -> scipy.sparse.csr_matrix:
    """``I - W`` restricted to ``rows``: a (len(rows), N) matrix whose row p
    is ``e_p - sum_q w_pq e_q`` with ``w`` the LLE weights of pixel p over
    its ``k`` nearest pixels (itself excluded) among the ``candidates``
    (indices into the N features, containing ``rows``; default all)."""
    pool = np.arange(len(features)) if candidates is None else np.asarray(candidates)
    index = pool[nearest(features[pool], features[rows], k + 1)]
    index = _drop_self(index, rows)
    weights = lle_weights(features[rows], features, index)
    n_rows, kk = index.shape
    row_ids = np.repeat(np.arange(n_rows), kk)
    mixture = scipy.sparse.csr_matrix((weights.ravel(), (row_ids, index.ravel())), shape=(n_rows, len(features)))
    identity = scipy.sparse.csr_matrix((np.ones(n_rows), (np.arange(n_rows), rows)), shape=(n_rows, len(features)))
    return (identity - mixture).tocsr()


def _drop_self(index: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Neighbour lists without the query itself (the first match of an
    exact search, unless duplicates came first)."""
    is_self = index == rows[:, None]
    has_self = is_self.any(axis=1)
    keep = np.where(has_self[:, None], ~is_self, np.arange(index.shape[1])[None, :] < index.shape[1] - 1)
    return index[keep].reshape(len(rows), index.shape[1] - 1)


def known_to_unknown(
    query: np.ndarray,
    query_colours: np.ndarray,
    foreground: np.ndarray,
    foreground_colours: np.ndarray,
    background: np.ndarray,
    background_colours: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Alpha estimate and confidence of each query from its ``k`` nearest
    known foreground and ``k`` nearest known background features.

    Returns (alpha in [0, 1], confidence in [0, 1]): alpha is the LLE
    weight on the foreground neighbours; the confidence is the squared
    distance of the foreground and background mixed colours (divided by 3,
    the largest it can be), small where the two sides look alike.
    """
    fg_index = nearest(foreground, query, k)
    bg_index = nearest(background, query, k)
    data = np.concatenate([foreground, background])
    index = np.concatenate([fg_index, bg_index + len(foreground)], axis=1)
    weights = lle_weights(query, data, index)
    kf = fg_index.shape[1]
    w_fg = weights[:, :kf]
    w_bg = weights[:, kf:]
    alpha = np.clip(w_fg.sum(axis=1), 0.0, 1.0)
    mixed_fg = np.einsum("nk,nkc->nc", w_fg, foreground_colours[fg_index])
    mixed_bg = np.einsum("nk,nkc->nc", w_bg, background_colours[bg_index])
    confidence = np.clip(((mixed_fg - mixed_bg) ** 2).sum(axis=1) / 3.0, 0.0, 1.0)
    return alpha, confidence


def intra_unknown_laplacian(features: np.ndarray, k: int) -> scipy.sparse.csr_matrix:
    """Graph Laplacian ``D - W`` over the unknown pixels, ``W`` the symmetrised
    similarities ``max(0, 1 - |f_p - f_q|_1)`` of each pixel to its ``k``
    nearest unknown pixels (itself excluded)."""
    n = len(features)
    if n < 2:
        return scipy.sparse.csr_matrix((n, n))
    rows = np.arange(n)
    index = _drop_self(nearest(features, features, k + 1), rows)
    distance = np.abs(features[index] - features[:, None, :]).sum(axis=2)
    weights = np.maximum(0.0, 1.0 - distance)
    w = scipy.sparse.csr_matrix((weights.ravel(), (np.repeat(rows, index.shape[1]), index.ravel())), shape=(n, n))
    w = 0.5 * (w + w.T)
    degree = np.asarray(w.sum(axis=1)).ravel()
    return (scipy.sparse.diags(degree) - w).tocsr()
