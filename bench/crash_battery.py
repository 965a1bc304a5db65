"""Crash consistency, measured like a database: SIGKILL at seeded random points, then the command again.

For each command a tiny random-weight project is prepared up to it (`run`: nothing run yet;
`retrain`: trained, promoted, one document changed; `promote`: trained, nothing promoted) and
the command runs once uninterrupted: the reference (its final answers, registry and wall time).
Then, per point, a fresh copy of the prepared project runs the command, is killed with SIGKILL
after a delay drawn (seeded) from the reference's duration, and the command runs again. A point
is recovered when that second run exits 0, its answers and registry equal the reference's and
`engrain models audit --verify` passes; any other point would have needed a manual step.

`swap`: a server follows `production` (`engrain serve --model production`) while another model
is promoted; the server is killed at a point of the hot swap (from the promotion to a few
reload periods after it), started again, and must serve the new production model.

    python bench/crash_battery.py [--points 30] [--seed 0] [--commands run,retrain,promote,swap]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

COMMANDS: dict[str, list[str]] = {
    "run": ["run"],
    "retrain": ["retrain", "--set", "retrain.min_gain=-1"],
    "promote": ["models", "promote", "candidate", "--alias", "production", "--why", "battery"],
}


@dataclass
class Tally:
    command: str
    reference_s: float
    points: int = 0
    killed: int = 0  # the kill landed before the command finished
    recovered: int = 0
    manual: list[str] = field(default_factory=list)  # what a point needed beyond running the command again

    def record(self, where: str, killed: bool, problem: str) -> str:
        """One point's outcome; its line for the log."""
        self.points, self.killed = self.points + 1, self.killed + killed
        if problem:
            self.manual.append(f"point {self.points - 1} ({where}): {problem}")
        else:
            self.recovered += 1
        finished = "" if killed else " (already finished)"
        return f"{self.command} point {self.points - 1}: {where}{finished}: {problem or 'ok'}"


def _argv(args: list[str] | tuple[str, ...]) -> list[str]:
    """`engrain ARGS` on the project folder's own config."""
    return [sys.executable, "-m", "engrain", *args, "-c", "engrain.toml"]


def _start(root: Path, args: list[str]) -> subprocess.Popen:
    """`engrain ARGS` in the background, its output dropped."""
    return subprocess.Popen(_argv(args), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(root))


def engrain(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        _argv(args),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(root),
    )


def _env(root: Path) -> dict[str, str]:
    """Each project its own cache (a kill must not be rescued by another project's finished files)."""
    return {**os.environ, "ENGRAIN_CACHE": str(root / ".cache")}


def project(root: Path, model: Path) -> Path:
    """The tests' sample project on the tiny model, as the engrain.toml a command reads."""
    from samples import make_project

    from engrain.config import dump_toml

    cfg = make_project(root, model)
    cfg.workspace = "ws"  # relative: a copy of the folder is a project of its own
    (root / "engrain.toml").write_text(dump_toml(cfg))
    return root


def prepare(command: str, root: Path, model: Path) -> Path:
    """The project just before `command`."""
    project(root, model)
    if command == "run":
        return root
    _ok(engrain(root, "run"))
    if command in ("retrain", "swap"):
        _ok(engrain(root, "models", "promote", "candidate", "--alias", "production", "--why", "first release"))
    if command == "retrain":
        (root / "docs" / "notes.txt").write_text("Notes\n\nThe Heron MX-2 has a weight of 3.1 kg.\n")
    if command == "swap":  # a second model (other steps: other weights) registered as the candidate
        _ok(engrain(root, "train", "--force", "--set", "train.max_steps=4"))
    return root


def signature(root: Path) -> dict:
    """What must not depend on a crash: every pipeline's answers, the registry's models and aliases, a cycle's
    outcome."""
    from engrain.registry import Registry

    ws = root / "ws"
    answers = []
    for stage in ("baseline", "eval"):
        path = ws / stage / "results.jsonl"
        if path.exists():
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            answers += sorted((r["pipeline"], r["id"], r["answer"]) for r in rows)
    with Registry(ws / "registry") as reg:
        models = sorted((m.id, tuple(m.aliases)) for m in reg.models())
    cycles = sorted(
        (c["promoted"], c["candidate"]) for c in (json.loads(p.read_text()) for p in ws.glob("retrain/*/cycle.json"))
    )
    return {"answers": answers, "models": models, "cycles": cycles}


def battery(command: str, points: int, seed: int, model: Path, work: Path, say: Callable[[str], None]) -> Tally:
    if command == "swap":
        return swap_battery(points, seed, model, work, say)
    prepared = prepare(command, work / "prepared", model)
    reference = _copy(prepared, work / "reference")
    t0 = time.monotonic()
    _ok(engrain(reference, *COMMANDS[command]))
    tally = Tally(command, time.monotonic() - t0)
    expected = signature(reference)
    rng = random.Random(seed)
    for i in range(points):
        delay = rng.uniform(0.0, tally.reference_s)
        where = _copy(prepared, work / f"point-{i}")
        killed = _kill_after(where, COMMANDS[command], delay)
        again = engrain(where, *COMMANDS[command])
        audit = engrain(where, "models", "audit", "--verify")
        problem = _problem(again, audit, signature(where) if again.returncode == 0 else None, expected)
        say(tally.record(f"kill at {delay:.1f} s", killed, problem))
        shutil.rmtree(where)
    return tally


SWAP_WINDOW_S = 6.0  # the promotion, then up to five reload periods of the server
RELOAD = ["--set", "serve.reload_seconds=1"]


def swap_battery(points: int, seed: int, model: Path, work: Path, say: Callable[[str], None]) -> Tally:
    prepared = prepare("swap", work / "prepared", model)
    tally = Tally("swap", SWAP_WINDOW_S)
    rng = random.Random(seed)
    for i in range(points):
        delay = rng.uniform(0.0, SWAP_WINDOW_S)
        where = _copy(prepared, work / f"point-{i}")
        say(tally.record(f"kill {delay:.1f} s into the swap", True, _swap_point(where, delay)))
        shutil.rmtree(where)
    return tally


def _swap_point(root: Path, delay: float) -> str:
    """Serve production, promote the candidate, kill the server `delay` s later, serve again: the new model?"""
    from engrain.registry import Registry

    with Registry(root / "ws" / "registry") as reg:
        new = reg.alias("candidate")
    server, url = _serve(root)
    try:
        promoted = engrain(root, "models", "promote", "candidate", "--alias", "production", "--why", "swap")
        time.sleep(delay)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    if promoted.returncode != 0:
        return f"the promotion failed: {_last_line(promoted)}"
    server, url = _serve(root)
    try:
        served = _served_checkpoint(url)
    finally:
        server.terminate()
        server.wait()
    audit = engrain(root, "models", "audit", "--verify")
    if audit.returncode != 0:
        return f"audit --verify failed: {_last_line(audit)}"
    return "" if served == new else f"the restarted server serves {served}, not the new production {new}"


def _serve(root: Path) -> tuple[subprocess.Popen, str]:
    """`engrain serve --model production` on a free port, once it answers /readyz."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["serve", "--model", "production", "--pipeline", "ft", "--port", str(port), *RELOAD]
    proc = _start(root, args)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not become ready")


def _served_checkpoint(url: str) -> str | None:
    import urllib.request

    with urllib.request.urlopen(f"{url}/v1/models", timeout=10) as r:
        data = json.loads(r.read())["data"]
    return next(m["engrain"]["checkpoint"] for m in data if m["id"] == "ft")


def _kill_after(root: Path, args: list[str], delay: float) -> bool:
    """Start the command, SIGKILL it after `delay` seconds; False when it had finished by then."""
    proc = _start(root, args)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def _problem(again, audit, got: dict | None, expected: dict) -> str:
    if again.returncode != 0:
        return f"the next run failed: {_last_line(again)}"
    if audit.returncode != 0:
        return f"audit --verify failed: {_last_line(audit)}"
    differs = [k for k in expected if got[k] != expected[k]]
    return f"differs from the uninterrupted run in {', '.join(differs)}" if differs else ""


def _last_line(res: subprocess.CompletedProcess) -> str:
    lines = [line for line in (res.stderr + res.stdout).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit {res.returncode}"


def _ok(res: subprocess.CompletedProcess) -> None:
    if res.returncode != 0:
        raise SystemExit(f"setup failed: {_last_line(res)}")


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--commands", default="run,retrain,promote,swap")
    args = ap.parse_args()
    from conftest import build_tiny_model

    rows = []
    with tempfile.TemporaryDirectory(prefix="engrain-crash-") as tmp:
        model = build_tiny_model(Path(tmp) / "tiny-model")
        for command in args.commands.split(","):
            work = Path(tmp) / command
            work.mkdir()
            rows.append(battery(command, args.points, args.seed, model, work, lambda m: print(m, flush=True)))
    print("\n| command | reference run | points | killed mid-run | recovered | needed a manual step |")
    print("|---|---|---|---|---|---|")
    for t in rows:
        print(f"| {t.command} | {t.reference_s:.1f} s | {t.points} | {t.killed} | {t.recovered} | {len(t.manual)} |")
    for t in rows:
        for m in t.manual:
            print(f"{t.command}: {m}")
    return 0 if all(not t.manual for t in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
