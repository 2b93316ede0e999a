"""The WebSocket frame check against generated frames: it never raises, and a frame it
lets through has every field strawberry's handlers read, of the type they expect."""

from hypothesis import given
from hypothesis import strategies as st

from schema.websocket import MAX_REASON_BYTES, frame_problem

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                  max_size=3),
    max_leaves=8)
KINDS = st.sampled_from(["subscribe", "start", "complete", "stop", "connection_init",
                         "ping", "pong", "connection_terminate", "nonsense"])
OPERATION = st.fixed_dictionaries({}, optional={
    "query": JSON | st.text(), "variables": JSON, "operationName": JSON | st.text(),
    "extensions": JSON})
FRAMES = JSON | st.fixed_dictionaries({"type": KINDS}, optional={
    "id": JSON | st.text(), "payload": JSON | OPERATION})


@given(FRAMES)
def test_a_frame_passes_only_with_what_the_handlers_read(frame):
    problem = frame_problem(frame)
    if problem is not None:
        assert len(problem.encode()) <= MAX_REASON_BYTES
        return
    assert isinstance(frame, dict) and isinstance(frame["type"], str)
    payload = frame.get("payload")
    if frame["type"] in ("subscribe", "start"):
        assert isinstance(frame["id"], str) and isinstance(payload["query"], str)
        assert isinstance(payload.get("variables"), dict | None)
        assert isinstance(payload.get("operationName"), str | None)
        assert isinstance(payload.get("extensions"), dict | None)
    elif frame["type"] in ("complete", "stop"):
        assert isinstance(frame["id"], str)
    elif frame["type"] in ("connection_init", "ping", "pong"):
        assert isinstance(payload, dict | None)
