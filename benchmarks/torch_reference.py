"""The PyTorch reference: the same char-RNN as `charrnn_lib.model.build_char_rnn`, trained and sampled the same way.

Architecture: embedding (or one-hot) → `nn.LSTM` with `num_layers` layers and dropout between them → dropout →
`nn.Linear` logits, i.e. dropout after every LSTM layer, as in the Keras model. Training: Adam (lr 1e-3, and
Keras' epsilon 1e-7), gradients clipped to a global norm of 5 with `clip_grad_norm_`, cross-entropy, hidden
state carried from batch to batch and detached (truncated backpropagation through time). One thread per core.

Only imported when PyTorch is installed (the `bench` extra).
"""

from __future__ import annotations

import keras
import numpy as np
import torch
from common import SeedConfig
from torch import nn
from torch.nn import functional

from charrnn_lib.model import recurrent_layers
from charrnn_lib.sample import apply_temperature, pick_top_n


class TorchCharRNN(nn.Module):
    def __init__(self, config: SeedConfig, keep_prob: float | None = None) -> None:
        super().__init__()
        drop = 1.0 - (config.keep_prob if keep_prob is None else keep_prob)
        self.vocab_size = config.vocab_size
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size) if config.use_embedding else None
        self.lstm = nn.LSTM(config.input_size, config.lstm_size, num_layers=config.num_layers, batch_first=True,
                            dropout=drop if config.num_layers > 1 else 0.0)  # between LSTM layers
        self.dropout = nn.Dropout(drop)  # after the last LSTM layer, before the logits
        self.logits = nn.Linear(config.lstm_size, config.vocab_size)

    def forward(self, ids: torch.Tensor, state=None):
        """ids `(batch, time)` int64 → logits `(batch, time, vocab)` and the new `(h, c)` state."""
        if self.embedding is not None:
            x = self.embedding(ids)
        else:
            x = functional.one_hot(ids, self.vocab_size).float()
        x, state = self.lstm(x, state)
        return self.logits(self.dropout(x)), state

    @torch.no_grad()
    def copy_from_keras(self, model: keras.Model) -> None:
        """Load a Keras char-RNN's weights (both use the gate order i, f, c/g, o; Keras has one bias per layer)."""
        if self.embedding is not None:
            self.embedding.weight.copy_(torch.from_numpy(model.get_layer("embedding").get_weights()[0]))
        for index, layer in enumerate(recurrent_layers(model)):
            kernel, recurrent_kernel, bias = layer.get_weights()
            getattr(self.lstm, f"weight_ih_l{index}").copy_(torch.from_numpy(kernel.T.copy()))
            getattr(self.lstm, f"weight_hh_l{index}").copy_(torch.from_numpy(recurrent_kernel.T.copy()))
            getattr(self.lstm, f"bias_ih_l{index}").copy_(torch.from_numpy(bias))
            getattr(self.lstm, f"bias_hh_l{index}").zero_()
        kernel, bias = model.get_layer("logits").get_weights()
        self.logits.weight.copy_(torch.from_numpy(kernel.T.copy()))
        self.logits.bias.copy_(torch.from_numpy(bias))


class TorchTrainer:
    """Truncated BPTT on consecutive batches with a carried, detached state — the reference training loop."""

    def __init__(self, config: SeedConfig, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.config = config
        self.model = TorchCharRNN(config).train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate, eps=1e-7)
        self.state = None

    def train(self, x_batches: torch.Tensor, y_batches: torch.Tensor, start: int, count: int) -> float:
        """Train on batches `start .. start+count-1` of `(n_batches, num_seqs, num_steps)` int64; mean loss."""
        total = torch.zeros(())
        for index in range(start, start + count):
            if self.state is not None:
                self.state = tuple(tensor.detach() for tensor in self.state)
            logits, self.state = self.model(x_batches[index], self.state)
            loss = functional.cross_entropy(logits.reshape(-1, self.config.vocab_size), y_batches[index].reshape(-1))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
            self.optimizer.step()
            total += loss.detach()
        return float(total) / count


def generate_numpy_topn(model: TorchCharRNN, prime_ids: np.ndarray, length: int, top_n: int, seed: int) -> np.ndarray:
    """Per-step loop, drawing with the library's NumPy `pick_top_n` (as the Keras per-character loops do)."""
    rng = np.random.default_rng(seed)
    out = np.empty(length, dtype=np.int64)
    with torch.inference_mode():
        logits, state = model(torch.from_numpy(np.asarray(prime_ids, dtype=np.int64))[None, :])
        for index in range(length):
            out[index] = pick_top_n(apply_temperature(logits[0, -1].numpy(), 1.0), top_n, rng)
            logits, state = model(torch.tensor([[out[index]]]), state)
    return out


def generate_torch_topn(model: TorchCharRNN, prime_ids: np.ndarray, length: int, top_n: int, seed: int,
                        batch_size: int = 1) -> np.ndarray:
    """Per-step loop with the draw in PyTorch too (`topk` + `multinomial`): the fastest eager PyTorch loop."""
    generator = torch.Generator().manual_seed(seed)
    prime = torch.from_numpy(np.asarray(prime_ids, dtype=np.int64))[None, :].expand(batch_size, -1)
    drawn = []
    with torch.inference_mode():
        logits, state = model(prime)
        for _ in range(length):
            top_logits, top_ids = torch.topk(logits[:, -1], top_n)  # (batch, top_n)
            choice = torch.multinomial(torch.softmax(top_logits, dim=-1), 1, generator=generator)  # (batch, 1)
            next_ids = torch.gather(top_ids, 1, choice)  # (batch, 1)
            drawn.append(next_ids)
            logits, state = model(next_ids, state)
    return torch.cat(drawn, dim=1).numpy()
