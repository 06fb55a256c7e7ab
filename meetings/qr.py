"""QR codes of ballot slips, as inline SVG (segno).

Inline SVG with presentation attributes only (no ``style``), so the strict CSP holds; a viewBox
instead of a fixed size lets the print stylesheet size it in millimetres. Error level M
survives a crumpled slip.
"""

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def _qr(url: str):
    return segno.make(url, error="m", micro=False)


def ballot_qr_svg(url: str, *, title: str) -> SafeString:
    svg = _qr(url).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="meetings-qr", lineclass=None, title=title
    )
    # Generated markup (segno escapes the title), never user text.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def ballot_qr_png(url: str, *, scale: int = 5) -> bytes:
    """The same QR code as a PNG."""
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale)
    return buffer.getvalue()
