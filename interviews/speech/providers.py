"""Speech-to-text providers, one small class each, chosen by STT_PROVIDER.

Every provider takes 16 kHz mono 16-bit PCM (see decoding.py) and returns the
text, or raises TranscriptionFailed. Settings were checked at start
(interview_platform/settings.py); faster-whisper, not a requirement, is
imported only when chosen.
"""

from __future__ import annotations

import io
import threading
import wave
from functools import cache

import openai
import pocketsphinx
from django.conf import settings

from .decoding import SAMPLE_RATE


class TranscriptionFailed(Exception):
    """The provider could not turn the recording into text; the candidate types instead."""


class NoSpeechToText:
    name = "none"

    def transcribe(self, pcm: bytes) -> str:
        raise TranscriptionFailed("Speech to text is turned off (STT_PROVIDER=none).")


SILENCE = b"\0\0" * (SAMPLE_RATE // 2)


class Pocketsphinx:
    """CMU PocketSphinx with the US English model inside its wheel: offline, basic accuracy."""

    name = "pocketsphinx"

    def __init__(self) -> None:
        # Loading the model takes a second; a decoder is not thread-safe, and
        # the embedded job runner is a thread pool, so one decoder behind a lock.
        self._decoder = pocketsphinx.Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        self._lock = threading.Lock()

    def transcribe(self, pcm: bytes) -> str:
        words: list[str] = []
        with self._lock:
            # Voice activity detection splits the answer into utterances: the
            # decoder does far better on sentences than on minutes at once.
            # Half a second of silence around the answer: the voice activity detector
            # misses speech that starts on the very first sample (a quick speaker).
            padded = SILENCE + pcm + SILENCE
            for segment in pocketsphinx.Segmenter(sample_rate=SAMPLE_RATE).segment(io.BytesIO(padded)):
                self._decoder.start_utt()
                self._decoder.process_raw(segment.pcm, full_utt=True)
                self._decoder.end_utt()
                hypothesis = self._decoder.hyp()
                if hypothesis and hypothesis.hypstr:
                    words.append(hypothesis.hypstr)
        return " ".join(words)


class Whisper:
    """faster-whisper; STT_MODEL (e.g. base.en) is downloaded into DATA_DIR on first use."""

    name = "whisper"

    def __init__(self) -> None:
        from faster_whisper import WhisperModel  # noqa: PLC0415  (not a requirement: installed by choice)

        self._model = WhisperModel(
            settings.STT_MODEL, device="cpu", compute_type="int8", download_root=str(settings.STT_MODEL_DIR)
        )

    def transcribe(self, pcm: bytes) -> str:
        try:
            # A file-like wav: faster-whisper decodes it itself (with PyAV, as we do).
            segments, _info = self._model.transcribe(io.BytesIO(_wav(pcm)), language="en", vad_filter=True)
            return " ".join(segment.text.strip() for segment in segments).strip()
        except Exception as exc:  # the model's errors have no common base class
            raise TranscriptionFailed(f"whisper failed: {exc.__class__.__name__}: {exc}") from exc


class OpenAITranscriptions:
    """POST /v1/audio/transcriptions of OpenAI or any compatible server, through the openai SDK.

    This is outgoing HTTP outside webhooks/transport.py, as the LLM engine's
    is: the SDK does the provider's protocol, timeouts and retries (429, 5xx,
    connection errors: STT_MAX_RETRIES times with backoff).
    """

    name = "openai"

    def __init__(self) -> None:
        self._client = openai.OpenAI(
            api_key=settings.STT_API_KEY or "not-needed",
            base_url=settings.STT_BASE_URL or None,
            timeout=settings.STT_TIMEOUT_SECONDS,
            max_retries=settings.STT_MAX_RETRIES,
        )

    def transcribe(self, pcm: bytes) -> str:
        try:
            result = self._client.audio.transcriptions.create(
                model=settings.STT_MODEL, file=("answer.wav", _wav(pcm), "audio/wav"), response_format="json"
            )
        except openai.OpenAIError as exc:
            raise TranscriptionFailed(f"{exc.__class__.__name__}: {exc}"[:500]) from exc
        text = getattr(result, "text", None)
        if not isinstance(text, str):
            raise TranscriptionFailed("The transcription service answered without text.")
        return text.strip()


def _wav(pcm: bytes) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


_PROVIDERS = {
    "none": NoSpeechToText,
    "pocketsphinx": Pocketsphinx,
    "whisper": Whisper,
    "openai": OpenAITranscriptions,
    "openai-like": OpenAITranscriptions,
}


@cache
def _provider(name: str, model: str, base_url: str):
    return _PROVIDERS[name]()


def get_transcriber():
    """The configured provider, made once per process (and again when the settings change, as in tests)."""
    return _provider(settings.STT_PROVIDER, settings.STT_MODEL, settings.STT_BASE_URL)


def enabled() -> bool:
    return settings.STT_PROVIDER != "none"
