"""Download centre: a big file through ``tierdesk web`` against nginx serving it statically.

    flock /tmp/bench.lock .venv/bin/python bench/bench_downloads.py \
        [--size-mib 1024] [--runs 3] [--concurrent 50] [--range-mib 16] [--database-url URL]

Everything on 127.0.0.1, in a temporary data directory (an embedded SQLite database unless
``--database-url`` names a PostgreSQL database of the bench's own), removed at the end:

a. Throughput: the same SIZE-MiB file downloaded by curl, alternately through ``tierdesk web``
   (2 gthread workers, a signed-in contact entitled by a subscription: the entitlement check,
   the download log and the app's streaming path) and from nginx serving the file statically
   (Debian's nginx, our own config on another port, sendfile on). RUNS of each; MB/s.
b. CONCURRENT Range downloads of RANGE-MiB each at once through the web server; the largest
   resident-memory growth of any web worker process while they run (sampled every 50 ms).
c. The entitlement check: the cost of ``policies.can(user, DOWNLOAD, release)`` (the query of
   the user's subscriptions and the rule), and of the whole ``file_for_download`` selector
   against reading the file row alone; milliseconds per call, in this process.

nginx and the web server are started by this script and stopped by their pids.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
CHECKOUT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIB = 1024 * 1024


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--range-mib", type=int, default=16)
    parser.add_argument("--calls", type=int, default=2000, help="entitlement checks to time")
    parser.add_argument("--database-url", default="", help="default: SQLite in the temp dir")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for _ in range(size_mib):
            out.write(block)


# ---- the app's side: data, a session, the entitlement timing (this process) ---------------


def set_up_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare(source: Path) -> dict[str, Any]:
    """A contact of an entitled customer, a published release with the big file, a session."""
    from datetime import timedelta

    from django.conf import settings
    from django.test import Client

    from tierdesk.accounts.models import User
    from tierdesk.accounts.principal import SYSTEM
    from tierdesk.core.clock import now
    from tierdesk.crm.models import Contact, Organization, Subscription
    from tierdesk.downloads.services import PublishRequest, releases_publish_files
    from tierdesk.sla.models import Plan

    customer = Organization.objects.create(name="Bench customer")
    user = User.objects.create(username=f"bench-{os.getpid()}", email="bench@example.test")
    Contact.objects.create(organization=customer, name="Bench", email=user.email, user=user)
    request = PublishRequest(product="bench-ledger", version="9.0", kind="full")
    [line] = releases_publish_files(actor=SYSTEM, request=request, files=[(str(source), source)])
    assert line.action == "published", line
    from tierdesk.downloads.models import ReleaseFile

    file_id = int(line.url.split("/")[3])
    file = ReleaseFile.objects.select_related("release__version").get(pk=file_id)
    Subscription.objects.create(
        organization=customer, plan=Plan.objects.order_by("id").first(),
        product=file.release.version.product, starts_on=now().date() - timedelta(days=1),
    )  # fmt: skip
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"url": line.url, "cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
            "user_id": user.pk, "file_id": file.pk}  # fmt: skip


def time_entitlement(user_id: int, file_id: int, calls: int) -> dict[str, float]:
    from tierdesk.accounts.models import User
    from tierdesk.accounts.principal import users_with_principal
    from tierdesk.downloads import policies, selectors
    from tierdesk.downloads.models import ReleaseFile

    user = users_with_principal().get(pk=user_id)
    file = ReleaseFile.objects.select_related("release__version__product").get(pk=file_id)
    assert isinstance(user, User) and policies.can(user, policies.DOWNLOAD, file.release)

    def per_call(work: Any) -> float:
        for _ in range(50):
            work()  # warm: compiled queries, connections
        started = time.perf_counter()
        for _ in range(calls):
            work()
        return (time.perf_counter() - started) / calls * 1000

    base = ReleaseFile.objects.select_related("release__version__product")
    row_only = per_call(lambda: base.filter(pk=file_id).first())
    check = per_call(lambda: policies.can(user, policies.DOWNLOAD, file.release))
    whole = per_call(lambda: selectors.file_for_download(actor=user, pk=file_id))
    return {"row_ms": row_only, "check_ms": check, "selector_ms": whole}


# ---- servers -----------------------------------------------------------------------------


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path {tmp}/ngx-body;
  proxy_temp_path {tmp}/ngx-proxy;
  fastcgi_temp_path {tmp}/ngx-fastcgi;
  uwsgi_temp_path {tmp}/ngx-uwsgi;
  scgi_temp_path {tmp}/ngx-scgi;
  types {{ application/octet-stream bin; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
  }}
}}
"""


def start_nginx(tmp: Path, root: Path) -> tuple[subprocess.Popen[Any], int]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root))
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp)])
    wait_for_port(port, process)
    return process, port


def start_web(env: dict[str, str]) -> tuple[subprocess.Popen[Any], int]:
    port = free_port()
    command = [str(VENV_BIN / "tierdesk"), "web", "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--threads", "4", "--timeout", "300"]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=CHECKOUT)
    wait_for_port(port, process)
    return process, port


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def curl(url: str, cookie: str = "", byte_range: str = "") -> tuple[float, int, str]:
    """MB/s, bytes and status of one download to /dev/null."""
    written = "%{speed_download} %{size_download} %{http_code}"
    command = ["curl", "-s", "-o", "/dev/null", "-w", written]
    if cookie:
        command += ["-b", cookie]
    if byte_range:
        command += ["-r", byte_range]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    speed, size, status = out.split()
    return float(speed) / 1e6, int(size), status


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def concurrent_ranges(
    web: subprocess.Popen[Any], url: str, cookie: str, args: Any
) -> dict[str, Any]:
    workers = children(web.pid)
    before = {pid: rss_kib(pid) for pid in workers}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], rss_kib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    span = args.range_mib * MIB
    results: list[tuple[float, int, str]] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        start = (index * span) % max(args.size_mib * MIB - span, 1)
        got = curl(url, cookie, f"{start}-{start + span - 1}")
        with lock:
            results.append(got)

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    statuses = sorted({status for _s, _b, status in results})
    sizes_ok = all(size == span for _s, size, _st in results)
    growth = {pid: (peak[pid] - before[pid]) / 1024 for pid in workers}
    return {"statuses": statuses, "sizes_ok": sizes_ok, "seconds": round(elapsed, 2),
            "rss_before_mib": {p: round(v / 1024, 1) for p, v in before.items()},
            "rss_growth_mib": {p: round(v, 1) for p, v in growth.items()}}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-downloads-"))
    tmp.chmod(0o755)  # nginx's workers (www-data) read the stored file too
    env = {"DJANGO_SETTINGS_MODULE": "tierdesk.settings", "TIERDESK_DATA_DIR": str(tmp / "data"),
           "TIERDESK_WEB_ACCESS_LOG": "false", "TIERDESK_MAIL_NOTIFY": "false"}  # fmt: skip
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    processes: list[subprocess.Popen[Any]] = []
    try:
        source = tmp / "ledger-bench.bin"
        make_file(source, args.size_mib)
        subprocess.run([str(VENV_BIN / "tierdesk"), "migrate"], env={**os.environ, **env},
                       check=True, stdout=subprocess.DEVNULL, cwd=CHECKOUT)  # fmt: skip
        set_up_django(env)
        prepared = prepare(source)
        stored_dir = tmp / "data" / "downloads"
        nginx, nginx_port = start_nginx(tmp, stored_dir)
        processes.append(nginx)
        web, web_port = start_web(env)
        processes.append(web)
        stored = next(p for p in stored_dir.rglob("*.bin"))
        static_url = f"http://127.0.0.1:{nginx_port}/{stored.relative_to(stored_dir)}"
        app_url = f"http://127.0.0.1:{web_port}{prepared['url']}"
        app, static = [], []
        for _ in range(args.runs):
            speed, size, status = curl(app_url, prepared["cookie"])
            assert status == "200" and size == args.size_mib * MIB, (status, size)
            app.append(speed)
            speed, size, status = curl(static_url)
            assert status == "200" and size == args.size_mib * MIB, (status, size)
            static.append(speed)
        ranges = concurrent_ranges(web, app_url, prepared["cookie"], args)
        timing = time_entitlement(prepared["user_id"], prepared["file_id"], args.calls)
        report = {
            "size_mib": args.size_mib,
            "database": "postgresql" if args.database_url else "sqlite",
            "tierdesk_web_MBps": [round(s, 1) for s in app],
            "nginx_static_MBps": [round(s, 1) for s in static],
            "ratio_of_medians": round(statistics.median(app) / statistics.median(static), 3),
            "concurrent_ranges": {"count": args.concurrent, "range_mib": args.range_mib, **ranges},
            "entitlement": {k: round(v, 3) for k, v in timing.items()},
        }
        print(json.dumps(report, indent=2))
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
