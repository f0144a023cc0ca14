#!/usr/bin/env bash
# Before/after pairs: the benchmarks run alternately against two checkouts of Tierdesk, so that
# the machine's drift hits both alike.
#
#   bench/compare.sh BEFORE_DIR AFTER_DIR [ROUNDS] [DATABASE_URL]
#
# Each directory is a checkout (e.g. `git worktree add ../before <commit>`); both run with this
# checkout's .venv and PYTHONPATH pointing at their own src/. Output per round and variant in
# bench/out/compare/rN-before|after/ (api.txt, pages.txt, mail.txt, sweep.txt).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before="$(cd "$1" && pwd)"; after="$(cd "$2" && pwd)"
rounds="${3:-5}"; db="${4:-postgres://postgres@127.0.0.1:5432/tierdesk_bench}"
python="$here/.venv/bin/python"
run() {  # run VARIANT DIR ROUND
    local out="$here/bench/out/compare/r$3-$1"
    mkdir -p "$out"
    echo "r$3 $1 $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (
        cd "$2" && export PYTHONPATH="$2/src"
        "$python" bench/bench_api.py --database-url "$db" --worker-class gthread --duration 10 \
            --requests 300 >"$out/api.txt" 2>&1
        "$python" bench/bench_pages.py --database-url "$db" --requests 200 >"$out/pages.txt" 2>&1
        "$python" bench/bench_mail_intake.py --database-url "$db" --path batch --messages 2000 \
            >"$out/mail.txt" 2>&1
        "$python" bench/bench_sla_sweep.py --database-url "$db" --due 5000 >"$out/sweep.txt" 2>&1
    )
}
for round in $(seq "$rounds"); do
    run before "$before" "$round"
    run after "$after" "$round"
done
