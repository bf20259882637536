"""Devices: one JAX CPU device per core, so that the chains of a run use the whole machine.

JAX runs the small per-step operations of a block of chains on one thread per CPU device. With the default single
CPU device the other cores idle; :func:`simulate` shards its chains over all devices, so splitting the CPU into one
device per core multiplies the throughput (``langevin-sphere bench`` measures it). The split must be made before
JAX's backends start, i.e. right after ``import langevin_sphere`` and before any array exists, as NumPyro's
``set_host_device_count`` does. The command line does it for every command.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import jax

__all__ = [
    "set_host_device_count",
    "available_cores",
    "user_chose_device_count",
    "host_memory_available",
    "enable_compilation_cache",
    "CACHE_ENV",
]

CACHE_ENV = "LANGEVIN_SPHERE_COMPILATION_CACHE"  # a folder, or 0 / off / false to run without the cache


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def user_chose_device_count() -> bool:
    """Whether the CPU device count was set explicitly (``JAX_NUM_CPU_DEVICES``, the XLA flag, or the config)."""
    return (
        "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", "")
        or "JAX_NUM_CPU_DEVICES" in os.environ
        or jax.config.jax_num_cpu_devices > 0  # type: ignore[attr-defined]
    )


def set_host_device_count(n: int | None = None) -> int:
    """Split the CPU into ``n`` JAX devices (default: one per available core); returns the count set.

    Call it right after ``import langevin_sphere``, before any JAX array exists. Results do not depend on the device
    count (each chain has its own key; bit for bit within a process configured alike).

    When JAX's backends already run (an array exists), the count cannot change any more: a warning says where to
    call this instead, and the current count is returned.

    Raises:
      ValueError: n is not an integer >= 1.

    Examples:
      >>> import langevin_sphere as ls
      >>> ls.set_host_device_count()        # doctest: +SKIP
      2
    """
    cores = available_cores()
    if n is None:
        n = cores
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_host_device_count: n must be an integer >= 1 (or None: {cores} cores), got n={n!r}")
    try:
        jax.config.update("jax_num_cpu_devices", n)
    except RuntimeError:
        have = len(jax.devices("cpu"))
        if have != n:
            warnings.warn(
                f"set_host_device_count: JAX's backends already run with {have} CPU device(s), so n={n} cannot take "
                "effect; call langevin_sphere.set_host_device_count() right after `import langevin_sphere`, before "
                "any JAX array is created (or set JAX_NUM_CPU_DEVICES in the environment)",
                RuntimeWarning,
                stacklevel=2,
            )
        return have
    return n


def host_memory_available() -> tuple[int, str]:
    """Bytes this process can still allocate on the host, and what bounds it: the smaller of the memory the OS reports
    available (``MemAvailable``) and the room left under an address-space limit (``ulimit -v``)."""
    import resource

    limits = []
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        limits.append((int(info["MemAvailable"].split()[0]) * 1024, "available memory"))
    except (OSError, KeyError, ValueError):
        pages = os.sysconf("SC_AVPHYS_PAGES") if hasattr(os, "sysconf") else -1
        if pages > 0:
            limits.append((pages * os.sysconf("SC_PAGE_SIZE"), "available memory"))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        used = 0
        try:
            with open("/proc/self/status") as f:
                used = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        except (OSError, StopIteration, ValueError):
            pass
        limits.append((max(soft - used, 0), "address-space limit (ulimit -v)"))
    return min(limits) if limits else (2**63 - 1, "unknown")


def enable_compilation_cache() -> Path | None:
    """Turn on JAX's persistent compilation cache, so that a second process running the same computation (a second
    ``langevin-sphere run`` of a config, a resumed run) loads the compiled programs from disk instead of compiling.

    The folder is ``$LANGEVIN_SPHERE_COMPILATION_CACHE`` when set (``0``, ``off`` or ``false`` disable the cache),
    else ``$XDG_CACHE_HOME/langevin_sphere/jax`` (``~/.cache/langevin_sphere/jax``). A cache folder the user already
    gave JAX (``JAX_COMPILATION_CACHE_DIR``) is kept. Every compilation is cached, however short. Returns the folder,
    or None when disabled. The command line calls it for every command; library users may call it themselves.
    """
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None and chosen.strip().lower() in ("0", "off", "false", "no", ""):
        return None
    current = jax.config.jax_compilation_cache_dir  # type: ignore[attr-defined]
    if current and chosen is None:
        return Path(current)
    folder = Path(chosen) if chosen else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = folder if chosen else folder / "langevin_sphere" / "jax"
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder
