# Shared by scripts/run and scripts/test: create .venv when missing and install the
# project into it (again only when pyproject.toml changed).
ensure_venv() {
  local extra="$1"
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  local stamp=".venv/.installed${extra:+-$extra}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra:+[$extra]}"
    touch "$stamp"
  fi
}
