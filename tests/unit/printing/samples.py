"""Sample label content and the unit's zone, shared by the printing tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nicu_milk.printing import LabelContent

LABELS_DIR = Path(__file__).resolve().parents[3] / "labels"
ZONE = ZoneInfo("America/Chicago")
MOMENT = datetime(2026, 11, 28, 20, 5, tzinfo=UTC)  # 28 Nov 2026 14:05 CST
MOMENT_TEXT = "28 Nov 2026 14:05 CST"


def content(**changes) -> LabelContent:
    """A fresh MOM container label; keyword arguments change fields."""
    base = LabelContent(
        code="M0000012514",
        infant_first_name="Olivia",
        infant_last_name="Smith",
        infant_mrn="10234567",
        milk_type="MOM",
        donor_lot=None,
        donor_product_code=None,
        colostrum=False,
        expressed_at=MOMENT,
        state="fresh",
        expires_at=MOMENT,
        expiry_reason="fresh in fridge, +48 h",
        fortifier=None,
        kcal_per_oz=None,
        volume_ml=60,
        name_alert=False,
    )
    return dataclasses.replace(base, **changes)


def everything(**changes) -> LabelContent:
    """A label with every optional field: DHM, colostrum, fortified, a NAME ALERT."""
    return content(
        **{
            "infant_first_name": "Baby Girl B",
            "infant_last_name": "Featherstonehaugh",
            "infant_mrn": "MRN-0012345678",
            "milk_type": "DHM",
            "donor_lot": "LOT-2026-11-0042",
            "donor_product_code": "M0001",
            "colostrum": True,
            "state": "thawed",
            "fortifier": "Similac HMF",
            "kcal_per_oz": 24,
            "volume_ml": 120,
            "name_alert": True,
            **changes,
        }
    )
