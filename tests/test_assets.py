"""tools/make_assets.py: the committed diagrams are exactly what the tool draws today."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # tools/ holds scripts, not a package
import make_assets


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("assets")
    make_assets.write_assets(folder)
    return folder


def test_every_committed_diagram_is_byte_identical_to_a_fresh_drawing(fresh):
    assert sorted(path.name for path in make_assets.ASSETS.glob("*.svg")) == sorted(make_assets.DIAGRAMS)
    for name in make_assets.DIAGRAMS:
        assert (fresh / name).read_bytes() == (make_assets.ASSETS / name).read_bytes(), (
            f"assets/{name} is out of date: run `python tools/make_assets.py`")


def test_diagrams_carry_no_date_and_no_font_dependent_text(fresh):
    for name in make_assets.DIAGRAMS:
        svg = (fresh / name).read_text(encoding="utf-8")
        assert "<dc:date>" not in svg and "<text" not in svg, name


BILINGUAL = {"unrolled_rnn.svg": "按时间步展开", "one_hot_vs_embedding.svg": "独热编码", "lstm_cell.svg": "遗忘门",
             "char_rnn.svg": "长短期记忆网络", "sequence_tasks.svg": "多对一", "bptt_backward.svg": "前向计算",
             "lstm_gates.svg": "② 写入：加上经过门控的候选值", "gru_cell.svg": "重置门",
             "gradient_highway.svg": "沿时间反向传播的梯度", "loss_cliff.svg": "裁剪后的一步：至多 θ",
             "attention.svg": "注意力权重：分数的 softmax，和为 1"}


def test_bilingual_diagrams_carry_the_chinese_outlines_of_the_course_font(fresh):
    for name, words in BILINGUAL.items():
        svg = (fresh / name).read_text(encoding="utf-8")
        assert "NotoSansSC-Regular-" in svg, name  # glyphs stored as paths, named after the font they came from
        with make_assets.matplotlib.style.context(["default", make_assets.STYLE]):
            texts = [text.get_text() for text in make_assets.DIAGRAMS[name]().axes[0].texts]
        assert words in texts, name


def test_no_diagram_misses_a_glyph():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in make_assets.DIAGRAMS:
            make_assets.render(name)
    assert [str(warning.message) for warning in caught if "missing from font" in str(warning.message)] == []


def test_without_the_font_package_the_tool_says_what_to_install(monkeypatch):
    monkeypatch.setattr(make_assets, "packaged_cjk_font", lambda: None)
    with pytest.raises(SystemExit, match="pylopdf-fonts-zh-cn"):
        make_assets.render("lstm_cell.svg")


def test_check_flag_fails_on_a_missing_or_changed_diagram(fresh, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(make_assets, "DIAGRAMS", {"sampling.svg": make_assets.draw_sampling})
    assert make_assets.main(["--check", "--output", str(tmp_path)]) == 1
    assert "sampling.svg is missing" in capsys.readouterr().err
    (tmp_path / "sampling.svg").write_bytes((fresh / "sampling.svg").read_bytes())
    assert make_assets.main(["--check", "--output", str(tmp_path)]) == 0
    (tmp_path / "sampling.svg").write_text("<svg/>", encoding="utf-8")
    assert make_assets.main(["--check", "--output", str(tmp_path)]) == 1
    assert "sampling.svg differs" in capsys.readouterr().err


def test_batching_grid_shows_the_numbers_make_batches_returns():
    with make_assets.matplotlib.style.context(["default", make_assets.STYLE]):
        figure = make_assets.draw_batching_grid()
    numbers = [int(text.get_text()) for text in figure.axes[0].texts if text.get_text().isdigit()]
    ids = np.arange(25)
    x, y = make_assets.make_batches(ids, 3, 4)
    expected = [*ids, *np.concatenate([x[0], x[1], y[0], y[1]], axis=None)]
    assert numbers == [int(value) for value in expected]
    assert (y == x + 1).all()  # what the picture lets students see: y is x shifted by one


def test_attention_weights_are_the_softmax_of_the_scores_drawn():
    with make_assets.matplotlib.style.context(["default", make_assets.STYLE]):
        figure = make_assets.draw_attention()
    numbers = [float(text.get_text().replace("−", "-")) for text in figure.axes[0].texts
               if text.get_text().replace("−", "-").replace(".", "").lstrip("-").isdigit()]
    scores, weights = np.array(numbers[0::2]), np.array(numbers[1::2])  # each column: its score, then its weight
    assert len(scores) == len(weights) == 5
    np.testing.assert_allclose(weights, make_assets.apply_temperature(scores, 1.0), atol=0.005)
    assert abs(weights.sum() - 1) <= 0.01 and weights.argmax() == scores.argmax()
