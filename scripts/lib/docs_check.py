#!/usr/bin/python3
"""Checks a site built by scripts/docs: every lab page, every figure and the results page are there.

Reads the HTML that Doxygen wrote (standard library only) and fails, with one line per problem,
when a lab handout has no page or the page lacks its title, a figure of docs/figures/ is not
rendered or not shown on any page, the results page lacks a table or chart of speedup.md (or,
without speedup.md, the note saying how to produce it), or an image on a page points nowhere.
Links from the pages to files that are not part of the site are listed as notes, not failures.
"""

from __future__ import annotations

import argparse
import html
import html.parser
import pathlib
import re
import sys
import xml.etree.ElementTree as ElementTree

CHARTS = ("speedup_vs_threads", "time_vs_n", "imbalanced_efficiency")
FIXED_PAGES = {
    "setup": "Setup",
    "background": "Background",
    "background_threads": "Threads and their costs",
    "background_false_sharing": "False sharing",
    "background_chase_lev": "The Chase-Lev deque",
    "background_sleeping": "Sleeping without losing wake-ups",
    "background_work_span": "Work and span",
    "results": "Results",
}


def page_label(root: pathlib.Path, markdown: pathlib.Path) -> str:
    """The page name Doxygen gives a Markdown file (the same rule as scripts/docs)."""
    first = next((line for line in markdown.read_text().splitlines() if line.strip()), "")
    match = re.match(r"\s*[\\@]page\s+(\w+)", first) or re.match(r"#[^#].*\{#(\w+)\}\s*$", first)
    if match:
        return match.group(1)
    relative = markdown.resolve().relative_to(root.resolve()).with_suffix("")
    return "md_" + re.sub(r"[^A-Za-z0-9]", "_", str(relative))


def markdown_title(markdown: pathlib.Path) -> str:
    for line in markdown.read_text().splitlines():
        if line.startswith("# "):
            title = re.sub(r"\s*\{#\w+\}\s*$", "", line[2:]).strip()
            return title.replace("`", "")  # Markdown code spans render as plain text in the title
        match = re.match(r"\s*[\\@]page\s+\w+\s+(.*)", line)
        if match:
            return match.group(1).strip()
    return ""


class Page(html.parser.HTMLParser):
    """What the checks need from one HTML page: title, headings, tables, images, links."""

    def __init__(self, path: pathlib.Path):
        super().__init__()
        self.path = path
        self.title = ""
        self.headings: list[str] = []
        self.tables = 0
        self.images: list[str] = []  # src of <img>, data of <object>, src of <iframe>
        self.figures: list[str] = []  # the same, inside the page's text (<div class="contents">)
        self._depth = 0
        self._contents_depth: int | None = None
        self.links: list[str] = []
        self._capture: str | None = None
        self._text: list[str] = []
        self.feed(path.read_text(errors="replace"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        image = attrs.get("src") if tag in ("img", "iframe") else attrs.get("data") if tag == "object" else None
        if image and not image.startswith("javascript:"):
            if self._contents_depth is not None:
                self.figures.append(image)
        if tag == "div":
            self._depth += 1
            if self._contents_depth is None and "contents" in (attrs.get("class") or "").split():
                self._contents_depth = self._depth
        if tag == "div" and attrs.get("class") == "title":
            self._capture, self._text = "title", []
        elif tag in ("h1", "h2", "h3", "h4"):
            self._capture, self._text = "heading", []
        elif tag == "table":
            self.tables += 1
        elif tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag == "object" and attrs.get("data"):
            self.images.append(attrs["data"])
        elif tag == "iframe" and attrs.get("src") and not attrs["src"].startswith("javascript:"):
            self.images.append(attrs["src"])
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "div":
            if self._contents_depth == self._depth:
                self._contents_depth = None
            self._depth -= 1
        if self._capture == "title" and tag == "div":
            self.title = " ".join("".join(self._text).split())
            self._capture = None
        elif self._capture == "heading" and tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(" ".join("".join(self._text).split()))
            self._capture = None

    def handle_data(self, data):
        if self._capture:
            self._text.append(data)

    @property
    def text(self) -> str:
        return html.unescape(re.sub(r"<[^>]+>", " ", self.path.read_text(errors="replace")))


def is_svg(path: pathlib.Path) -> bool:
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError:
        return False
    return root.tag.endswith("svg")


def local_target(page: pathlib.Path, reference: str) -> pathlib.Path | None:
    """The file a relative reference points to, or None for external and in-page ones."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", reference) or reference.startswith("#"):
        return None
    reference = reference.split("#", 1)[0].split("?", 1)[0]
    return (page.parent / reference) if reference else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=pathlib.Path, required=True, help="the repository")
    parser.add_argument("--html", type=pathlib.Path, required=True, help="the site's html folder")
    parser.add_argument("--results", type=pathlib.Path, required=True,
                        help="the scripts/speedup folder the results page shows")
    parser.add_argument("--labs", type=pathlib.Path, nargs="*", default=[],
                        help="the lab handouts (labs/NN_name/README.md)")
    args = parser.parse_args(argv)

    problems: list[str] = []
    notes: list[str] = []
    site = args.html

    def page(label: str, title: str | None = None) -> Page | None:
        path = site / f"{label}.html"
        if not path.is_file():
            problems.append(f"no page {path.name} (the page '{label}')")
            return None
        parsed = Page(path)
        if title and title not in parsed.title:
            problems.append(f"{path.name}: title is '{parsed.title}', expected it to contain '{title}'")
        return parsed

    index = page("index")
    navtree = (site / "navtreedata.js").read_text() if (site / "navtreedata.js").is_file() else ""
    if not navtree:
        problems.append("no navtreedata.js: the navigation tree is missing (GENERATE_TREEVIEW)")
    content_pages: list[Page] = [index] if index else []

    # 1. One page per lab handout, titled as the handout, listed on the main page and in the tree.
    for readme in sorted(args.labs):
        label = page_label(args.root, readme)
        parsed = page(label, markdown_title(readme))
        if not parsed:
            continue
        content_pages.append(parsed)
        if index and f"{label}.html" not in index.links:
            problems.append(f"the main page does not link the lab page {label}.html")
        if f'"{label}.html"' not in navtree:
            problems.append(f"the navigation tree does not list {label}.html")
        if len(parsed.text.split()) < 100:
            problems.append(f"{label}.html has almost no text: did the handout render?")

    # 2. The fixed pages, and grading (the grader's docs/grading.md when it exists).
    for label, title in FIXED_PAGES.items():
        parsed = page(label, title)
        if parsed:
            content_pages.append(parsed)
    grading_md = args.root / "docs" / "grading.md"
    grading_label = page_label(args.root, grading_md) if grading_md.is_file() else "grading"
    grading = page(grading_label)
    if grading:
        content_pages.append(grading)
    if index:
        for label in ("setup", "background", "results", grading_label):
            if f"{label}.html" not in index.links:
                problems.append(f"the main page does not link {label}.html")
    # Other pages of docs/ (docs/architecture.md, say): scripts/docs adds each one after the
    # fixed pages, so each must exist, carry its title and be linked from the main page.
    fixed_files = {"mainpage.md", "setup.md", "results.md", "grading.md"}
    for markdown in sorted((args.root / "docs").glob("*.md")):
        if markdown.name in fixed_files:
            continue
        label = page_label(args.root, markdown)
        parsed = page(label, markdown_title(markdown))
        if parsed:
            content_pages.append(parsed)
            if index and f"{label}.html" not in index.links:
                problems.append(f"the main page does not link {label}.html ({markdown.name})")

    # 3. Every figure of docs/figures/ rendered to SVG and shown on some page.
    shown = {image for p in content_pages for image in p.images}
    figures = sorted((args.root / "docs" / "figures").glob("*.dot"))
    for dot in figures:
        svg = site / f"dot_{dot.stem}.svg"
        if not svg.is_file():
            problems.append(f"figure {dot.name}: no {svg.name} (is it used with \\dotfile on a page?)")
        elif not is_svg(svg):
            problems.append(f"figure {dot.name}: {svg.name} is not an SVG document")
        elif svg.name not in shown:
            problems.append(f"figure {dot.name}: rendered, but no page shows {svg.name}")

    # 4. The results page: speedup.md's tables and charts, or how to produce them.
    results = next((p for p in content_pages if p.path.name == "results.html"), None)
    speedup_md = args.results / "speedup.md"
    charts = 0
    if results and speedup_md.is_file():
        text = speedup_md.read_text()
        expected_tables = len(re.findall(r"^\|[-:| ]+\|\s*$", text, flags=re.MULTILINE))
        if results.tables < expected_tables:
            problems.append(f"results.html has {results.tables} tables, speedup.md {expected_tables}")
        for heading in re.findall(r"^#{2,4} (.+)$", text, flags=re.MULTILINE):
            if " ".join(heading.replace("`", "").split()) not in results.headings:
                problems.append(f"results.html lacks the table heading '{heading}'")
        for chart in CHARTS:
            made = [ext for ext in ("svg", "png") if (args.results / f"{chart}.{ext}").is_file()]
            if not made:
                continue
            charts += 1
            if not any(f"{chart}.{ext}" in results.images for ext in made):
                problems.append(f"results.html does not show the chart {chart}")
    elif results and "No results yet" not in results.text:
        problems.append("results.html has no tables and does not say how to produce them")

    # 5. Every image on the content pages exists; links to files outside the site are notes.
    for parsed in content_pages:
        for image in parsed.images:
            target = local_target(parsed.path, image)
            if target and not target.is_file():
                problems.append(f"{parsed.path.name}: image {image} does not exist")
        for link in parsed.links:
            target = local_target(parsed.path, link)
            if target and not target.exists():
                notes.append(f"{parsed.path.name}: link to {link}, which is not part of the site")

    for note in sorted(set(notes)):
        print(f"docs check: note: {note}")
    for problem in problems:
        print(f"docs check: FAILED: {problem}")
    if speedup_md.is_file():
        shown_results = f"results page with {results.tables if results else 0} table(s) and {charts} chart(s)"
    else:
        shown_results = f"results page (no {speedup_md.name} in {args.results}: it says how to produce one)"
    summary = (f"{len(args.labs)} lab page(s), {len(FIXED_PAGES) + 1} other pages, {len(figures)} figure(s), "
               f"{shown_results}")
    if problems:
        print(f"docs check: {len(problems)} problem(s); expected {summary}")
        return 1
    print(f"docs check: OK: main page, {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
