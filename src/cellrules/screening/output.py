"""Result files, written a chunk at a time: Parquet, CSV or JSON Lines, chosen by the file name.

Memory is bounded by the chunk: each record batch is written and dropped. The
file is written under a temporary name in the target's folder and renamed when
complete, so a reader never sees half a result file and a failed run leaves
the previous one in place. The bytes depend only on the batches, in id order:
a run on one process and one on a Dask cluster write the same file.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path

import pyarrow as pa

from cellrules.errors import UsageError

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl"}


def format_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"cannot tell the format of {path!r} from its name",
                         hint="name the results file *.parquet, *.csv or *.jsonl")
    return FORMATS[suffix]


class Sink:
    """A result file being written."""

    def __init__(self, path: str, schema: pa.Schema):
        self.path = Path(path)
        self.schema = schema
        handle, self.temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.stream = os.fdopen(handle, "wb")
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        self._write(batch)

    def _write(self, batch):  # pragma: no cover - each format defines it
        raise NotImplementedError

    def close(self) -> None:
        self._finish()
        self.stream.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.temp, 0o666 & ~umask)
        os.replace(self.temp, self.path)

    def _finish(self) -> None:
        pass

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self.stream.close()
        with contextlib.suppress(OSError):
            os.unlink(self.temp)


class ParquetSink(Sink):
    def __init__(self, path, schema):
        super().__init__(path, schema)
        import pyarrow.parquet as pq
        # One row group per chunk. Ids ascend: delta-encoded they take a few bytes a row group, where a
        # dictionary the writer tries first (and drops) cost a quarter of the writing time. Min/max
        # statistics are kept for numbers (a reader skips row groups by id or by count); on the
        # dictionary columns they cost half the writing and the dictionary page says as much.
        numbers = [f.name for f in schema if not pa.types.is_dictionary(f.type)]
        self.writer = pq.ParquetWriter(self.stream, schema, compression="zstd",
                                       use_dictionary=[n for n in schema.names if n != "id"],
                                       column_encoding={"id": "DELTA_BINARY_PACKED"}, write_statistics=numbers)

    def _write(self, batch):
        self.writer.write_batch(batch, row_group_size=max(batch.num_rows, 1))

    def _finish(self):
        self.writer.close()


class CsvSink(Sink):
    """Plain columns: labels as text, unknown values empty."""

    def __init__(self, path, schema):
        super().__init__(path, schema)
        import pyarrow.csv as csv
        self.csv = csv
        self.writer = None

    def _write(self, batch):
        flat = flatten(batch)
        if self.writer is None:
            self.writer = self.csv.CSVWriter(self.stream, flat.schema)
        self.writer.write_batch(flat)

    def _finish(self):
        if self.writer is None:  # every candidate excluded: the header alone
            self.writer = self.csv.CSVWriter(self.stream, flatten(_empty_batch(self.schema)).schema)
        self.writer.close()


class JsonlSink(Sink):
    """One JSON object a line, unknown values null."""

    def _write(self, batch):
        lines = [json.dumps({k: _finite(v) for k, v in row.items()}, ensure_ascii=False, allow_nan=False,
                            separators=(", ", ": ")) for row in batch.to_pylist()]
        if lines:
            self.stream.write(("\n".join(lines) + "\n").encode("utf-8"))


def _finite(value):
    """JSON has no infinity: a non-finite derived value (a ratio over zero) is written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in schema], schema=schema)


def flatten(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Dictionary columns decoded, for formats without them."""
    arrays, fields = [], []
    for field, column in zip(batch.schema, batch.columns):
        if pa.types.is_dictionary(field.type):
            column = column.dictionary_decode()
        arrays.append(column)
        fields.append(pa.field(field.name, column.type))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


SINKS = {"parquet": ParquetSink, "csv": CsvSink, "jsonl": JsonlSink}


def open_sink(path: str, schema: pa.Schema) -> Sink:
    kind = format_of(path)
    try:
        return SINKS[kind](path, schema)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
