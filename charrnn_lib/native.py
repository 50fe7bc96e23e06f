"""The few pieces each Keras backend does its own way, in one place; everything else uses `keras.ops`.

Keras fixes its backend when it is first imported (`KERAS_BACKEND`, TensorFlow by default), and `ops()` returns
that backend's pieces: how batches are fed to `fit`, how the validation loss is computed in one compiled loop,
how the sampler's loop is compiled with the model's weights (and a loop over texts of any length), a stateless
uniform draw and a float ↔ int32 bit cast (neither is in `keras.ops`), which GPUs are visible, and how a run
splits its batches across devices (`keras.distribution`, JAX only). Each framework is imported only by its own class.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np

from charrnn_lib.errors import ConfigError


class StreamWindows(keras.utils.PyDataset):
    """Batches `start .. stop-1` of the stream windows as NumPy `(x, y)`, for backends without `tf.data`.

    Batch `k` is window `k % n_batches` of the pass, cut on demand from one copy of the ids, as
    `batches.make_dataset` describes; iterating it again starts again at `start` (validation reads it many times).
    """

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, num_steps: int, n_batches: int, start: int,
                 stop: int) -> None:
        super().__init__()
        self.ids, self.num_steps, self.n_batches, self.start, self.stop = ids, num_steps, n_batches, start, stop
        self.offsets = offsets  # (num_seqs, num_steps + 1): batch 0's windows

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        columns = self.ids[self.offsets + ((self.start + index) % self.n_batches) * self.num_steps].astype(np.int32)
        return columns[:, :-1], columns[:, 1:]  # x, y: (num_seqs, num_steps) each

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return (self[index] for index in range(len(self)))


class RowsStayOnTheirDevices(keras.distribution.DataParallel):
    """`DataParallel` that splits the carried state by rows as it splits the batch: a device keeps its rows' state.

    `DataParallel` copies every variable to every device. The state a stateful RNN carries, `(num_seqs, units)`
    (Keras names it `rnn_state`), belongs to the batch's rows: split like the batch, device k holds the state of
    the rows it trains, and no step gathers the whole state onto every device. A state whose rows do not split
    evenly (a batch-1 sampler built during training) is copied to every device, as the weights are.
    """

    def get_variable_layout(self, variable):
        devices = self.device_mesh.shape[0]
        if variable.name == "rnn_state" and len(variable.shape) > 1 and variable.shape[0] % devices == 0:
            rows = (self.batch_dim_name, *[None] * (len(variable.shape) - 1))  # (num_seqs, units): rows split
            return keras.distribution.TensorLayout(rows, self.device_mesh)
        return super().get_variable_layout(variable)


def one_device_only(devices: int) -> contextlib.AbstractContextManager:
    """No distribution: the backends other than JAX refuse `devices > 1` (keras.distribution is JAX's)."""
    if devices > 1:
        backend = keras.backend.backend()
        raise ConfigError(
            f"devices={devices} splits batches across devices with keras.distribution, which this library runs on "
            f"JAX only, and Keras runs on {backend}; set KERAS_BACKEND=jax before Python starts, or use devices=1.",
            f"devices={devices} 通过 keras.distribution 把批次分到多个设备上，本库只在 JAX 上支持，而 Keras 当前"
            f"使用 {backend}；请在启动 Python 前设置 KERAS_BACKEND=jax，或使用 devices=1。",
        )
    return contextlib.nullcontext()


class _Backend:
    """What a backend has unless it says otherwise: no limit of its own on steps per call, one device only."""

    most_steps_per_execution = 1_000_000
    data_parallel = staticmethod(one_device_only)  # keras.distribution: JAX's (a prototype on TensorFlow)

    @classmethod
    def gpu_visible(cls) -> bool:
        return bool(cls.gpu_names())

    @classmethod
    def compile_over_ids(cls, model: keras.Model, function: Callable) -> Callable:
        """`function(ids)` over one id sequence `(time,)` of any length, compiled as `compile_with_weights` does
        (JAX compiles once per length)."""
        return cls.compile_with_weights(model, function)


class _TensorFlow(_Backend):
    """`tf.data` feeding, `tf.function` compiling (XLA for the sampler), Philox draws."""

    name = "tensorflow"
    eager_without_jit = False  # jit_compile=False still compiles the steps into a graph (without XLA)

    @staticmethod
    def batches(ids: np.ndarray, offsets: np.ndarray, num_steps: int, n_batches: int, start: int, stop: int):
        import tensorflow as tf

        stream = tf.constant(ids)  # (n_chars,)
        offsets = tf.constant(offsets)  # (num_seqs, num_steps + 1): batch 0's windows

        def window(step):
            columns = tf.cast(tf.gather(stream, offsets + (step % n_batches) * num_steps), tf.int32)
            return columns[:, :-1], columns[:, 1:]  # x, y: (num_seqs, num_steps) each

        # tf.data's autotuning starts threads that take a laptop's two cores from the training step (bench_train:
        # some poetry rounds fell from 23k to 16k chars/s); one thread cutting one batch ahead keeps up.
        options = tf.data.Options()
        options.autotune.enabled = False
        options.threading.private_threadpool_size = 1
        return tf.data.Dataset.range(start, stop).map(window).prefetch(1).with_options(options)

    @staticmethod
    def target_logits(logits, targets):
        """`logits[b, t, targets[b, t]]`: `(batch, time)`, by TF's batched gather (the loss's fast path on CPU)."""
        import tensorflow as tf

        return tf.gather(logits, targets, batch_dims=2)

    @staticmethod
    def mean_loss(model: keras.Model) -> Callable[[Any], float]:
        import tensorflow as tf

        @tf.function
        def mean_loss(batches):
            total, count = tf.constant(0.0), tf.constant(0.0)
            for x, y in batches:  # (num_seqs, num_steps) each; the stateful layers carry the state in place
                total += model.loss(y, model(x, training=False))
                count += 1.0
            return total / count

        return lambda batches: float(mean_loss(batches))

    @staticmethod
    def compile_with_weights(model: keras.Model, function: Callable) -> Callable:
        """`function` compiled by XLA; it reads `model`'s variables (captured by reference) at each call."""
        import tensorflow as tf

        return tf.function(function, jit_compile=True)

    @staticmethod
    def compile_over_ids(model: keras.Model, function: Callable) -> Callable:
        """One graph for every sequence length (a `tf.function` with a `(None,)` signature, no XLA)."""
        import tensorflow as tf

        return tf.function(function, input_signature=[tf.TensorSpec([None], tf.int32)])

    @staticmethod
    def uniform(shape, seed, minval: float):
        """Uniform float32 in [minval, 1) from a `(2,)` int32 seed: the same numbers for the same seed, any run."""
        import tensorflow as tf

        # Philox, not Threefry: XLA's Threefry hangs inside the loop when the width is a power of two.
        return tf.random.stateless_uniform(shape, seed, minval=minval, maxval=1.0, alg="philox")

    @staticmethod
    def bitcast(values, dtype: str):
        import tensorflow as tf

        return tf.bitcast(values, dtype)

    @staticmethod
    def gpu_names() -> list[str]:
        """The GPUs the framework sees, by model name (the device's own name where TensorFlow gives none)."""
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]


class _NumPyFed(_Backend):
    """What JAX and PyTorch share: NumPy batches (no `tf.data`) and the loss's target pick in `keras.ops`."""

    batches = staticmethod(StreamWindows)

    @staticmethod
    def target_logits(logits, targets):
        return keras.ops.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]  # (batch, time)


class _Jax(_NumPyFed):
    """NumPy batches, `jax.jit` compiling with the model's variables threaded through explicitly."""

    name = "jax"
    eager_without_jit = True  # jit_compile=False runs every step op by op, hundreds of times slower

    @staticmethod
    def mean_loss(model: keras.Model) -> Callable[[Any], float]:
        import jax

        @jax.jit
        def batch_loss(trainable, non_trainable, x, y):
            logits, non_trainable = model.stateless_call(trainable, non_trainable, x, training=False)
            return model.loss(y, logits), non_trainable  # the carried state comes back in non_trainable

        def mean_loss(batches) -> float:
            trainable = [variable.value for variable in model.trainable_variables]
            non_trainable = [variable.value for variable in model.non_trainable_variables]
            losses = []
            for x, y in batches:
                loss, non_trainable = batch_loss(trainable, non_trainable, x, y)
                # Wait for each batch: with its rows split across simulated CPU devices, many queued calls left
                # the devices' threads waiting on each other's all-reduce until XLA aborted (measured, 2 cores).
                losses.append(float(loss))
            return float(np.mean(np.asarray(losses, dtype=np.float32)))

        return mean_loss

    @staticmethod
    def compile_with_weights(model: keras.Model, function: Callable) -> Callable:
        """`function` under `jax.jit`, with `model`'s variables passed in at each call (a jitted function would
        otherwise keep the values they had when it was traced)."""
        import jax

        variables = model.variables

        @jax.jit
        def pure(values, *args):
            with keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True))):
                return function(*args)

        return lambda *args: pure([variable.value for variable in variables], *args)

    @staticmethod
    def uniform(shape, seed, minval: float):
        import jax

        key = jax.random.wrap_key_data(seed.astype("uint32"), impl="threefry2x32")
        return jax.random.uniform(key, shape, minval=minval, maxval=1.0)

    @staticmethod
    def bitcast(values, dtype: str):
        import jax

        return jax.lax.bitcast_convert_type(values, dtype)

    @staticmethod
    def gpu_names() -> list[str]:
        import jax

        return [device.device_kind for device in jax.devices() if device.platform == "gpu"]

    @staticmethod
    def data_parallel(devices: int) -> contextlib.AbstractContextManager:
        """The scope in which a run splits each batch's rows across the first `devices` devices (none for 1).

        Inside it, the variables Keras creates are placed on the devices (the weights copied, the carried state
        split by rows), and `fit` splits each batch the same way; leaving it restores the distribution before.
        """
        import jax

        if devices == 1:
            return contextlib.nullcontext()
        if jax.process_count() > 1:  # each process would feed its own rows, and one alone write the run folder
            raise ConfigError(
                f"devices={devices} splits batches across the devices of one host; this is process "
                f"{jax.process_index()} of {jax.process_count()} (jax.distributed), which the library does not train "
                f"on yet; train on one host.",
                f"devices={devices} 把批次分到同一台主机的多个设备上；当前是 {jax.process_count()} 个进程"
                f"（jax.distributed）中的第 {jax.process_index()} 个，本库尚不支持这样训练；请在一台主机上训练。",
            )
        visible = keras.distribution.list_devices()
        if len(visible) < devices:
            raise ConfigError(
                f"devices={devices}, but JAX sees {len(visible)} ({', '.join(visible)}); use devices={len(visible)} "
                f"or fewer, or on a CPU simulate more with XLA_FLAGS=--xla_force_host_platform_device_count={devices} "
                f"set before Python starts.",
                f"devices={devices}，但 JAX 只看到 {len(visible)} 个设备（{', '.join(visible)}）；请用 "
                f"devices={len(visible)} 或更少，或在 CPU 上于启动 Python 前设置 "
                f"XLA_FLAGS=--xla_force_host_platform_device_count={devices} 来模拟更多设备。",
            )
        return RowsStayOnTheirDevices(devices=visible[:devices]).scope()


class _Torch(_NumPyFed):
    """NumPy batches, eager steps (Keras' torch backend compiles nothing by default)."""

    name = "torch"
    eager_without_jit = False  # jit_compile=True would ask for torch.compile, which Keras marks experimental
    most_steps_per_execution = 1  # Keras refuses more on PyTorch

    @staticmethod
    def mean_loss(model: keras.Model) -> Callable[[Any], float]:
        import torch

        def mean_loss(batches) -> float:
            with torch.no_grad():
                losses = [float(model.loss(y, model(x, training=False))) for x, y in batches]
            return float(np.mean(losses))

        return mean_loss

    @staticmethod
    def compile_with_weights(model: keras.Model, function: Callable) -> Callable:
        """`function` as it is, run eagerly without recording gradients."""
        import torch

        def run(*args):
            with torch.no_grad():
                return function(*args)

        return run

    @staticmethod
    def uniform(shape, seed, minval: float):
        import torch

        generator = torch.Generator(device=seed.device).manual_seed(int(seed[0]) * 2**32 + int(seed[1]))
        draw = torch.rand(tuple(shape), generator=generator, device=seed.device)
        return draw.clamp_min(minval)

    @staticmethod
    def bitcast(values, dtype: str):
        import torch

        return values.view({"int32": torch.int32, "float32": torch.float32}[dtype])

    @staticmethod
    def gpu_names() -> list[str]:
        import torch

        return [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())] \
            if torch.cuda.is_available() else []


_BACKENDS = {each.name: each for each in (_TensorFlow, _Jax, _Torch)}


@functools.cache
def ops() -> type[_TensorFlow] | type[_Jax] | type[_Torch]:
    """The pieces of the backend Keras runs on (`keras.backend.backend()`)."""
    return _BACKENDS[keras.backend.backend()]
