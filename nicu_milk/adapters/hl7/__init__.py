"""HL7 v2 ADT from the hospital record, received over MLLP (interop.md, "HL7 v2 ADT").

`messages` reads an ADT message into a typed value and writes the ACK; `mllp` frames, splits
and serves them. Both are pure of Flask and the database: the use cases that apply a message
live in the service layer.
"""

from .messages import (
    EVENTS,
    SUPPORTED_VERSIONS,
    AdtEffect,
    AdtMessage,
    AdtRejection,
    MessageHeader,
    MotherIdentity,
    build_ack,
    effect_of,
    hl7_time,
    parse_adt,
    valid_identifier,
)
from .mllp import (
    DEFAULT_MAX_MESSAGE_BYTES,
    Discarded,
    MllpDecoder,
    Oversized,
    frame,
    read_messages_file,
    serve,
)

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "EVENTS",
    "SUPPORTED_VERSIONS",
    "AdtEffect",
    "AdtMessage",
    "AdtRejection",
    "Discarded",
    "MessageHeader",
    "MllpDecoder",
    "MotherIdentity",
    "Oversized",
    "build_ack",
    "effect_of",
    "frame",
    "hl7_time",
    "parse_adt",
    "read_messages_file",
    "serve",
    "valid_identifier",
]
