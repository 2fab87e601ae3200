# Sourced by scripts/start and scripts/test (not run on its own): the install steps of a
# fresh machine. The Dockerfile runs the same two commands (python3 -m venv, pip install -e).

# ensure_venv EXTRAS — .venv with Python >= 3.11 and Terrain installed (EXTRAS: "" or "[test]").
ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "Terrain needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
            exit 1
        fi
        if ! "$python" -m venv .venv; then
            rm -rf .venv
            # Debian and Ubuntu ship venv's pip bootstrap separately.
            as_root apt-get install -y python3-venv
            "$python" -m venv .venv
        fi
    fi
    # Install again only when pyproject.toml changed since the last install.
    local stamp=".venv/.terrain-installed${extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/pip install --quiet --disable-pip-version-check -e ".${extras}"
        touch "$stamp"
    fi
}

# ensure_chromium — the browser the end-to-end tests drive (never the Playwright browser download).
ensure_chromium() {
    if [ -x /usr/bin/chromium ]; then
        return
    fi
    if ! command -v apt-get >/dev/null; then
        echo "The browser tests need Chromium at /usr/bin/chromium; please install it." >&2
        exit 1
    fi
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
}

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}
