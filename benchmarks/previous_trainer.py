"""The trainer charrnn_lib used before `model.fit` (issue #15): kept here only as the benchmark's contender.

Many training steps run inside one `tf.function` graph (a `tf.while_loop` over batch indices), with the
same log-sum-exp loss, Adam and global-norm clipping as the library's `model.fit` trainer.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from charrnn_lib.model import recurrent_layers, reset_states


class CompiledSteps:
    """Runs many training (or evaluation) steps per call of one `tf.function` graph.

    XLA (`jit_compile=True`) is off by default: on CPU it trained no faster (poetry) or 1.4x slower (Anna)
    and cost 13-25 s of compilation (benchmarks/RESULTS.md); on a GPU it would keep Keras from the cuDNN kernel.
    """

    def __init__(self, model: keras.Model, jit_compile: bool = False) -> None:
        self.model = model
        self._train = tf.function(self._train_steps, jit_compile=jit_compile)
        self._evaluate = tf.function(self._evaluate_steps, jit_compile=jit_compile)

    def _loss(self, y, logits):
        # (num_seqs, num_steps) targets against (num_seqs, num_steps, vocab_size) logits → mean nats per char:
        # log-sum-exp of the logits minus the target's logit. That is the softmax cross-entropy, but with 3,500
        # classes it ran forward and backward in half the time of TF's fused CPU kernel for it.
        target_logits = tf.gather(logits, y, batch_dims=2)
        return tf.reduce_mean(tf.reduce_logsumexp(logits, axis=-1) - target_logits)

    def _train_steps(self, x_batches, y_batches, start, count):
        model, optimizer = self.model, self.model.optimizer

        def step(index, total):
            # tf.gather, not slicing: XLA treats a slice start as a compile-time constant and would recompile.
            x, y = tf.gather(x_batches, start + index), tf.gather(y_batches, start + index)  # (num_seqs, num_steps)
            with tf.GradientTape() as tape:
                loss = self._loss(y, model(x, training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(gradients, model.trainable_variables)  # clipped by global norm (Adam's global_clipnorm)
            return index + 1, total + loss

        _, total = tf.while_loop(lambda index, _: index < count, step, (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(count, tf.float32)

    def _evaluate_steps(self, x_batches, y_batches, count):
        def step(index, total):
            logits = self.model(tf.gather(x_batches, index), training=False)
            return index + 1, total + self._loss(tf.gather(y_batches, index), logits)

        _, total = tf.while_loop(lambda index, _: index < count, step, (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(count, tf.float32)

    def train(self, x_batches: tf.Tensor, y_batches: tf.Tensor, start: int, count: int) -> float:
        """Train on batches `start .. start+count-1`, carrying state; returns their mean loss."""
        return float(self._train(x_batches, y_batches, tf.constant(start), tf.constant(count)))

    def evaluate(self, x_batches: tf.Tensor, y_batches: tf.Tensor) -> float:
        """Mean loss over all given batches from a fresh state, leaving the training state untouched."""
        saved = [variable.numpy() for layer in recurrent_layers(self.model) for variable in layer.states]
        reset_states(self.model)
        loss = float(self._evaluate(x_batches, y_batches, tf.constant(int(x_batches.shape[0]))))
        variables = [variable for layer in recurrent_layers(self.model) for variable in layer.states]
        for variable, value in zip(variables, saved, strict=True):
            variable.assign(value)
        return loss

