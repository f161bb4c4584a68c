"""Spoken answers: the upload, its transcription job, the link to the answer, the retention purge.

An upload is checked completely (type, size, the question it answers, and a
full decode) before anything is stored; then the transcription runs as a job
and its result reaches the candidate's socket after commit. The candidate
sends the (possibly corrected) transcript as the answer, naming the recording.
"""

from __future__ import annotations

import difflib
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from interview_platform.api import DomainError, Invalid, WrongState

from . import effects, joining
from .joining import CodeProblem, LinkProblem
from .models import Interview, Recording, State, Turn
from .speech import decoding, providers

logger = logging.getLogger(__name__)

# What MediaRecorder produces (Chromium/Firefox webm or ogg with opus, Safari
# mp4 with aac) plus wav; the file's extension in storage.
AUDIO_TYPES = {"audio/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/wav": ".wav"}
# Re-recording is fine; a loop filling the disk is not.
MAX_RECORDINGS_PER_QUESTION = 10
FAILED_MESSAGE = "We could not turn your recording into text. Please type your answer instead."


class UnsupportedAudio(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"


class TooMany(DomainError):
    status_code = 429
    code = "too_many_recordings"


def audio_type(content_type: str) -> str:
    """The bare audio type of a Content-Type header (parameters like codecs allowed); 415 otherwise."""
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    if bare in ("audio/x-wav", "audio/wave"):
        bare = "audio/wav"
    if bare not in AUDIO_TYPES:
        raise UnsupportedAudio(
            f"Send the recording as {', '.join(AUDIO_TYPES)}; got {bare or 'no Content-Type'}.",
            fields={"Content-Type": bare},
        )
    return bare


def check_length(declared: str | None) -> None:
    """Refuse an oversized upload from its Content-Length, before reading it."""
    try:
        length = int(declared) if declared else None
    except ValueError:
        raise Invalid("Content-Length is not a number.", fields={"Content-Length": declared}) from None
    if length is not None and length > settings.RECORDING_MAX_BYTES:
        raise too_large()


def too_large() -> TooLarge:
    limit = settings.RECORDING_MAX_BYTES
    return TooLarge(
        f"The recording is larger than {limit // (1024 * 1024) or 1} MB ({limit} bytes).",
        fields={"maxBytes": limit},
    )


def candidate_interview(token: str, session) -> Interview:
    """The verified candidate's interview; a finished one is a 409 here (an answer too late), not a 404."""
    try:
        return joining.verified_interview(token, session)
    except LinkProblem as exc:
        if exc.code == "used":
            raise WrongState(
                "The interview is complete; it takes no more answers.", code="completed"
            ) from None
        raise


def pending_turn(interview: Interview, question_id: str) -> Turn:
    """The turn waiting for an answer, if it is ``question_id``; 409 otherwise."""
    if interview.state != State.IN_PROGRESS:
        raise WrongState("The interview is not in progress.", code="not_in_progress")
    pending = interview.turns.filter(answered_at__isnull=True).last()
    if pending is None or pending.public_id != question_id:
        raise WrongState(
            "That question is not the one waiting for an answer.",
            code="out_of_turn",
            fields={"expected": pending.public_id if pending else None},
        )
    return pending


def upload(interview: Interview, question_id: str, content_type: str, data: bytes) -> Recording:
    """Check, store and queue the transcription of one spoken answer."""
    if not providers.enabled():
        raise WrongState(
            "Spoken answers are turned off here; please type your answer.", code="speech_disabled"
        )
    pending_turn(interview, question_id)
    if len(data) > settings.RECORDING_MAX_BYTES:
        raise too_large()
    try:
        decoded = decoding.decode(data, max_seconds=settings.RECORDING_MAX_SECONDS)
    except decoding.BadAudio as exc:
        raise Invalid(str(exc), code="bad_audio", fields={"audio": str(exc)}) from None
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        turn = pending_turn(locked, question_id)  # still the one asked, now under the lock
        if turn.recordings.count() >= MAX_RECORDINGS_PER_QUESTION:
            raise TooMany(
                f"At most {MAX_RECORDINGS_PER_QUESTION} recordings per question; please type the answer.",
                fields={"maxRecordings": MAX_RECORDINGS_PER_QUESTION},
            )
        recording = Recording(
            id=uuid.uuid4(),
            interview=locked,
            turn=turn,
            content_type=content_type,
            size=len(data),
            duration_seconds=round(decoded.seconds, 2),
        )
        recording.audio.save(f"answer{AUDIO_TYPES[content_type]}", ContentFile(data), save=False)
        try:
            recording.save()
        except Exception:
            recording.audio.delete(save=False)  # nothing stored half
            raise
        effects.enqueue("interviews.tasks.transcribe_recording", str(recording.id))
    return recording


def of_interview(interview: Interview, recording_id) -> Recording:
    try:
        return interview.recordings.select_related("turn").get(pk=uuid.UUID(str(recording_id)))
    except (ValueError, Recording.DoesNotExist):
        raise Http404 from None


def transcribe(recording_id) -> None:
    """Decode and transcribe; push the transcript (or the failure) to the candidate. Idempotent."""
    recording = Recording.objects.select_related("turn").filter(pk=recording_id).first()
    if recording is None or recording.status != Recording.Status.TRANSCRIBING:
        return
    transcriber = providers.get_transcriber()
    try:
        with recording.audio.open("rb") as audio:
            pcm = decoding.decode(audio.read()).pcm
        text = transcriber.transcribe(pcm).strip()
        if not text:
            raise providers.TranscriptionFailed("No words were recognised in the recording.")
    except providers.TranscriptionFailed as exc:
        logger.warning("transcription of recording %s failed: %s", recording_id, exc)
        _finish(recording, Recording.Status.FAILED, "", transcriber.name, str(exc)[:1000])
        return
    except Exception as exc:  # whatever broke (storage, decoder), the candidate types instead
        logger.exception("transcription of recording %s failed", recording_id)
        _finish(recording, Recording.Status.FAILED, "", transcriber.name, str(exc)[:1000])
        return
    _finish(recording, Recording.Status.DONE, text, transcriber.name, "")


def _finish(recording: Recording, status: str, text: str, provider: str, error: str) -> None:
    with transaction.atomic():
        updated = Recording.objects.filter(pk=recording.pk, status=Recording.Status.TRANSCRIBING).update(
            status=status, text=text, provider=provider, error=error, transcribed_at=timezone.now()
        )
        if not updated:
            return  # a second run of the job: the first one already told the candidate
        ids = {"recordingId": str(recording.id), "questionId": recording.turn.public_id}
        if status == Recording.Status.DONE:
            effects.push_frame(recording.interview_id, {"type": "transcript", **ids, "text": text})
        else:
            effects.push_frame(
                recording.interview_id,
                {"type": "error", "code": "transcription_failed", "message": FAILED_MESSAGE, "fields": ids},
            )


def answer_fields(turn: Turn, recording_id, text: str) -> dict:
    """The Turn fields of an answer sent from ``recording_id``'s transcript (in the answer's transaction)."""
    if recording_id is None:
        return {}
    try:
        recording = turn.recordings.get(pk=uuid.UUID(str(recording_id)))
    except (ValueError, Recording.DoesNotExist):
        raise CodeProblem(
            "That recording does not belong to this question.",
            code="bad_recording",
            fields={"recordingId": str(recording_id)},
        ) from None
    transcript = recording.text.strip()
    ratio = 1 - difflib.SequenceMatcher(None, transcript, text, autojunk=False).ratio()
    return {
        "recording": recording,
        "transcript_edited": text != transcript,
        "transcript_edit_ratio": round(ratio, 3),
    }


def purge_expired() -> int:
    """Delete the audio of recordings older than RECORDING_RETENTION_DAYS; the transcripts stay."""
    cutoff = timezone.now() - timedelta(days=settings.RECORDING_RETENTION_DAYS)
    purged = 0
    for recording in Recording.objects.filter(created_at__lt=cutoff, deleted_at__isnull=True)[:500]:
        if recording.audio:
            recording.audio.delete(save=False)
        Recording.objects.filter(pk=recording.pk).update(audio="", deleted_at=timezone.now())
        purged += 1
    return purged


def answers_of(interview: Interview) -> dict[str, list[dict]]:
    """The answered turns for the assessment body: scored answers, and the candidate's own questions."""
    rows: dict[str, list[dict]] = {"answers": [], "candidateQuestions": []}
    for turn in interview.turns.filter(answered_at__isnull=False).order_by("sequence"):
        row = {
            "questionId": turn.public_id,
            "questionIndex": turn.question_index,
            "kind": turn.kind,
            "question": turn.question_text,
            "answer": turn.answer_text,
            "recordingId": str(turn.recording_id) if turn.recording_id else None,
            "transcriptEdited": turn.transcript_edited,
            "transcriptEditRatio": turn.transcript_edit_ratio,
        }
        rows["candidateQuestions" if turn.kind == Turn.Kind.CLOSING else "answers"].append(row)
    return rows
