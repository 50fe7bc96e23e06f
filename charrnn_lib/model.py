"""The char-RNN: (embedding or one-hot) → stacked stateful LSTM/GRU/RNN → logits over the vocabulary."""

from __future__ import annotations

import keras

from charrnn_lib.config import require_cell, require_positive_whole_numbers
from charrnn_lib.errors import ConfigError

_RECURRENT_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}


def build_char_rnn(
    vocab_size: int,
    *,
    lstm_size: int = 128,
    num_layers: int = 2,
    use_embedding: bool = False,
    embedding_size: int = 128,
    keep_prob: float = 0.5,
    batch_size: int | None = None,
    stateful: bool = True,
    cell: str = "lstm",
    unroll_steps: int | None = None,
) -> keras.Model:
    """Build the functional model mapping ids `(batch, time)` to logits `(batch, time, vocab_size)`.

    A stateful model needs a fixed `batch_size`: it keeps one hidden state per batch row and carries it
    into the next call, which is how training continues a stream across batches. Layer names are fixed
    so weights saved from the training model load into a batch-1 sampling model.

    `unroll_steps=n` fixes the sequence length to `n` and unrolls the recurrent layers over it: one copy of
    the cell per time step instead of a loop. That takes longer to build but trains large LSTMs faster on CPU
    (benchmarks/RESULTS.md); the default keeps a loop that accepts any length.
    """
    _check_architecture(vocab_size, lstm_size, num_layers, embedding_size, keep_prob, batch_size, stateful, cell)
    if unroll_steps is not None:
        require_positive_whole_numbers(unroll_steps=unroll_steps)
    ids = keras.Input(batch_shape=(batch_size, unroll_steps), dtype="int32", name="ids")
    if use_embedding:
        x = keras.layers.Embedding(vocab_size, embedding_size, name="embedding")(ids)  # (batch, time, embedding)
    else:
        x = OneHot(vocab_size, name="one_hot")(ids)  # (batch, time, vocab_size)
    recurrent_layer = _RECURRENT_LAYERS[cell]
    for index in range(1, num_layers + 1):
        # Default activations and no recurrent dropout keep the LSTM/GRU on the fused cuDNN kernel on GPUs.
        x = recurrent_layer(lstm_size, return_sequences=True, stateful=stateful, unroll=unroll_steps is not None,
                            name=f"{cell}_{index}")(x)
        if keep_prob < 1.0:
            x = keras.layers.Dropout(1.0 - keep_prob, name=f"dropout_{index}")(x)
    logits = keras.layers.Dense(vocab_size, name="logits")(x)  # (batch, time, vocab_size)
    return keras.Model(ids, logits, name=f"char_{cell}")


@keras.saving.register_keras_serializable(package="charrnn")
class OneHot(keras.layers.Layer):
    """Ids → one-hot vectors: the input the seed lessons use when `use_embedding` is off."""

    def __init__(self, depth: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.depth = depth

    def call(self, ids):
        return keras.ops.one_hot(ids, self.depth, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.depth)

    def get_config(self) -> dict:
        return {**super().get_config(), "depth": self.depth}


def recurrent_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's RNN layers, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]


def reset_states(model: keras.Model) -> None:
    """Zero the carried hidden state of every stateful RNN layer (Keras models have no method for this)."""
    for layer in recurrent_layers(model):
        if layer.stateful:
            layer.reset_state()


def _check_architecture(vocab_size, lstm_size, num_layers, embedding_size, keep_prob, batch_size, stateful, cell):
    require_positive_whole_numbers(vocab_size=vocab_size, lstm_size=lstm_size, num_layers=num_layers,
                                   embedding_size=embedding_size)
    if not 0.0 < keep_prob <= 1.0:
        raise ConfigError(f"keep_prob must be in (0, 1], got {keep_prob!r}.",
                          f"keep_prob 必须在 (0, 1] 之间，收到 {keep_prob!r}。")
    require_cell(cell)
    if stateful and batch_size is None:
        raise ConfigError(
            "A stateful model needs a fixed batch_size (the number of streams it keeps state for); "
            "pass batch_size=num_seqs for training or 1 for sampling, or stateful=False.",
            "有状态模型需要固定的 batch_size（它为每条序列保存一个隐状态）；训练时传 batch_size=num_seqs，"
            "采样时传 1，或者设 stateful=False。",
        )
