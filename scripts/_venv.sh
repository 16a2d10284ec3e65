# Shared by scripts/run, scripts/test and scripts/bench: create .venv when missing and
# install the project into it (again only when pyproject.toml changed). uv installs in
# parallel and is several times faster than pip on a fresh machine; pip is the fallback.
ensure_venv() {
  local extra="$1"
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  local stamp=".venv/.installed${extra:+-$extra}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    local target=".${extra:+[$extra]}"
    if [ ! -x .venv/bin/uv ]; then
      .venv/bin/python -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1 || true
    fi
    if ! { [ -x .venv/bin/uv ] && .venv/bin/uv pip install --quiet --python .venv/bin/python -e "$target"; }; then
      .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
    fi
    touch "$stamp"
  fi
}
