#!/usr/bin/env bash
# Print the path of a working Python interpreter of one minor version, or explain how to get one.
#
#   scripts/find-python.sh 3.10    # Rasa 3.6's environment (.venv-rasa)
#   scripts/find-python.sh 3.11    # the project's environment (.venv)
#
# Looks, in order, at $PYTHON310 / $PYTHON311 (an explicit path wins), `python3.10` on PATH, and
# pyenv's versions directory. pyenv's bare `python3.10` shim refuses to run unless pyenv is told
# to use that version, so every candidate is checked by actually running it.
set -euo pipefail

want="${1:?usage: scripts/find-python.sh 3.10}"
override_var="PYTHON${want/./}"

# Prints the interpreter's real path (not a shim's) when it runs and has the wanted version.
resolve() {
    [[ -n "$1" && -x "$1" ]] || return 1
    local answer
    answer="$("$1" -c 'import sys; print("%d.%d %s" % (*sys.version_info[:2], sys.executable))' \
        2>/dev/null)" || return 1
    [[ "${answer%% *}" == "$want" ]] || return 1
    echo "${answer#* }"
}

if [[ -n "${!override_var:-}" ]]; then
    if resolve "${!override_var}"; then
        exit 0
    fi
    echo "error: $override_var=${!override_var} is not a working Python $want interpreter" >&2
    exit 1
fi

candidates=()
if on_path="$(command -v "python$want" 2>/dev/null)"; then
    candidates+=("$on_path")
fi
pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
# Newest patch release first.
while IFS= read -r found; do
    candidates+=("$found")
done < <(ls -d "$pyenv_root"/versions/"$want".*/bin/"python$want" 2>/dev/null | sort -rV)

for candidate in "${candidates[@]}"; do
    if resolve "$candidate"; then
        exit 0
    fi
done

cat >&2 <<MSG
error: Python $want was not found, and this project needs it.
  Install it with pyenv:       pyenv install $want
  or point to an interpreter:  export $override_var=/path/to/python$want
MSG
exit 1
