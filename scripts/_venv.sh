# Shared by the scripts: create .venv when missing and install the project into it from the
# lock (again only when uv.lock or pyproject.toml changed). uv installs in parallel and is
# several times faster than pip on a fresh machine; where uv cannot be had, pip installs the
# same pinned, hash-checked set from requirements/all.txt (exported from uv.lock).
UV_REQUIREMENT="uv>=0.13.9,<0.14"

ensure_uv() {
  if [ ! -x .venv/bin/uv ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "$UV_REQUIREMENT" >/dev/null 2>&1 || true
  fi
  [ -x .venv/bin/uv ]
}

ensure_venv() {
  local extra="$1"
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "anquan: creating .venv with $("$py" --version 2>&1) ..." >&2
    "$py" -m venv .venv
  fi
  local stamp=".venv/.installed${extra:+-$extra}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ uv.lock -nt "$stamp" ]; then
    echo "anquan: installing the locked dependencies${extra:+ (extra: $extra)} into .venv (the first install can take a minute) ..." >&2
    local started=$SECONDS
    if ensure_uv; then
      # --inexact: run (embedded) and test (dev) share one .venv; neither removes the other's
      .venv/bin/uv sync --quiet --frozen --inexact --python .venv/bin/python ${extra:+--extra "$extra"}
    else
      echo "anquan: uv is not available; installing with pip from requirements/all.txt" >&2
      .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/all.txt
      .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    fi
    touch "$stamp"
    echo "anquan: dependencies installed in $((SECONDS - started)) s" >&2
  fi
  # Every process of the service and of the suite (servers, workers, schemathesis) imports
  # the same few thousand modules: compiled once here instead of from source in each of them
  # (~5-15 s a process on two cores), and the project's own cached as they are imported.
  unset PYTHONDONTWRITEBYTECODE
  if [ ! -f .venv/.compiled ] || [ "$stamp" -nt .venv/.compiled ]; then
    .venv/bin/python -m compileall -q -j 0 .venv/lib >/dev/null 2>&1 || true
    touch .venv/.compiled
  fi
}
