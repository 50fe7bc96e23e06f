"""Gradient sizes in a recurrent network: how far back a loss reaches, and clipping by global norm.

Backpropagation through time multiplies one Jacobian per time step, so the gradient that reaches an
input k steps before the loss shrinks or grows roughly like ρ^k. `gradient_norms_per_step` measures
this directly; `train_recording_norms` shows what an optimizer's clipping has to tame during training.
`global_norm` and `clip_by_global_norm` are the NumPy references for lesson 5's exercises; they agree
with `tf.linalg.global_norm` and `tf.clip_by_global_norm`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from charrnn_lib.errors import CharRNNError
from charrnn_lib.lessons.training_loop import compiled_step
from charrnn_lib.model import reset_states


def gradient_norms_per_step(model: Callable[[tf.Tensor], tf.Tensor], inputs: np.ndarray) -> np.ndarray:
    """‖∂loss/∂x_t‖ for every time step t, with the loss on the last output only: how far back a loss reaches.

    `model` is a Keras layer or model that reads float sequences `(batch, time, features)`: an RNN
    layer, or a model that starts after the embedding or one-hot step (ids are integers and have no
    gradient). The loss is the sum of the last time step's outputs, a fixed linear read-out. Returns
    the `(time,)` norms, each taken over the batch and feature axes of that step's input gradient.
    """
    inputs = tf.convert_to_tensor(inputs, dtype=tf.float32)
    if inputs.shape.rank != 3:
        raise CharRNNError(
            f"inputs must be a float array (batch, time, features), got shape {tuple(inputs.shape)}; "
            "one-hot encode or embed the ids first.",
            f"inputs 必须是形状为 (batch, time, features) 的浮点数组，收到的形状是 {tuple(inputs.shape)}；"
            "请先对编号做独热编码或嵌入。",
        )
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = model(inputs)
        last = outputs[:, -1] if outputs.shape.rank == 3 else outputs  # (batch, units)
        loss = tf.reduce_sum(last)
    gradients = tape.gradient(loss, inputs).numpy().astype(np.float64)  # (batch, time, features)
    return np.sqrt(np.sum(np.square(gradients), axis=(0, 2)))


def global_norm(tensors: Sequence[np.ndarray | tf.Tensor | None]) -> float:
    """The norm of all tensors taken as one long vector, √(Σ g²) over every entry; `None` (no gradient) is skipped."""
    return math.sqrt(sum(float(np.sum(np.square(np.asarray(tensor, dtype=np.float64))))
                         for tensor in tensors if tensor is not None))


def clip_by_global_norm(tensors: Sequence[np.ndarray | tf.Tensor], clip_norm: float) -> list[np.ndarray]:
    """Scale all tensors by one factor, clip_norm / max(global norm, clip_norm): keep the direction, cap the size.

    The same values as `tf.clip_by_global_norm(tensors, clip_norm)[0]`.
    """
    scale = clip_norm / max(global_norm(tensors), clip_norm)
    return [np.asarray(tensor) * scale for tensor in tensors]  # a Python float keeps float32 as float32


def train_recording_norms(model: keras.Model, x_batches: np.ndarray, y_batches: np.ndarray,
                          optimizer: keras.optimizers.Optimizer, loss: keras.losses.Loss,
                          steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Train for `steps` minibatches; return each step's loss and its global gradient norm before clipping.

    Clipping is the optimizer's job (`global_clipnorm=5`, as `cr.train` sets it from `grad_clip`), so
    the norms show what it had to tame. Batches `x_batches[i], y_batches[i]` are used in order and
    cycled; a stateful model is reset at the start of each pass, as in `cr.train`.
    """

    train_step = compiled_step(model, optimizer, loss)
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    losses, norms = np.zeros(steps), np.zeros(steps)
    for step in range(steps):
        index = step % len(x_batches)
        if index == 0:
            reset_states(model)
        batch_loss, norm = train_step(x_batches[index], y_batches[index])
        losses[step], norms[step] = float(batch_loss), float(norm)
    return losses, norms
