"""`samplenet infer` under torchrun: two gloo processes on the CPU share the
list, write into one folder and rank 0 sums up (issue 12, batch beyond one
machine)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from PIL import Image

from samplenet.cli import infer_ranks
from tests.conftest import make_disc_example

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_shards_are_disjoint_and_cover_the_list():
    items = list(range(7))
    shares = [infer_ranks.shard(items, infer_ranks.Ranks(rank, 3)) for rank in range(3)]
    assert sorted(sum(shares, [])) == items
    assert [len(share) for share in shares] == [3, 2, 2]


def test_infer_under_torchrun_with_two_gloo_processes(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    (data / "rgb").mkdir(parents=True)
    (data / "trimap").mkdir()
    names = [f"p{i}" for i in range(5)]
    for seed, name in enumerate(names):
        image, trimap, _ = make_disc_example(16, 24, seed=seed)
        Image.fromarray(image).save(data / "rgb" / f"{name}.png")
        Image.fromarray(trimap).save(data / "trimap" / f"{name}.png")
    (data / "rgb" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")  # 6th pair: rank 1's
    lines = [f"rgb/{name}.png trimap/{name}.png" for name in names + ["broken"]]
    (data / "val_set.txt").write_text("\n".join(lines) + "\n")

    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "samplenet", "-v", "infer", "--eval", str(data), "--out", str(out), "--engine", "classical"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    writes = re.findall(r"wrote (\w+) \[rank (\d)/2\]", done.stderr)
    assert Counter(stem for stem, _ in writes) == Counter(names), done.stderr  # every pair written once
    assert {rank for _, rank in writes} == {"0", "1"}  # by both processes
    assert sorted(p.name for p in out.glob("*_alpha.png")) == [f"{name}_alpha.png" for name in names]
    # one summary, from rank 0, that includes rank 1's failure; the exit status says something failed
    assert done.stdout.count("wrote 5 of 6 results") == 1, done.stdout
    assert "by 2 processes" in done.stdout and "broken.png" in done.stdout
    assert done.returncode != 0
