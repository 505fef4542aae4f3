from __future__ import annotations

from train_model import TrainingProgress, rasa_environment, training_status

LOG = """\
INFO rasa.cli.train - Started validating domain and training data...
INFO rasa.engine.training.hooks - Starting to train component 'RegexFeaturizer'.
INFO rasa.engine.training.hooks - Finished training component 'RegexFeaturizer'.
INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.
Epochs:   0%|          | 0/100 [00:00<?, ?it/s]\rEpochs:  40%|####      | 40/100 [00:17<00:08]
"""


def test_status_before_any_component_is_validation() -> None:
    assert training_status(LOG.splitlines()[0]) == "loading Rasa, validating the training data"


def test_status_names_the_component_and_its_progress() -> None:
    assert training_status(LOG) == "training DIETClassifier 40%"


def test_progress_of_an_earlier_component_is_not_reported() -> None:
    log = LOG + "INFO - Starting to train component 'TEDPolicy'.\n"
    assert training_status(log) == "training TEDPolicy"


def test_rasa_never_sends_telemetry() -> None:
    assert rasa_environment()["RASA_TELEMETRY_ENABLED"] == "false"


def test_progress_is_read_from_chunks_that_split_lines() -> None:
    progress = TrainingProgress()
    for start in range(0, len(LOG), 7):
        progress.feed(LOG[start : start + 7])
    assert progress.status == "training DIETClassifier 40%"


def test_progress_keeps_the_component_when_a_chunk_holds_only_epochs() -> None:
    progress = TrainingProgress()
    progress.feed(LOG)
    progress.feed("Epochs:  90%|#########| 90/100\r")
    assert progress.status == "training DIETClassifier 90%"


def test_a_component_restored_from_the_cache_is_reported_as_such() -> None:
    log = LOG + "INFO rasa.engine.training.hooks - Restored component 'TEDPolicy' from cache.\n"
    assert training_status(log) == "restored TEDPolicy from the training cache"
