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
