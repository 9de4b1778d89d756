"""Runs every bench/bench_*.py module's `run()` and prints its lines.

Each module measures something and its floor in the same run, so the ratio is meaningful on any machine.
Select some with `python -m bench registration import`.
"""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n## {name[len('bench_'):]}: {(module.__doc__ or '').strip().splitlines()[0]}")
        started = time.perf_counter()
        try:
            for line in module.run():
                print(f"  {line}", flush=True)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed += 1
            print(f"  FAILED: {exc.__class__.__name__}: {exc}")
        print(f"  ({time.perf_counter() - started:.1f}s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
