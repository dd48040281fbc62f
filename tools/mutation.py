"""Mutation testing of the regression suite: does the suite fail when the scheme is wrong?

Each mutant is a small, realistic defect (a sign, a coefficient, a dropped term, a loosened
tolerance, an off-by-one) written as an exact text replacement in one source file. For every
mutant the tracked files of the repository are copied to a scratch folder, the replacement is
applied there (never in the working tree), and the test suite runs in the copy with ``-x``
(first failure stops it). A mutant is

- ``killed``    when the suite fails (or times out: a defect that makes the solver hang is caught),
- ``survived``  when the whole suite passes: a hole in the suite, unless the mutant is listed as
  equivalent (it changes no result the suite may assert on; the reason is stated with it),
- ``stale``     when its text no longer occurs exactly once (the code moved; fix the mutant),
- ``near-pass`` (``--near-only`` triage) when the closest tests pass: run it on the whole suite.

The score is killed / (mutants − equivalent − stale). Usage::

    python tools/mutation.py                 # all mutants, 2 at a time
    python tools/mutation.py --jobs 1 --only M03 M17
    python tools/mutation.py --list
    python tools/mutation.py --only M41 --no-baseline --pytest-args "--deselect tests/x.py::test_y"

To kill quickly, the tests closest to the mutated file run first (``tests/solvers/test_methods.py``,
then the rest of ``tests/solvers``, for ``solvers/methods.py``) and the rest of the suite only if they pass (``--whole-suite-only`` turns this off); a
survivor has passed every test either way.

The unmutated suite runs first (in a scratch copy too) and must pass, so that a failure always
means the mutant was caught.

It is not part of ``make test``: a full run takes a multiple of the suite's time.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from mutants import MUTANTS, Mutant  # noqa: E402


@dataclass
class Outcome:
    """The result of running the suite against one mutant."""

    id: str
    status: str          # killed | survived | equivalent | stale (passed: the unmutated baseline)
    seconds: float
    detail: str


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [f for f in out.stdout.decode().split("\0") if f]


def scratch_copy(destination: Path) -> None:
    for name in tracked_files():
        source = ROOT / name
        if not source.is_file():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def apply(mutant: Mutant, folder: Path) -> str | None:
    """Apply the replacement in ``folder``; return None, or why it is stale."""
    path = folder / mutant.file
    if not path.is_file():
        return f"{mutant.file} does not exist"
    text = path.read_text()
    count = text.count(mutant.old)
    if count != 1:
        return f"the text occurs {count} times in {mutant.file} (expected once)"
    path.write_text(text.replace(mutant.old, mutant.new))
    return None


def nearest_tests(folder: Path, source: str) -> list[str]:
    """The tests closest to ``source``, closest first: ``tests/solvers/test_methods.py`` and then
    the rest of ``tests/solvers`` for ``solvers/methods.py`` (the deepest mirroring folder)."""
    parts = Path(source).parent.parts
    for depth in range(len(parts), 0, -1):
        mirror = Path("tests", *parts[:depth])
        if (folder / mirror).is_dir():
            break
    else:
        return []
    own = mirror / f"test_{Path(source).stem}.py"
    return [str(own), str(mirror)] if (folder / own).is_file() else [str(mirror)]


def pytest_run(python: str, folder: Path, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(folder), OMP_NUM_THREADS="1", MPLBACKEND="Agg",
               NUMBA_CACHE_DIR=str(folder / ".numba-cache"))
    command = [python, "-m", "pytest", "-x", "-q", "-m", "not slow", "-p", "no:cacheprovider",
               "--no-header", "-W", "ignore", *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)


def run_one(mutant: Mutant | None, python: str, timeout: float, extra: list[str], near_first: bool,
            near_only: bool = False, first: tuple[str, ...] = ()) -> Outcome:
    """Run the suite on a scratch copy with ``mutant`` applied (None: the unmutated baseline).

    With ``near_first`` the tests closest to the mutated file run first (its own test file, then
    the mirroring folder: most mutants die there); each further phase runs only if the previous
    one passed and leaves out what has just passed in this very copy, so a survivor has passed
    the whole suite exactly once.
    """
    name = "baseline" if mutant is None else mutant.id
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"mutant-{name}-") as tmp:
        folder = Path(tmp)
        scratch_copy(folder)
        stale = None if mutant is None else apply(mutant, folder)
        if stale is not None:
            return Outcome(name, "stale", 0.0, stale)
        near = nearest_tests(folder, mutant.file) if (near_first and mutant is not None) else []
        near = [*first, *(path for path in near if path not in first)] if mutant is not None else near
        phases = [[*extra, path, *(f"--ignore={done}" for done in near[:i])] for i, path in enumerate(near)]
        if not (near_only and near):
            phases.append([*extra, *(f"--ignore={done}" for done in near)])
        try:
            for args in phases:
                done = pytest_run(python, folder, args, timeout - (time.perf_counter() - start))
                if done.returncode == 5:
                    done.returncode = 0          # nothing (left) to collect in this phase
                if done.returncode != 0:
                    break
        except subprocess.TimeoutExpired:
            return Outcome(name, "killed", time.perf_counter() - start, f"timeout after {timeout:g} s")
    seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    last = lines[-1] if lines else done.stderr.strip().splitlines()[-1:]
    if done.returncode == 0:
        if mutant is None:
            return Outcome(name, "passed", seconds, str(last))
        status = "equivalent" if mutant.equivalent else ("near-pass" if near_only and near else "survived")
        return Outcome(name, status, seconds, mutant.equivalent or str(last))
    failed = next((line for line in lines if line.startswith("FAILED") or line.startswith("ERROR")), str(last))
    return Outcome(name, "killed", seconds, failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--only", nargs="*", help="mutant ids to run")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the test dependencies")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--json", type=Path, help="write the outcomes to this JSON file")
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments, one string (e.g. a --deselect)")
    parser.add_argument("--whole-suite-only", action="store_true",
                        help="do not run the tests mirroring the mutated file first (same verdicts, slower kills)")
    parser.add_argument("--near-only", action="store_true",
                        help="run only the tests closest to each mutated file (a quick triage: 'near-pass' "
                             "mutants still need the whole suite)")
    parser.add_argument("--first", nargs="*", default=(),
                        help="test files to run before the closest ones (e.g. the tests written against mutants)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the unmutated run (only when it is known to pass, e.g. reruns with --only)")
    args = parser.parse_args(argv)
    extra = shlex.split(args.pytest_args)
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    chosen = [m for m in MUTANTS if not args.only or m.id in args.only]
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.file:38s} {m.description}")
        return 0
    if args.only:
        unknown = sorted(set(args.only) - {m.id for m in MUTANTS})
        if unknown:
            parser.error(f"unknown mutant ids: {' '.join(unknown)}")
    if not args.no_baseline:
        baseline = run_one(None, args.python, args.timeout, extra, False)
        print(f"baseline (no mutant): {baseline.status} in {baseline.seconds:.1f} s: {baseline.detail}", flush=True)
        if baseline.status != "passed":
            print("the unmutated suite must pass before mutants can be judged", file=sys.stderr)
            return 1
    print(f"{len(chosen)} mutants, {args.jobs} at a time", flush=True)
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for outcome in pool.map(lambda m: run_one(m, args.python, args.timeout, extra, not args.whole_suite_only, args.near_only,
                                                      tuple(args.first)), chosen):
            outcomes.append(outcome)
            print(f"{outcome.id}  {outcome.status:10s} {outcome.seconds:7.1f} s  {outcome.detail[:110]}", flush=True)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "equivalent", "stale", "near-pass")}
    scored = counts["killed"] + counts["survived"]
    score = counts["killed"] / scored if scored else float("nan")
    print(f"killed {counts['killed']} / non-equivalent {scored}  (score {score:.3f}); "
          f"equivalent {counts['equivalent']}, stale {counts['stale']}")
    for o in outcomes:
        if o.status in ("survived", "near-pass"):
            m = next(m for m in chosen if m.id == o.id)
            print(f"  {o.status} {o.id}: {m.file}: {m.description}")
    if args.json:
        args.json.write_text(json.dumps({"score": score, "counts": counts,
                                         "outcomes": [asdict(o) for o in outcomes]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
