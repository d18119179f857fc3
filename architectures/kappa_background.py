"""A Kappa version running in a process of its own (what `start_in_background` launches):

    python -m architectures.kappa_background --version N --options '{"logic_version": "v1", ...}'

Settings come from the LK_* environment; SIGTERM stops it between micro-batches. Errors print
one line and exit 1, like the command line.
"""

from __future__ import annotations

import argparse
import json
import sys

from architectures.kappa_architecture import run_version
from core.errors import readable
from core.settings import Settings
from kappa.job import KappaOptions


def main(argv: list[str] | None = None) -> int:
    """Run one version until it stops; 0 when it stopped cleanly, 1 on an error."""
    parser = argparse.ArgumentParser(prog="architectures.kappa_background")
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--options", type=json.loads, required=True)
    args = parser.parse_args(argv)
    try:
        status = run_version(
            Settings.from_env(),
            args.version,
            KappaOptions(**args.options),
            report=lambda line: print(line, flush=True),
        )
    except Exception as error:
        if (line := readable(error)) is None:
            raise
        print(f"lk: error: {line}", file=sys.stderr)
        return 1
    print(json.dumps(status, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
