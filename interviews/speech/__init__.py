"""Spoken answers: decoding browser audio and turning it into text (providers chosen by STT_PROVIDER)."""
