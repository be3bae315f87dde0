"""Judge valgrind's XML reports for ``make sanitize``: fail on any real error.

Usage: ``python .ci/valgrind_check.py CORE_SO REPORT.xml...``

An error fails the run when

* any frame of its stack is in aiomoto's extension (``CORE_SO``) -- an
  uninitialised value used there, or memory it allocated that was lost
  without a pointer left to it (a leaked reference to a non-GC object); or
* it is about memory addressing -- an invalid read, write or free, a
  mismatched free, overlapping copies, a bad system call argument -- wherever
  it is, since a bad pointer from the extension is usually only caught later,
  inside CPython.

What remains does not fail, and is counted: uninitialised-value reports with
no frame in the extension -- CPython 3.11 itself produces those under
valgrind (``int.from_bytes(b"")`` reads a digit it never wrote, and the value
taints the small int it selects) -- and memory CPython leaves allocated at
exit.
Known false positives of valgrind with glibc's vectorised string functions
are suppressed in ``.ci/valgrind.supp`` rather than here.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

UNINITIALISED = {"UninitCondition", "UninitValue"}
OURS_WHEN_IN_EXTENSION = UNINITIALISED | {"Leak_DefinitelyLost"}


def frames(error: ET.Element) -> list[str]:
    shown = []
    for frame in error.iterfind("./stack/frame"):
        function = frame.findtext("fn") or "?"
        where = frame.findtext("file") or frame.findtext("obj") or "?"
        line = frame.findtext("line")
        shown.append(f"{function} ({where}{':' + line if line else ''})")
    return shown


def in_extension(error: ET.Element, core: str) -> bool:
    return any(
        (frame.findtext("obj") or "").endswith(core)
        for frame in error.iterfind(".//stack/frame")
    )


def main(core: str, reports: list[str]) -> int:
    failures: list[str] = []
    tolerated: Counter[str] = Counter()
    for report in reports:
        text = Path(report).read_text(errors="replace")
        if "</valgrindoutput>" not in text:
            # A process killed before valgrind finished its report (a child
            # ended with os._exit) still wrote every error it found.
            text += "</valgrindoutput>"
        root = ET.fromstring(text)
        for error in root.iterfind("error"):
            kind = error.findtext("kind") or "?"
            what = error.findtext("what") or error.findtext("xwhat/text") or kind
            ours = in_extension(error, core)
            leak = kind.startswith("Leak_")
            if leak and not (ours and kind in OURS_WHEN_IN_EXTENSION):
                tolerated[f"{kind} (CPython at exit)"] += 1
            elif ours or kind not in UNINITIALISED:
                failures.append(
                    f"{report}: {kind}: {what}\n    " + "\n    ".join(frames(error))
                )
            else:
                top = next(iter(frames(error)), "?")
                tolerated[f"{kind} at {top}"] += 1
    for report in failures:
        print(report)
    if tolerated:
        print(
            f"valgrind: {sum(tolerated.values())} reports inside CPython, none "
            "touching aiomoto's extension (not failures):"
        )
        for where, count in tolerated.most_common(5):
            print(f"  {count:5} x {where}")
    print(f"valgrind: {len(failures)} error(s) in {len(reports)} report(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
