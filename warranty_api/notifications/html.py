"""The allow-list every brand-edited email HTML goes through: no remote resources, links only where allowed.

A brand's HTML is parsed and written out again from what the list allows, never passed through: a tag or an
attribute the list does not name is dropped (with the text inside it, for script-like elements), every text
and attribute value is escaped again, and `{{ placeholder }}`s are kept for the renderer, which escapes the
values it puts there. Nothing in the output can make a mail client fetch anything (no `src`, no `url(...)`,
no `<link>`), and an `href` is either exactly one of the product's link placeholders, `mailto:` the brand's
support address, or (where the kind allows it) a plain https address with no placeholder inside: a brand
cannot build a URL of its own around a product link (`https://elsewhere/?l={{ link }}`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p",
        "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
        "u", "ul",
    }
)
VOID_TAGS = frozenset({"br", "hr"})
# Dropped together with everything inside them: their content is code or markup, not text to show.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "svg", "math", "noscript", "textarea", "select",
     "title", "head", "xml"}
)
ALLOWED_ATTRIBUTES = {"*": frozenset({"style", "title", "align"}), "a": frozenset({"href"}),
                      "td": frozenset({"colspan", "rowspan"}), "th": frozenset({"colspan", "rowspan"})}
STYLE_PROPERTIES = frozenset(
    {
        "color", "background-color", "font-weight", "font-style", "font-size", "font-family", "text-align",
        "text-decoration", "line-height", "padding", "padding-top", "padding-right", "padding-bottom",
        "padding-left", "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "border",
        "border-top", "border-bottom", "border-color", "border-radius", "width", "max-width",
    }
)
# Words, numbers, units, hex colours and rgb(); no other parentheses (so no url(), image-set() or expression()),
# no backslash escapes, no comments.
_STYLE_VALUE_RE = re.compile(r"^(?:[#\w.,%' -]|rgba?\([\d\s.,%]+\))+$")
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# Placeholders that may stand in a style value: the brand's own colours, checked when the brand is loaded.
STYLE_PLACEHOLDERS = frozenset({"brand_primary_color", "brand_accent_color"})
_PLAIN_HTTPS_RE = re.compile(r"^https://[^\s{}<>\"'\\]+$")


@dataclass
class SanitizedHtml:
    html: str
    problems: list[str] = field(default_factory=list)


def _style_clean(value: str, problems: list[str]) -> str:
    kept = []
    for declaration in value.split(";"):
        if not declaration.strip():
            continue
        name, sep, raw = declaration.partition(":")
        name, raw = name.strip().lower(), raw.strip()
        probe = _PLACEHOLDER_RE.sub(lambda m: "#000000" if m.group(1) in STYLE_PLACEHOLDERS else "{", raw)
        if not sep or name not in STYLE_PROPERTIES or not _STYLE_VALUE_RE.match(probe):
            problems.append(f"the style `{declaration.strip()[:60]}`")
            continue
        kept.append(f"{name}: {raw}")
    return "; ".join(kept)


class _Sanitizer(HTMLParser):
    def __init__(self, *, link_placeholders: frozenset[str], plain_links: bool):
        super().__init__(convert_charrefs=True)
        self.link_placeholders = link_placeholders
        self.plain_links = plain_links
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping: list[str] = []
        self.problems: list[str] = []

    def _href_allowed(self, value: str) -> bool:
        value = value.strip()
        whole = _PLACEHOLDER_RE.fullmatch(value)
        if whole:
            return whole.group(1) in self.link_placeholders
        if _PLACEHOLDER_RE.fullmatch(value.removeprefix("mailto:")) and value.startswith("mailto:"):
            return _PLACEHOLDER_RE.fullmatch(value.removeprefix("mailto:")).group(1) == "support_email"
        return self.plain_links and bool(_PLAIN_HTTPS_RE.match(value)) and "{{" not in value

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, frozenset())
        parts = []
        for name, value in attrs:
            value = value or ""
            if name not in allowed:
                self.problems.append(f"the attribute `{name}` on <{tag}>")
                continue
            if name == "href" and not self._href_allowed(value):
                self.problems.append(f"the link `{value[:80]}`")
                continue
            if name == "style":
                value = _style_clean(value, self.problems)
                if not value:
                    continue
            elif name != "href" and "{{" in value:
                self.problems.append(f"a placeholder in the attribute `{name}`")
                continue
            parts.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(parts)

    def handle_starttag(self, tag, attrs):
        if self.skipping:
            if tag in DROPPED_WITH_CONTENT:
                self.skipping.append(tag)
            return
        if tag in DROPPED_WITH_CONTENT:
            self.problems.append(f"<{tag}>")
            self.skipping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}>")
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.open and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in self.open:
            while self.open:  # close what was left open inside it, so the output stays well formed
                inner = self.open.pop()
                self.out.append(f"</{inner}>")
                if inner == tag:
                    break

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data):
        pass  # conditional comments of mail clients can load resources: dropped

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass

    def result(self) -> SanitizedHtml:
        self.close()
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        return SanitizedHtml(html="".join(self.out), problems=list(dict.fromkeys(self.problems)))


def html_sanitize(value: str, *, link_placeholders: frozenset[str], plain_links: bool = True) -> SanitizedHtml:
    """`value` rebuilt from the allow-list, with what was dropped (for the field error when a brand saves it)."""
    sanitizer = _Sanitizer(link_placeholders=link_placeholders, plain_links=plain_links)
    sanitizer.feed(value)
    return sanitizer.result()
