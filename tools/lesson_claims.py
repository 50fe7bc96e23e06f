"""Check that lessons 1 to 10 say in their prose what their committed outputs show (a lint of the notebooks).

    python tools/notebook_lint.py        # runs every claim too: one line per claim that no longer holds

Many outputs are `# NBVAL_IGNORE_OUTPUT` (quick mode computes other numbers), so nbval cannot notice the prose
drifting away from them. Each claim reads the committed full-mode notebooks and compares a number or sentence the
prose quotes, in the English and in the Chinese paragraph, with the output it comes from; nothing is run. Like
tools/notebook_lint.py it checks the notebooks, not the library: tests/test_notebook_lint.py runs both.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import re
import statistics
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import nbformat

REPOSITORY = Path(__file__).resolve().parents[1]
SOLUTIONS = REPOSITORY / "notebooks" / "solutions"
LESSONS = ("02_minibatches.ipynb", "04_lstm_gru.ipynb", "05_gradients.ipynb")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclasses.dataclass(frozen=True)
class Lessons:
    """The solution notebooks a claim reads: the committed ones, or a copy to plant a mistake in."""

    folder: Path = SOLUTIONS

    def read(self, name: str) -> nbformat.NotebookNode:
        return nbformat.read(self.folder / name, as_version=4)


Claim = Callable[[Lessons], None]
CLAIMS: list[Claim] = []


def claim(function: Claim) -> Claim:
    """Register a claim: a function that raises AssertionError when the prose and the outputs disagree."""
    CLAIMS.append(function)
    return function


def broken_claims(lessons: Lessons, claims: list[Claim] = CLAIMS) -> list[str]:
    """One line per claim that does not hold: its name and the check that failed."""
    problems = []
    for each in claims:
        try:
            each(lessons)
        except (AssertionError, KeyError, StopIteration) as error:
            frame = traceback.extract_tb(error.__traceback__)[-1]
            problems.append(f"{each.__name__}: line {frame.lineno}: {frame.line} {error}".rstrip())
    return problems


def cell(notebook: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    return next(each for each in notebook.cells if each.get("id") == cell_id)


def output_text(notebook: nbformat.NotebookNode, cell_id: str) -> str:
    """Everything a code cell printed or returned, as text."""
    parts = []
    for output in cell(notebook, cell_id).outputs:
        parts.append(output.get("text", "") if output.output_type == "stream" else output.data.get("text/plain", ""))
    return "".join(parts)


def result(notebook: nbformat.NotebookNode, cell_id: str):
    """The value a code cell returned, read back from its repr."""
    return ast.literal_eval(cell(notebook, cell_id).outputs[-1].data["text/plain"])


def paragraphs(notebook: nbformat.NotebookNode, cell_id: str) -> tuple[str, str]:
    """The English and the Chinese paragraphs of a markdown cell, each joined into one string."""
    blocks = cell(notebook, cell_id).source.split("\n\n")
    english = "\n\n".join(block for block in blocks if not CJK.search(block.replace("任务9：结合RNN自动作诗", "")))
    chinese = "\n\n".join(block for block in blocks if CJK.search(block))
    return english, chinese


def quoted_in_both(notebook: nbformat.NotebookNode, cell_id: str, *numbers: str) -> None:
    """Each number appears in both languages, as a whole number: 0.53 does not match inside 0.534 or 10.53."""
    english, chinese = paragraphs(notebook, cell_id)
    for number in numbers:
        whole = re.compile(rf"(?<![\d.]){re.escape(number)}(?!\d)")
        assert whole.search(english), f"{cell_id}: English text does not quote {number}"
        assert whole.search(chinese), f"{cell_id}: Chinese text does not quote {number}"


# --- the course's source material is named one way, with its links ---
@claim
def no_lesson_calls_the_source_material_seeds(lessons: Lessons) -> None:
    for name in LESSONS:
        markdown = "\n".join(each.source for each in lessons.read(name).cells if each.cell_type == "markdown")
        assert not re.search(r"seed (lesson|notebook)|the seeds'|种子课程|种子代码|原课程", markdown), name


@claim
def the_source_material_is_introduced_once_with_its_links(lessons: Lessons) -> None:
    for name in ("02_minibatches.ipynb", "05_gradients.ipynb"):  # lesson 4 does not refer to it
        notebook = lessons.read(name)
        markdown = "\n".join(each.source for each in notebook.cells if each.cell_type == "markdown")
        for link in ("karpathy.github.io/2015/05/21/rnn-effectiveness", "github.com/karpathy/char-rnn",
                     "udacity/deep-learning/blob/master/intro-to-rnns/Anna_KaRNNa.ipynb",
                     "github.com/hzy46/Char-RNN-TensorFlow"):
            assert markdown.count(link) == 2, f"{name}: {link} should be linked once in English and once in Chinese"
        assert markdown.count("*source material*") == 1 and markdown.count("**原始材料**") == 1, name


# --- lesson 1 ---
@claim
def lesson_1_counts_the_characters_of_the_couplets_it_prints(lessons: Lessons) -> None:
    notebook = lessons.read("01_sequence_data.ipynb")
    printed = output_text(notebook, "show-tang")
    couplets = printed.splitlines()
    assert len(couplets) == 3 and all(len(couplet) == 12 for couplet in couplets), couplets  # "12 characters"
    assert len(printed) == 39 and "3 × 13 = 39" in cell(notebook, "show-tang").source  # "and a line break each"


# --- lesson 2 ---
@claim
def lesson_2_quotes_the_bigram_losses_and_the_validation_batches_it_computes(lessons: Lessons) -> None:
    notebook = lessons.read("02_minibatches.ipynb")
    true_loss, wrapped_loss, blind = map(float, re.findall(r"(\d+\.\d+) (?:nats )?for",
                                                          output_text(notebook, "wrap-loss-numbers")))
    quoted_in_both(notebook, "wrap-loss-md", f"{true_loss:.1f}")
    assert wrapped_loss > blind  # "it pays more than for a blind guess"
    n_validation_batches = result(notebook, "split-tang")[-1]
    quoted_in_both(notebook, "split-tang-md", str(n_validation_batches))
    wrong_share = float(re.search(r"\((\d+\.\d+)%\)", output_text(notebook, "wrap-count")).group(1)) / 100
    assert abs(wrong_share - 1 / 26) < 0.001  # "one target in 26"


@claim
def lesson_2_says_which_notebook_of_the_source_material_resets_and_which_shuffles(lessons: Lessons) -> None:
    notebook = lessons.read("02_minibatches.ipynb")
    english, chinese = paragraphs(notebook, "shuffle-md")
    assert "Anna KaRNNa notebook shuffles nothing and starts every epoch from a zero state" in english
    assert "poetry lesson's generator shuffles the rows" in english and "without resetting it" in english
    assert "Anna KaRNNa 笔记本什么都不打乱，并且每一轮都从零状态开始" in chinese
    continued = result(notebook, "shuffle")
    assert continued["in order (make_batches)"] == continued["rows shuffled each pass (poetry lesson)"]


# --- lesson 4 ---
@claim
def lesson_4_quotes_the_size_of_the_courses_anna_model_that_it_counts(lessons: Lessons) -> None:
    notebook = lessons.read("04_lstm_gru.ipynb")
    counts = result(notebook, "count-keras")
    english, chinese = paragraphs(notebook, "count-keras-md")
    assert f"({counts['input_size']} characters in, {counts['units']} units)" in english
    assert f"（输入 {counts['input_size']} 个字符，{counts['units']} 个单元）" in chinese
    simple = counts["SimpleRNN"]["count_params()"]
    assert counts["LSTM"]["count_params()"] == 4 * simple  # "four times"
    assert 3 < counts["GRU"]["count_params()"] / simple < 3.1  # "a little over three times"


def recall_scores(notebook: nbformat.NotebookNode) -> dict[str, dict[int, tuple[float, float, float]]]:
    """{cell: {k: (mean, lowest, highest)}} from the race cell's `"0.53 (0.40 to 0.80)"` entries."""
    return {cell_name: {k: tuple(map(float, re.findall(r"\d+\.\d+", entry))) for k, entry in by_k.items()}
            for cell_name, by_k in result(notebook, "race").items()}


@claim
def lesson_4_quotes_the_simple_rnn_spread_it_measured_over_seeds(lessons: Lessons) -> None:
    notebook = lessons.read("04_lstm_gru.ipynb")
    scores = recall_scores(notebook)
    last_k = max(scores["SimpleRNN"])
    mean, lowest, highest = scores["SimpleRNN"][last_k]
    quoted_in_both(notebook, "race-result-md", f"k = {last_k}", f"{mean:.2f}", f"{lowest:.2f}", f"{highest:.2f}")
    assert highest - lowest > 0.2  # "depending on the seed", "the wide spread between seeds"
    assert all(score == 1.0 for k, (score, _, _) in scores["SimpleRNN"].items() if k < 20)  # "perfectly over short"
    assert scores["SimpleRNN"][20][0] < 0.9  # "from k = 20 on, the SimpleRNN falls behind"


@claim
def lesson_4_gated_cells_recall_nearly_everything_in_every_seed_as_it_says(lessons: Lessons) -> None:
    scores = recall_scores(lessons.read("04_lstm_gru.ipynb"))
    for gated in ("LSTM", "GRU"):
        assert all(lowest >= 0.99 for _, lowest, _ in scores[gated].values()), gated


@claim
def lesson_4_quotes_how_long_section_6_watches_the_lstm_keep_a_character(lessons: Lessons) -> None:
    notebook = lessons.read("04_lstm_gru.ipynb")
    k = re.search(r"k = (\d+):", output_text(notebook, "inside")).group(1)
    english, chinese = paragraphs(notebook, "gates-md")
    assert f"keep a character for {k}" in english and f"把一个字符保留 {k} 步" in chinese


@claim
def lesson_4_no_longer_claims_what_it_does_not_show(lessons: Lessons) -> None:
    notebook = lessons.read("04_lstm_gru.ipynb")
    markdown = "\n".join(each.source for each in notebook.cells if each.cell_type == "markdown")
    for claim in ("83 characters in", "falls as k grows", "becomes unstable", "stays constant", "保持不变的那些单元",
                  "随 k 增大而下降", "不稳定"):
        assert claim not in markdown, claim


# --- lesson 5 ---
def numbers(text: str) -> list[float]:
    return [float(value) for value in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|nan", text)]


@claim
def lesson_5_quotes_how_far_apart_0_9_and_1_1_are_after_200_steps(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    text = output_text(notebook, "powers-values")
    vanished, exploded = (float(re.search(rf"{base}\^200 = (\S+)", text).group(1)) for base in (r"0\.9", r"1\.1"))
    quoted_in_both(notebook, "powers-md", f"10^{{{math.floor(math.log10(exploded / vanished))}}}")


@claim
def lesson_5_quotes_the_decay_per_step_of_the_fresh_layers(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    text = output_text(notebook, "decay-init")
    simple_rnn = numbers(text[text.index("SimpleRNN(64)") + len("SimpleRNN(64)"): text.index("LSTM(64)")])
    lstm = numbers(text[text.index("LSTM(64)") + len("LSTM(64)"):])
    quoted_in_both(notebook, "init-md", f"{sum(simple_rnn) / len(simple_rnn):.2f}", f"{sum(lstm) / len(lstm):.2f}")


@claim
def lesson_5_says_the_open_forget_gate_lets_the_gradient_grow_in_every_seed_by_as_much_as_it_measured(
        lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    by_name = result(notebook, "decay-forget")
    open_gate = by_name["LSTM, b_f = 3"]
    factors, ratios = open_gate["factor per step"], open_gate["first input / last input"]
    assert len(factors) >= 3 and min(factors) > 1 and min(ratios) > 1  # it grows: not "a little larger", not flat
    quoted_in_both(notebook, "forget-result-md", *(f"{value:g}" for value in
                                                   (min(factors), max(factors), min(ratios), max(ratios))))
    closed = max(by_name["LSTM, b_f = 0"]["factor per step"])
    assert all(closed < min(other["factor per step"]) for name, other in by_name.items() if name != "LSTM, b_f = 0")


@claim
def lesson_5_quotes_the_exploding_growth_it_measured(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    growth = result(notebook, "exploding-growth")
    english, chinese = paragraphs(notebook, "exploding-train-md")
    assert 1.5e6 <= growth["first input / last input"] < 2.5e6  # "about two million times larger"
    assert "about two million times larger" in english and "两百万倍" in chinese
    quoted_in_both(notebook, "exploding-train-md", f"{growth['factor per step']:.2f}")


def about(value: float) -> str:
    """`value` rounded to one digit, as the prose writes it in LaTeX: 2.78e10 -> `3 \times 10^{10}`."""
    mantissa, exponent = f"{value:.0e}".split("e")
    exponent = int(exponent)
    return f"{mantissa} \\times 10^{{{exponent}}}" if exponent >= 10 else f"{mantissa} \\times 10^{exponent}"


@claim
def lesson_5_quotes_the_linear_rnn_runs_of_every_seed(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    *run_lines, radius_line = output_text(notebook, "exploding-describe").splitlines()
    runs = {}  # label -> [(first loss, last loss, first norm, last norm)], one per seed
    for line in run_lines:
        label, values = line.split(", seed ")
        runs.setdefault(label, []).append(tuple(numbers(values.split(":", 1)[1])))
    unclipped, clipped = runs["SGD, no clipping"], runs["SGD, global_clipnorm=1"]
    assert len(clipped) >= 3 and all(math.isnan(last_loss) for _, last_loss, _, _ in unclipped)  # "in every seed"
    first_losses = [run[0] for run in clipped]
    first_norms = [run[2] for run in clipped]
    last_losses = [run[1] for run in clipped]
    radii = numbers(radius_line.split(":", 1)[1])
    quoted_in_both(notebook, "exploding-result-md", about(min(first_norms)), about(max(first_norms)),
                   about(min(first_losses)), about(max(first_losses)), f"{min(last_losses):g}",
                   f"{max(last_losses):g}", f"{min(radii):.3f}", f"{max(radii):.3f}")
    assert max(last_losses) < 1  # "to below 1"
    assert all(9.5 <= math.log10(first / last) < 11 for _, _, first, last in clipped)  # "about ten orders"


@claim
def lesson_5_quotes_the_char_rnn_runs_it_describes(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    runs = {}
    for line in output_text(notebook, "char-describe").splitlines():
        if "uniform guess" in line:
            runs["uniform guess"] = (numbers(line.split(":", 1)[1]), [])
            continue
        if "Adam learning rate" in line:
            rate, factor, default = numbers(line.split(":", 1)[1])
            assert math.isclose(rate / default, factor)
            quoted_in_both(notebook, "char-rnn-md", f"{factor:g}", f"{default:g}")  # "20 times the course default"
            continue
        label, rest = line.split(": last-50-step loss by seed ")
        losses, counts = rest.split(";", 1)
        runs[label.strip()] = (numbers(losses), numbers(counts))
    unclipped, clipped_at_5 = runs["SGD, no clipping"][0], runs["SGD, global_clipnorm=5"][0]
    ranges = (min(unclipped), max(unclipped), min(clipped_at_5), max(clipped_at_5))
    quoted_in_both(notebook, "char-result-md", *(f"{value:.1f}" for value in ranges))  # "10.0 and 15.3", "14.8 to 26.5"
    assert statistics.mean(clipped_at_5) >= statistics.mean(unclipped)  # clipping at 5 is "no better"
    assert all(round(loss, 1) in (2.3, 2.4) for loss in runs["SGD, global_clipnorm=1"][0])  # "about 2.3"
    adam, adam_clipped = runs["Adam, no clipping"], runs["Adam, global_clipnorm=5 (cr.train)"]
    assert adam[1][3] == adam_clipped[1][3] == 1 and adam[1][4] == 900  # "passes 5 only once in 900 steps"
    assert sum(a == b for a, b in zip(adam[0], adam_clipped[0], strict=True)) == len(adam[0]) - 1  # one seed differs
    quoted_in_both(notebook, "char-result-md", "900", f"{runs['uniform guess'][0][0]:.1f}")


# --- lessons 1 to 5, second reading: what the prose reads off the outputs around it ---
def finished_bar(notebook: nbformat.NotebookNode, cell_id: str) -> tuple[int, int]:
    """(steps, seconds) of a cell's finished Keras progress bar: "45/45 ━━━ 617s 14s/stage" gives (45, 617)."""
    bar = re.sub(r"\x1b\[[0-9;]*m", "", output_text(notebook, cell_id))  # without the bar's colour codes
    steps, seconds = re.findall(r"(\d+)/\1 ━+ (\d+)s ", bar)[-1]
    return int(steps), int(seconds)


@claim
def lesson_1_quotes_the_numbers_a_one_hot_tang_character_takes(lessons: Lessons) -> None:
    notebook = lessons.read("01_sequence_data.ipynb")
    vocab_size = int(re.search(r"vocab_size=(\d+)", output_text(notebook, "converter")).group(1))
    ratio = re.search(r"\(([\d,]+)×\)", output_text(notebook, "one-hot-cost")).group(1)
    assert ratio == f"{vocab_size:,}"  # a float32 per id against one int32: vocab_size times the bytes
    quoted_in_both(notebook, "one-hot-cost-md", f"{vocab_size:,}")  # "each character becomes 3,501 numbers"


@claim
def lesson_2_reads_the_continuity_of_its_rows_as_measured(lessons: Lessons) -> None:
    notebook = lessons.read("02_minibatches.ipynb")
    row_zero = result(notebook, "row-zero")
    assert len(row_zero) == 3 * 8  # row 0 of "x[0] to x[1] to x[2]", windows of 8
    english, _ = paragraphs(notebook, "live-grid-md")
    assert "from `x[0]` to `x[1]` to `x[2]`" in english and "windows of 8" in english
    assert result(notebook, "continuity") == 1.0  # "every row always continues"
    assert result(notebook, "continuity-shortcut") == 0.0  # "no row ever does"
    assert set(result(notebook, "shuffle-boundary").values()) == {0.0}  # the pass boundary breaks, shuffled or not
    english, chinese = paragraphs(notebook, "shuffle-verdict-md")
    assert "that step breaks without shuffling too" in english and "即使不打乱，那一步也是断开的" in chinese
    shuffled_batches = result(notebook, "shuffle")["batches shuffled (fit's default)"]
    assert float(shuffled_batches.split("%")[0]) < 1  # "Shuffling the *batches* breaks almost every step"


@claim
def lesson_3_quotes_the_weight_shapes_and_the_data_sizes_it_prints(lessons: Lessons) -> None:
    notebook = lessons.read("03_rnn_from_scratch.ipynb")
    shapes = result(notebook, "letter-models")
    positions, letters = shapes["feed_forward"][0][0] // shapes["rnn"][0][0], shapes["rnn"][0][0]
    quoted_in_both(notebook, "letter-train-md", str(shapes["feed_forward"][0][0]), str(letters))  # "80 rows", "8"
    quoted_in_both(notebook, "feed-forward-md", f"{positions} × {letters}")  # "10 × 8 numbers"
    (questions, _), _ = result(notebook, "chatbot-data")
    english, chinese = paragraphs(notebook, "chatbot-md")
    assert questions == 18 and "eighteen toy questions" in english and "十八个玩具问句" in chinese
    tiny = result(notebook, "bptt-example")
    assert abs(tiny["loss"] - tiny["ln(vocab_size)"]) < 0.01  # "its loss is close to ln V"


@claim
def lesson_3_says_how_long_the_scratch_rnn_trained_before_it_wrote(lessons: Lessons) -> None:
    notebook = lessons.read("03_rnn_from_scratch.ipynb")
    _, seconds = finished_bar(notebook, "train")
    assert seconds < 60
    english, chinese = paragraphs(notebook, "sample-result-md")
    assert "in under a minute of training" in english and "不到一分钟的训练" in chinese


@claim
def lesson_4_states_the_run_time_its_race_bar_shows(lessons: Lessons) -> None:
    notebook = lessons.read("04_lstm_gru.ipynb")
    stages, seconds = finished_bar(notebook, "race")
    scores = recall_scores(notebook)
    cells, ks = len(scores), len(scores["SimpleRNN"])
    seeds = stages // (cells * ks)
    assert stages == cells * seeds * ks and seeds == 3  # "over three seeds"
    english, chinese = paragraphs(notebook, "race-md")
    assert f"{stages} stages of training ({cells} cells × {seeds} seeds × {ks} values of k)" in english
    assert f"共 {stages} 个训练阶段（{cells} 种单元 × {seeds} 个种子 × {ks} 个 k 值）" in chinese
    minutes = round(seconds / 60)
    for cell_id in ("title", "race-md"):
        english, chinese = paragraphs(notebook, cell_id)
        assert f"took {seconds} s (about {minutes} minutes)" in english, cell_id
        assert f"{seconds} 秒（约 {minutes} 分钟" in chinese, cell_id


def decay_factors(notebook: nbformat.NotebookNode) -> dict[str, list[float]]:
    """{layer: factor per step, one per seed} from the `decay-init` cell's `{'SimpleRNN(64)': array([…]), …}`."""
    text = output_text(notebook, "decay-init")
    return {name: numbers(re.search(rf"'{re.escape(name)}': array\(\[([^]]*)\]", text).group(1))
            for name in ("SimpleRNN(64)", "LSTM(64)")}


@claim
def lesson_5_reads_the_powers_the_kernel_and_the_inputs_it_prints(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    text = output_text(notebook, "powers-values")
    vanished, exploded = (float(re.search(rf"{base}\^50 = (\S+)", text).group(1)) for base in (r"0\.9", r"1\.1"))
    english, chinese = paragraphs(notebook, "powers-md")
    assert round(vanished, 3) == 0.005 and "half a percent" in english and "千分之五" in chinese
    assert 100 < exploded < 200 and "more than a hundred" in english and "一百多倍" in chinese
    assert set(numbers(output_text(notebook, "orthogonal"))) == {1.0}  # singular values and radius, all 1.000
    english, chinese = paragraphs(notebook, "orthogonal-md")
    assert "every singular value is 1, so ρ = 1" in english and "所有奇异值都等于 1，于是 ρ = 1" in chinese
    rows, time, _ = result(notebook, "inputs")
    english, chinese = paragraphs(notebook, "measure-md")
    assert rows == 4 and f"four rows of {time} characters" in english and f"4 行文字，每行 {time} 个字符" in chinese


@claim
def lesson_5_reads_the_decay_of_the_fresh_layers_against_their_forget_gates(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    fresh = decay_factors(notebook)
    simple_rnn = statistics.fmean(fresh["SimpleRNN(64)"])
    assert -5.5 < 140 * math.log10(simple_rnn) < -4.5  # "about a hundred-thousandth (0.92 to the power 140)"
    by_bias = result(notebook, "decay-forget")
    assert by_bias["LSTM, b_f = 1"]["factor per step"] == fresh["LSTM(64)"]  # the Keras default, the same seeds
    assert min(fresh["LSTM(64)"]) > 1 / (1 + math.exp(-1))  # the gradient "keeps more than" σ(1) ≈ 0.73
    means = [statistics.fmean(by_bias[f"LSTM, b_f = {bias}"]["factor per step"]) for bias in (0, 1, 3)]
    assert means == sorted(means)  # "section 4 moves the bias, and the factor per step moves with it"
    english, chinese = paragraphs(notebook, "init-md")
    assert "keeps more than that per step" in english and "梯度每步保留得比这更多" in chinese


@claim
def lesson_5_counts_the_char_rnn_models_it_trains(lessons: Lessons) -> None:
    notebook = lessons.read("05_gradients.ipynb")
    runs = [numbers(line.split("by seed", 1)[1].split(";")[0]) for line in
            output_text(notebook, "char-describe").splitlines() if "last-50-step loss by seed" in line]
    models = sum(len(losses) for losses in runs)  # full mode: one model per run and seed
    english, chinese = paragraphs(notebook, "char-rnn-md")
    assert f"train {models} small models in full mode" in english and f"训练 {models} 个小模型" in chinese
    assert f"and {len(runs)} in quick mode" in english and f"快速模式下训练 {len(runs)} 个" in chinese  # one seed


# --- lesson 6 ---
def state_table(notebook: nbformat.NotebookNode) -> dict[str, tuple[tuple[float, float, float], ...]]:
    """{training handling: ((mean, lowest, highest) read with the state carried, the same reset every window)}."""
    rows = {}
    for line in output_text(notebook, "state-code").splitlines():
        found = re.match(r"carried|reset every batch|shuffled windows", line)
        if found is None:
            continue  # the header, or a warning on stderr
        handling = found.group(0)
        values = numbers(line[len(handling):].replace("-", " "))
        rows[handling] = (tuple(values[:3]), tuple(values[3:]))
    return rows


@claim
def lesson_6_quotes_the_stateful_experiment_over_three_seeds_as_it_ran(lessons: Lessons) -> None:
    notebook = lessons.read("06_anna_karnna.ipynb")
    table = state_table(notebook)
    assert set(table) == {"carried", "reset every batch", "shuffled windows"}
    (carried, carried_reset), (reset, reset_reset), (shuffled, shuffled_reset) = (
        table[way] for way in ("carried", "reset every batch", "shuffled windows"))
    quoted = [f"{value:.2f}" for value in (*carried, *reset, *shuffled, *carried_reset[:1], reset_reset[0],
                                           shuffled_reset[0])]
    quoted_in_both(notebook, "state-read-md", *quoted, f"{carried_reset[1]:.2f}", f"{carried_reset[2]:.2f}")
    means = [carried[0], reset[0], shuffled[0]]
    assert max(means) - min(means) <= max(high - low for _, low, high in (carried, reset, shuffled))  # "no larger"
    assert shuffled[0] == min(means)  # "if anything slightly ahead"
    assert f"{carried_reset[0] - carried[0]:.1f}" == "0.3"  # "loses 0.3 bits"
    assert all(round(way_reset[0] - way[0], 1) == 0.1 for way, way_reset in ((reset, reset_reset),
                                                                              (shuffled, shuffled_reset)))
    assert reset[0] < reset_reset[0]  # "also better when read with the state carried"
    # The lead of the section: every way reads better carried than reset, the carried-state model loses the most.
    assert all(way[0] < way_reset[0] for way, way_reset in ((carried, carried_reset), (reset, reset_reset),
                                                             (shuffled, shuffled_reset)))
    assert carried_reset[0] - carried[0] == max(way_reset[0] - way[0] for way, way_reset in (
        (carried, carried_reset), (reset, reset_reset), (shuffled, shuffled_reset)))
    quoted_in_both(notebook, "state-read-md", "0.3", "0.1")


@claim
def lesson_6_quotes_the_sanity_check_and_the_perplexities_it_computes(lessons: Lessons) -> None:
    notebook = lessons.read("06_anna_karnna.ipynb")
    sanity = result(notebook, "units-sanity-code")
    assert sanity["untrained loss (nats)"] == sanity["ln 78"]  # "where ln 78 predicts it"
    assert round(sanity["perplexity"]) == 78  # "a perplexity of about 78"
    landmarks = {line[:32].strip(): numbers(line[32:]) for line in output_text(notebook, "units-table-code")
                 .splitlines() if re.match(r"uniform|character|pretrained", line)}
    quoted_in_both(notebook, "units-read-md", f"{sanity['ln 78']:.2f}", "78",
                   f"{landmarks['character frequencies only'][2]:.0f}",
                   f"{landmarks['pretrained run, best validation'][2]:.2f}")


# --- lesson 9 ---
def percentages(text: str) -> list[str]:
    return re.findall(r"\d+\.\d%", text)


def quoted_in_each_language(notebook: nbformat.NotebookNode, cell_id: str, *numbers: str) -> None:
    """Like `quoted_in_both`, for prose whose English paragraphs name Chinese terms (平仄, 二四分明): a paragraph
    is Chinese when it has more Han characters than Latin words, the rule tools/notebook_lint.py uses."""
    for language, text in zip(("English", "Chinese"), by_language(notebook, cell_id), strict=True):
        for number in numbers:
            whole = re.compile(rf"(?<![\d.]){re.escape(number)}(?!\d)")
            assert whole.search(text), f"{cell_id}: {language} text does not quote {number}"


def by_language(notebook: nbformat.NotebookNode, cell_id: str) -> tuple[str, str]:
    """The English and the Chinese paragraphs of a markdown cell, a paragraph being Chinese when it has more Han
    characters than Latin words."""
    blocks = cell(notebook, cell_id).source.split("\n\n")
    chinese = [len(CJK.findall(block)) > len(re.findall(r"[A-Za-z]{2,}", block)) for block in blocks]
    return ("\n\n".join(b for b, zh in zip(blocks, chinese, strict=True) if not zh),
            "\n\n".join(b for b, zh in zip(blocks, chinese, strict=True) if zh))


def by_value(rates: list[str]) -> list[str]:
    """Percentages such as '23.5%' from the lowest to the highest."""
    return sorted(rates, key=lambda rate: float(rate[:-1]))


@claim
def lesson_9_states_the_reading_rule_the_library_applies_and_quotes_its_evidence(lessons: Lessons) -> None:
    from charrnn_lib import prosody

    notebook = lessons.read("09_regulated_verse.ipynb")
    rule = (f"{prosody.COMMON_SHARE:.0%}", f"{1 - prosody.COMMON_SHARE:.0%}")
    assert rule == ("80%", "20%")
    quoted_in_each_language(notebook, "1dcab9a6", *rule)
    english, chinese = by_language(notebook, "1dcab9a6")
    assert f"at least {prosody.MIN_MARKS} 平 or 仄 marks" in english
    assert f"至少有 {prosody.MIN_MARKS} 个平或仄" in chinese
    quoted_in_each_language(notebook, "summary", *rule)
    evidence = result(notebook, "evidence")  # {character: (marks, share of 平, table groups, mark)}
    level = set(prosody.rhyme_group_names(prosody.PING))
    for character in "望不":  # "the table lists them under a level and an oblique group, yet 0% 平: 仄"
        _, share, groups, mark = evidence[character]
        assert share == "0% 平" and mark == "仄" and set(groups) & level and set(groups) - level, character
    assert all(evidence[character][3] == "中" for character in "看思更")
    _, share, groups, mark = evidence["先"]
    assert share == "100% 平" and mark == "平" and not set(groups) & level  # "the marks fill the table's gaps"
    quoted_in_each_language(notebook, "evidence-md", *(evidence[character][1].split()[0] for character in "望看思更先"))
    quoted_in_each_language(notebook, "290f22a2", evidence["更"][1].split()[0])
    assert result(notebook, "a60eaf3b")["迹"] == ("仄", [])  # "迹 above": a tone but no group
    counted = result(notebook, "marks-vs-groups")
    numbers = [re.match(r"[\d,]+", counted[index]).group() for index in (0, 1, 3)]
    quoted_in_each_language(notebook, "exercise-1-md", *numbers)


@claim
def lesson_9_shows_the_variants_and_the_seven_character_poem_it_describes(lessons: Lessons) -> None:
    notebook = lessons.read("09_regulated_verse.ipynb")
    special, rescued = output_text(notebook, "variant-special"), output_text(notebook, "variant-rescued")
    assert "特定格式 special_form: line 1" in special and "移舟泊烟渚" in special and "✗" not in special
    assert "拗救 rescued: line 3" in rescued and "五言律诗" in rescued and "✗" not in rescued
    moonlight = output_text(notebook, "21dee879")  # 静夜思 "has one too, in line 3, and fails on 粘 and 对"
    assert "特定格式 special_form: line 3" in moonlight and "✗ 粘" in moonlight and "✗ 对" in moonlight
    name, lines, passed = result(notebook, "qiyan")
    assert name.startswith("七言绝句") and passed and all(len(line) == 7 for line in lines)


@claim
def lesson_9_quotes_the_real_poems_pass_rates_and_rule_rates_it_computes(lessons: Lessons) -> None:
    notebook = lessons.read("09_regulated_verse.ipynb")
    count, everything, held_out, with_variant = result(notebook, "real-pass")
    rules = result(notebook, "real-rules")
    assert count == 3710  # "3,710 Tang 五言绝句"
    quoted_in_each_language(notebook, "real-md", *percentages(everything), *percentages(held_out),
                            *percentages(with_variant),
                            *(rules[name] for name in ("alternation", "rhyme", "lone_level", "start")))
    assert float(rules["alternation"][:-1]) == max(float(rate[:-1]) for rate in rules.values())  # "most often"
    second = sorted(rules.values(), key=lambda rate: float(rate[:-1]))[-2]
    assert second == rules["rhyme"]  # "then the rhyme"
    quoted_in_each_language(notebook, "summary", *percentages(everything))


@claim
def lesson_9_quotes_the_free_samples_it_measured_over_five_seeds_in_full_mode(lessons: Lessons) -> None:
    notebook = lessons.read("09_regulated_verse.ipynb")
    mean, rates, rules = result(notebook, "free-pass")
    assert mean.endswith("of 200 free samples pass every rule, mean of 5 seeds") and len(rates) == 5
    [mean_rate] = percentages(mean)
    assert abs(float(mean_rate[:-1]) - statistics.mean(float(rate[:-1]) for rate in rates)) < 0.05
    real = result(notebook, "real-rules")
    quoted_in_each_language(notebook, "free-md", mean_rate, by_value(rates)[0], by_value(rates)[-1], "1,000",
                            rules["alternation"], real["alternation"], rules["rhyme"])
    assert float(rules["alternation"][:-1]) < float(real["alternation"][:-1])  # "keeps the tones better"
    for name in ("opposition", "adhesion"):
        assert float(rules[name][:-1]) < float(real[name][:-1]), name
    assert float(rules["rhyme"][:-1]) == max(float(rate[:-1]) for rate in rules.values())  # "seldom rhyme"
    quoted_in_each_language(notebook, "summary", mean_rate)


@claim
def lesson_9_quotes_what_the_constraint_costs_as_measured_over_five_seeds(lessons: Lessons) -> None:
    notebook = lessons.read("09_regulated_verse.ipynb")
    passed = re.search(r"'(\d+\.\d%) of ([\d,]+) constrained poems \((\d+) seeds\)",
                       output_text(notebook, "constrained-pass"))
    assert passed.groups() == ("100.0%", "1,000", "5")
    quoted_in_each_language(notebook, "constrained-md", "100.0%", "1,000")
    shares = result(notebook, "constrained-strict")
    strict = by_value(shares["constrained poems that need no 中 at a fixed tone"])
    assert len(strict) == 5 and float(strict[-1][:-1]) < 50  # "only": the 100% leans on the 中 characters
    quoted_in_each_language(notebook, "constrained-md", strict[0], strict[-1])
    quoted_in_each_language(notebook, "summary", strict[0], strict[-1])
    constrained_both = by_value(shares["中 among the characters, constrained"])
    free_both = by_value(shares["中 among the characters, free"])
    real_both = shares["中 among the characters, real 五绝"]
    quoted_in_each_language(notebook, "constrained-md", constrained_both[0], constrained_both[-1], free_both[0],
                            free_both[-1], real_both)
    # "the sampler drifts toward them": every seed's constrained poems hold more 中 than any free sample or real poem
    assert float(constrained_both[0][:-1]) > max(float(free_both[-1][:-1]), float(real_both[:-1]))
    cost = result(notebook, "cost")
    constrained = cost["log-likelihood per character, constrained (nats)"]
    free = cost["log-likelihood per character, free (nats)"]
    per_seed = cost["cost per seed (nats)"]
    assert len(per_seed) == 5 and min(per_seed) > 0 and abs(statistics.mean(per_seed) - (free - constrained)) < 0.002
    quoted_in_each_language(notebook, "cost-md", f"{constrained:.3f}", f"{free:.3f}", f"e^{free - constrained:.2f}",
                            f"{math.exp(free - constrained):.1f}", f"{min(per_seed):.3f}", f"{max(per_seed):.3f}",
                            cost["new couplets"], cost["new five-character lines"])
    quoted_in_each_language(notebook, "summary", f"{constrained:.3f}", f"{free:.3f}")


# --- lesson 10: the decoding table is NBVAL_IGNORE_OUTPUT (quick mode samples less), so its reading is checked here;
# the unit searches are compared by nbval, and the prose must quote what they print. -----------------------------

LESSON_10 = "10_decoding_and_inside.ipynb"


def decoding_table(notebook: nbformat.NotebookNode) -> dict[str, dict[str, tuple[float, float, float]]]:
    """`{rule: {column: (mean, lowest seed, highest seed)}}` from the printed table of section 1."""
    columns = ("distinct-4", "words in corpus", "bits per character")
    table = {}
    for line in output_text(notebook, "l10-numbers").splitlines():
        cells = re.findall(r"(\d+\.\d+) \[(\d+\.\d+)–(\d+\.\d+)\]", line)
        if len(cells) == len(columns):
            rule = line.split("  ")[0].strip()
            table[rule] = {column: tuple(map(float, cell)) for column, cell in zip(columns, cells, strict=True)}
    return table


@claim
def lesson_10_reads_the_decoding_table_as_it_came_out_over_every_seed(lessons: Lessons) -> None:
    table = decoding_table(lessons.read(LESSON_10))
    assert set(table) == {"greedy", "T=1.0", "T=0.7", "top-n 5", "top-p 0.9"}
    others = [rule for rule in table if rule != "greedy"]
    cuts = ["T=0.7", "top-n 5", "top-p 0.9"]
    greedy, pure = table["greedy"], table["T=1.0"]
    # "greedy decoding has by far the lowest distinct-4 and the lowest bits per character", in every seed
    assert all(greedy["distinct-4"][2] < table[rule]["distinct-4"][1] / 5 for rule in others)
    assert all(greedy["bits per character"][2] < table[rule]["bits per character"][1] for rule in others)
    # "pure sampling has the highest bits per character and the most words not found in the novel"
    assert all(pure["bits per character"][1] > table[rule]["bits per character"][2] for rule in [*cuts, "greedy"])
    assert all(pure["words in corpus"][0] < table[rule]["words in corpus"][0] for rule in cuts)
    # "the cuts sit in between ... fewer invented words ... repeat far less than greedy decoding"
    for rule in cuts:
        assert greedy["bits per character"][0] < table[rule]["bits per character"][0] < pure["bits per character"][0]
        assert table[rule]["words in corpus"][0] > pure["words in corpus"][0]


def unit_lines(notebook: nbformat.NotebookNode, cell_id: str) -> dict[str, tuple[int, str]]:
    """`{"layer 2 cell": (unit, "−0.86")}` from a unit search's printout (minus sign as the prose writes it)."""
    found = {}
    for line in output_text(notebook, cell_id).splitlines():
        label, unit, correlation = re.fullmatch(r"(.+?)\s*: unit\s+(\d+), correlation ([+-]\d\.\d\d)", line).groups()
        found[label.strip()] = (int(unit), correlation.replace("-", "−"))
    return found


@claim
def lesson_10_quotes_the_quote_unit_it_found(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_10)
    units = unit_lines(notebook, "l10-quote-units")
    assert units["layer 2 cell"][0] == units["layer 2 hidden"][0] == 238
    first_layer_best = max(units["layer 1 cell"][1], units["layer 1 hidden"][1], key=lambda text: abs(float(
        text.replace("−", "-"))))
    quoted_in_both(notebook, "l10-quote-read", "238", units["layer 2 cell"][1], units["layer 2 hidden"][1],
                   first_layer_best)
    assert "238" in cell(notebook, "l10-quote-plot").source
    assert result(notebook, "l10-exercise-real") == 238


@claim
def lesson_10_quotes_the_line_position_units_it_found(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_10)
    units = unit_lines(notebook, "l10-line-units")
    assert units["tang layer 1 hidden"][0] == 22 and "22" in cell(notebook, "l10-line-plot").source
    quoted_in_both(notebook, "l10-lines-read", "22", units["tang layer 1 hidden"][1],
                   units["anna layer 1 hidden"][1], units["anna layer 2 hidden"][1])


# --- lessons 6 to 10, second reading: what their prose quotes beyond the claims above ----------------------------
def execution_seconds(notebook: nbformat.NotebookNode, *cell_ids: str) -> float:
    """How long the committed run took, from the execution times Jupyter keeps in each code cell's metadata: the
    named cells added up, or with no name the whole notebook, from the first cell's start to the last one's end."""
    def started_and_ended(each: nbformat.NotebookNode) -> tuple[datetime, datetime]:
        timing = each.metadata["execution"]
        return tuple(datetime.fromisoformat(timing[key].replace("Z", "+00:00"))  # Python 3.10 reads no "Z"
                     for key in ("iopub.execute_input", "shell.execute_reply"))

    if cell_ids:
        return sum((end - start).total_seconds() for start, end in (started_and_ended(cell(notebook, each))
                                                                    for each in cell_ids))
    timed = [started_and_ended(each) for each in notebook.cells if "execution" in each.metadata]
    return (timed[-1][1] - timed[0][0]).total_seconds()


def quotes_time(notebook: nbformat.NotebookNode, cell_id: str, *, minutes: tuple[float, ...] = (),
                seconds: tuple[float, ...] = ()) -> None:
    """The prose gives each duration, rounded, in both languages: "about 16 minutes" and "约 16 分钟", "420 s" and
    "420 秒"."""
    english, chinese = by_language(notebook, cell_id)
    for value, (unit, unit_zh) in [*((round(each / 60), ("minutes", "分钟")) for each in minutes),
                                   *((round(each), ("s", "秒")) for each in seconds)]:
        assert re.search(rf"(?<![\d.]){value} {unit}\b", english), f"{cell_id}: English does not say {value} {unit}"
        assert f"{value} {unit_zh}" in chinese, f"{cell_id}: Chinese does not say {value} {unit_zh}"


LESSON_6 = "06_anna_karnna.ipynb"


@claim
def lesson_6_quotes_the_vocabulary_and_the_two_baselines_it_counts(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_6)
    length, vocab_size, _ = result(notebook, "c0341cd5")
    assert 1.9e6 < length < 2.1e6  # "about two million characters"
    characters = vocab_size - 1  # <unk> takes the last id and never occurs in the novel
    quoted_in_both(notebook, "3cc10253", str(vocab_size), str(characters))  # "the 78 ids (the 77 characters and <unk>)"
    quoted_in_both(notebook, "aef396de", str(characters))
    share = float(re.search(r"cover (\d+\.\d)%", output_text(notebook, "3d2e5663"))[1])
    assert share > 200 / 3  # "more than two thirds"
    bits = result(notebook, "546ad9e7")
    quoted_in_each_language(notebook, "6a450922", str(vocab_size), f"{bits['uniform guess']:.1f}",
                            f"{bits['character frequencies only']:.1f}")  # "log2 78 ≈ 6.3 bits", "about 4.5 bits"


def demo_table(notebook: nbformat.NotebookNode) -> dict[str, tuple[int, int, float, float]]:
    """Section 5's table: {"(a)" | "(b)" | "(c)" | "section": (parameters, training characters, training and
    validation loss)}."""
    rows = {}
    for line in output_text(notebook, "5cc84e77").splitlines()[1:]:
        title, parameters, characters, training, validation = re.fullmatch(
            r"(.+?)\s+([\d,]+)\s+([\d,]+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+-?\d+\.\d+", line).groups()
        rows[title.split()[0]] = (int(parameters.replace(",", "")), int(characters.replace(",", "")),
                                  float(training), float(validation))
    return rows


@claim
def lesson_6_quotes_the_sizes_and_reads_the_gaps_of_the_over_and_underfitting_runs(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_6)
    rows = demo_table(notebook)
    (large, large_text, large_training, large_validation) = rows["(a)"]
    (_, _, dropout_training, dropout_validation) = rows["(b)"]
    (tiny, _, tiny_training, tiny_validation) = rows["(c)"]
    (_, _, lesson_training, lesson_validation) = rows["section"]
    quoted_in_both(notebook, "983847fd", f"{round(large, -3):,}", f"{round(tiny, -2):,}")  # "about 235,000", "3,400"
    assert large_text == 6_000 * 3 // 4  # "a quarter of the slice is held out"
    quoted_in_both(notebook, "afefc3be", f"{large_text:,}")
    assert 0 < dropout_validation - dropout_training < large_validation - large_training  # "narrows ... cannot close"
    assert abs(tiny_validation - tiny_training) < 0.1  # "(c) the two curves stay together"
    assert tiny_validation - lesson_validation > 0.5  # "far above those of section 4"
    assert lesson_training > lesson_validation  # "can show a training loss above its validation loss"


@claim
def lesson_6_compares_the_model_sizes_with_the_characters_of_the_novel_as_it_counts_them(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_6)
    length = result(notebook, "c0341cd5")[0]
    english, chinese = paragraphs(notebook, "aa42f794")
    training = int(length * 0.95)  # the pretrained run holds out the last 5%
    assert f"{training / 1e6:.2f} million" in english and f"约 {training / 1e4:.0f} 万" in chinese
    sizes = {int(size): int(parameters.replace(",", "")) for size, parameters, _ in
             re.findall(r"(\d+)\s+([\d,]+)\s+(\d+\.\d)", output_text(notebook, "d6a4fc7a"))}
    assert sizes[256] == int(re.search(r"total\s+([\d,]+)", output_text(notebook, "fddd68ff"))[1].replace(",", ""))
    assert all(0.1 <= training / sizes[size] < 10 for size in (256, 512))  # "in the same order of magnitude"
    assert 0.2 < sizes[256] / sizes[512] < 0.3  # "about a quarter of the parameters"


@claim
def lesson_6_says_how_the_pretrained_run_stopped_as_its_provenance_records(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_6)
    facts = result(notebook, "6e9370c2")
    stopped = int(re.search(r"stopped by hand at step (\d+)", facts["stopped_because"])[1])
    assert "still falling" in facts["stopped_because"]  # "with its validation loss still falling slowly"
    quoted_in_both(notebook, "bd60b168", f"{stopped:,}", "1.45")
    assert facts["val_loss"] <= 1.45  # the course's target, the dashed line


@claim
def lesson_6_states_the_run_times_of_its_committed_full_mode_run(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_6)
    state = execution_seconds(notebook, "state-code")
    quotes_time(notebook, "8bdee084", minutes=(execution_seconds(notebook), state))
    quotes_time(notebook, "state-md", minutes=(state,))
    assert 60 <= execution_seconds(notebook, "3235f78d") <= 120  # section 4: "one to two minutes"
    assert round(execution_seconds(notebook, "6eedf9a8") / 60) == 2  # section 5: "about two minutes"
    assert 30 <= execution_seconds(notebook, "loop-compare-train", "loop-compare-code") <= 90  # "about a minute"


LESSON_7_TITLE, LESSON_7_TRAINING = "e1c0e9ff", "42857fdc"


@claim
def lesson_7_states_the_run_times_of_its_committed_full_mode_run(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_7)
    bar = re.sub(r"\x1b\[[0-9;]*m", "", output_text(notebook, "71826061"))
    steps, first_seed = re.findall(r"(\d+)/\1 ━+ (\d+)s ", bar)[-1]  # the first seed's finished bar
    assert steps == "1000"
    training = execution_seconds(notebook, "71826061")
    quotes_time(notebook, LESSON_7_TRAINING, minutes=(training,), seconds=(int(first_seed),))
    quotes_time(notebook, LESSON_7_TITLE, minutes=(execution_seconds(notebook), training))


@claim
def lesson_7_quotes_its_vocabulary_the_pretrained_runs_corpus_and_its_shape_ratio(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_7)
    vocab_size = result(notebook, "f2d3b01c")[0]
    quoted_in_both(notebook, LESSON_7_TRAINING, f"{vocab_size:,}")  # "predicts all 3,501 characters alike"
    quoted_in_both(notebook, "82196fcf", f"{vocab_size:,}")
    provenance = json.loads((REPOSITORY / "charrnn_lib" / "pretrained" / "tang" / "provenance.json")
                            .read_text(encoding="utf-8"))
    tang = int(re.search(r"\(([\d,]+) characters\)", provenance["corpus_note"])[1].replace(",", ""))
    quoted_in_each_language(notebook, "79133e5d", f"{provenance['corpus_chars']:,}")  # its English names 春
    assert 0.4 < provenance["corpus_chars"] / tang < 0.6  # "about half of tang"
    share = result(notebook, "d560266b")["lines of 20-line samples"]
    quoted_in_both(notebook, "477bb4c6", f"{100 * share:g}%", "90%")  # "100% ..., where the course asks for 90%"
    assert share >= 0.9


@claim
def lesson_7_points_to_the_end_of_lesson_exercise_that_trains_without_the_unigram_bias(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_7)
    english, chinese = paragraphs(notebook, LESSON_7_TRAINING)
    assert "exercise 1 at the end of this lesson" in english and "本课末尾的练习 1" in chinese
    exercises = cell(notebook, "52513ccb").source
    assert re.search(r"^1\. Train the lesson's model without `unigram_output_bias`", exercises, re.MULTILINE)


@claim
def lesson_8_quotes_the_characters_every_run_trains_and_what_they_are_worth(lessons: Lessons) -> None:
    from charrnn_lib.config import BatchLayout

    notebook = lessons.read("08_experiments.ipynb")
    rows = experiment_rows(notebook)
    [trained] = {int(row["chars trained"].replace(",", "")) for row in rows.values()}
    quoted_in_both(notebook, "grid-intro", f"{trained:,}")
    quoted_in_both(notebook, "reading", f"{trained:,}")
    corpora = {}
    for line in output_text(notebook, "load-corpora").splitlines()[1:]:
        name, characters, distinct, _, unigram = line.split()
        corpora[name] = (int(characters.replace(",", "")), int(distinct.replace(",", "")), float(unigram))
    anna_training = corpora["anna"][0] * (1 - BatchLayout().validation_fraction)
    assert 1 < trained / anna_training < 2  # "has seen its training text less than twice"
    quoted_in_both(notebook, "reading", str(corpora["anna"][1]))  # "about 75 distinct characters"
    assert corpora["anna"][1] < 100 and corpora["shakespeare"][1] < 100  # English: "fewer than a hundred"
    for row in rows.values():  # the table's unigram baseline: lower only where <unk> merges characters
        _, distinct, unigram = corpora[row["corpus"]]
        table = float(row["unigram bpc"])
        assert (0 < unigram - table < 0.2) if distinct > 3500 else abs(unigram - table) < 0.01, row["corpus"]


@claim
def lesson_9_quotes_the_rhyme_groups_it_counts(lessons: Lessons) -> None:
    notebook = lessons.read("09_regulated_verse.ipynb")
    level, oblique, _ = result(notebook, "c21e5cb1")
    quoted_in_each_language(notebook, "1dcab9a6", str(level + oblique), str(level), str(oblique))
    quoted_in_each_language(notebook, "exercise-1-md", str(level))
    assert len(result(notebook, "evidence")) == 8  # "the evidence for eight characters"


@claim
def lesson_9_states_the_run_time_of_its_committed_full_mode_run(lessons: Lessons) -> None:
    notebook = lessons.read("09_regulated_verse.ipynb")
    passed = re.search(r"of ([\d,]+) constrained poems", output_text(notebook, "constrained-pass"))[1]
    scored = 2 * int(passed.replace(",", ""))  # the constrained poems and as many free samples
    quoted_in_each_language(notebook, "f3dfe209", f"{scored:,}")
    quotes_time(notebook, "f3dfe209", minutes=(execution_seconds(notebook), execution_seconds(notebook, "cost")))


@claim
def lesson_10_quotes_the_size_of_the_states_it_reads(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_10)
    (layers, characters, units), _, _ = result(notebook, "l10-read")
    english, chinese = paragraphs(notebook, "l10-inside-intro")
    assert f"{layers} layers of {units} units" in english and f"{characters:,} characters" in english
    assert f"{layers} 层、每层 {units} 个单元" in chinese and f"{characters:,} 个字符" in chinese
    quoted_in_both(notebook, "l10-bridge", f"{layers} × {units}")
    assert 20 <= execution_seconds(notebook) <= 45  # the title: "about half a minute in full mode"


@claim
def lessons_6_to_10_show_only_diagrams_that_tools_make_assets_draws(lessons: Lessons) -> None:
    shown = set()
    for name in ("06_anna_karnna.ipynb", LESSON_7, "08_experiments.ipynb", "09_regulated_verse.ipynb", LESSON_10):
        markdown = "\n".join(each.source for each in lessons.read(name).cells if each.cell_type == "markdown")
        shown |= set(re.findall(r"\]\(\.\./\.\./assets/([^)]+)\)", markdown))
    assert shown and all((REPOSITORY / "assets" / each).is_file() for each in shown), shown
    assert "attention.svg" in cell(lessons.read(LESSON_10), "l10-bridge").source  # section 6 shows attention


@claim
def lesson_7_quotes_the_shape_curve_of_its_three_seeds_as_it_ran(lessons: Lessons) -> None:
    notebook = lessons.read("07_ai_poetry.ipynb")
    ratios = result(notebook, "519eac02")  # {seed: {step: share of couplet-shaped lines}}
    assert len(ratios) == 3
    assert max(shares[125] for shares in ratios.values()) <= 0.04  # "at step 125 at most 4%"
    assert all(shares[625] > 0.8 for shares in ratios.values())  # "by step 625 every run is above 80%"
    at_1000 = sorted(shares[1000] for shares in ratios.values())
    lowest, highest = (f"{100 * share:g}%" for share in (at_1000[0], at_1000[-1]))  # "between 93.5% and 95%"
    quoted_in_both(notebook, "4c233ad2", "125", "4%", "625", "80%", lowest, highest)
    dip = min(shares[375] for shares in ratios.values())  # "one of them falls back to 3.5% at step 375"
    assert dip < min(shares[250] for shares in ratios.values())
    quoted_in_both(notebook, "4c233ad2", "375", f"{100 * dip:g}%")


# --- lesson 8 ---
def experiment_rows(notebook: nbformat.NotebookNode) -> dict[str, dict[str, str]]:
    """The results table of lesson 8 (a markdown output), as {experiment: {column: cell}}."""
    markdown = "".join(cell(notebook, "table").outputs[-1].data["text/markdown"])
    header, _, *rows = [[part.strip() for part in line.strip("|").split("|")] for line in markdown.splitlines()]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


@claim
def lesson_8_table_shows_perplexity_beside_bpc_and_no_load_dependent_speed(lessons: Lessons) -> None:
    rows = experiment_rows(lessons.read("08_experiments.ipynb"))
    columns = next(iter(rows.values()))
    assert "val perplexity" in columns and not any("chars/s" in column or "seconds" in column for column in columns)
    for row in rows.values():
        assert abs(float(row["val perplexity"].replace(",", "")) - 2 ** float(row["val bpc"])) <= 0.1


@claim
def lesson_8_every_corpus_leaves_the_unigram_plateau_in_every_seed_as_it_says(lessons: Lessons) -> None:
    notebook = lessons.read("08_experiments.ipynb")
    rows = experiment_rows(notebook)
    ratios: dict[str, list[float]] = {}
    for label, row in rows.items():
        if label.startswith(("baseline.", *(f"{corpus}.seed" for corpus in ("tang", "shakespeare", "japanese",
                                                                            "python_code")))):
            ratios.setdefault(row["corpus"], []).append(float(row["val bpc"]) / float(row["unigram bpc"]))
    assert sorted(ratios) == ["anna", "japanese", "python_code", "shakespeare", "tang"]
    assert all(len(runs) == 3 and max(runs) < 0.9 for runs in ratios.values())  # three seeds, all off the plateau
    assert all(max(runs) - min(runs) < 0.01 for runs in ratios.values())  # "within 0.01 of each other"
    quoted = {corpus: f"{statistics.fmean(runs):.2f}" for corpus, runs in ratios.items() if corpus != "tang"}
    tang = sorted({f"{ratio:.2f}" for ratio in ratios["tang"]})
    without_bias = rows["unigram_output_bias=False"]
    assert (without_bias["corpus"], float(without_bias["bpc / unigram"])) == ("tang", 1.02)  # on the plateau
    quoted_in_both(notebook, "reading", *quoted.values(), tang[0], tang[-1], "1.02")
    assert quoted["anna"] == quoted["shakespeare"]  # "0.57 each"


@claim
def lesson_8_quotes_the_knob_runs_against_the_three_seeds_of_the_baseline(lessons: Lessons) -> None:
    notebook = lessons.read("08_experiments.ipynb")
    verdicts = {}
    for line in output_text(notebook, "ranking-knobs").splitlines()[1:]:
        label, bpc = line.split()[:2]
        verdicts[label] = (float(bpc), line.rsplit("parameters", 1)[1].strip())
    seeds = [bpc for label, (bpc, _) in verdicts.items() if label.startswith("baseline.")]
    assert len(seeds) == 3
    assert verdicts["num_layers=1"][1] == verdicts["train_keep_prob=1.0"][1] == "better than every seed"
    assert verdicts["lstm_size=64"][1] == verdicts["use_embedding=False"][1] == "worse than every seed"
    assert f"{verdicts['use_embedding=False'][0] - max(seeds):.2f}" == "0.03"
    quoted_in_both(notebook, "reading", f"{verdicts['num_layers=1'][0]:.3f}", f"{min(seeds):.3f}",
                   f"{max(seeds):.3f}", f"{verdicts['train_keep_prob=1.0'][0]:.3f}", "0.03")


@claim
def lesson_8_states_the_run_time_its_progress_bar_shows(lessons: Lessons) -> None:
    notebook = lessons.read("08_experiments.ipynb")
    bar = re.sub(r"\x1b\[[0-9;]*m", "", output_text(notebook, "run"))  # without the bar's colour codes
    runs, seconds = re.findall(r"(\d+)/\1 ━+ (\d+)s ", bar)[-1]  # the finished bar: "20/20 ━━━ 2345s 117s/step"
    assert runs == "20"  # "20 runs"
    minutes = str(round(int(seconds) / 60))
    for cell_id in ("title", "run-intro"):
        quoted_in_both(notebook, cell_id, f"{int(seconds):,}", minutes)  # "2,345 s (about 39 minutes)"


# --- the source material, in every lesson that refers to it ---
ANNA_KARNNA_LINK = "udacity/deep-learning/blob/master/intro-to-rnns/Anna_KaRNNa.ipynb"
HZY46_LINK = "github.com/hzy46/Char-RNN-TensorFlow"


NAMED_SOURCES = {
    "01_sequence_data.ipynb": [HZY46_LINK],
    "06_anna_karnna.ipynb": [ANNA_KARNNA_LINK, "github.com/karpathy/char-rnn"],
    "07_ai_poetry.ipynb": [HZY46_LINK],
    "08_experiments.ipynb": [HZY46_LINK],
    "10_decoding_and_inside.ipynb": [ANNA_KARNNA_LINK],
}


@claim
def a_lesson_that_names_part_of_the_source_material_introduces_it_once_with_its_link(lessons: Lessons) -> None:
    for name, links in NAMED_SOURCES.items():
        markdown = "\n".join(each.source for each in lessons.read(name).cells if each.cell_type == "markdown")
        assert markdown.count("*source material*") == 1 and markdown.count("**原始材料**") == 1, name
        assert not re.search(r"seed (lesson|notebook)|the seeds'|种子课程|种子代码|原课程", markdown), name
        for link in links:
            assert markdown.count(link) >= 2, f"{name}: {link} should be linked in English and in Chinese"


# --- lesson 1 (its outputs are compared by nbval; the reading of them is checked here) ---
@claim
def lesson_1_says_the_three_commonest_tang_characters_are_nearly_a_quarter_of_it(lessons: Lessons) -> None:
    notebook = lessons.read("01_sequence_data.ipynb")
    counts = ast.literal_eval(output_text(notebook, "most-common"))
    share = sum(count for _, count in counts[:3]) / int(output_text(notebook, "load-corpora"))
    assert [char for char, _ in counts[:3]] == ["，", "。", "\n"]
    assert 0.2 < share < 0.25  # "nearly a quarter", not "a quarter"
    english, chinese = paragraphs(notebook, "coverage-md")
    assert "nearly a quarter of the corpus" in english and "将近四分之一" in chinese


# --- lesson 3: its training cells are NBVAL_IGNORE_OUTPUT ---
@claim
def lesson_3_scratch_rnn_starts_at_the_vocabulary_size_and_ends_below_the_unigram_perplexity(lessons: Lessons) -> None:
    notebook = lessons.read("03_rnn_from_scratch.ipynb")
    data = result(notebook, "train-data")
    perplexity = result(notebook, "perplexity")
    assert round(perplexity["perplexity at the start"]) == data["vocab_size"]  # "starts at the vocabulary size"
    assert perplexity["held-out perplexity at the end"] < perplexity["unigram perplexity"]
    assert abs(perplexity["unigram perplexity"] - math.exp(data["unigram loss"])) <= 0.2


@claim
def lesson_3_held_out_curve_lies_below_the_training_curve_at_every_report(lessons: Lessons) -> None:
    text = re.sub(r"\x1b\[[0-9;]*m", "", output_text(lessons.read("03_rnn_from_scratch.ipynb"), "train"))
    reports = [tuple(map(float, pair)) for pair in re.findall(r"- loss: (\d+\.\d+) - validation loss: (\d+\.\d+)",
                                                              text)]
    assert len(reports) >= 5
    assert all(validation < training for training, validation in reports)  # "even lies below the training curve"


@claim
def lesson_3_intent_model_spreads_its_bet_only_on_the_ambiguous_question(lessons: Lessons) -> None:
    notebook = lessons.read("03_rnn_from_scratch.ipynb")
    probabilities = result(notebook, "ambiguous")
    ambiguous = sorted(probabilities["is it ?"].values())
    assert ambiguous[-1] < 0.9 and ambiguous[-2] > 0.2  # two intents share the bet
    assert max(probabilities["what time is it ?"].values()) >= 0.99
    assert max(probabilities["is it raining ?"].values()) >= 0.99


@claim
def lesson_3_sample_shows_the_python_features_the_text_lists(lessons: Lessons) -> None:
    notebook = lessons.read("03_rnn_from_scratch.ipynb")
    sample = output_text(notebook, "sample")
    assert re.search(r"\n {4,}\S", sample) and re.search(r"\w_\w", sample)  # indented lines, underscored names
    assert all(token in sample for token in ("(", ")", "=", "):"))
    english, _ = paragraphs(notebook, "sample-result-md")
    assert "line breaks and indented lines, names with underscores, brackets, `=` and `):`" in english


# --- lesson 7 ---
LESSON_7 = "07_ai_poetry.ipynb"


@claim
def lesson_7_summary_quotes_the_share_of_characters_the_vocabulary_keeps(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_7)
    unknown = float(re.search(r"(\d+\.\d+)% of the characters become <unk>", output_text(notebook, "f2d3b01c"))[1])
    quoted_in_both(notebook, "0ce34aed", f"{100 - unknown:.1f}%")


@claim
def lesson_7_embedding_trains_faster_as_measured(lessons: Lessons) -> None:
    speedup = float(re.search(r"embedding is (\d+\.\d+)x faster", output_text(lessons.read(LESSON_7), "0379e1f7"))[1])
    assert speedup > 1  # "it trains faster"


@claim
def lesson_7_pretrained_run_sits_near_80_percent_for_thousands_of_steps_then_jumps(lessons: Lessons) -> None:
    """Section 5's right panel and section 6 read the metric history that ships with the pretrained run."""
    provenance = json.loads((REPOSITORY / "charrnn_lib" / "pretrained" / "tang" / "provenance.json")
                            .read_text(encoding="utf-8"))
    history = dict(zip(provenance["metric_history"]["steps"], provenance["metric_history"]["couplet_shape_ratio"],
                       strict=True))
    assert provenance["metric_history_sampling"]["lines_per_sample"] == 5  # "with 5 lines per sample, 80%"
    assert history[500] < 0.05 and history[1000] > 0.75  # "about 1,000 steps to leave the plateau"
    plateau = [step for step, share in history.items() if 0.78 <= share <= 0.83]
    assert max(plateau) - min(plateau) >= 2000  # "near 80% for thousands of steps"
    assert history[max(plateau) + 500] > 0.95  # "then jumps"
    english, chinese = paragraphs(lessons.read(LESSON_7), "c14bae5d")
    assert "stays near 80% for thousands of steps, then jumps" in english and "80%" in chinese


@claim
def lesson_7_reads_the_temperature_and_first_line_numbers_below_it_as_they_came_out(lessons: Lessons) -> None:
    notebook = lessons.read(LESSON_7)
    by_temperature = result(notebook, "a1b56237")
    assert all(share >= 0.99 for share in by_temperature.values())  # "hardly changes", "even at 1.5 almost every"
    lines = result(notebook, "d560266b")
    assert lines["lines of 20-line samples"] >= 0.9  # "at least 90% ... in 20-line samples"
    english, chinese = paragraphs(notebook, "477bb4c6")
    assert "(the numbers below)" in english and "（见下面的数字）" in chinese
    ids = [each.get("id") for each in notebook.cells]
    assert ids.index("477bb4c6") < ids.index("a1b56237")  # the numbers do come below the text
