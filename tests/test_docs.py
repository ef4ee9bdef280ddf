"""The README is the front door: its index lists every docs/ chapter, and every link lands.

A chapter moved or a heading renamed breaks links GitHub renders without complaint, and
code that says where something is documented (`docs/rotation.md`, `README, "Config"`)
goes stale the same way; these tests catch both.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"

# An inline link or image: [text](target), the text possibly spanning lines.
LINK = re.compile(r"\]\(([^()\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def docs_files() -> list[Path]:
    files = sorted(DOCS.glob("*.md"))
    assert files, f"no Markdown files in {DOCS}"
    return files


def prose(text: str) -> str:
    """The text Markdown renders as prose: fenced blocks and code spans removed."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a file; a repeated heading gets -1, -2, … as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for match in re.finditer(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", path.read_text()), re.M):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def comment_text(text: str) -> str:
    """A phrase quoted across comment lines, read as one line."""
    return re.sub(r"\s*\n\s*(?:#|//)?\s*", " ", text)


def relative_links(path: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(path.read_text()))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)  # https:, mailto:, …
    ]


def test_the_readme_index_links_every_docs_file_and_nothing_else() -> None:
    text = README.read_text()
    assert "\n## Documentation\n" in text, "README has no Documentation section"
    index = text.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in index.splitlines() if line.startswith("| [")]
    linked = [re.search(r"\]\(docs/([^)#]+)\)", row).group(1) for row in rows]
    assert sorted(linked) == [path.name for path in docs_files()]
    # One line each, saying what the file holds.
    for row in rows:
        what = row.strip("|").split("|")[1].strip()
        assert len(what) > 20, row


def test_the_slug_is_githubs() -> None:
    assert slug("Scripts inside Azure: managed identities") == (
        "scripts-inside-azure-managed-identities"
    )
    assert slug("Distributing the active PFX to script hosts") == (
        "distributing-the-active-pfx-to-script-hosts"
    )
    assert slug("Try it: two commands") == "try-it-two-commands"
    assert slug("Caveat: the key lands in CNG") == "caveat-the-key-lands-in-cng"


@pytest.mark.parametrize(
    "path", [README, *docs_files()], ids=lambda p: str(p.relative_to(PROJECT_ROOT))
)
def test_every_relative_link_lands_on_a_file_and_heading(path: Path) -> None:
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.name}")
    assert not broken, broken


def test_links_are_found_where_they_are_written() -> None:
    # The README and the chapters link each other; an extractor that found nothing
    # would pass the test above on every file.
    assert "docs/rotation.md" in relative_links(README)
    assert "../README.md#exit-codes" in relative_links(DOCS / "exoctl.md")
    multi_line = relative_links(DOCS / "script-hosts.md")
    assert "#hosts-that-fetch-the-certificate-from-key-vault" in multi_line


# Source files that say where something is documented, outside the docs themselves.
SOURCE_SUFFIXES = {".py", ".toml", ".yaml", ".yml", ".txt", ".ps1", ".cfg", ""}
SKIP_DIRS = {".git", ".venv", "fixtures", "__pycache__", "node_modules", ".pytest_cache"}


def source_files() -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(PROJECT_ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        files += [Path(folder, n) for n in names if Path(n).suffix in SOURCE_SUFFIXES]
    # This file quotes the forms it looks for; it must not be what makes the lists non-empty.
    files.remove(Path(__file__).resolve())
    assert PROJECT_ROOT / "Makefile" in files and PROJECT_ROOT / "exoctl" / "cli.py" in files
    return files


def test_every_docs_file_and_section_the_code_names_exists() -> None:
    """`docs/exoctl.md, "Drift"` in code or a message names a file and a heading it has."""
    named = {
        (path, name, section)
        for path in source_files()
        for name, section in re.findall(
            r"\bdocs/([\w.-]+\.md)\b(?:,\s*\n?\s*#?\s*\"([^\"]+)\")?",
            path.read_text(errors="replace"),
        )
    }
    assert named, "no source file names a docs/ chapter"
    assert any(section for _, _, section in named), "no source file names a docs/ section"
    missing = []
    for path, name, quoted in named:
        section = comment_text(quoted)
        where = f"{path.relative_to(PROJECT_ROOT)}: docs/{name}"
        if not (DOCS / name).exists():
            missing.append(where)
        elif section and slug(section) not in anchors(DOCS / name):
            missing.append(f"{where}, {section!r}")
    assert not missing, missing


def test_every_readme_section_the_code_names_exists() -> None:
    """`README, "Config"` in code or a message must name a heading the README still has."""
    headings = {slug(h) for h in re.findall(r"^#{2,6} +(.+)$", prose(README.read_text()), re.M)}
    named = {
        (path, section)
        for path in source_files()
        for section in re.findall(
            r"README(?:'s)?(?:,\s*#?\s*|\s*\()[\"'“]([^\"'”]+)[\"'”]",
            path.read_text(errors="replace"),
        )
    }
    assert named, "no source file names a README section"
    missing = [
        f"{p.relative_to(PROJECT_ROOT)}: README, {s!r}"
        for p, s in named
        if slug(comment_text(s)) not in headings
    ]
    assert not missing, missing
