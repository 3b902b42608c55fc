"""ZPL II for Zebra thermal printers, from the same plan as the PDF, and raw TCP printing.

Plain templates: ``^XA``, ``^CI28`` (UTF-8), ``^PW``/``^LL`` from the layout, every field
with ``^FH`` so that ``^``, ``~`` and ``_`` in data travel as ``_5E``, ``_7E`` and ``_5F``,
``^BC`` for Code 128 and ``^BX`` for DataMatrix, then ``^XZ``. Never ``^DF``: a stored
format prints nothing.
"""

from __future__ import annotations

import socket
import time
from zoneinfo import ZoneInfo

from .compose import Bars, Box, Matrix, Text, UnprintableText, container_plan
from .content import LabelContent
from .layouts import Layout

# Escape characters for ^BX: one that does not occur in the data is passed explicitly.
_BX_ESCAPES = "`|@#$%&*"
# What a Zebra's built-in font is trusted to print: Latin-1. Other scripts need a Unicode
# TrueType font stored on the printer (the layout's zpl.font_file).
_BUILT_IN_FONT_LIMIT = 0xFF


class PrinterError(RuntimeError):
    """The label could not be handed to the network printer; the message says why."""


def escape(text: str) -> str:
    """Field data for ``^FH``: the three characters ZPL reserves become hex escapes."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def label_zpl(
    content: LabelContent, layout: Layout, zone: ZoneInfo, *, last_resort: bool = True
) -> str:
    """The container label as one ZPL II format for the layout's printer resolution."""
    plan = container_plan(content, layout, zone, last_resort=last_resort)
    dots = layout.dots
    spec = layout.zpl
    if not spec.font_file:
        _require_built_in_font(plan, layout)
    commands = ["^XA", "^CI28", f"^PW{dots(layout.width)}", f"^LL{dots(layout.height)}", "^LH0,0"]
    for item in plan.items:
        if isinstance(item, Box):
            w, h = max(1, dots(item.width)), max(1, dots(item.height))
            commands.append(f"^FO{dots(item.x)},{dots(item.top)}^GB{w},{h},{min(w, h)}^FS")
        elif isinstance(item, Text):
            height = max(10, dots(item.size))
            # A condensed name is the same face with narrower characters (^A's width).
            wide = max(1, round(height * item.scale))
            if spec.font_file:
                font = f"^A@N,{height},{wide},{spec.font_file}"
            else:
                font = f"^A{spec.font}N,{height},{wide}"
            reverse = "^FR" if item.white else ""
            commands.append(
                f"^FT{dots(item.x)},{dots(item.baseline)}{font}{reverse}"
                f"^FH^FD{escape(item.text)}^FS"
            )
        elif isinstance(item, Bars):
            module, height = dots(item.module), dots(item.height)
            commands.append(
                f"^FO{dots(item.x)},{dots(item.top)}^BY{module},3,{height}"
                f"^BCN,{height},N,N,N,A^FH^FD{escape(item.code)}^FS"
            )
        elif isinstance(item, Matrix):
            size = len(item.rows) if len(item.rows) <= 49 else ""
            escape_char = next(c for c in _BX_ESCAPES if c not in item.code)
            commands.append(
                f"^FO{dots(item.x)},{dots(item.top)}"
                f"^BXN,{dots(item.module)},200,{size},{size},,{escape_char},1"
                f"^FH^FD{escape(item.code)}^FS"
            )
    commands += ["^PQ1", "^XZ"]
    return "\n".join(commands) + "\n"


def _require_built_in_font(plan, layout: Layout) -> None:
    """Refuse text the printer's own font would print as gaps (a name must print whole)."""
    for item in plan.items:
        if isinstance(item, Text):
            beyond = sorted({char for char in item.text if ord(char) > _BUILT_IN_FONT_LIMIT})
            if beyond:
                raise UnprintableText(
                    f"{item.text!r} has characters beyond Latin-1 ({''.join(beyond)}), which the "
                    f"printer's built-in font {layout.zpl.font!r} does not print. Set "
                    f"zpl.font_file in {layout.source} to a Unicode font stored on the printer "
                    '(for example "E:TT0003M_.TTF"), or print this label as PDF.'
                )


def send_to_printer(zpl: str, host: str, port: int = 9100, timeout: float = 5.0) -> None:
    """Send ZPL to a network label printer's raw port; PrinterError within ``timeout`` s.

    The whole exchange (connect and send) shares one deadline. Give the printer as an IP
    address: resolving a host name is up to the system resolver and is not bounded here.
    """
    if not 0 < port < 65536:
        raise PrinterError(f"printer port {port} is not a TCP port")
    payload = zpl.encode("utf-8")
    where = f"{host}:{port}"
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            connection.settimeout(remaining)
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)
    except ConnectionRefusedError:
        raise PrinterError(
            f"the label printer at {where} refused the connection: is it switched on, and "
            f"does it accept raw printing on port {port}?"
        ) from None
    except TimeoutError:
        raise PrinterError(
            f"the label printer at {where} did not answer within {timeout:g} s: check that "
            "it is switched on and on the network"
        ) from None
    except socket.gaierror as error:
        raise PrinterError(
            f"the label printer host {host!r} is unknown: {error.strerror}"
        ) from None
    except OSError as error:
        raise PrinterError(
            f"could not send the label to the printer at {where}: {error.strerror or error}"
        ) from None
