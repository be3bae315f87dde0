"""The environment inside an aiomoto context: endpoints and profiles that would
send clients elsewhere are set aside, and everything comes back on exit.

From the outermost enter to the last exit:

* ``AWS_ENDPOINT_URL`` and every ``AWS_ENDPOINT_URL_<SERVICE>`` are removed,
  and ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` makes botocore ignore
  ``endpoint_url`` in the shared config file (``AWS_CONFIG_FILE``) too;
* ``AWS_USE_FIPS_ENDPOINT`` and ``AWS_USE_DUALSTACK_ENDPOINT`` are ``false``:
  Moto answers the standard endpoints only;
* ``AWS_PROFILE`` and ``AWS_DEFAULT_PROFILE`` are removed when they name a
  profile that the config and credentials files do not define, which would
  make botocore raise ``ProfileNotFound``.

``AIOMOTO_KEEP_ENDPOINTS=1`` (read at the outermost enter) leaves the endpoint
settings alone.  Moto sets its fake ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY`` itself; those are saved here too, so the last exit
restores every variable aiomoto or Moto touched to its exact value before,
present or absent.
"""

from __future__ import annotations

import os

import botocore.exceptions
import botocore.session

KEEP_ENDPOINTS = "AIOMOTO_KEEP_ENDPOINTS"
ENDPOINT_PREFIX = "AWS_ENDPOINT_URL"
IGNORE_CONFIGURED = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
ENDPOINT_VARIANTS = ("AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT")
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
# Moto's MockAWS.start writes these, and its stop does not restore an empty
# value; saving them here makes the last exit exact.
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")

_OFF_VALUES = ("0", "false", "no", "off")


def switch(name: str, default: bool) -> bool:
    """An on/off setting from the environment: unset or empty is ``default``;
    0, false, no and off (in any case) are off; any other value is on."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value not in _OFF_VALUES


def keep_endpoints() -> bool:
    """Whether ``AIOMOTO_KEEP_ENDPOINTS`` asks to leave endpoints alone."""
    return switch(KEEP_ENDPOINTS, default=False)


def _defined_profiles() -> set[str] | None:
    """Profiles in the shared config and credentials files, as botocore reads them.

    None when the files cannot be read: botocore will report that itself, so
    the profile variables are then left as they are.
    """
    try:
        profiles = botocore.session.Session().full_config.get("profiles", {})
    except botocore.exceptions.BotoCoreError:
        return None
    return set(profiles)


class Environment:
    """Sets the environment aside at the outermost enter, restores it at exit."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] | None = None

    def hide(self) -> None:
        """Save, then change, what would take clients away from Moto."""
        if self._saved is not None:
            raise RuntimeError("aiomoto's environment is already set aside")
        environ = os.environ
        removed: list[str] = []
        replaced: dict[str, str] = {}
        if not keep_endpoints():
            removed += [name for name in environ if name.startswith(ENDPOINT_PREFIX)]
            replaced[IGNORE_CONFIGURED] = "true"
            replaced.update(dict.fromkeys(ENDPOINT_VARIANTS, "false"))
        named = [name for name in PROFILE_VARIABLES if environ.get(name)]
        if named:
            defined = _defined_profiles()
            if defined is not None:
                removed += [name for name in named if environ[name] not in defined]
        touched = [*removed, *replaced, *CREDENTIAL_VARIABLES]
        self._saved = {name: environ.get(name) for name in touched}
        for name in removed:
            del environ[name]
        environ.update(replaced)

    def restore(self) -> None:
        """Put back every saved variable exactly; a no-op when nothing is saved."""
        saved, self._saved = self._saved, None
        if saved is None:
            return
        environ = os.environ
        for name, value in saved.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
