"""`rasa data validate --fail-on-warnings`, except for responses that only actions send.

Rasa's validator warns about every response no story or rule uses, but many of this assistant's
responses are sent by custom actions (``dispatcher.utter_message(response=...)``): the order
timeline, refusals, confirmations. This check runs the same validations and fails on every
warning, except "not used in any story or rule" for a response the actions' code names. It adds
the check Rasa cannot make: every response the actions name exists in the domain.

Runs in the Rasa environment (.venv-rasa); reads the actions' sources as text, never imports them.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

from rasa.shared.importers.importer import TrainingDataImporter
from rasa.validator import Validator

ROOT = Path(__file__).resolve().parents[1]
UNUSED = re.compile(r"The utterance '(?P<name>[^']+)' is not used in any story or rule\.")
#: Response names in the actions' code; a name ending in "_" is a prefix (utter_stage_ + stage).
NAMED_IN_CODE = re.compile(r"[\"'](?P<name>utter_[a-z0-9_]*)")


def response_names_in_actions(actions: Path = ROOT / "actions") -> tuple[set[str], set[str]]:
    """(full names, prefixes) of the responses the actions send."""
    names: set[str] = set()
    for path in sorted(actions.glob("*.py")):
        names.update(m.group("name") for m in NAMED_IN_CODE.finditer(path.read_text()))
    return {n for n in names if not n.endswith("_")}, {n for n in names if n.endswith("_")}


def sent_by_actions(name: str, full: set[str], prefixes: set[str]) -> bool:
    return name in full or any(name.startswith(prefix) for prefix in prefixes)


#: Warnings Rasa 3.6 gives every project of this shape, which say nothing about its data: the
#: note on 3.0's slot mappings (for any domain with slots), a retrieval intent that is both
#: listed in the domain (as Rasa's docs ask) and found in the NLU data, and intents that only
#: the gateway raises (``EXTERNAL_...`` through Rasa's trigger_intent API), which no customer
#: message may ever be classified as.
RASA_NOTICES = (
    re.compile(
        r"^The intent 'EXTERNAL_[a-z_]+' is listed in the domain file, but is not found in the "
        r"NLU training data\."
    ),
    re.compile(r"^Slot auto-fill has been removed in 3\.0"),
    re.compile(
        r"^The following duplicated intents have been found across multiple domain "
        r"files: faq\b"
    ),
)


def main() -> int:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importer = TrainingDataImporter.load_from_config(
            str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
        )
        validator = Validator.from_importer(importer)
        results = [
            validator.verify_domain_validity(),
            validator.verify_actions_in_stories_rules(),
            validator.verify_forms_in_stories_rules(),
            validator.verify_form_slots(),
            validator.verify_slot_mappings(),
            validator.verify_nlu(ignore_warnings=True),  # its warnings are judged below
            validator.verify_story_structure(ignore_warnings=False),
        ]
        validator.warn_if_config_mandatory_keys_are_not_set()

    full, prefixes = response_names_in_actions()
    problems = []
    for warning in caught:
        if not issubclass(warning.category, UserWarning):
            continue
        message = str(warning.message)
        if any(notice.search(message) for notice in RASA_NOTICES):
            continue
        unused = UNUSED.search(message)
        if unused and sent_by_actions(unused.group("name"), full, prefixes):
            continue
        problems.append(message)
    responses = set(importer.get_domain().responses)
    problems += [
        f"The actions send '{name}', but the domain has no such response."
        for name in sorted(full - responses)
    ]
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not all(results) or problems:
        print("==> the assistant's data is not valid (see above)", file=sys.stderr)
        return 1
    print("==> domain, training data, rules and stories are consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
