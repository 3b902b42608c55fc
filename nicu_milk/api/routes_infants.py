"""Babies and mothers: admission, consent, inventory, discharge, holds on a mother's milk."""

from flask import g

from ..extensions import db
from ..runtime import now, unit, zone
from ..services import families, receiving
from ..services import printing as printouts
from ..services.common import infant_for
from . import EVERYONE, STAFF, endpoint, serialize
from .responses import (
    AdmittedOut,
    ContainerList,
    DischargeOut,
    InfantDetail,
    InfantList,
    InfantOut,
    MotherHoldOut,
    ReservedCodes,
    TakeHomeList,
)
from .schemas import InfantCreate, InfantUpdate, ReserveLabels, WithReason


@endpoint(
    "POST",
    "/infants",
    "Admit a baby (and record the mother)",
    roles=STAFF,
    body=InfantCreate,
    response=AdmittedOut,
    status=201,
    tag="infants",
)
def create_infant(body: InfantCreate):
    baby = families.admit_infant(
        db.session,
        mrn=body.mrn,
        first_name=body.first_name,
        last_name=body.last_name,
        date_of_birth=body.date_of_birth,
        mother_mrn=body.mother.mrn,
        mother_first_name=body.mother.first_name,
        mother_last_name=body.mother.last_name,
        donor_milk_consent=body.donor_milk_consent,
        wristband_code=body.wristband_code,
        daily_volume_ml=body.daily_volume_ml,
        today=now().astimezone(zone()).date(),
    )
    label_warning = printouts.admission_label_warning(
        unit(), baby.first_name, baby.last_name, baby.mrn
    )
    return {
        **serialize.infant(baby),
        "warnings": [{"code": "WIDE_LABEL_STOCK", "message": label_warning}]
        if label_warning
        else [],
    }


@endpoint(
    "GET",
    "/infants",
    "List babies: staff see the unit, a parent their own",
    roles=EVERYONE,
    response=InfantList,
    tag="infants",
)
def list_infants():
    if g.user.is_staff:
        babies = families.infants(db.session, admitted_first=False)
    else:
        babies = g.user.infants
    return {"infants": [serialize.infant(baby) for baby in babies]}


@endpoint(
    "GET",
    "/infants/{mrn}",
    "A baby, with the milk in stock",
    roles=EVERYONE,
    response=InfantDetail,
    tag="infants",
)
def get_infant(mrn: str):
    baby = infant_for(db.session, g.user, mrn)
    return {
        **serialize.infant(baby, siblings=families.siblings(db.session, baby)),
        "inventory": families.inventory(db.session, baby),
    }


@endpoint(
    "PATCH",
    "/infants/{mrn}",
    "Record donor-milk consent or the daily feeding volume",
    roles=STAFF,
    body=InfantUpdate,
    response=InfantOut,
    tag="infants",
)
def update_infant(mrn: str, body: InfantUpdate):
    baby = infant_for(db.session, g.user, mrn)
    families.update_infant(
        baby,
        donor_milk_consent=body.donor_milk_consent,
        daily_volume_ml=body.daily_volume_ml,
        clear_daily_volume="daily_volume_ml" in body.model_fields_set
        and body.daily_volume_ml is None,
    )
    return serialize.infant(baby)


@endpoint(
    "POST",
    "/infants/{mrn}/discharge",
    "Discharge a baby: the milk to return to the family",
    roles=STAFF,
    response=DischargeOut,
    tag="infants",
)
def discharge(mrn: str):
    baby = infant_for(db.session, g.user, mrn)
    listed = families.discharge(db.session, baby, now())
    return {
        "infant": serialize.infant(baby),
        "return_to_family": [serialize.discharge_item(i) for i in listed if not i.donor],
        "donor_milk": [serialize.discharge_item(i) for i in listed if i.donor],
    }


@endpoint(
    "GET",
    "/infants/{mrn}/containers",
    "A baby's containers, newest first",
    roles=EVERYONE,
    response=ContainerList,
    tag="infants",
)
def infant_containers(mrn: str):
    baby = infant_for(db.session, g.user, mrn)
    return {
        "containers": [
            serialize.container(c, full=False) for c in families.containers_of(db.session, baby)
        ]
    }


@endpoint(
    "GET",
    "/infants/{mrn}/take-home",
    "Milk to send home with the family at discharge; expired bottles are marked",
    roles=EVERYONE,
    response=TakeHomeList,
    tag="infants",
)
def take_home(mrn: str):
    baby = infant_for(db.session, g.user, mrn)
    listed = families.discharge_list(db.session, baby, now())
    return {"containers": [serialize.discharge_item(i) for i in listed if not i.donor]}


@endpoint(
    "POST",
    "/infants/{mrn}/reserved-labels",
    "Reserve codes for a take-home label sheet",
    roles=EVERYONE,
    body=ReserveLabels,
    response=ReservedCodes,
    status=201,
    tag="containers",
)
def reserve_labels(mrn: str, body: ReserveLabels):
    baby = infant_for(db.session, g.user, mrn)
    return {"codes": receiving.reserve_labels(db.session, unit(), g.user, baby, body.count)}


def _mother(mrn: str):
    return families.mother_by_mrn(db.session, mrn)


@endpoint(
    "POST",
    "/mothers/{mrn}/hold",
    "Hold all of a mother's milk (quarantine)",
    roles=STAFF,
    body=WithReason,
    response=MotherHoldOut,
    tag="containers",
)
def hold_mother(mrn: str, body: WithReason):
    mother = _mother(mrn)
    count = families.hold_mother(db.session, mother, body.reason, g.user, now())
    return {
        "mother_mrn": mother.mrn,
        "held": True,
        "reason": mother.hold_reason,
        "containers_affected": count,
    }


@endpoint(
    "POST",
    "/mothers/{mrn}/release",
    "Lift the hold on a mother's milk",
    roles=STAFF,
    response=MotherHoldOut,
    tag="containers",
)
def release_mother(mrn: str):
    mother = _mother(mrn)
    count = families.release_mother(db.session, mother, g.user, now())
    return {"mother_mrn": mother.mrn, "held": False, "reason": None, "containers_affected": count}
