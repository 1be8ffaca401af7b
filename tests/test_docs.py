"""The documentation: the site builds with ``mkdocs build --strict``, every example in the README
and on the site runs (``docs_examples.py`` says how each kind runs), a broken example fails, the
README stays short and links every page, and the generated references and charts are there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs_examples import ROOT, Example, all_examples, examples, run

DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def facts() -> dict[str, str]:
    """The variables the pages tell a reader to set from ``make run``'s banner (seed 1)."""
    from mockserver import Config, create_app

    seeded = create_app(Config(seed=1)).facts
    return {
        "OVERLOOP_KEY": seeded["overloop"]["api_key"],
        "CRM_KEY": seeded["leads-crm"]["api_key"],
        "CRM_PASSWORD": seeded["leads-crm"]["users"][0]["password"],
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    # Material's end-of-life notice is a banner, not a build warning: left out, as make docs does.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr, done.stderr
    return folder


def test_the_site_builds_strict_with_every_page(site: Path) -> None:
    pages = sorted(p.relative_to(DOCS) for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)
    for page in pages:
        built = site / page.with_suffix("") / "index.html"
        if page.name == "index.md":
            built = site / page.parent / "index.html"
        assert built.is_file(), page


EXAMPLES = all_examples()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_every_example_runs(example: Example, facts: dict[str, str]) -> None:
    outcome = run(example, facts)
    assert outcome.ok, f"{example.name} failed:\n{example.code}\n---\n{outcome.output[-4000:]}"


def _broken_readme_example(containing: str, working: str, broken: str) -> Example:
    """The README's example that contains ``containing``, with ``working`` made ``broken``."""
    example = next(e for e in examples(ROOT / "README.md") if containing in e.code)
    assert working in example.code
    changed = example.code.replace(working, broken)
    return Example(example.page, example.line, example.language, changed)


def test_a_broken_shell_example_fails(facts: dict[str, str]) -> None:
    broken = _broken_readme_example("leadmock serve --seed 1", "/leads?limit=2", "/leadz?limit=2")
    outcome = run(broken, facts)
    assert not outcome.ok and "404" in outcome.output, outcome.output


def test_a_broken_python_example_fails(facts: dict[str, str]) -> None:
    broken = _broken_readme_example("def test_a_503_is_retried", "[503, 200]", "[200, 200]")
    outcome = run(broken, facts)
    assert not outcome.ok and "FAILED test_example.py::test_a_503_is_retried" in outcome.output


def test_an_example_needing_an_account_is_checked_for_syntax_only(facts: dict[str, str]) -> None:
    page = ROOT / "README.md"
    good = Example(page, 1, "sh", "curl https://api.example.com/never-called\n",
                   frozenset({"account"}))  # fmt: skip
    assert run(good, facts).ok
    bad = Example(page, 1, "sh", "if then fi (\n", frozenset({"account"}))
    assert not run(bad, facts).ok


def test_the_readme_fits_on_a_few_screens_and_links_every_page() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    linked = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    skipped = ("_hooks", "design")  # the hooks' code; the engine's design notes
    pages = {
        f"docs/{p.relative_to(DOCS)}"
        for p in DOCS.rglob("*.md")
        if not set(skipped) & set(p.parts) and p.name != "index.md"
    }
    assert pages <= linked, sorted(pages - linked)
    for link in linked:
        assert (ROOT / link).is_file(), link


def test_the_references_are_generated_from_the_code(site: Path) -> None:
    from mockserver.cli import COMMANDS, build_parser
    from mockserver.cli.command import subcommand

    cli = (site / "reference" / "cli" / "index.html").read_text()
    parser = build_parser()
    for command in COMMANDS:
        assert f"leadmock {command.name}" in cli
        for action in subcommand(parser, command.name)._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in cli, (command.name, option)
    admin = (site / "reference" / "admin" / "index.html").read_text()
    for path in ("/__admin/reset", "/__admin/journal", "/__admin/scenarios", "/__admin/health"):
        assert path in admin
    assert "<!-- leadmock:" not in cli + admin


def test_the_benchmarks_page_shows_the_charts_of_a_bench_run(site: Path) -> None:
    page = (DOCS / "benchmarks.md").read_text()
    for chart in ("throughput.svg", "p99.svg", "scale.svg"):
        assert f"benchmarks/{chart}" in page
        svg = (DOCS / "benchmarks" / chart).read_text()
        # Made by make bench: each says when, on what machine and by which command.
        assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d UTC", svg) and "tests/bench/run.py" in svg
        assert (site / "benchmarks" / chart).is_file()
