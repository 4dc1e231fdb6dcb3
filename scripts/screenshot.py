"""Render the bundled graph with `fmgraph render` and photograph it in headless Chromium, so the
README and docs/explorer.md show exactly what users get.

Run: python scripts/screenshot.py [-o docs/fmgraph.png] [--select NAME] [--data DIR], or with
--plan TARGET (the page of `fmgraph render --plan TARGET`) or --sessions (that of
`fmgraph render --sessions`); --docs makes the three pictures the docs use.
Needs Debian's chromium (/usr/bin/chromium) and Playwright from PyPI; the page is opened from
file:// with every other request refused, as in the browser tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

from fmgraph.cache import open_store
from fmgraph.render import build_page
from fmgraph.resources import data_dir

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "fmgraph.png")
    parser.add_argument("--data", type=Path, help="data directory (default: the bundled course)")
    parser.add_argument(
        "--select", default="transformer", help="node to click, '' for none [transformer]"
    )
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=860)
    parser.add_argument("--scale", type=float, default=1.5, help="device pixel ratio")
    parser.add_argument("--plan", metavar="TARGET", help="photograph the study plan of TARGET")
    parser.add_argument("--sessions", action="store_true", help="photograph the sessions view")
    parser.add_argument(
        "--docs", action="store_true", help="write docs/explorer-plan.png and -sessions.png"
    )
    args = parser.parse_args()
    if args.docs:
        docs = ROOT / "docs"
        small = dict(width=1280, height=760, scale=1.0, select="", data=args.data)
        photograph(argparse.Namespace(**small, plan="dpo", sessions=False,
                                      output=docs / "explorer-plan.png"))  # fmt: skip
        photograph(argparse.Namespace(**small, plan=None, sessions=True,
                                      output=docs / "explorer-sessions.png"))  # fmt: skip
        return
    if args.plan or args.sessions:
        args.select = ""
    photograph(args)


def photograph(args: argparse.Namespace) -> None:
    """Write the page ``args`` asks for, as shown in Chromium, to ``args.output``."""
    store = open_store(args.data or data_dir())
    page_html = build_page(store, plan=args.plan, sessions=args.sessions).html
    refused: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        path = Path(tmp) / "fmgraph.html"
        path.write_text(page_html, encoding="utf-8")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": args.width, "height": args.height},
            device_scale_factor=args.scale,
        )
        context.route("**/*", offline)
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=120_000)
        page.wait_for_timeout(400)  # let a view fitted on opening finish moving
        if args.select:
            found = page.evaluate("(name) => fmgraph.resolve(name).node", args.select)
            if found is None:
                sys.exit(f"screenshot: no node is named {args.select!r}")
            # Click it where it is drawn, as a user would, without moving the view.
            where = page.evaluate(
                """(id) => {
                  const p = fmgraph.network.canvasToDOM(fmgraph.network.getPosition(id));
                  const r = document.getElementById("graph").getBoundingClientRect();
                  return { x: r.left + p.x, y: r.top + p.y };
                }""",
                found,
            )
            page.mouse.click(where["x"], where["y"])
            # Leave the pointer on an empty corner of the canvas: no tooltip in the picture.
            box = page.locator("#graph").bounding_box()
            if box:
                page.mouse.move(box["x"] + 4, box["y"] + box["height"] - 4, steps=4)
            page.wait_for_timeout(300)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.output))
        browser.close()
    if refused:
        sys.exit(f"screenshot: the page asked other hosts: {refused}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
