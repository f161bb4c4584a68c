"""Measure the configured speech-to-text provider: word error rate and speed.

    python manage.py measure_stt                      # five sentences spoken by espeak-ng
    python manage.py measure_stt a.webm b.wav ...     # each with its reference text in a.txt, b.txt

The audio goes through the same decoding as an upload (16 kHz mono PCM).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interviews.speech import decoding
from interviews.speech.providers import TranscriptionFailed, get_transcriber
from interviews.speech.wer import edit_distance, word_error_rate, words

SENTENCES = [
    "I would use a message queue to process the orders in the background.",
    "We stored the data in a relational database with an index on the customer name.",
    "The team wrote unit tests before changing the payment service.",
    "I measured the latency and found that the cache was too small.",
    "My last project was a web application for booking appointments.",
]


class Command(BaseCommand):
    help = "Word error rate and speed of STT_PROVIDER on audio files (or on espeak-ng speech)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="audio files, each with a .txt reference beside it")
        parser.add_argument("--voice", default="en-us", help="espeak-ng voice for the built-in sentences")
        parser.add_argument("--speed", type=int, default=150, help="espeak-ng words per minute")

    def handle(self, *args, files, voice, speed, **options):
        samples = [self._file(Path(f)) for f in files] if files else self._spoken(voice, speed)
        transcriber = get_transcriber()
        self.stdout.write(f"provider: {settings.STT_PROVIDER} {settings.STT_MODEL}".rstrip())
        errors = total = 0
        audio_seconds = work_seconds = 0.0
        for name, data, reference in samples:
            decoded = decoding.decode(data)
            started = time.perf_counter()
            try:
                text = transcriber.transcribe(decoded.pcm)
            except TranscriptionFailed as exc:
                raise CommandError(f"{name}: {exc}") from exc
            work_seconds += time.perf_counter() - started
            audio_seconds += decoded.seconds
            ref = words(reference)
            errors += edit_distance(ref, words(text))
            total += len(ref)
            self.stdout.write(f"{name}: WER {word_error_rate(reference, text):.0%}")
            self.stdout.write(f"  said:  {reference}\n  heard: {text}")
        self.stdout.write(
            f"overall WER {errors / max(1, total):.1%} over {total} words; "
            f"{audio_seconds:.1f}s of audio in {work_seconds:.1f}s "
            f"({audio_seconds / max(work_seconds, 1e-9):.1f}x real time)"
        )

    def _file(self, path: Path) -> tuple[str, bytes, str]:
        reference = path.with_suffix(".txt")
        if not path.is_file() or not reference.is_file():
            raise CommandError(f"{path} needs to exist, with its reference text in {reference}.")
        return path.name, path.read_bytes(), reference.read_text()

    def _spoken(self, voice: str, speed: int) -> list[tuple[str, bytes, str]]:
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            raise CommandError("espeak-ng is not installed; give audio files with reference texts instead.")
        return [
            (
                f"sentence {i}",
                subprocess.run(  # noqa: S603  (espeak-ng found on PATH; the text is an argument)
                    [espeak, "-v", voice, "-s", str(speed), "--stdout", sentence],
                    check=True,
                    capture_output=True,
                ).stdout,
                sentence,
            )
            for i, sentence in enumerate(SENTENCES, 1)
        ]
