"""Reading and writing results in open formats (npz, JSON, CSV), atomically.

Every file is written to a temporary name in the same folder, flushed to disk and renamed, so an interrupted run
leaves either the previous file or the new one, never half of one. Nothing here knows about dynamics.
"""

from __future__ import annotations

import csv
import io as _io
import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["atomic_write_bytes", "save_npz", "load_npz", "save_json", "load_json", "save_csv", "provenance"]


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_npz(path: str | Path, arrays: dict[str, Any]) -> None:
    """Save named arrays as an uncompressed ``.npz`` (readable with ``numpy.load``)."""
    buf = _io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]  # numpy stubs: allow_pickle
    atomic_write_bytes(path, buf.getvalue())


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None  # JSON has no NaN / inf
    return obj


def save_json(path: str | Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(_jsonable(obj), indent=2) + "\n").encode())


def load_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def save_csv(path: str | Path, header: list[str], rows: list[list[Any]]) -> None:
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_bytes(path, buf.getvalue().encode())


def provenance() -> dict[str, str]:
    """Versions and backend that produced a result: enough to say how to reproduce it."""
    import jax

    try:
        version = metadata.version("langevin-sphere")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        version = "0.0.0+unknown"
    return {
        "langevin_sphere": version,
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "devices": ", ".join(str(d) for d in jax.devices()),
        "x64": str(jax.config.jax_enable_x64),  # type: ignore[attr-defined]
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
