"""Build the C engine, ``aiomoto._core``.

Everything else about the package lives in pyproject.toml; setuptools still
needs this file to describe a C extension.  ``AIOMOTO_SANITIZE=1`` builds the
extension with AddressSanitizer and UndefinedBehaviorSanitizer for ``make
sanitize``.
"""

import os
from glob import glob

from setuptools import Extension, setup

compile_args = ["-Wall", "-Wextra", "-Werror", "-std=c11"]
link_args: list[str] = []
if os.environ.get("AIOMOTO_SANITIZE") == "1":
    sanitizers = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
    compile_args += [*sanitizers, "-O1", "-g", "-fno-sanitize-recover=undefined"]
    link_args += sanitizers

setup(
    ext_modules=[
        Extension(
            "aiomoto._core",
            sources=sorted(glob("csrc/*.c")),
            depends=sorted(glob("csrc/*.h")),
            include_dirs=["csrc"],
            extra_compile_args=compile_args,
            extra_link_args=link_args,
        )
    ]
)
