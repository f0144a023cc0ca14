#!/usr/bin/env bash
# Tierdesk from a fresh checkout, in one command.
#
#   ./tierdesk.sh up     create .venv if needed, install, then run `tierdesk up` (web + worker +
#                        scheduler; demo data on first start). Extra arguments go to `tierdesk up`.
#   ./tierdesk.sh test   install the test tools, then ruff, mypy, import-linter (the layers), a
#                        dependency audit (pip-audit; skipped, and said so, without network),
#                        and pytest on SQLite and on PostgreSQL. Exits non-zero if a step fails.
#   ./tierdesk.sh ARGS   any other `tierdesk` command, e.g. `./tierdesk.sh createadmin`.
#
# Environment: TIERDESK_TEST_DATABASE_URL (PostgreSQL server for the tests, default
# postgres://postgres@127.0.0.1:5432/tierdesk), TIERDESK_TEST_PROCESSES (pytest-xdist processes,
# default auto), CI=true (a missing PostgreSQL fails the run instead of being skipped).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"

say() { printf '\033[1mtierdesk.sh:\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

is_python_313() {
    [ -n "${1:-}" ] && [ -x "$1" ] &&
        "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null
}

find_python() {
    local candidate
    candidate="$(command -v python3.13 || true)"
    if is_python_313 "$candidate"; then echo "$candidate"; return; fi
    if command -v pyenv >/dev/null 2>&1; then
        candidate="$(pyenv which python 2>/dev/null || true)"
        if is_python_313 "$candidate"; then echo "$candidate"; return; fi
        for candidate in "$(pyenv root)"/versions/3.13*/bin/python; do
            if is_python_313 "$candidate"; then echo "$candidate"; return; fi
        done
    fi
    for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python "$(command -v python3 || true)"; do
        if is_python_313 "$candidate"; then echo "$candidate"; return; fi
    done
    die "Python 3.13 is needed and none was found (tried python3.13, pyenv, python3).
  Install it (e.g. \`pyenv install 3.13\` or your system's python3.13 package) and run again."
}

# Create .venv if missing and install the package with the given extras, again whenever
# pyproject.toml has changed since the last install (a checksum stamp in .venv says which).
ensure_installed() {
    local extras="$1" stamp="$VENV/.tierdesk-installed-${1//,/-}" want
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python="$(find_python)"
        say "creating .venv with $python"
        "$python" -m venv "$VENV"
    fi
    is_python_313 "$VENV/bin/python" ||
        die ".venv does not run Python 3.13; remove it (rm -rf .venv) and run again."
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    say "installing tierdesk[$extras] into .venv"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -e ".[$extras]"
    echo "$want" >"$stamp"
}

# ---- tests -----------------------------------------------------------------------------------

FAILED=()

step() {
    local name="$1"
    shift
    say "── $name"
    if "$@"; then
        say "── $name: passed"
    else
        local status=$?
        say "── $name: FAILED (exit status $status)"
        FAILED+=("$name")
    fi
}

postgres_answers() {
    "$VENV/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys

import psycopg

from tierdesk.core.env import database_from_url

db = database_from_url(sys.argv[1])
psycopg.connect(
    dbname="postgres", user=db["USER"] or None, password=db["PASSWORD"] or None,
    host=db["HOST"] or None, port=db["PORT"] or None, connect_timeout=3,
).close()
PY
}

install_postgres() {
    say "PostgreSQL is not installed; installing it with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null ||
        return 1
    # A fresh cluster only lets local OS users in; the tests connect over TCP as postgres.
    local hba
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
        sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    done
}

start_postgres() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            install_postgres || return 1
        else
            return 1
        fi
    fi
    local version
    for version in $(ls /etc/postgresql); do
        say "starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
}

ensure_postgres() {
    local url="$1" tries
    postgres_answers "$url" && return 0
    case "$url" in
        *@127.0.0.1* | *@localhost* | *@\[::1\]*) start_postgres || return 1 ;;
        *) return 1 ;;
    esac
    for tries in $(seq 20); do
        postgres_answers "$url" && return 0
        sleep 1
    done
    return 1
}

# pip-audit looks every installed package up in PyPI's advisory data. Where that cannot be
# reached (a runner without network) the step says so and passes: a missing network is no
# vulnerability, and the other steps still run. A known vulnerability fails it.
advisories_reachable() {
    "$VENV/bin/python" - <<'PY' >/dev/null 2>&1
import urllib.request

urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=10).close()
PY
}

audit_dependencies() {
    if ! advisories_reachable; then
        say "dependency audit skipped: cannot reach the advisory database (https://pypi.org)"
        return 0
    fi
    local report status=0 unknown
    report="$("$VENV/bin/pip-audit" --skip-editable --progress-spinner off 2>&1)" || status=$?
    printf '%s\n' "$report" | grep -v "could not be audited" >&2 || true
    unknown="$(printf '%s\n' "$report" | grep -c "could not be audited" || true)"
    [ "$unknown" = 0 ] ||
        say "dependency audit: $unknown package version(s) unknown to the advisory database, not audited"
    return "$status"
}

# run_pytest DATABASE_URL: an empty URL means SQLite in a temporary data directory.
run_pytest() {
    local data_dir status=0 database=(-u DATABASE_URL)
    [ -z "$1" ] || database=("DATABASE_URL=$1")
    data_dir="$(mktemp -d "${TMPDIR:-/tmp}/tierdesk-test.XXXXXX")"
    # Exit status 5 (no tests collected) is non-zero, so it fails the step like any other.
    # The browser journeys run in a process of their own, after the rest (see the marker).
    env -u REDIS_URL "${database[@]}" TIERDESK_DATA_DIR="$data_dir" "$VENV/bin/python" -m pytest \
        -n "${TIERDESK_TEST_PROCESSES:-auto}" -p no:cacheprovider -m "not browser" || status=$?
    env -u REDIS_URL "${database[@]}" TIERDESK_DATA_DIR="$data_dir" "$VENV/bin/python" -m pytest \
        -p no:cacheprovider -m browser || status=$?
    rm -rf "$data_dir"
    return "$status"
}

# The tests talk to real servers and a real browser from Debian's packages: Dovecot (IMAP) for
# mail intake and Chromium for the pages. Install them when missing and we may (root with apt);
# otherwise those tests skip, or fail with CI=true.
# WeasyPrint (the reports' PDF) needs Pango; the library has no program to test with -x, so its
# package's documentation directory (searchable, hence -x) stands for it.
SYSTEM_PACKAGES=("/usr/sbin/dovecot:dovecot-imapd" "/usr/bin/chromium:chromium"
                 "/usr/share/doc/libpangoft2-1.0-0:libpangoft2-1.0-0")

ensure_system_packages() {
    local entry missing=()
    for entry in "${SYSTEM_PACKAGES[@]}"; do
        [ -x "${entry%%:*}" ] || missing+=("${entry#*:}")
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        say "missing ${missing[*]} (not root with apt-get): those tests will skip"
        return 0
    fi
    say "installing ${missing[*]} with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        "${missing[@]}" >/dev/null || say "could not install ${missing[*]}"
}

run_tests() {
    ensure_installed "test,postgres,anymail"
    ensure_system_packages
    local pg_url="${TIERDESK_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tierdesk}"
    step "ruff check" "$VENV/bin/ruff" check .
    step "ruff format --check" "$VENV/bin/ruff" format --check .
    step "mypy" "$VENV/bin/mypy"
    step "import layers" "$VENV/bin/lint-imports"
    step "dependency audit" audit_dependencies
    step "pytest on SQLite" run_pytest ""
    if ensure_postgres "$pg_url"; then
        step "pytest on PostgreSQL" run_pytest "$pg_url"
    elif [ "${CI:-}" = "true" ]; then
        say "PostgreSQL at $pg_url does not answer and could not be started"
        FAILED+=("pytest on PostgreSQL (no server)")
    else
        say "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        say "!!  WARNING: PostgreSQL at $pg_url does not answer; the PostgreSQL run is SKIPPED."
        say "!!  Set TIERDESK_TEST_DATABASE_URL or start PostgreSQL. (With CI=true this fails.)"
        say "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    fi
    if [ "${#FAILED[@]}" -gt 0 ]; then
        say "FAILED: $(IFS=','; echo "${FAILED[*]}" | sed 's/,/, /g')"
        exit 1
    fi
    say "all checks passed"
}

# ---- main ------------------------------------------------------------------------------------

case "${1:-}" in
    up)
        shift
        ensure_installed "postgres"
        exec "$VENV/bin/tierdesk" up "$@"
        ;;
    test)
        shift
        [ "$#" -eq 0 ] || die "\`test\` takes no arguments"
        run_tests
        ;;
    "" | -h | --help | help)
        sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
        ;;
    *)
        ensure_installed "postgres"
        exec "$VENV/bin/tierdesk" "$@"
        ;;
esac
