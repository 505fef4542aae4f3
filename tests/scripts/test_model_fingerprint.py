from __future__ import annotations

from pathlib import Path

from model_fingerprint import ROOT, fingerprint, model_path, training_files


def make_project(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "requirements").mkdir()
    (root / "config.yml").write_text("language: en\n")
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    (root / "requirements" / "rasa.lock").write_text("rasa==3.6.21\n")
    return root


def test_fingerprint_is_stable(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    assert fingerprint(root) == fingerprint(root)
    assert len(fingerprint(root)) == 16


def test_every_training_input_changes_the_fingerprint(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    seen = {fingerprint(root)}
    for name in ("config.yml", "domain.yml", "data/nlu.yml", "requirements/rasa.lock"):
        path = root / name
        path.write_text(path.read_text() + "changed==1\n")
        seen.add(fingerprint(root))
    assert len(seen) == 5


def test_a_new_or_renamed_data_file_changes_the_fingerprint(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    before = fingerprint(root)
    (root / "data" / "nlu.yml").rename(root / "data" / "nlu_small_talk.yml")
    renamed = fingerprint(root)
    (root / "data" / "rules.yml").write_text("rules: []\n")
    assert len({before, renamed, fingerprint(root)}) == 3


def test_comments_in_the_lock_file_do_not_count(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    before = fingerprint(root)
    lock = root / "requirements" / "rasa.lock"
    lock.write_text("# compiled by make lock\n" + lock.read_text() + "    # via -r rasa.in\n")
    assert fingerprint(root) == before


def test_hidden_files_and_unrelated_files_do_not_count(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    before = fingerprint(root)
    (root / "data" / ".nlu.yml.swp").write_text("editor state")
    (root / "README.md").write_text("docs")
    assert fingerprint(root) == before


def test_a_domain_directory_is_included(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "domain.yml").unlink()
    (root / "domain").mkdir()
    (root / "domain" / "small_talk.yml").write_text("intents: [greet]\n")
    assert root / "domain" / "small_talk.yml" in list(training_files(root))


def test_model_path_names_the_archive_after_the_fingerprint(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    assert model_path(root) == root / "models" / f"{fingerprint(root)}.tar.gz"


def test_the_project_itself_has_training_files() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in training_files()}
    assert {"config.yml", "domain.yml", "data/nlu/wismo.yml", "requirements/rasa.lock"} <= names
