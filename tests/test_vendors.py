"""Every VENDORS record is complete: the app, the CLI and the checker rely on each field."""

from __future__ import annotations

import dataclasses
import re

import pytest

from mockserver.config import Config
from mockserver.specfiles import spec_path
from mockserver.store import MemoryStore
from mockserver.vendorrecord import Vendor
from mockserver.vendors import VENDORS


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_vendor_record_is_complete(vendor: Vendor) -> None:
    # known_drift stays empty until a vendor's real service has been checked.
    for field in dataclasses.fields(Vendor):
        if field.name != "known_drift":
            assert getattr(vendor, field.name) not in (None, "", ()), field.name
    for mount in vendor.mounts:
        assert spec_path(mount.spec).is_file()
        assert mount.base_path.startswith("/") and not mount.base_path.endswith("/")
    handlers = vendor.handlers(MemoryStore(), Config())
    assert handlers.security_map()
    for check, reason in vendor.checking().excluded_checks.items():
        assert check and len(reason) > 40, "an excluded check needs its reason"
    for drift in vendor.checking().known_drift:
        assert len(drift.summary) > 40, "a known departure needs its explanation"
        re.compile(drift.text)


def test_api_names_and_base_paths_are_unique() -> None:
    mounts = [mount for vendor in VENDORS for mount in vendor.mounts]
    assert len({m.name for m in mounts}) == len(mounts)
    assert len({m.base_path for m in mounts}) == len(mounts)
