"""Stored-XSS payloads (IO-3): each, if it ever ran or became markup, would call
`__xss(n)`, open a dialog, log `XSS-n`, fetch from xss.invalid, or add an element the
sweep looks for; each carries its own number so a report names it."""

from __future__ import annotations

TEMPLATES = (
    "<script>__xss({n})</script>",
    "<img src=x onerror=__xss({n})>",
    "<svg onload=__xss({n})>",
    '"><img src=x onerror=__xss({n})>',
    "'><svg/onload=__xss({n})>",
    '<iframe src="javascript:__xss({n})"></iframe>',
    '<a href="javascript:__xss({n})">x{n}</a>',
    "<body onload=__xss({n})>",
    "<details open ontoggle=__xss({n})>",
    "<input autofocus onfocus=__xss({n})>",
    '<img src="http://xss.invalid/{n}">',
    "<link rel=stylesheet href=http://xss.invalid/{n}.css>",
    "</textarea><script>__xss({n})</script>",
    "</title><script>__xss({n})</script>",
    "${{__xss({n})}}",
    "{{{{constructor.constructor('__xss({n})')()}}}}",
    '<math><mi xlink:href="javascript:__xss({n})">m</mi></math>',
    '<object data="javascript:__xss({n})"></object>',
    '<embed src="http://xss.invalid/{n}">',
    "<style>@import 'http://xss.invalid/{n}';</style>",
    "<video><source onerror=__xss({n})></video>",
    "<marquee onstart=__xss({n})>m</marquee>",
    '<form action="javascript:__xss({n})"><button>f{n}</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss({n})">',
    "javascript:__xss({n})",
    "<scr<script>ipt>__xss({n})</script>",
    "%3Cscript%3E__xss({n})%3C/script%3E",
    "&lt;script&gt;__xss({n})&lt;/script&gt;",
    "<img src=x onerror=alert({n})>",
    "<svg><script>console.error('XSS-{n}')</script></svg>",
)
VARIANTS = 7
PAYLOADS = tuple(t.format(n=100 * v + i) for v in range(VARIANTS) for i, t in enumerate(TEMPLATES))
# What a payload would make if it became markup (the app itself draws none of these).
FORBIDDEN = (
    "script, iframe, object, embed, video, marquee, math, style, link, meta, "
    "[onerror], [onload], [ontoggle], [onfocus], [onstart], [src*='xss'], "
    "[href^='javascript'], [action^='javascript'], [data^='javascript']"
)

PROBES = """
window.__xssHits = [];
window.__xss = (n) => { window.__xssHits.push(n); };
"""
