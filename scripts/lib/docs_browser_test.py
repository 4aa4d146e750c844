#!/usr/bin/python3
"""Opens pages of the site built by scripts/docs in headless Chromium and checks they render.

For the main page, one lab page (the first whose handout shows a figure, else the first lab) and
the Chase-Lev background page: Chromium loads the page and runs its scripts (--dump-dom); the page
must have its title, the navigation tree must have been built, and every figure in the page's
text (<img>, <object>, <iframe>) must reference an SVG or PNG that exists and parses. Chromium then
takes a screenshot of the page and of each figure on the main page on its own; each must be
non-blank (more than a sliver of pixels away from the background colour). Screenshots are kept.
Needs Debian's chromium and python3-pil (Pillow, which python3-matplotlib also uses).
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from docs_check import Page, is_svg, local_target, page_label  # noqa: E402

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
]


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("docs browser test: no chromium on PATH (install Debian's chromium)")


def run_chromium(binary: str, profile: pathlib.Path, url: str, *extra: str) -> str:
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}) on {url}: {done.stderr[-800:]}")
    return done.stdout


def ink(path: pathlib.Path) -> tuple[float, int]:
    """(share of pixels that differ from the most common colour, number of distinct colours)."""
    from PIL import Image  # Debian's python3-pil

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    total = sum(count for count, _ in colours)
    return 1 - max(count for count, _ in colours) / total, len(colours)


def check_page(binary, profile, html_dir, name, shots, problems, shoot_figures=False):
    path = html_dir / name
    dom = run_chromium(binary, profile, path.as_uri(), "--virtual-time-budget=5000", "--dump-dom")
    rendered = html_dir / f".rendered-{name}"
    rendered.write_text(dom)
    try:
        page = Page(rendered)
    finally:
        rendered.unlink()
    report = [f"{name}: title '{page.title}'"]
    if not page.title:
        problems.append(f"{name}: no title after rendering")
    # Doxygen's navtree.js fills #nav-tree-contents with the pages when it runs.
    tree = re.search(r'id="nav-tree-contents".*?</ul>', dom, flags=re.DOTALL)
    tree_links = len(re.findall(r"<a ", tree.group(0))) if tree else 0
    if tree_links < 3:
        problems.append(f"{name}: the navigation tree did not build ({tree_links} links)")
    figures = page.figures
    for figure in figures:
        target = local_target(path, figure)
        if target is None or not target.is_file():
            problems.append(f"{name}: figure {figure} does not exist")
        elif target.suffix == ".svg" and not is_svg(target):
            problems.append(f"{name}: figure {figure} is not an SVG document")
        elif target.suffix == ".png":
            share, _ = ink(target)
            if share < 0.005:
                problems.append(f"{name}: figure {figure} is blank")
    report.append(f"{len(figures)} figure(s), {tree_links} links in the navigation tree")

    shot = shots / (path.stem + ".png")
    run_chromium(binary, profile, path.as_uri(), "--virtual-time-budget=5000",
                 "--window-size=1280,1800", f"--screenshot={shot}")
    share, colours = ink(shot)
    report.append(f"screenshot {shot.name}: {share:.0%} ink, {colours} colours")
    if share < 0.02 or colours < 16:
        problems.append(f"{name}: the screenshot {shot} looks blank ({share:.1%} ink, {colours} colours)")
    if shoot_figures:
        for figure in figures:
            target = local_target(path, figure)
            if target is None or not target.is_file() or target.suffix != ".svg":
                continue
            figure_shot = shots / f"figure-{target.stem}.png"
            run_chromium(binary, profile, target.as_uri(), "--window-size=900,900",
                         f"--screenshot={figure_shot}")
            share, colours = ink(figure_shot)
            if share < 0.005:
                problems.append(f"{name}: figure {target.name} renders blank in Chromium ({share:.2%} ink)")
            report.append(f"{target.name} {share:.0%} ink")
    print("docs browser test: " + "; ".join(report))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--html", type=pathlib.Path, required=True, help="the site's html folder")
    parser.add_argument("--shots", type=pathlib.Path, required=True, help="where screenshots go")
    parser.add_argument("--root", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parents[2], help="the repository")
    parser.add_argument("--labs", type=pathlib.Path, nargs="*", default=[], help="the lab handouts")
    args = parser.parse_args(argv)

    html_dir = args.html.resolve()
    args.shots.mkdir(parents=True, exist_ok=True)
    binary = chromium_binary()
    problems: list[str] = []
    lab_pages = [f"{page_label(args.root, readme)}.html" for readme in sorted(args.labs)]
    lab_pages = [name for name in lab_pages if (html_dir / name).is_file()]
    # The lab page to open: the first that shows a figure, else the first lab.
    with_figures = [name for name in lab_pages
                    if Page(html_dir / name).figures]
    chosen = (with_figures or lab_pages)[:1]
    if not chosen:
        problems.append("no lab page to open (no labs/NN_name/README.md?)")
    with tempfile.TemporaryDirectory(prefix="parlab-chromium-") as profile:
        main_figures = check_page(binary, profile, html_dir, "index.html", args.shots, problems,
                                  shoot_figures=True)
        if len(main_figures) < 2:
            problems.append(f"index.html shows {len(main_figures)} figure(s), expected the 2 drawn for it")
        for name in chosen:
            check_page(binary, profile, html_dir, name, args.shots, problems)
        chase_lev = check_page(binary, profile, html_dir, "background_chase_lev.html", args.shots, problems)
        if not chase_lev:
            problems.append("background_chase_lev.html shows no figure (the deque states)")
    for problem in problems:
        print(f"docs browser test: FAILED: {problem}")
    if problems:
        return 1
    print(f"docs browser test: OK (screenshots in {args.shots})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
