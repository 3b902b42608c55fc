"""MLLP framing: whole messages out of bytes however they arrive, garbage and oversized frames
reported, and files of messages split by framing or by blank lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nicu_milk.adapters.hl7 import Discarded, MllpDecoder, Oversized, frame, read_messages_file
from tests.adapters.hl7 import samples

VT, FS, CR = b"\x0b", b"\x1c", b"\r"
A = samples.TWIN_A.encode()
B = samples.TWIN_B.encode()


def test_frame_wraps_a_message_in_the_block_characters():
    assert frame("MSH|x\r") == b"\x0bMSH|x\r\x1c\r"
    assert frame(b"MSH|x\r") == b"\x0bMSH|x\r\x1c\r"
    assert frame("Zoë") == b"\x0bZo\xc3\xab\x1c\r"
    assert frame("Zoë", encoding="latin-1") == b"\x0bZo\xeb\x1c\r"


@pytest.mark.parametrize("payload", [b"MSH|\x0b|", b"MSH|\x1c|", "MSH|\x1c"])
def test_frame_refuses_a_message_holding_a_block_character(payload):
    with pytest.raises(ValueError, match="0x0B or 0x1C"):
        frame(payload)


def test_one_message_in_one_read():
    decoder = MllpDecoder()
    assert decoder.feed(frame(A)) == [A]
    assert not decoder.in_frame
    assert decoder.close() is None


def test_several_messages_in_one_read():
    assert MllpDecoder().feed(frame(A) + frame(B) + frame(A)) == [A, B, A]


def test_a_message_split_across_reads_comes_out_when_it_ends():
    decoder = MllpDecoder()
    whole = frame(A)
    assert decoder.feed(whole[:10]) == []
    assert decoder.in_frame
    assert decoder.feed(whole[10:-2]) == []
    assert decoder.feed(whole[-2:-1]) == [A]  # the end block; its CR may follow in the next read
    assert decoder.feed(whole[-1:]) == []


def test_bytes_outside_a_frame_are_discarded_and_counted():
    decoder = MllpDecoder()
    out = decoder.feed(b"hello" + frame(A) + b"\r\n" + b"xy" + frame(B) + b"\r\n")
    assert [item for item in out if isinstance(item, bytes)] == [A, B]
    # CR and LF between frames are normal; the 7 other bytes are not.
    assert Discarded(7, "bytes outside an MLLP frame") in out


def test_a_new_start_block_abandons_the_frame_before_it():
    decoder = MllpDecoder()
    out = decoder.feed(VT + b"MSH|cut short" + frame(B))
    assert out == [Discarded(13, "a new message began before this one ended"), B]


def test_a_stream_that_ends_inside_a_frame_reports_it():
    decoder = MllpDecoder()
    assert decoder.feed(frame(A) + VT + A[:100]) == [A]
    assert decoder.close() == Discarded(100, "the stream ended in the middle of a message")
    assert not decoder.in_frame


def test_an_oversized_message_keeps_its_head_to_be_answered():
    big = samples.one_megabyte().encode()
    decoder = MllpDecoder(max_message_bytes=64 * 1024)
    whole = frame(big) + frame(A)
    out = []
    for start in range(0, len(whole), 50_000):
        out += decoder.feed(whole[start : start + 50_000])
    oversized, after = out
    assert isinstance(oversized, Oversized)
    assert oversized.size == len(big)
    assert oversized.head == big[:4096]
    assert after == A  # the next message is read as usual


def test_a_message_of_exactly_the_limit_passes():
    assert MllpDecoder(max_message_bytes=len(A)).feed(frame(A)) == [A]
    assert isinstance(MllpDecoder(max_message_bytes=len(A) - 1).feed(frame(A))[0], Oversized)


def test_a_message_of_one_megabyte_passes_the_default_limit():
    big = samples.one_megabyte().encode()
    assert len(big) > 1_000_000
    assert MllpDecoder().feed(frame(big)) == [big]


def test_an_empty_frame_is_an_empty_message():
    assert MllpDecoder().feed(VT + FS + CR) == [b""]


def test_the_limit_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        MllpDecoder(max_message_bytes=0)


MESSAGES = st.lists(
    st.binary(max_size=200).map(lambda raw: raw.replace(VT, b"").replace(FS, b"")),
    min_size=1,
    max_size=6,
)


@given(MESSAGES, st.data())
def test_any_split_of_the_stream_gives_the_same_messages(messages, data):
    stream = b"".join(frame(message) for message in messages)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(stream)), max_size=20)))
    decoder = MllpDecoder()
    out = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += decoder.feed(stream[start:end])
    assert out == messages
    assert decoder.close() is None


@given(MESSAGES, st.binary(max_size=50))
def test_garbage_between_frames_never_changes_the_messages(messages, garbage):
    garbage = garbage.replace(VT, b"")
    stream = garbage + b"".join(frame(message) + garbage for message in messages)
    out = MllpDecoder().feed(stream)
    assert [item for item in out if isinstance(item, bytes)] == messages
    assert all(isinstance(item, bytes | Discarded) for item in out)


# --- files ------------------------------------------------------------------------------------


def test_a_file_framed_by_mllp():
    data = frame(A) + b"\r\n" + frame(B) + b"\n"
    assert read_messages_file(data) == [A, B]


def test_a_framed_file_that_ends_inside_a_message_is_refused_whole():
    with pytest.raises(ValueError, match="ends in the middle of message 2"):
        read_messages_file(frame(A) + VT + B[:50])


def test_a_file_of_messages_separated_by_blank_lines_with_lf():
    data = A.replace(CR, b"\n") + b"\n\n" + B.replace(CR, b"\n") + b"\n"
    assert read_messages_file(data) == [A, B]


def test_a_file_with_crlf_and_several_blank_lines():
    data = b"\r\n\r\n" + A.replace(CR, b"\r\n") + b"\r\n\r\n\r\n" + B.replace(CR, b"\r\n")
    assert read_messages_file(data) == [A, B]


def test_a_file_where_each_msh_begins_the_next_message():
    assert read_messages_file(A + B + A) == [A, B, A]


def test_a_batch_envelope_and_a_byte_order_mark_are_skipped():
    envelope = b"\xef\xbb\xbfFHS|^~\\&|EPIC\rBHS|^~\\&|EPIC\r"
    data = (envelope + A + B + b"BTS|2\rFTS|1\r").replace(CR, b"\n")
    assert read_messages_file(data) == [A, B]


def test_a_message_without_msh_stays_a_message_of_its_own_to_be_refused():
    missing = samples.MISSING_MSH.encode()
    assert read_messages_file(A + b"\r" + missing + b"\r" + B) == [A, missing, B]


def test_an_empty_file_has_no_messages():
    assert read_messages_file(b"") == []
    assert read_messages_file(b"\r\n\n") == []
