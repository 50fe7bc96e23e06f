"""The char-RNN: (embedding or one-hot) → stacked stateful LSTM/GRU/RNN → logits over the vocabulary."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np

from charrnn_lib.config import Architecture, require_keep_prob, require_positive_whole_numbers
from charrnn_lib.errors import ConfigError


class _CarriedState:
    """Lists a stateful RNN's carried state among its variables (not its weights), so every backend carries it.

    Keras keeps that state in variables it does not track. TensorFlow updates them in place inside its compiled
    steps; JAX's compiled steps are pure functions that thread only the model's listed variables through, so
    there `fit`, `evaluate` and `predict` began every batch from zeros (measured with Keras 3.15.1); PyTorch's
    `fit` failed in backward (see `call`). Listed here, the state is threaded like any other non-trainable
    variable. It stays out of `weights`: parameter counts, checkpoints and a batch-1 sampling model loading a
    batch-`num_seqs` training model's weights are unchanged.
    The classes keep Keras' names (`LSTM`, `GRU`, `SimpleRNN`): a checkpoint files each layer's weights under
    its class name, so checkpoints saved before and after load alike.
    """

    def call(self, sequences, initial_state=None, mask=None, training=False):
        # The loop starts from a copy of the carried state: Keras then writes the new state into the variables in
        # place, which on PyTorch broke the backward pass that still needed the old value ("modified by an
        # inplace operation"). Elsewhere the copy changes nothing.
        if initial_state is None and self.stateful:
            initial_state = [keras.ops.copy(state.value) for state in self.states]
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    @property
    def variables(self):
        listed = super().variables
        seen = {id(variable) for variable in listed}
        return listed + [state for state in (self.states or []) if id(state) not in seen]


@keras.saving.register_keras_serializable(package="charrnn")
class LSTM(_CarriedState, keras.layers.LSTM):
    """`keras.layers.LSTM` whose carried state every backend threads through its compiled steps."""


@keras.saving.register_keras_serializable(package="charrnn")
class GRU(_CarriedState, keras.layers.GRU):
    """`keras.layers.GRU` whose carried state every backend threads through its compiled steps."""


@keras.saving.register_keras_serializable(package="charrnn")
class SimpleRNN(_CarriedState, keras.layers.SimpleRNN):
    """`keras.layers.SimpleRNN` whose carried state every backend threads through its compiled steps."""


_RECURRENT_LAYERS = {"lstm": LSTM, "gru": GRU, "rnn": SimpleRNN}


def build_model(architecture: Architecture, vocab_size: int, batch_size: int | None, *, keep_prob: float = 1.0,
                stateful: bool = True, unroll_steps: int | None = None) -> keras.Model:
    """Build the functional model mapping ids `(batch, time)` to logits `(batch, time, vocab_size)`.

    A stateful model needs a fixed `batch_size` (`num_seqs` to train, 1 to sample): it keeps one hidden state per
    batch row and carries it into the next call, which is how training continues a stream across batches. Layer
    names are fixed so weights saved from the training model load into a sampling model. `keep_prob` below 1 adds
    dropout after each recurrent layer: a training choice (`TrainConfig.train_keep_prob`), so it is off unless asked.

    `unroll_steps=n` fixes the sequence length to `n` and unrolls the recurrent layers over it: one copy of the cell
    per time step instead of a loop. That takes longer to build but trains large LSTMs faster on CPU
    (benchmarks/RESULTS.md); the default keeps a loop that accepts any length.
    """
    require_positive_whole_numbers(vocab_size=vocab_size)
    if stateful and batch_size is None:
        raise ConfigError(
            "A stateful model needs a fixed batch_size (the number of streams it keeps state for); "
            "pass batch_size=num_seqs for training or 1 for sampling, or stateful=False.",
            "有状态模型需要固定的 batch_size（它为每条序列保存一个隐状态）；训练时传 batch_size=num_seqs，"
            "采样时传 1，或者设 stateful=False。",
        )
    ids = keras.Input(batch_shape=(batch_size, unroll_steps), dtype="int32", name="ids")
    if architecture.use_embedding:
        x = keras.layers.Embedding(vocab_size, architecture.embedding_size, name="embedding")(ids)  # (batch, time, emb)
    else:
        x = OneHot(vocab_size, name="one_hot")(ids)  # (batch, time, vocab_size)
    recurrent_layer = _RECURRENT_LAYERS[architecture.cell]
    for index in range(1, architecture.num_layers + 1):
        # Default activations and no recurrent dropout keep the LSTM/GRU on the fused cuDNN kernel on GPUs.
        x = recurrent_layer(architecture.lstm_size, return_sequences=True, stateful=stateful,
                            unroll=unroll_steps is not None,
                            name=f"{architecture.cell}_{index}")(x)  # (batch, time, lstm_size)
        if keep_prob < 1.0:
            x = keras.layers.Dropout(1.0 - keep_prob, name=f"dropout_{index}")(x)
    logits = keras.layers.Dense(vocab_size, name="logits")(x)  # (batch, time, vocab_size)
    return keras.Model(ids, logits, name=f"char_{architecture.cell}")


def build_char_rnn(vocab_size: int, *, batch_size: int | None = None, stateful: bool = True, keep_prob: float = 1.0,
                   unroll_steps: int | None = None, **architecture: Any) -> keras.Model:
    """`build_model` with the architecture given as keywords (`lstm_size=256, use_embedding=True`), for lessons.

    The architecture's defaults are `Architecture`'s; `unroll_steps=n` fixes the sequence length to `n` and
    unrolls the recurrent layers over it.
    """
    require_keep_prob("keep_prob", keep_prob)
    if unroll_steps is not None:
        require_positive_whole_numbers(unroll_steps=unroll_steps)
    return build_model(Architecture(**architecture), vocab_size, batch_size, keep_prob=keep_prob, stateful=stateful,
                       unroll_steps=unroll_steps)


@keras.saving.register_keras_serializable(package="charrnn")
class OneHot(keras.layers.Layer):
    """Ids → one-hot vectors: the input the source material uses when `use_embedding` is off."""

    def __init__(self, depth: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.depth = depth

    def call(self, ids):
        return keras.ops.one_hot(ids, self.depth, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.depth)

    def get_config(self) -> dict:
        return {**super().get_config(), "depth": self.depth}


def set_output_bias_to_unigram(model: keras.Model, ids: np.ndarray) -> None:
    """Start the logits at the log frequencies of `ids`: before any step the model scores the unigram bpc.

    A fresh model predicts every character alike and spends its first steps learning how common each one
    is; with thousands of characters (Chinese, Japanese) that takes most of a short run. Half a count is
    added to every id, so a character absent from `ids` still starts with a finite logit.
    """
    logits = model.get_layer("logits")
    vocab_size = logits.units
    ids = np.asarray(ids)
    if ids.size == 0 or ids.min() < 0 or ids.max() >= vocab_size:
        raise ConfigError(
            f"The output bias needs at least one id in [0, {vocab_size}), got {ids.size} ids"
            f"{f' from {ids.min()} to {ids.max()}' if ids.size else ''}; pass the encoded training text.",
            f"输出层偏置需要至少一个位于 [0, {vocab_size}) 的编号，收到 {ids.size} 个编号"
            f"{f'（从 {ids.min()} 到 {ids.max()}）' if ids.size else ''}；请传入编码后的训练文本。",
        )
    counts = np.bincount(ids.ravel(), minlength=vocab_size) + 0.5  # (vocab_size,)
    logits.bias.assign(np.log(counts / counts.sum()).astype(logits.bias.dtype))


def recurrent_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's RNN layers, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]


def reset_states(model: keras.Model) -> None:
    """Zero the carried hidden state of every stateful RNN layer (Keras models have no method for this)."""
    for layer in recurrent_layers(model):
        if layer.stateful:
            layer.reset_state()


def state_variables(model: keras.Model) -> list[keras.Variable]:
    """The hidden state a stateful model carries between batches: h and c of each LSTM, in layer order."""
    return [variable for layer in recurrent_layers(model) for variable in layer.states]


@contextlib.contextmanager
def fresh_state(model: keras.Model) -> Iterator[None]:
    """Run the block from a zero hidden state, then put back the state the model was carrying (validation, scoring)."""
    states = state_variables(model)
    carried = [variable.numpy() for variable in states]
    reset_states(model)
    try:
        yield
    finally:
        for variable, value in zip(states, carried, strict=True):
            variable.assign(value)


# --- One character at a time: the layer chain `build_model` makes, read in one place -----------------------------

_CHAIN = (keras.layers.Embedding, OneHot, keras.layers.RNN, keras.layers.Dropout, keras.layers.Dense)


def _require_chain(model: keras.Model) -> None:
    """Refuse a model that is not the chain `build_model` makes: ids → embedding or one-hot → RNNs → Dense logits.

    The step function walks that chain layer by layer, so a layer of any other kind would be skipped or misread.
    """
    odd = [layer.name for layer in model.layers[1:] if not isinstance(layer, _CHAIN)]
    if odd or not isinstance(model.layers[-1], keras.layers.Dense):
        found = odd or [model.layers[-1].name]
        raise ConfigError(
            f"This model is not the char-RNN chain build_model makes (ending in a Dense logits layer); it has "
            f"{found}. Build it with build_char_rnn or build_model.",
            f"这个模型不是 build_model 构建的字符 RNN 链（以 Dense logits 层结尾）；它含有 {found}。"
            f"请用 build_char_rnn 或 build_model 构建。",
        )


StepFunction = Callable[[Any, list[list[Any]]], tuple[Any, list[list[Any]]]]  # backend tensors


def step_function(model: keras.Model) -> StepFunction:
    """`step(ids (batch,), states) -> (logits (batch, vocab_size), states)`: the model for one character.

    Stepping the cells directly (same layers, same weights) skips the time loop a recurrent layer runs even for a
    sequence of length 1, which is most of the cost of a batch-1 step, and works at any batch size. The states
    are explicit, so the state the model carries between batches is never touched; `zero_states` starts them.
    """
    _require_chain(model)
    layers = [layer for layer in model.layers[1:] if not isinstance(layer, keras.layers.Dropout)]  # identity now

    def step(ids, states):
        x, new_states = ids, []
        for layer in layers:
            if isinstance(layer, keras.layers.RNN):
                x, layer_states = layer.cell(x, states[len(new_states)], training=False)
                new_states.append(list(layer_states) if isinstance(layer_states, (list, tuple)) else [layer_states])
            else:
                x = layer(x, training=False)
        return x, new_states

    return step


def zero_states(model: keras.Model, batch_size) -> list[list[Any]]:
    """A fresh hidden state per recurrent layer, as `step_function`'s step takes it: `(batch, units)` per state."""
    sizes = [layer.cell.state_size for layer in recurrent_layers(model)]
    return [[keras.ops.zeros((batch_size, size)) for size in (size if isinstance(size, (list, tuple)) else [size])]
            for size in sizes]
