#!/usr/bin/env python3
"""Time several builds of one command on the same arguments, taking turns.

    bench/ab.py [--runs N] BINARY [BINARY ...] -- ARGUMENT ...

Each round runs every binary once with the arguments, in the order given, and the script
prints the median and minimum wall time and the median CPU time (user + system, from
`wait4`) of each. Taking turns spreads the drift of a shared machine over all binaries
alike, which is what a before-and-after comparison needs: keep the build of each step
(`cp target/release/rulelens /tmp/rulelens-STEP`) and pass them all. Output goes to
/dev/null; a binary that exits with a status other than 0 or 1 stops the script.
Standard library only.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("usage: bench/ab.py [--runs N] BINARY [BINARY ...] -- ARGUMENT ...")
    split = argv.index("--")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="rounds (default 10)")
    parser.add_argument("binaries", nargs="+", help="the builds to compare")
    args = parser.parse_args(argv[:split])
    args.arguments = argv[split + 1 :]
    if not args.arguments:
        parser.error("give the command's arguments after --")

    walls = {binary: [] for binary in args.binaries}
    cpus = {binary: [] for binary in args.binaries}
    for _ in range(args.runs):
        for binary in args.binaries:
            started = time.perf_counter()
            process = subprocess.Popen(
                [binary, *args.arguments],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(process.pid, 0)
            walls[binary].append(time.perf_counter() - started)
            cpus[binary].append(usage.ru_utime + usage.ru_stime)
            code = os.waitstatus_to_exitcode(status)
            if code not in (0, 1):
                sys.exit(f"error: {binary} exited with status {code}")

    width = max(len(binary) for binary in args.binaries)
    print(f"{'binary':<{width}}  wall median  wall min  CPU median   ({args.runs} rounds)")
    for binary in args.binaries:
        wall = statistics.median(walls[binary]) * 1000
        fastest = min(walls[binary]) * 1000
        cpu = statistics.median(cpus[binary]) * 1000
        print(f"{binary:<{width}}  {wall:8.0f} ms  {fastest:5.0f} ms  {cpu:7.0f} ms")


if __name__ == "__main__":
    main()
