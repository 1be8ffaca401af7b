"""The app factory: one Connexion API per served document over one store, seeded, and the
pipeline (``pipeline.py``, the layers a request crosses, declared once) around it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field, replace
from typing import Any

import connexion
from connexion.exceptions import ProblemException
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from mockserver.admin import admin_app
from mockserver.config import Config, ConfigError
from mockserver.connexion_adapter import spec_check_skipped
from mockserver.coverage import Coverage, documented_operations
from mockserver.errors import ApiError
from mockserver.faults import Fault, FaultError, Faults
from mockserver.journal import Journal
from mockserver.jsoncodec import OrjsonJsonifier, RenderCache
from mockserver.memory import give_back_memory
from mockserver.pipeline import Parts, build_pipeline
from mockserver.recording import overlay
from mockserver.registry import document_apis, registry_for
from mockserver.rendering import ErrorRenderer, mount_of
from mockserver.scenarios import Scenarios, sign_in_operations
from mockserver.specfiles import load_spec
from mockserver.specvalidators import SPEC_VALIDATORS
from mockserver.statemodel import StateModel, check_state, infer_model
from mockserver.store import MemoryStore, Store, quiet_collector
from mockserver.vendorrecord import AcceptedCredentials, Mount, Vendor, mounted
from mockserver.vendors import BUILT_IN, Registry

_REFERENCE_LEADS = 100
"""Leads a project in the reference seed an imported state's model is inferred from."""


@dataclass
class Mock:
    """A built mock: the ASGI app, its store, journal, faults and config, and its seed's facts."""

    app: Any
    """The pipeline (``pipeline.build_pipeline``); None only while ``create_app`` builds it."""
    store: Store
    config: Config
    journal: Journal
    faults: Faults
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[str, set[str]] = field(default_factory=dict, repr=False)
    """Each served API's operationIds, by API name."""
    shared: Any = field(default=None, repr=False)
    """The ``SharedPlane`` of a mock kept in Redis (``Config.store``); None in-process."""
    coverage: Coverage = field(default_factory=Coverage, repr=False)
    """The spec coverage of the requests this process answered, once ``count_coverage`` was
    called (kept across resets)."""
    counting_coverage: bool = field(default=False, repr=False)
    scenarios: Scenarios = field(default_factory=Scenarios, repr=False)
    """The scenarios set on this process (cleared by a reset)."""
    admin: Any = field(default=None, repr=False)
    _state_model: StateModel | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.admin = admin_app(self)
        if self.shared is not None:
            self.shared.on_lost = self.recover

    @property
    def apis(self) -> list[str]:
        """The names of the APIs served, in the registry's order."""
        served = served_apis(self.config)
        return [api for api in registry_for(self.config).every_api() if api in served]

    def state_model(self) -> StateModel:
        """What an imported state's documents must hold, collection by collection: inferred
        from this mock's seed the first time it is asked for."""
        if self._state_model is None:
            reference = MemoryStore()
            with quiet_collector():
                seed_all(reference, replace(self.config, leads=_REFERENCE_LEADS, store=None))
            self._state_model = infer_model(reference.dump(), self.store.dump())
        return self._state_model

    def serve_recording(
        self, recorded: dict[str, Any] | None, accepted: AcceptedCredentials
    ) -> list[str]:
        """Lay a recording (``leadmock proxy --record``) over the seed, accept the named
        credentials, and make that the state a reset returns to; the banner's lines of it
        (``StateModelError`` for a recording with a document the mock cannot serve)."""
        if recorded is not None:
            check_state(recorded, self.state_model())
            self.store.load(overlay(self.store.dump(), recorded))
            self.forget_load()
        lines = []
        for vendor in served_vendors(self.config):
            if vendor.adopt_recording is not None:
                lines += vendor.adopt_recording(self.store, self.facts[vendor.name], accepted)
        self.store.mark_seed()
        return lines

    def forget_load(self) -> None:
        """After the whole state changed: nothing the old state's requests left behind stays
        in memory (the renderings of documents now gone), and the freed memory goes back to
        the system."""
        RenderCache.forget_all()
        give_back_memory()

    def count_coverage(self) -> None:
        """Count the spec coverage of every request from now on, across resets (the fixture
        and ``serve --coverage`` do; otherwise ``/__admin/coverage`` reads the journal, which
        a reset empties: counting costs every request a little)."""
        if not self.counting_coverage:
            self.journal.subscribe(self.coverage.note)
            self.counting_coverage = True

    def reset(self) -> None:
        """Back to the seed state: the store restored (not re-seeded), no journal, no faults."""
        self.store.restore_seed()
        self.journal.clear()
        self.faults.clear()
        self.scenarios.clear()
        self.forget_load()

    def reseed(self, *, seed: int, leads: int | None = None) -> dict[str, dict[str, Any]]:
        """Seed again from another seed (and lead count); it becomes the state reset returns to."""
        config = replace(self.config, seed=seed, leads=leads or self.config.leads)
        with quiet_collector():
            facts = seed_apart(self.store, config, self.shared)
        self.config, self.facts = config, Facts(facts, registry_for(config))
        self._state_model = None
        self.journal.clear()
        # The fault middleware holds this Faults object: reseed it in place.
        self.faults.seed = seed
        self.faults.clear()
        self.scenarios.clear()
        self.forget_load()
        return self.facts

    def recover(self) -> None:
        """Seed again after the shared store lost everything: state, journal and faults."""
        with quiet_collector():
            seed_apart(self.store, self.config, self.shared)
        self.journal.clear()
        self.faults.clear()

    def close(self) -> None:
        """Let go of what the mock holds outside this process (its Redis connections)."""
        if self.shared is not None:
            self.shared.client.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def create_app(config: Config | None = None, *, store: Store | None = None) -> Mock:
    """Build the mock of every vendor API, seeded from ``config``."""
    config = config or Config()
    # Connexion logs a warning on every request to an operation with several body media types.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
    # The multipart parser logs each malformed part it meets; the client gets a 400 for it.
    logging.getLogger("python_multipart.multipart").setLevel(logging.ERROR)
    # Connexion logs each request body its validation refuses; the client gets the 400 for it.
    logging.getLogger("connexion.validators").setLevel(logging.CRITICAL)
    # ... and each handler argument a document's API names otherwise than Connexion expects.
    logging.getLogger("connexion.decorators.parameter").setLevel(logging.CRITICAL)
    shared, joined_facts = None, None
    if store is None and config.store:
        from mockserver.shared.plane import SharedPlane

        shared = SharedPlane.open(config.store)
        try:
            config, joined_facts = shared.join(config, served_apis(config))
        except ApiError as exc:
            raise ConfigError("store", f"cannot reach the store: {exc.message}") from None
        store = shared.store
    store = store if store is not None else MemoryStore()
    app_class = connexion.AsyncApp if config.framework == "async" else connexion.FlaskApp
    app = app_class(__name__, jsonifier=OrjsonJsonifier())
    with spec_check_skipped():
        # The documents leadmock ships are checked by tests/test_specs.py; a --spec document
        # was checked as it was bundled (engine/bundle.py).
        handlers_by_api, mounts, specs = _add_apis(app, config, store)

    def api_of(path: str) -> str | None:
        found = mount_of(path, mounts)
        return found[0].name if found else None

    vendor_by_api = {mount.name: vendor for mount, vendor in mounts}

    def operation_name(api: str | None, operation_id: str | None) -> str | None:
        vendor = vendor_by_api.get(api or "")
        return vendor.operation_name(operation_id) if vendor and operation_id else operation_id

    registry = registry_for(config)
    names = registry.apis_named
    journal = shared.journal(names) if shared else Journal(names=names)
    operations = {
        api: {vendor_by_api[api].operation_name(op) for op in _operation_ids(spec)}
        for api, spec in specs.items()
    }
    coverage = Coverage(
        {api: documented_operations(spec, vendor_by_api[api].operation_name)
         for api, spec in specs.items()}
    )  # fmt: skip
    sign_ins = frozenset(
        (api, name)
        for api, spec in specs.items()
        for name in sign_in_operations(spec, vendor_by_api[api].operation_name)
    )
    scenarios = Scenarios(names=names, operations=operations, sign_ins=sign_ins, store=store)
    journal.sign_ins = sign_ins
    try:
        faults = (shared.faults if shared else Faults)(
            config.seed,
            names=names,
            operations=operations,
            standing=standing_faults(config),
        )
    except FaultError as exc:
        raise ConfigError(exc.field, str(exc)) from None
    renderer = ErrorRenderer(mounts, specs)
    # UnicodeDecodeError: Connexion's body parser raises it on a body that is not UTF-8.
    for source in (ApiError, ProblemException, HTTPException, UnicodeDecodeError):
        app.add_error_handler(source, renderer)
    if shared is None:
        facts = Facts(seed_all(store, config), registry)
        store.mark_seed()
    elif joined_facts is None:
        facts = Facts(seed_apart(store, config, shared), registry)
        journal.clear()
    else:
        facts = Facts(joined_facts, registry)
    mock = Mock(
        app=None,
        store=store,
        config=config,
        journal=journal,
        faults=faults,
        facts=facts,
        operations=operations,
        shared=shared,
        coverage=coverage,
        scenarios=scenarios,
    )
    mock.app = build_pipeline(
        app,
        Parts(
            config=config,
            journal=journal,
            faults=faults,
            specs=specs,
            mounts=mounts,
            handlers=handlers_by_api,
            renderer=renderer,
            api_of=api_of,
            operation_name=operation_name,
            admin=mock.admin,
            shared=shared,
            scenarios=scenarios,
        ),
    )
    return mock


def _add_apis(
    app: Any, config: Config, store: Store
) -> tuple[dict[str, Any], list[tuple[Mount, Vendor]], dict[str, dict[str, Any]]]:
    """One Connexion API per mounted spec; the handlers, mounts (longest base path first) and
    specs, by API name."""
    mounts: list[tuple[Mount, Vendor]] = []
    specs: dict[str, dict[str, Any]] = {}
    handlers_by_api: dict[str, Any] = {}
    apis = served_apis(config)
    _check_base_paths(config, apis)
    for vendor in served_vendors(config):
        handlers = vendor.handlers(store, config)
        for mount in (mounted(m, config) for m in vendor.mounts if m.name in apis):
            specs[mount.name] = load_spec(mount.spec)
            handlers_by_api[mount.name] = handlers
            app.add_api(
                # A document served by the engine was checked as it was bundled.
                load_spec(mount.spec),
                base_path=mount.base_path,
                name=mount.name,
                resolver=Resolver(function_resolver=_handler_of(handlers, config.framework)),
                security_map=handlers.security_map(),
                validator_map={**SPEC_VALIDATORS, **vendor.validator_map},
                pythonic_params=True,
                validate_responses=config.validate_responses,
            )
            mounts.append((mount, vendor))
    # Longest base path first, so /v3/x never goes to a vendor mounted at /v.
    mounts.sort(key=lambda pair: len(pair[0].base_path), reverse=True)
    return handlers_by_api, mounts, specs


def _handler_of(handlers: Any, framework: str) -> Any:
    """Connexion's resolver: the handler method named by an operationId.

    Under AsyncApp a plain function runs in a worker thread, a hop that costs more than the
    handler itself; ours only touch the in-memory store, so they run on the event loop, after
    one yield to it so that requests already read take their turn first (without it, p99
    under 32 connections grew by half).
    """

    def resolve(name: str) -> Any:
        function = getattr(handlers, name)
        if framework != "async":
            return function

        @functools.wraps(function)
        async def on_the_loop(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0)
            return function(*args, **kwargs)

        return on_the_loop

    return resolve


def seed_all(store: Store, config: Config) -> dict[str, dict[str, Any]]:
    """Seed every vendor into ``store``; the facts each seed reports, by vendor name."""
    return {vendor.name: vendor.seed(store, config) for vendor in served_vendors(config)}


def seed_apart(store: Store, config: Config, shared: Any = None) -> dict[str, dict[str, Any]]:
    """Seed in memory, then swap the seed into ``store`` at once (requests meanwhile see the
    old state whole) as the state a reset returns to; published to the other processes when
    ``store`` is ``shared``. The facts, by vendor name."""
    fresh = MemoryStore()
    with quiet_collector():
        facts = seed_all(fresh, config)
        state = fresh.dump()
        store.load(state)
    store.mark_seed()
    if shared is not None:
        # This process's mirror starts from the seed it made (and forked workers with it).
        shared.store.seeded_with(state)
        shared.publish(config, served_apis(config), facts)
    return facts


def served_apis(config: Config) -> set[str]:
    """The APIs ``config`` asks for, by name: its documents' (``specs``), and the built-in
    ones it names; every built-in one when it names none and gives no document."""
    registry = registry_for(config)
    documents = set(document_apis(config))
    if not config.vendors:
        return documents or set(BUILT_IN.every_api())
    try:
        return documents | {api for name in config.vendors for api in registry.apis_named(name)}
    except LookupError as exc:
        raise ConfigError("vendors", str(exc).strip("'\"")) from None


def _check_base_paths(config: Config, apis: set[str]) -> None:
    """Refuse a base path for an API not served, and two APIs at one base path or one under the
    other (requests would reach the wrong API)."""
    for api in config.base_paths:
        if api not in apis:
            raise ConfigError(
                "base_paths", f"--base-path {api}: {api} is not served (serving: "
                f"{', '.join(sorted(apis))})"
            )  # fmt: skip
    where = {
        api: mounted(mount, config).base_path
        for vendor in registry_for(config).vendors
        for mount in vendor.mounts
        if (api := mount.name) in apis
    }
    for api, path in where.items():
        for other, other_path in where.items():
            if api < other and (
                path == other_path
                or path.startswith(other_path + "/")
                or other_path.startswith(path + "/")
            ):
                raise ConfigError(
                    "base_paths", f"{api} at {path} and {other} at {other_path}: one base path "
                    "may not be another's or under it"
                )  # fmt: skip


def served_vendors(config: Config) -> list[Vendor]:
    """The vendors with an API ``config`` asks for (all of them unless it names some)."""
    apis = served_apis(config)
    return [v for v in registry_for(config).vendors if any(m.name in apis for m in v.mounts)]


def standing_faults(config: Config) -> list[Fault]:
    """The faults ``config`` asks for on every vendor request: ``--error-rate`` (with the delay
    too) before ``--delay``, as the first fault that matches a call is the one it meets."""
    faults = []
    if config.error_rate:
        faults.append(
            Fault(status=config.error_status, share=config.error_rate, latency=config.delay)
        )
    if config.delay:
        faults.append(Fault(latency=config.delay))
    return faults


def _operation_ids(spec: dict[str, Any]) -> set[str]:
    return {
        operation["operationId"]
        for item in spec.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


class Facts(dict):
    """The seed's facts by vendor name; an API's name finds its vendor's facts too."""

    def __init__(self, facts: dict[str, dict[str, Any]], registry: Registry = BUILT_IN) -> None:
        super().__init__(facts)
        self.registry = registry

    def __missing__(self, name: str) -> dict[str, Any]:
        for vendor in self.registry.vendors:
            if vendor.name in self and any(m.name == name for m in vendor.mounts):
                return self[vendor.name]
        raise KeyError(f"no facts for {name!r}; known: {', '.join(self)}")
