import re

import pytest

from charrnn_lib.cli import EXIT_USER_ERROR, build_parser, main
from charrnn_lib.cli.poem import DEFAULT_POET
from charrnn_lib.config import SAMPLING_KNOBS, SamplingSettings, TrainConfig
from charrnn_lib.han import HAN_CHARACTERS

PATTERN = "0123456789\n" * 300


def tiny_train_args(input_file, output_dir, *extra):
    return ["train", "--input_file", str(input_file), "--output_dir", str(output_dir), "--name", "digits",
            "--num_seqs", "8", "--num_steps", "20", "--lstm_size", "48", "--num_layers", "2",
            "--learning_rate", "0.01", "--train_keep_prob", "1", "--max_steps", "150", "--save_every_n", "75",
            "--log_every_n", "25", "--seed", "5", *extra]


@pytest.mark.parametrize("speed_flags", [[], ["--unroll"]])
def test_train_then_sample_from_the_command_line(tmp_path, capsys, speed_flags):
    corpus = tmp_path / "digits.txt"
    corpus.write_text(PATTERN, encoding="utf-8")
    assert main(tiny_train_args(corpus, tmp_path / "model", *speed_flags)) == 0
    trained = capsys.readouterr()
    assert "bits/char" in trained.out and "step 150/150" in trained.err
    assert main(["sample", "--checkpoint_path", str(tmp_path / "model" / "digits"), "--start_string",
                 "0123456789\n0123", "--max_length", "17", "--top_n", "1", "--seed", "0"]) == 0
    assert capsys.readouterr().out == "0123456789\n0123456789\n0123456789\n"
    run = ["sample", "--checkpoint_path", str(tmp_path / "model" / "digits"), "--start_string", "0123456789\n0123"]
    assert main([*run, "--max_length", "6", "--top_p", "0.5", "--num_samples", "2", "--seed", "0"]) == 0
    assert capsys.readouterr().out == "0123456789\n0123456789\n\n0123456789\n0123456789\n"  # two samples
    assert main([*run, "--top_p", "1.5"]) == EXIT_USER_ERROR
    assert "top_p must be in (0, 1], got 1.5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), (b"", "is empty"), (b"\xff\xfe\x00bad", "not UTF-8"), (b"short text", "needs at least")],
)
def test_bad_input_file_is_one_clear_line_and_exit_code_2(tmp_path, capsys, content, message):
    corpus = tmp_path / "corpus.txt"
    if content is not None:
        corpus.write_bytes(content)
    assert main(tiny_train_args(corpus, tmp_path / "model")) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_hyperparameter_is_refused_before_training(tmp_path, capsys):
    corpus = tmp_path / "digits.txt"
    corpus.write_text(PATTERN, encoding="utf-8")
    assert main(tiny_train_args(corpus, tmp_path / "model", "--train_keep_prob", "1.5")) == EXIT_USER_ERROR
    assert "train_keep_prob" in capsys.readouterr().err
    assert not (tmp_path / "model").exists()


def test_sampling_a_missing_run_is_a_clear_error(tmp_path, capsys):
    assert main(["sample", "--checkpoint_path", str(tmp_path / "nowhere")]) == EXIT_USER_ERROR
    assert "does not exist" in capsys.readouterr().err


def test_help_is_bilingual(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = capsys.readouterr().out
    assert "--num_seqs" in help_text and "每批序列数" in help_text and "--use_embedding" in help_text


def folder_contents(folder):
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_second_training_process_in_the_same_run_folder_stops_at_once_and_changes_nothing(tmp_path, capsys):
    import subprocess
    import sys
    import time

    corpus = tmp_path / "digits.txt"
    corpus.write_text(PATTERN, encoding="utf-8")
    run_dir = tmp_path / "model" / "digits"
    args = tiny_train_args(corpus, tmp_path / "model", "--max_steps", "100000", "--save_every_n", "50000")
    first = subprocess.Popen([sys.executable, "-m", "charrnn_lib", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        for line in first.stderr:  # wait until the first process is training (its log says so)
            if line.startswith("Training "):
                break
        before = folder_contents(run_dir)
        started = time.monotonic()
        assert main(tiny_train_args(corpus, tmp_path / "model")) == EXIT_USER_ERROR
        assert time.monotonic() - started < 30  # refused at once, not after training
        err = capsys.readouterr().err
        assert f"pid {first.pid}" in err and "--name" in err and len(err.strip().splitlines()) == 1
        assert folder_contents(run_dir) == before
    finally:
        first.kill()
        first.wait()
    assert main(tiny_train_args(corpus, tmp_path / "model", "--max_steps", "10", "--save_every_n", "10")) == 0


def test_poem_prints_each_line_with_its_tone_marks_and_the_verdict(capsys):
    assert main(["poem", "--pretrained", "tang", "--form", "wujue", "--pattern", "pingqi", "--rhyme", "东",
                 "--acrostic", "春夏秋冬", "--num_samples", "2", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "五言绝句 · 平起 · 首句不入韵 (wujue, pingqi)"
    assert lines[2] == "押东韵 (rhyme 东)"
    couplets = lines[3:7:2]  # the first poem: a couplet per line, each followed by its marks
    marks = lines[4:8:2]
    assert [couplet[0] + couplet[6] for couplet in couplets] == ["春夏", "秋冬"]
    for couplet, mark in zip(couplets, marks, strict=True):
        assert len(couplet) == len(mark) == 12 and mark[5] == "，" and mark[11] == "。"
        assert set(mark[:5] + mark[6:11]) <= set("平仄中？")
    assert lines.count("✓ 合律 follows the pattern") == 2


def test_poem_without_a_model_uses_the_default_poet_and_takes_the_sampling_flags(capsys):
    args = build_parser().parse_args(["poem", "--top_n", "0", "--top_p", "0.8", "--temperature", "0.9",
                                      "--candidates", "3"])
    assert (args.pretrained, args.checkpoint_path) == (DEFAULT_POET, None)
    assert SamplingSettings.from_controls(**{knob: getattr(args, knob) for knob in SAMPLING_KNOBS}) == \
        SamplingSettings(None, 0.8, 0.9)
    assert main(["poem", "--form", "qijue", "--num_samples", "3", "--top_p", "0.9", "--candidates", "2",
                 "--seed", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "七言绝句 · 仄起 · 首句不入韵 (qijue, zeqi)"
    assert lines.count("✓ 合律 follows the pattern") == 3
    assert all(len(line) == 16 for line in lines if line.endswith("。"))  # 七言: 7 + ， + 7 + 。


@pytest.mark.parametrize(("flags", "message"), [
    (["--acrostic", "春夏秋冬"], "cannot open line 2"),  # 仄起: line 2 opens on 平, 夏 is 仄
    (["--form", "qilv", "--acrostic", "春夏秋冬"], "needs 8 head characters"),
    (["--title", "春望"], "without titles"),
    (["--candidates", "0"], "candidates must be"),
    (["--rhyme", "东东"], "Unknown rhyme group"),
    (["--acrostic", "春夏秋㐀"], "never saw these head characters"),
    (["--acrostic", "春夏秋"], "needs 4 head characters"),
    (["--form", "sijue"], "form must be one of"),
    (["--pattern", "ping"], "start must be one of"),
])
def test_impossible_poem_requests_are_one_clear_line(capsys, flags, message):
    assert main(["poem", "--pretrained", "tang", *flags]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert re.search(f"[{HAN_CHARACTERS}]", err.split(message)[1])  # the Chinese line follows the English one


@pytest.mark.parametrize("switch", ["unigram_output_bias", "use_embedding"])
def test_every_on_off_setting_can_be_switched_either_way_and_defaults_to_the_settings_default(switch):
    base = ["train", "--dataset", "tang"]
    default = TrainConfig().knobs()[switch]
    assert getattr(build_parser().parse_args(base), switch) is default
    assert getattr(build_parser().parse_args([*base, f"--{switch}"]), switch) is True
    assert getattr(build_parser().parse_args([*base, f"--no_{switch}"]), switch) is False


def test_the_sampling_flags_are_the_sampling_settings_fields_with_their_defaults(capsys):
    def settings(*flags):
        args = build_parser().parse_args(["sample", "--pretrained", "tang", *flags])
        return SamplingSettings.from_controls(**{knob: getattr(args, knob) for knob in SAMPLING_KNOBS})

    assert settings() == SamplingSettings()
    assert settings("--top_n", "0", "--top_p", "0.9", "--temperature", "0.7") == SamplingSettings(None, 0.9, 0.7)
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    help_text = capsys.readouterr().out
    assert all(f"--{knob}" in help_text for knob in SAMPLING_KNOBS) and "核采样" in help_text
