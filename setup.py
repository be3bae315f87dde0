"""Build the C engine, ``aiomoto._core``, when it can be built.

Everything else about the package lives in pyproject.toml; setuptools still
needs this file to describe a C extension.  aiomoto also works without it, on
its pure-Python core, so a user's install never fails because of the C code:

- ``AIOMOTO_NO_EXTENSIONS`` set to any non-empty value skips the C core (as
  the runtime selector, aiomoto._engine, reads it); so does a Python other
  than CPython (PyPy and the like lack parts of the C API it uses).
- A compile that fails (no compiler, no Python headers, an unknown platform)
  leaves a pure-Python install and says so on stderr: ``pip install -v``
  shows it.  Both ways the wheel is tagged pure (py3-none-any).
- A user's build adds no warning flags of its own, so a newer compiler's new
  warning is never an error there.

The project's own builds (make, CI, the .ci scripts) set
``AIOMOTO_STRICT_BUILD=1``: every warning is an error (STRICT_FLAGS, read by
.ci/compilers.sh too) and a failed compile fails the build.
``AIOMOTO_SANITIZE=1`` builds the extension with AddressSanitizer and
UndefinedBehaviorSanitizer for ``make sanitize``.
"""

from __future__ import annotations

import os
import platform
import sys
from glob import glob

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.errors import BaseError, CCompilerError

# GCC and Clang: C11 without extensions (MSVC accepts the same code), all
# warnings as errors, and the ones that catch what other compilers refuse.
# Not -Wundef: CPython 3.15's own pyport.h tests a macro it may not define.
STRICT_FLAGS = [
    "-std=c11",
    "-pedantic",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wvla",
    "-Wpointer-arith",
    "-Wstrict-prototypes",
    "-Wmissing-prototypes",
    "-Wshadow",
    "-Wformat=2",
]
# MSVC: warnings as errors at level 3, the level CPython's own Windows build
# uses (level 4 warns about CPython 3.11's own Py_UNUSED).
STRICT_FLAGS_MSVC = ["/W3", "/WX"]
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]


def _env_flag(name: str) -> bool:
    return os.environ.get(name) == "1"


def _say_pure(reason: str) -> None:
    print(
        f"aiomoto: {reason}; aiomoto will use its pure-Python core.",
        file=sys.stderr,
        flush=True,
    )


class OptionalBuildExt(build_ext):
    """Build the C core with the flags this build calls for; if it cannot be
    built, say why and leave a pure-Python build, unless the build is strict."""

    def build_extensions(self) -> None:
        msvc = self.compiler.compiler_type == "msvc"
        compile_args: list[str] = []
        link_args: list[str] = []
        if _env_flag("AIOMOTO_STRICT_BUILD"):
            compile_args += STRICT_FLAGS_MSVC if msvc else STRICT_FLAGS
        if _env_flag("AIOMOTO_SANITIZE"):
            compile_args += [*SANITIZE_FLAGS, "-O1", "-g"]
            compile_args.append("-fno-sanitize-recover=undefined")
            link_args += SANITIZE_FLAGS
        for ext in self.extensions:
            ext.extra_compile_args = [*ext.extra_compile_args, *compile_args]
            ext.extra_link_args = [*ext.extra_link_args, *link_args]
        super().build_extensions()

    def run(self) -> None:
        try:
            super().run()
        except (BaseError, CCompilerError) as exc:
            if _env_flag("AIOMOTO_STRICT_BUILD"):
                raise
            _say_pure(f"the C core could not be built ({exc})")
            self._make_pure()

    def _make_pure(self) -> None:
        # With no extension left the install is pure; the wheel command
        # decided its tag before the build ran, so it is told too.
        self.distribution.ext_modules = []
        wheel = self.distribution.command_obj.get("bdist_wheel")
        if wheel is not None:
            wheel.root_is_pure = True


def _reason_to_skip() -> str | None:
    """Why this build leaves the C core out, or None to build it."""
    # Any value selects the pure core, as the runtime selector reads it.
    no_extensions = os.environ.get("AIOMOTO_NO_EXTENSIONS", "")
    if no_extensions:
        return (
            f"AIOMOTO_NO_EXTENSIONS={no_extensions} is set, so the C core is not built"
        )
    implementation = platform.python_implementation()
    if implementation != "CPython":
        return f"the C core needs CPython, and this is {implementation}"
    return None


SKIP_REASON = _reason_to_skip()


class NoticeBuildPy(build_py):
    """Say, once per build, that the C core was left out and why."""

    def run(self) -> None:
        if SKIP_REASON is not None:
            _say_pure(SKIP_REASON)
        super().run()


EXTENSIONS = [
    Extension(
        "aiomoto._core",
        sources=sorted(glob("csrc/*.c")),
        depends=sorted(glob("csrc/*.h")),
        include_dirs=["csrc"],
    )
]

setup(
    ext_modules=[] if SKIP_REASON else EXTENSIONS,
    cmdclass={"build_ext": OptionalBuildExt, "build_py": NoticeBuildPy},
)
