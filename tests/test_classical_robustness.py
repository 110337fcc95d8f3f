"""The weight-free engine never gets stuck, never fails with a bare error and
prints nothing: degenerate trimaps, tiny images, the solver's budget, noisy
libraries and a read-only numba cache."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse

from samplenet.classical.solver import iteration_budget, solve_spd
from samplenet.engines.classical import ClassicalMatter
from samplenet.errors import MattingInputError


@pytest.fixture(scope="module")
def matter():
    return ClassicalMatter()


def random_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3)).astype(np.uint8)


def test_all_unknown_trimap_asks_for_foreground_and_background(matter):
    with pytest.raises(MattingInputError, match="paint some of the subject white.*background"):
        matter(random_image(40, 50), np.full((40, 50), 128, np.uint8))


@pytest.mark.parametrize("label, expected, missing", [(0, 0.0, "foreground"), (255, 1.0, "background")])
def test_one_known_label_gives_the_constant_answer_with_a_note(matter, label, expected, missing):
    trimap = np.full((40, 50), 128, np.uint8)
    trimap[:, :5] = label
    result = matter(random_image(40, 50), trimap)
    assert np.all(result.alpha == expected)
    assert f"no {missing} pixel" in result.info["note"]
    assert result.info["cg_iterations"] == 0


@pytest.mark.parametrize(
    "trimap",
    [
        [[255, 128], [128, 0]],
        [[255, 0], [128, 128]],
        [[255], [128], [0]],
        [[0, 128, 128, 128, 255]],
    ],
)
def test_tiny_images_are_answered_within_the_budget(matter, trimap):
    trimap = np.array(trimap, np.uint8)
    result = matter(random_image(*trimap.shape, seed=trimap.size), trimap)
    assert result.alpha.shape == trimap.shape
    assert np.isfinite(result.alpha).all() and result.alpha.min() >= 0 and result.alpha.max() <= 1
    assert result.alpha[trimap == 255].min() == 1 and result.alpha[trimap == 0].max() == 0
    assert result.info.get("converged", True), result.info  # did not hit the budget
    assert "note" not in result.info


def test_a_one_pixel_image_with_an_unknown_pixel_says_what_to_paint(matter):
    with pytest.raises(MattingInputError, match="paint"):
        matter(random_image(1, 1), np.array([[128]], np.uint8))


def test_iteration_budget_grows_with_the_unknown_pixel_count():
    budgets = [iteration_budget(n, 3.0, 10_000) for n in (10, 10_000, 1_000_000)]
    assert budgets[0] == 50 and budgets[0] < budgets[1] < budgets[2]
    assert iteration_budget(1_000_000, 3.0, 500) == 500


def poisson_system(n: int) -> scipy.sparse.csr_matrix:
    """1-D Laplacian plus a small diagonal: SPD and slow to converge."""
    main = np.full(n, 2.001)
    return scipy.sparse.diags([main, -np.ones(n - 1), -np.ones(n - 1)], [0, -1, 1]).tocsr()


def test_a_spent_budget_returns_the_best_iterate_with_a_note():
    system = poisson_system(400)
    rhs = np.random.default_rng(0).normal(size=400)
    start = np.linalg.norm(rhs)
    x, report = solve_spd(system, rhs, budget=5, tolerance=1e-12, preconditioner="jacobi")
    assert not report.converged and report.iterations == 5
    assert "budget of 5 iterations" in report.note
    assert np.linalg.norm(rhs - system.dot(x)) < start  # better than the start
    assert np.isclose(np.linalg.norm(rhs - system.dot(x)) / start, report.relative_residual)
    exact, report = solve_spd(system, rhs, budget=2000, tolerance=1e-10, preconditioner="ichol")
    assert report.converged and report.note is None
    assert np.allclose(system.dot(exact), rhs, atol=1e-6)


def test_the_engine_reports_a_spent_budget_in_result_info(disc_example):
    image, trimap, _ = disc_example
    result = ClassicalMatter(max_iterations=2, tolerance=1e-12)(image, trimap)
    assert result.info["converged"] is False
    assert result.info["cg_iterations"] == 2
    assert "budget" in result.info["note"] and "best iterate" in result.info["note"]
    assert np.isfinite(result.alpha).all()


def test_a_failing_incomplete_cholesky_still_gives_an_answer():
    """An indefinite matrix makes pymatting's ichol retry with larger shifts
    (its note goes to the log as printed); the solver answers anyway."""
    system = scipy.sparse.csr_matrix(np.array([[1.0, 3.0], [3.0, 1.0]]))
    x, report = solve_spd(system, np.ones(2), budget=10, tolerance=1e-8, preconditioner="ichol")
    assert np.isfinite(x).all()


def test_matting_leaves_the_process_streams_alone(matter, disc_example, monkeypatch):
    """A matte in one request must not swap sys.stdout or warnings.showwarning
    for the whole process (other requests, the server's own log)."""
    from samplenet.engines import classical as classical_engine

    stdout, showwarning, seen = sys.stdout, warnings.showwarning, []
    real = classical_engine.solve_alpha

    def watched(*args, **kwargs):
        seen.append((sys.stdout is stdout, warnings.showwarning is showwarning))
        return real(*args, **kwargs)

    monkeypatch.setattr(classical_engine, "solve_alpha", watched)
    image, trimap, _ = disc_example
    matter(image, trimap)
    assert seen == [(True, True)]


def test_matting_prints_nothing(matter, disc_example, capsys):
    image, trimap, _ = disc_example
    matter(image, trimap)
    sketch = np.full(trimap.shape, 128, np.uint8)
    sketch[:3] = 0
    sketch[30:33, 38:42] = 255
    matter(image, sketch)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


CHECK_CACHE = textwrap.dedent(
    """
    import os, pathlib, sys
    real_access = os.access
    def access(path, mode, *args, **kwargs):  # pymatting's folder is read-only here
        if mode == os.W_OK and pathlib.Path(path).name == "pymatting":
            return False
        return real_access(path, mode, *args, **kwargs)
    os.access = access
    import samplenet.classical
    import numba
    print(os.environ.get("NUMBA_CACHE_DIR"), numba.config.CACHE_DIR, sep="\\n")
    """
)


def run_cache_check(env: dict) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", CHECK_CACHE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip().splitlines()


def test_numba_cache_moves_to_a_user_folder_when_pymatting_is_read_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    variable, config = run_cache_check(env)
    assert variable == config == str(tmp_path / "samplenet" / "numba")
    assert (tmp_path / "samplenet" / "numba").is_dir()


def test_numba_cache_set_by_the_user_is_kept(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "mine"), XDG_CACHE_HOME=str(tmp_path))
    variable, config = run_cache_check(env)
    assert variable == config == str(tmp_path / "mine")
    assert not (tmp_path / "samplenet").exists()


def test_a_rough_sketch_is_answered_within_the_budget(matter):
    """The sketch that used to get stuck (grey outline, small white stroke,
    unknown inside) on a small soft disc."""
    from samplenet.benchmarks.sketch_case import sketch_trimap
    from tests.conftest import make_disc_example

    image, _, truth = make_disc_example(64, 80, seed=5)
    trimap = sketch_trimap(truth > 0.5, outline=4, stroke=(3, 5))
    assert set(np.unique(trimap)) == {0, 128, 255}
    result = matter(image, trimap)
    assert result.info["converged"], result.info
    inside = (trimap == 128) & (truth > 0.99)
    outside = (trimap == 128) & (truth < 0.01)
    assert result.alpha[inside].mean() > result.alpha[outside].mean() + 0.5
