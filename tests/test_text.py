import json
import pickle

import numpy as np
import pytest

from charrnn_lib.errors import CorpusError, VocabularyError
from charrnn_lib.text import UNK_TOKEN, TextConverter, read_corpus


def test_vocabulary_is_ordered_by_frequency_with_ties_by_code_point():
    converter = TextConverter.from_text("ccbbbaadd e")
    # b×3; then a, c, d ×2 in code-point order; then ' ' (32) before 'e' (101), both ×1.
    assert converter.vocab == ["b", "a", "c", "d", " ", "e"]
    assert converter.vocab_size == len(converter.vocab) + 1


def test_max_vocab_keeps_most_frequent_and_maps_the_rest_to_unk():
    converter = TextConverter.from_text("aaaabbbcc d", max_vocab=2)
    assert converter.vocab == ["a", "b"]
    assert converter.unk_id == 2
    np.testing.assert_array_equal(converter.encode("abcz"), [0, 1, 2, 2])
    assert converter.decode([0, 2, 1]) == f"a{UNK_TOKEN}b"


def test_encode_decode_round_trip_on_chinese_and_newlines():
    text = "床前明月光，\n疑是地上霜。"
    converter = TextConverter.from_text(text)
    ids = converter.encode(text)
    assert ids.dtype == np.int32 and ids.shape == (len(text),)
    assert converter.decode(ids) == text


def test_decode_rejects_ids_outside_the_vocabulary():
    converter = TextConverter.from_text("abc")
    with pytest.raises(VocabularyError, match="outside this vocabulary"):
        converter.decode([0, 7])


def test_unknown_characters_are_listed_once_in_order():
    converter = TextConverter.from_text("abc")
    assert converter.unknown_characters("axbyx") == ["x", "y"]


def test_save_and_load_json_round_trip(tmp_path):
    converter = TextConverter.from_text("春眠不觉晓，处处闻啼鸟。\n", max_vocab=5)
    path = tmp_path / "converter.json"
    converter.save(path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["vocab"] == converter.vocab
    assert "处" in path.read_text(encoding="utf-8")  # readable UTF-8, not \\u escapes
    assert TextConverter.load(path) == converter


def test_load_refuses_a_pickle(tmp_path):
    path = tmp_path / "converter.pkl"
    path.write_bytes(pickle.dumps(["a", "b"]))
    with pytest.raises(VocabularyError, match="pickle"):
        TextConverter.load(path)


def test_load_reports_missing_file(tmp_path):
    with pytest.raises(VocabularyError, match="No vocabulary file"):
        TextConverter.load(tmp_path / "nope.json")


def test_read_corpus_normalises_line_endings_and_bom(tmp_path):
    path = tmp_path / "text.txt"
    path.write_bytes("\ufeffline one\r\nline two\rthree\n".encode())
    assert read_corpus(path) == "line one\nline two\nthree\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"  \n\n", "empty"), ("中文".encode("gbk"), "not UTF-8")],
)
def test_read_corpus_rejects_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=message):
        read_corpus(path)


def test_read_corpus_reports_a_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "missing.txt")


def test_errors_carry_both_languages():
    with pytest.raises(VocabularyError) as caught:
        TextConverter.from_text("abc", max_vocab=0)
    assert "max_vocab" in caught.value.english and "正整数" in caught.value.chinese
