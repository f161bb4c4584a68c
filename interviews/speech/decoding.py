"""Browser audio (webm/opus, ogg, mp4/aac, wav) to 16 kHz mono 16-bit PCM, with PyAV.

The ``av`` wheel carries its own FFmpeg libraries, so nothing else is needed
on the machine. The same decode is the upload's check: audio that cannot be
decoded to the end is refused before anything is stored.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import av

SAMPLE_RATE = 16_000
# How far the decoded length may fall short of what the file's header declares
# before the file counts as truncated (encoders pad a little).
TRUNCATION_TOLERANCE_SECONDS = 0.5


class BadAudio(ValueError):
    """The bytes are not audio we can decode, or the file stops short."""


@dataclass(frozen=True)
class Decoded:
    pcm: bytes  # signed 16-bit little-endian, mono, SAMPLE_RATE Hz
    seconds: float


def decode(data: bytes, *, max_seconds: float | None = None) -> Decoded:
    """Decode every audio frame of ``data``; raise BadAudio for anything short of that."""
    if not data:
        raise BadAudio("The recording is empty.")
    _check_complete(data)
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise BadAudio("The file has no audio track.")
            stream = container.streams.audio[0]
            declared = _declared_seconds(container, stream)
            pcm = _resample_all(container, stream, max_seconds)
    except av.FFmpegError as exc:
        raise BadAudio(f"The audio could not be decoded ({exc.__class__.__name__}).") from None
    seconds = len(pcm) / 2 / SAMPLE_RATE
    if seconds == 0:
        raise BadAudio("The recording holds no sound.")
    if declared is not None and seconds + TRUNCATION_TOLERANCE_SECONDS < declared:
        raise BadAudio(f"The recording stops at {seconds:.1f}s of its {declared:.1f}s: it is truncated.")
    return Decoded(pcm=pcm, seconds=seconds)


def _check_complete(data: bytes) -> None:
    """Containers whose end is recognisable without decoding: a wav's data size, an ogg's last page."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        offset = 12
        while offset + 8 <= len(data):
            chunk, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
            # 0 or about 2-4 GB (far above any upload limit): a streaming writer's
            # placeholder (espeak-ng --stdout, ffmpeg to a pipe), not a real size.
            streaming = size == 0 or size >= 0x7FFF0000
            if chunk == b"data" and not streaming and offset + 8 + size > len(data):
                raise BadAudio("The wav recording is shorter than its header says: it is truncated.")
            offset += 8 + size + (size & 1)
    elif data[:4] == b"OggS":
        last = data.rfind(b"OggS")
        if last < 0 or len(data) < last + 6 or not data[last + 5] & 0x04:
            raise BadAudio("The ogg recording has no end-of-stream page: it is truncated.")


def _declared_seconds(container, stream) -> float | None:
    # MediaRecorder's webm declares no duration (it is written live); a wav or
    # a finished mp4 does, which is how a cut-off upload is recognised.
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _resample_all(container, stream, max_seconds: float | None) -> bytes:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    limit = int(max_seconds * SAMPLE_RATE * 2) if max_seconds else None
    chunks: list[bytes] = []
    size = 0
    for frame in container.decode(stream):
        for out in resampler.resample(frame):
            chunk = bytes(out.planes[0])[: out.samples * 2]
            chunks.append(chunk)
            size += len(chunk)
        if limit is not None and size > limit:
            raise BadAudio(f"The recording is longer than {max_seconds:.0f} seconds.")
    for out in resampler.resample(None):
        chunks.append(bytes(out.planes[0])[: out.samples * 2])
    return b"".join(chunks)
