"""Audio for the speech tests: espeak-ng speech, silence-free tones, and browser-like encodings."""

from __future__ import annotations

import io
import math
import shutil
import struct
import subprocess
import wave

import av

from tests.services import _missing


def spoken_wav(text: str, *, rate: int = 16_000, speed: int = 150) -> bytes:
    """``text`` spoken by espeak-ng, as a mono wav at ``rate`` Hz."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        _missing("espeak-ng is not installed (apt install espeak-ng)")
    raw = subprocess.run(
        [espeak, "-v", "en-us", "-s", str(speed), "--stdout", text], check=True, capture_output=True
    ).stdout
    return resample_wav(raw, rate)


def tone_wav(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def resample_wav(data: bytes, rate: int) -> bytes:
    return encode(data, "wav", codec="pcm_s16le", rate=rate)


def encode(data: bytes, container: str, *, codec: str | None = None, rate: int = 48_000) -> bytes:
    """Re-encode audio the way a browser's MediaRecorder would send it: webm/opus, mp4/aac, ogg/opus."""
    codec = codec or {"webm": "libopus", "ogg": "libopus", "mp4": "aac", "wav": "pcm_s16le"}[container]
    out_buffer = io.BytesIO()
    with av.open(io.BytesIO(data)) as source, av.open(out_buffer, "w", format=container) as target:
        stream = target.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    target.mux(packet)
        for converted in resampler.resample(None):
            for packet in stream.encode(converted):
                target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return out_buffer.getvalue()
