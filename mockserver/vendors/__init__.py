"""The built-in vendors, discovered, and the registry the app, the CLI and the checker look APIs
up in (``mockserver.registry`` adds the documents a configuration serves).

A vendor is a package here (``vendors/<vendor>/``) whose ``__init__`` holds its ``VENDOR``
record (``mockserver.vendorrecord``): nothing else names it. ``LEADMOCK_VENDOR_PATH`` (folders,
``os.pathsep`` between them) adds folders whose packages are vendors too, for a vendor kept
outside this tree.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass

from mockserver.config import Config
from mockserver.vendorrecord import Mount, Vendor, mounted

VENDOR_PATH_VARIABLE = "LEADMOCK_VENDOR_PATH"


def discover() -> list[Vendor]:
    """Every package of this folder (and of ``LEADMOCK_VENDOR_PATH``'s) with a ``VENDOR``
    record, by ``Vendor.position`` then name."""
    extra = [p for p in os.environ.get(VENDOR_PATH_VARIABLE, "").split(os.pathsep) if p]
    for folder in extra:
        if folder not in __path__:
            __path__.append(folder)
    vendors = []
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg:
            continue
        vendor = getattr(importlib.import_module(f"{__name__}.{module.name}"), "VENDOR", None)
        if isinstance(vendor, Vendor):
            vendors.append(vendor)
    return sorted(vendors, key=lambda vendor: (vendor.position, vendor.name))


@dataclass(frozen=True)
class Registry:
    """The vendors one configuration serves from, found by vendor or API name."""

    vendors: tuple[Vendor, ...]

    def every_api(self) -> list[str]:
        """Every API's name, in the registry's order."""
        return [mount.name for vendor in self.vendors for mount in vendor.mounts]

    def vendor_of(self, api: str, config: Config | None = None) -> tuple[Vendor, Mount]:
        """The vendor and mount serving the API named ``api`` (e.g. ``tiledesk-v3``, or
        ``overloop``: a vendor of one API); ``LookupError`` otherwise, saying why."""
        api = self.one_api_named(api)
        for vendor in self.vendors:
            for mount in vendor.mounts:
                if mount.name == api:
                    return vendor, mounted(mount, config)
        raise AssertionError(api)  # one_api_named only returns names of mounts

    def apis_named(self, name: str) -> tuple[str, ...]:
        """The APIs ``name`` means: every API of the vendor of that name, or the API of that
        name. ``LookupError`` for a name that is neither, with the names that are."""
        for vendor in self.vendors:
            if vendor.name == name:
                return tuple(mount.name for mount in vendor.mounts)
            for mount in vendor.mounts:
                if mount.name == name:
                    return (name,)
        known = ", ".join(self.known_names())
        raise LookupError(f"unknown API or vendor {name!r}; known: {known}")

    def known_names(self) -> list[str]:
        """Every vendor name, then every API name not already a vendor's."""
        vendors = [vendor.name for vendor in self.vendors]
        apis = [m.name for v in self.vendors for m in v.mounts if m.name not in vendors]
        return vendors + apis

    def one_api_named(self, name: str) -> str:
        """The single API ``name`` means; ``LookupError`` for a vendor of several, naming them."""
        apis = self.apis_named(name)
        if len(apis) > 1:
            raise LookupError(f"{name} serves {', '.join(apis)}: name one of them")
        return apis[0]


BUILT_IN = Registry(tuple(discover()))
"""The vendors leadmock ships (and any ``LEADMOCK_VENDOR_PATH`` adds)."""
VENDORS: list[Vendor] = list(BUILT_IN.vendors)
vendor_of = BUILT_IN.vendor_of
apis_named = BUILT_IN.apis_named
known_names = BUILT_IN.known_names
one_api_named = BUILT_IN.one_api_named


__all__ = [
    "BUILT_IN",
    "VENDORS",
    "Registry",
    "apis_named",
    "discover",
    "known_names",
    "one_api_named",
    "vendor_of",
]
