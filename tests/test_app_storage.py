"""The app's output folder stays bounded: by age, and by size oldest first."""
from __future__ import annotations

import os

import pytest

from samplenet.app import storage
from samplenet.errors import MattingInputError


def _request(root, name: str, size: int, mtime: float):
    folder = root / name
    folder.mkdir()
    (folder / "alpha.png").write_bytes(b"x" * size)
    os.utime(folder, (mtime, mtime))
    return folder


def test_prune_deletes_the_oldest_requests_until_the_folder_fits(tmp_path):
    now = 1_000_000.0
    for index in range(6):  # 6 requests of 1000 bytes, a minute apart, older than MIN_AGE_S, younger than an hour
        _request(tmp_path, f"r{index}", 1000, now - storage.MIN_AGE_S - 600 + 60 * index)
    deleted = storage.prune(tmp_path, max_bytes=3500, now=now)
    assert [p.name for p in deleted] == ["r0", "r1", "r2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r3", "r4", "r5"]


def test_prune_deletes_old_requests_even_when_the_folder_fits(tmp_path):
    now = 1_000_000.0
    _request(tmp_path, "old", 10, now - storage.MAX_AGE_S - 1)
    _request(tmp_path, "new", 10, now - 5)
    assert [p.name for p in storage.prune(tmp_path, max_bytes=10**9, now=now)] == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["new"]


def test_a_request_still_being_written_is_never_pruned(tmp_path, monkeypatch):
    # a 1.5 MB request against a 1 MB bound: a second request arriving while
    # the first still writes used to delete the first's folder under it
    monkeypatch.setattr(storage, "output_root", lambda: tmp_path / "samplenet-app")
    monkeypatch.setenv("SAMPLENET_APP_OUTPUT_MB", "1")
    first = storage.new_request_folder()
    (first / "alpha.png").write_bytes(b"x" * 1_500_000)
    storage.new_request_folder()
    (first / "cutout.png").write_bytes(b"x" * 10)  # the first request's next save
    assert first.is_dir()


def test_each_new_request_folder_keeps_the_older_ones_within_the_bound(tmp_path, monkeypatch):
    root = tmp_path / "samplenet-app"
    root.mkdir()
    monkeypatch.setattr(storage, "output_root", lambda: root)
    monkeypatch.setenv("SAMPLENET_APP_OUTPUT_MB", "1")
    now = storage.time.time()
    for index in range(5):  # five finished requests of 0.4 MB, past the slack
        _request(root, f"r{index}", 400_000, now - storage.MIN_AGE_S - 100 + index)
    storage.new_request_folder()
    left = sorted(p.name for p in root.iterdir() if p.name.startswith("r"))
    assert left == ["r3", "r4"]  # the newest that fit in 1 MB


def test_a_malformed_size_setting_is_named(monkeypatch):
    monkeypatch.setenv("SAMPLENET_APP_OUTPUT_MB", "lots")
    with pytest.raises(MattingInputError, match="SAMPLENET_APP_OUTPUT_MB"):
        storage.max_bytes_from_env()
