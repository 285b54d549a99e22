"""Render the player include into a stand-alone page, as the site would, for browser tests."""

from pathlib import Path

from django import template
from django.template import Context, Engine

ROOT = Path(__file__).resolve().parents[2]
STATIC_PREFIX = "/static/"

register = template.Library()


@register.simple_tag
def static(path: str) -> str:
    """Stand in for `{% static %}` so the page does not depend on the site's storage backend."""
    return STATIC_PREFIX + path


# The policy the site is meant to run under: no inline script or style may be needed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'"
)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<link rel="icon" href="data:,"><title>Player test page</title></head>
<body>
<h1>Comparison</h1>
{player}
<p class="outside">Metric table spike:
  <a id="outside-spike" href="?t=2.5" data-seek="2.5">2.50 s</a></p>
</body></html>
"""


def player_clip(clip_id, label, *, fps, duration, sources, synthetic=False, series=None,
                spikes=(), width=640, height=360):  # fmt: skip
    """Build one entry of the `player_clips` context the lead's view passes to the include."""
    return {
        "id": clip_id, "label": label, "synthetic": synthetic, "fps": fps,
        "duration": duration, "width": width, "height": height, "poster": "",
        "sources": sources, "series": series or {}, "spikes": list(spikes),
    }  # fmt: skip


def render_player(clips: list[dict]) -> str:
    engine = Engine(dirs=[str(ROOT / "templates")], libraries={"static": __name__})
    return engine.get_template("comparisons/_player.html").render(Context({"clips": clips}))


def player_page(clips: list[dict], *, script: str | None = None) -> bytes:
    """Return the test page; `script` swaps the player module for another one (the baseline)."""
    html = render_player(clips)
    if script:
        html = html.replace(f'src="{STATIC_PREFIX}player/player.js"', f'src="{script}"')
    return PAGE.format(csp=CSP, player=html).encode()
