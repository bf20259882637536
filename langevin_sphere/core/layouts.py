"""How a device steps its chains: in blocks, one chain at a time (``Chains``) or chains-last (``Lanes``).

A layout owns one thing: the compiled loop over a block of chains, ``n_rec`` records of ``record_every`` kernel
steps each, with the records evaluated inside it and a chain that becomes non-finite frozen at its last finite state
(its step is kept in ``failed``; the other chains go on untouched). :func:`langevin_sphere.simulate` runs a
device's chains block after block with ``lax.map`` and shards the blocks over devices.

- :class:`Chains` (default): ``vmap`` of the kernel's one-chain step. On the CPU blocks of up to 8 chains, whose
  intermediates stay in cache (fewer when a device holds fewer: no padding beyond a device's share); elsewhere a
  device's chains at once. A chain's trajectory is bit for bit the same
  whatever B, the chunking and the devices.
- :class:`Lanes`: the integrator's registered chains-last step on blocks of a fixed number of chains stored
  (n, d, B), so that the CPU's vector lanes run over chains (about 2x the throughput on InfoNCE for small M and d).
  The same dynamics and noise: results agree with ``Chains`` to float32 round-off, and a chain's trajectory is bit
  for bit the same whatever B, the chunking and the devices (its lane in its block never changes).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from . import records as records_lib
from .kernel import Kernel

__all__ = ["Layout", "Chains", "Lanes", "get"]


class Layout(eqx.Module):
    """A way to step a block of chains; states enter and leave chains-first ((B, n, d) leaves)."""

    @abc.abstractmethod
    def block_size(self, share: int, platform: str) -> int:
        """Chains per block for a device holding ``share`` chains on ``platform`` ("cpu", "gpu", ...)."""

    def check(self, kernel: Kernel) -> None:
        """Raise if this layout cannot run the kernel."""

    @abc.abstractmethod
    def _inner(self, states):
        """Chains-first states -> the layout's own storage."""

    @abc.abstractmethod
    def _outer(self, states):
        """The layout's own storage -> chains-first states."""

    @abc.abstractmethod
    def _step(self, kernel: Kernel, states, k, chain_keys):
        """One kernel step of every chain of the block (in the layout's storage)."""

    @abc.abstractmethod
    def _where(self, keep, new, old):
        """Per chain: ``new`` where ``keep`` else ``old`` (in the layout's storage)."""

    @abc.abstractmethod
    def _finite(self, state):
        """(B,) whether a chain's energy, configuration and gradient are all finite (in the layout's storage)."""

    def run_block(
        self,
        kernel: Kernel,
        records: Mapping[str, records_lib.Record],
        states,
        failed,
        chain_keys,
        k0,
        n_rec: int,
        record_every: int,
    ):
        """``n_rec`` records of ``record_every`` steps of one block from step k0: ((states, failed), records) with
        records of shape (n_rec, block, ...)."""

        def one_step(carry, k):
            states, failed = carry
            new = self._step(kernel, states, k, chain_keys)
            finite = self._finite(new)
            states = self._where(finite & (failed < 0), new, states)
            failed = jnp.where((failed < 0) & ~finite, k.astype(failed.dtype), failed)
            return (states, failed), None

        def one_record(carry, r):
            carry, _ = jax.lax.scan(one_step, carry, k0 + r * record_every + jnp.arange(record_every))
            states, failed = carry
            return carry, evaluate(records, self._outer(states), failed)

        (states, failed), rec = jax.lax.scan(one_record, (self._inner(states), failed), jnp.arange(n_rec))
        return (self._outer(states), failed), rec


def evaluate(records: Mapping[str, records_lib.Record], states, failed):
    """The records of a block of chain-first states: {name: (B, ...)}."""
    return jax.vmap(lambda s, dead: records_lib.evaluate(records, s, dead))(states, failed >= 0)


class Chains(Layout):
    """``vmap`` of the one-chain step; blocks of ``cpu_block`` chains on the CPU, a device's chains elsewhere."""

    cpu_block: int = 8  # fastest of 1-256 on the reference problem (langevin-sphere bench)

    def block_size(self, share: int, platform: str) -> int:
        # never more than the device's share: a block of 8 for 2 chains would run 6 padding chains (4x the work,
        # and at M = 1024, d = 512 a step of one chain is already 10^10 FLOPs)
        return min(self.cpu_block, max(share, 1)) if platform == "cpu" else share

    def _inner(self, states):
        return states

    def _outer(self, states):
        return states

    def _step(self, kernel, states, k, chain_keys):
        return jax.vmap(kernel.step, in_axes=(0, None, 0))(states, k, chain_keys)[0]

    def _where(self, keep, new, old):
        return jax.tree.map(lambda a, b: jnp.where(keep.reshape(keep.shape + (1,) * (a.ndim - 1)), a, b), new, old)

    def _finite(self, state):  # one reduction: a NaN or inf anywhere makes the sum non-finite
        return jnp.isfinite(state.energy + jnp.sum(state.x + state.grad, axis=(-2, -1)))


class Lanes(Layout):
    """The integrator's chains-last step on blocks of ``cpu_block`` chains on the CPU (a fixed size: a chain sits at
    the same lane of the same block whatever B, so its trajectory does not depend on B, the chunking or the devices;
    the last block is padded), a device's chains at once elsewhere."""

    cpu_block: int = 512  # P0 on one device: 5.7e5 config-steps/s at 128, 8.8e5 at 512, 9.0e5 at 1024

    def block_size(self, share: int, platform: str) -> int:
        return self.cpu_block if platform == "cpu" else share

    def check(self, kernel: Kernel) -> None:
        if kernel.lanes_step is None:
            raise ValueError(
                f"simulate: layout='lanes' needs an integrator with a registered chains-last step; "
                f"{type(kernel.integrator).__name__} has none (use layout='chains')"
            )

    def _inner(self, states):
        return jax.tree.map(lambda a: jnp.moveaxis(a, 0, -1), states)

    def _outer(self, states):
        return jax.tree.map(lambda a: jnp.moveaxis(a, -1, 0), states)

    def _step(self, kernel, states, k, chain_keys):
        return kernel.lanes_step(states, k, chain_keys)[0]

    def _where(self, keep, new, old):  # (B,) broadcasts against the trailing chain axis
        return jax.tree.map(lambda a, b: jnp.where(keep, a, b), new, old)

    def _finite(self, state):
        return jnp.isfinite(state.energy + jnp.sum(state.x + state.grad, axis=(0, 1)))


_NAMES = {"chains": Chains, "lanes": Lanes}
_AUTO_LANES_MAX = (
    128  # n d of a configuration up to which the chains-last step is the faster one (langevin-sphere bench)
)


def get(
    layout: str | Layout,
    kernel: Kernel | None = None,
    shape: tuple[int, ...] = (),
    platform: str = "cpu",
    n_devices: int = 1,
) -> Layout:
    """A layout from its name ("auto", "chains", "lanes") or itself.

    "auto" is :class:`Lanes` where it is the faster one: on the CPU, for an integrator with a registered chains-last
    step and an energy with its own chains-last gradient (``lanes_value_and_grad``, e.g. InfoNCE), when a
    configuration has n d <= 128 numbers (the sweep of ``langevin-sphere bench``: lanes wins at M = 4 and 16 with
    d = 3, and M = 4 with d = 16; the per-chain step wins from M = 16, d = 16 on) and the chains fill a block on every
    device (B >= 512 x devices; fewer would mostly run padding); :class:`Chains` otherwise. Each layout is bit for bit
    independent of B, but "auto" changes layout at that threshold: name the layout to compare runs across it.
    """
    if isinstance(layout, Layout):
        return layout
    if layout == "auto":
        n_numbers = shape[-2] * shape[-1] if len(shape) >= 2 else 0
        n_chains = shape[0] if len(shape) >= 3 else 0
        lanes = (
            platform == "cpu"
            and kernel is not None
            and kernel.lanes_step is not None
            and getattr(kernel.sde.energy, "lanes_value_and_grad", None) is not None
            and n_numbers <= _AUTO_LANES_MAX
            and n_chains >= Lanes().cpu_block * n_devices
        )
        return Lanes() if lanes else Chains()
    if layout not in _NAMES:
        raise ValueError(
            f"simulate: layout must be one of 'auto', {', '.join(map(repr, _NAMES))} or a Layout, got {layout=}"
        )
    return _NAMES[layout]()
