"""Audio for the speech tests: espeak-ng speech, silence-free tones, and browser-like encodings."""

from __future__ import annotations

import io
import math
import shutil
import struct
import subprocess
import wave

import av
from channels.layers import InMemoryChannelLayer
from django.core.files.storage import FileSystemStorage
from django.test import Client

from interviews import joining, live
from interviews.models import Recording
from interviews.push import group_name
from tests.factories import page_url
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


def tone_wav(seconds: float = 1.0, rate: int = 16_000, *, volume: int = 8000) -> bytes:
    """A 440 Hz tone (``volume=0``: silence) as a mono wav."""
    frames = b"".join(
        struct.pack("<h", int(volume * math.sin(2 * math.pi * 440 * i / rate)))
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


def private_recordings(monkeypatch, folder) -> None:
    """Recordings go to ``folder``/recordings (the field resolved STORAGES when the model was defined)."""
    storage = FileSystemStorage(location=folder / "recordings", base_url=None)
    monkeypatch.setattr(Recording._meta.get_field("audio"), "storage", storage)


class WatchedLayer(InMemoryChannelLayer):
    """A channel layer that keeps what was sent to each group: what reached the candidate's socket."""

    sent: dict[str, list[dict]] = {}

    async def group_send(self, group, message):
        WatchedLayer.sent.setdefault(group, []).append(message)
        await super().group_send(group, message)


class Speaking:
    """A verified candidate on an interview in progress; ``frames()`` are what its socket was sent."""

    def __init__(self, interview, token, capture, settings):
        self.interview, self.token, self.capture = interview, token, capture
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.speech.WatchedLayer"}}
        WatchedLayer.sent.pop(group_name(interview.id), None)
        self.browser = Client(enforce_csrf_checks=True)
        self.csrf = self.browser.get(page_url(token)).cookies["csrftoken"].value
        session = self.browser.session
        session[joining.SESSION_KEY] = str(interview.id)
        session.save()
        with capture(execute=True):
            live.start(interview.id, "test-socket")
        self.frames()  # the first question

    def frames(self) -> list[dict]:
        """The frames pushed to the candidate's socket since the last look."""
        sent = WatchedLayer.sent.pop(group_name(self.interview.id), [])
        return [message["frame"] for message in sent]

    @property
    def question_id(self) -> str:
        return self.interview.turns.get(answered_at__isnull=True).public_id

    def upload(self, data: bytes, content_type="audio/webm;codecs=opus", question_id=None, **extra):
        url = f"/api/v1/candidate/join/{self.token}/answers/{question_id or self.question_id}/audio"
        with self.capture(execute=True):
            # CONTENT_TYPE too: the test client drops the header of an empty body, a browser does not.
            return self.browser.post(
                url,
                data,
                content_type=content_type,
                CONTENT_TYPE=content_type,
                HTTP_X_CSRFTOKEN=self.csrf,
                **extra,
            )

    def status(self, recording_id):
        return self.browser.get(f"/api/v1/candidate/join/{self.token}/recordings/{recording_id}")
