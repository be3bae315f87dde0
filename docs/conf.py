"""Sphinx configuration of aiomoto's documentation; ``make docs`` builds it.

The pages are Markdown (MyST).  The API reference is read from the source
and from the C core's stub, ``src/aiomoto/_core.pyi``, without importing
aiomoto (sphinx-autoapi), so the site builds without a compiler, Moto or
botocore.  The build is strict: ``make docs`` turns every warning into an
error and checks every reference (nitpicky mode).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "aiomoto"
author = "aiomoto's authors"
copyright = "aiomoto's authors"
release = "0.1.0"

extensions = [
    "myst_parser",
    "autoapi.extension",
    "sphinx.ext.graphviz",
    "aiomoto_docs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["requirements.txt"]
nitpicky = True
# Types of other projects: their documentation is online, and the build is
# offline (no intersphinx), so references to them render as plain text.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(builtins|collections|contextlib|types|typing|typing_extensions"
        r"|moto|botocore|aiobotocore|aioboto3|pytest|_pytest)(\..*)?",
    ),
    # Type variables of generic signatures.
    (r"py:.*", r"(aiomoto\.(mock\.)?)?(F|T|_T_co)"),
]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autoapi_type = "python"
autoapi_dirs = [str(ROOT / "src" / "aiomoto")]
autoapi_file_patterns = ["*.pyi", "*.py"]
# The pages say what goes into the reference (api.md): only public paths
# and the C core.
autoapi_generate_api_docs = False
autoapi_add_toctree_entry = False
# autoapi follows every import of every module to know where a name comes
# from; those of the private modules into Moto, botocore and aiobotocore it
# cannot follow.  aiomoto_docs checks instead that every public name is
# documented.
suppress_warnings = ["autoapi.python_import_resolution"]
autodoc_typehints = "signature"

graphviz_output_format = "svg"

html_theme = "furo"
html_title = "aiomoto"
html_static_path: list[str] = []
