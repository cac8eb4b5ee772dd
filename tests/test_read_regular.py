"""fileio.read_regular reads a regular file whole, or its first `limit` + 1 bytes: exactly, whatever its size."""
from __future__ import annotations

import pytest

from cellrules.fileio import read_regular


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, (1 << 20) - 1, 1 << 20, (1 << 20) + 7, 3 * (1 << 20) + 1])
def test_a_file_is_read_whole(tmp_path, size):
    path = tmp_path / "data.bin"
    data = bytes(i % 251 for i in range(size))
    path.write_bytes(data)
    assert read_regular(path) == data


@pytest.mark.parametrize("size, limit", [(0, 0), (5, 0), (10, 10), (11, 10), (5000, 10), (3 << 20, 1 << 20)])
def test_a_limit_reads_one_byte_past_it_at_most(tmp_path, size, limit):
    path = tmp_path / "data.bin"
    data = bytes(i % 251 for i in range(size))
    path.write_bytes(data)
    assert read_regular(path, limit) == data[:limit + 1]


def test_reads_cut_short_before_the_end_are_continued(tmp_path, monkeypatch):
    """A read may return fewer bytes than asked before the end (a signal arrived): the file is still read whole."""
    import os

    from cellrules import fileio

    path = tmp_path / "data.bin"
    data = bytes(i % 251 for i in range(5000))
    path.write_bytes(data)
    real_read = os.read
    monkeypatch.setattr(fileio.os, "read", lambda fd, n: real_read(fd, min(n, 700)))
    assert read_regular(path) == data
    assert read_regular(path, 1000) == data[:1001]
