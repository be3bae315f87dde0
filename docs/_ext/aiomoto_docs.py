"""What aiomoto's documentation needs of Sphinx beyond its extensions.

- sphinx-autoapi reads the package without importing it, so it does not see
  the names ``aiomoto/__init__.py`` exports lazily: they are imported there
  under ``if TYPE_CHECKING:`` only.  Those imports are read as the module's
  own, so ``aiomoto.MockAWS`` is documented where users import it from.
- Every name in ``__all__`` of aiomoto's public modules must be in the
  reference: a name autoapi could not find fails the build.
- Signatures name the modules that define a type (``aiomoto._x.Name``);
  such a reference resolves to the public object of the same name
  (``aiomoto.Name``), wherever the module moves.
"""

from __future__ import annotations

from typing import Any

import astroid
from autoapi import _astroid_utils, _parser
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util import logging

# The names of sphinx-autoapi's parser this relies on (pinned in
# docs/requirements.txt): a release without them fails the build here.
_NEEDED = (
    (_parser.Parser, "parse"),
    (_parser.Parser, "_parse_local_import_from"),
    (_astroid_utils, "is_local_import_from"),
)


def _is_type_checking(test: astroid.nodes.NodeNG) -> bool:
    if isinstance(test, astroid.nodes.Name):
        return test.name == "TYPE_CHECKING"
    return (
        isinstance(test, astroid.nodes.Attribute) and test.attrname == "TYPE_CHECKING"
    )


def _parse_if(self: _parser.Parser, node: astroid.nodes.If) -> list[dict[str, Any]]:
    """An ``if`` at a module's top level: only ``if TYPE_CHECKING:`` counts,
    and its imports from the package are read as the module's own."""
    if not _is_type_checking(node.test):
        return []
    package = node.root().name.split(".", 1)[0]
    data: list[dict[str, Any]] = []
    for child in node.body:
        if _astroid_utils.is_local_import_from(child, package):
            data += self._parse_local_import_from(child)
    return data


def _public_target(target: str) -> str | None:
    """``aiomoto._x.Name`` -> ``aiomoto.Name``; None for other targets."""
    parts = target.split(".")
    if parts[0] != "aiomoto" or not any(p.startswith("_") for p in parts[1:-1]):
        return None
    return f"aiomoto.{parts[-1]}"


def _resolve_private_path(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    public = _public_target(node["reftarget"])
    if public is None:
        return None
    private = node["reftarget"]
    node["reftarget"] = public
    reference = env.get_domain("py").resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], public, node, contnode
    )
    if reference is None:
        node["reftarget"] = private  # the warning names what was written
        return None
    _show_public_name(reference, private, public)
    return reference


def _show_public_name(reference: nodes.Element, private: str, public: str) -> None:
    """Make the reference's text name the public path rather than the private."""
    for text in list(reference.findall(nodes.Text)):
        if private in text:
            text.parent.replace(text, nodes.Text(text.replace(private, public)))


# The public modules whose every exported name the reference documents.
PUBLIC_MODULES = ("aiomoto", "aiomoto.exceptions")
_logger = logging.getLogger(__name__)


def _check_public_names(app: Sphinx, env: BuildEnvironment) -> None:
    documented = env.get_domain("py").objects
    for module in PUBLIC_MODULES:
        parsed = env.autoapi_all_objects.get(module)
        exported = parsed.all if parsed is not None else None
        if not exported:
            _logger.warning("autoapi found no __all__ in %s", module)
            continue
        for name in exported:
            if name != "__version__" and f"{module}.{name}" not in documented:
                _logger.warning(
                    "%s.%s is public (in __all__) but not in the API reference",
                    module,
                    name,
                )


def setup(app: Sphinx) -> dict[str, Any]:
    for owner, name in _NEEDED:
        if not hasattr(owner, name):
            raise ExtensionError(
                f"docs/_ext/aiomoto_docs.py needs sphinx-autoapi's {name}, which "
                "this release lacks: install docs/requirements.txt's version"
            )
    _parser.Parser.parse_if = _parse_if
    app.connect("missing-reference", _resolve_private_path)
    app.connect("env-check-consistency", _check_public_names)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
