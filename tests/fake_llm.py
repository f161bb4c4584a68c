"""A local OpenAI-compatible chat-completions server for the LLM engine's tests.

    with FakeLLM() as fake:
        settings.LLM_BASE_URL = fake.url + "/v1"
        fake.errors = [500, 500]          # the next two requests fail, then answers resume
        fake.invalid = 1                  # the next reply is not JSON (ALWAYS: every reply)
        fake.delay = 3.0                  # every reply waits this long (timeout tests)
        fake.replies["AssessmentDraft"] = lambda request: {...}   # custom content per schema
        ...
        fake.requests                     # every request body, parsed, in arrival order

It also serves ``POST /v1/audio/transcriptions`` (multipart, as the openai SDK
sends it), answering ``fake.transcript``; ``errors`` and ``delay`` apply there
too, and the request is kept as its form fields (the file as name, type, bytes).

It serves ``POST /v1/chat/completions`` the way agno's OpenAI client calls it:
the structured-output schema arrives as ``response_format.json_schema`` (name
and JSON schema). The reply's content is built per schema name from the data
blocks of the prompt (``<request>``, ``<question>``, ``<questions>``,
``<transcript>``), so plans name the requested skills, follow-ups follow short
answers and assessments quote the candidate; an unknown schema gets a reply
generated from the JSON schema itself.
"""

from __future__ import annotations

import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALWAYS = 10**9
INVALID_CONTENT = "Sure! Here is the plan: {not json"
# The assessor fake adds this quote to every answered question; it is never in
# any answer, so the engine must drop it.
INVENTED_QUOTE = "I have twenty years of experience with everything"

_BLOCK_RE = re.compile(r"<(request|question|questions|transcript)>\n(.*?)\n</\1>", re.S)


def multipart_fields(content_type: str, raw: bytes) -> dict:
    """A multipart/form-data body as {name: text, or {"filename", "content_type", "size", "data"}}."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename():
            fields[name] = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(data),
                "data": data,
            }
        else:
            fields[name] = data.decode()
    return fields


def blocks(text: str) -> dict[str, object]:
    """The JSON data blocks of a prompt, by tag."""
    return {tag: json.loads(body) for tag, body in _BLOCK_RE.findall(text)}


class FakeLLM:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.errors: list[int] = []
        self.invalid = 0
        self.delay = 0.0
        # Extra response headers for error replies, e.g. {"retry-after-ms": "10"}.
        self.error_headers: dict[str, str] = {}
        self.replies: dict[str, Callable[[dict], object]] = {}
        # What POST /v1/audio/transcriptions answers (errors and delay apply to it too).
        self.transcript = "I would put the work on a queue and retry failures with backoff."
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path.endswith("/audio/transcriptions"):
                    body = multipart_fields(self.headers.get("content-type", ""), raw)
                else:
                    body = json.loads(raw or b"{}")
                status, payload, headers = fake._answer(self.path, body)
                if fake.delay:
                    time.sleep(fake.delay)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- inspecting -------------------------------------------------------------

    def requests_for(self, schema: str) -> list[dict]:
        return [r for r in self.requests if schema_name(r) == schema]

    # -- answering --------------------------------------------------------------

    def _answer(self, path: str, body: dict) -> tuple[int, dict, dict]:
        with self._lock:
            self.requests.append(body)
            if path.endswith("/audio/transcriptions") and not self.errors:
                return 200, {"text": self.transcript}, {}
            if not path.endswith(("/chat/completions", "/audio/transcriptions")):
                return 404, {"error": {"message": f"no route {path}", "type": "not_found"}}, {}
            if self.errors:
                status = self.errors.pop(0)
                error = {"error": {"message": f"fake failure {status}", "type": "server_error"}}
                return status, error, dict(self.error_headers)
            invalid = self.invalid > 0
            if invalid:
                self.invalid -= 1
        name = schema_name(body)
        if invalid:
            content = INVALID_CONTENT
        else:
            make = self.replies.get(name) or _GENERATORS.get(name)
            value = make(body) if make else from_schema(schema_of(body))
            content = value if isinstance(value, str) else json.dumps(value)
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
        completion_tokens = max(1, len(content) // 4)
        return (
            200,
            {
                "id": f"chatcmpl-fake-{next(self._ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake-model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
            {},
        )


def schema_name(body: dict) -> str:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"].get("name", "")
    tools = body.get("tools") or []
    return tools[0]["function"]["name"] if tools else ""


def schema_of(body: dict) -> dict:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"].get("schema", {})
    tools = body.get("tools") or []
    return tools[0]["function"].get("parameters", {}) if tools else {}


def user_text(body: dict) -> str:
    """The last user message's text."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(part.get("text", "") for part in content if isinstance(part, dict))
            return content or ""
    return ""


def system_text(body: dict) -> str:
    return "\n".join(
        str(m.get("content", ""))
        for m in body.get("messages", [])
        if m.get("role") in ("system", "developer")
    )


# --- plausible content per schema ------------------------------------------------------


def skill_review(body: dict) -> dict:
    request = blocks(user_text(body))["request"]
    verdicts = []
    for entry in request["skills"]:
        taxonomy = entry["taxonomy"]
        if taxonomy["recognised"]:
            verdicts.append(
                {
                    "original": entry["original"],
                    "name": taxonomy["name"],
                    "status": "VALID",
                    "category": taxonomy["category"],
                }
            )
        elif entry["original"].strip().lower() in ("elixir", "phoenix"):
            # Skills outside the platform's taxonomy that a model would know.
            name = entry["original"].strip().title()
            verdicts.append(
                {"original": entry["original"], "name": name, "status": "VALID", "category": "backend"}
            )
        else:
            verdicts.append(
                {
                    "original": entry["original"],
                    "name": entry["original"],
                    "status": "UNKNOWN",
                    "category": "",
                }
            )
    return {"skills": verdicts}


def plan_draft(body: dict) -> dict:
    request = blocks(user_text(body))["request"]
    difficulty = request["allowed_difficulties"][0]
    skills = [s["name"] for s in request["skills"]]
    budget = request["question_minutes_budget"]
    specials = ["System Design"] if request["include_system_design"] else []
    specials.append("Behavioral")
    names = skills + specials
    minutes = max(3, min(12, budget // len(names)))
    questions = []
    for name in names:
        kind = {"System Design": "system_design", "Behavioral": "behavioral"}.get(name, "technical")
        questions.append(
            {
                "skill": name,
                "kind": kind,
                "difficulty": difficulty,
                "text": f"Tell me about a time you used {name} to solve a hard problem in production. "
                "What did you consider and what would you do differently?",
                "minutes": minutes,
                "rubric": {
                    "concepts": [
                        {"name": "trade-offs", "synonyms": ["tradeoff", "compromise"]},
                        {"name": "testing", "synonyms": ["unit tests", "test coverage"]},
                        {"name": "monitoring", "synonyms": ["observability", "metrics"]},
                        {"name": "performance", "synonyms": ["latency", "throughput"]},
                    ],
                    "score_1": f"No concrete {name} experience or only buzzwords.",
                    "score_3": f"A real {name} example with some reasoning about choices.",
                    "score_5": f"A deep {name} example with trade-offs, testing and monitoring.",
                },
            }
        )
    level, position = request["level"].lower(), request["position"]
    return {
        "summary": f"A {level} interview for {position} covering {', '.join(names)}.",
        "questions": questions,
    }


def interviewer_decision(body: dict) -> dict:
    data = blocks(user_text(body))
    last_answer = data["transcript"][-1]["answer"]
    if data["question"]["followups_left"] > 0 and len(last_answer.split()) < 10:
        return {
            "action": "followup",
            "followup": "Could you walk me through a concrete example, and what trade-offs you weighed?",
        }
    return {"action": "next", "followup": ""}


def assessment_draft(body: dict) -> dict:
    data = blocks(user_text(body))
    entries = []
    for question in data["questions"]:
        index = question["index"]
        answers = [t["answer"] for t in data["transcript"] if t["question_index"] == index and t["answer"]]
        if not answers:
            entries.append(
                {
                    "question_index": index,
                    "score": 1,
                    "matched_concepts": [],
                    "evidence": [],
                    "rationale": "Not answered.",
                    "points": None,
                    "needs_review": False,
                    "review_reasons": [],
                }
            )
            continue
        text = " ".join(answers)
        concepts = [c["name"] for c in question["rubric"]["concepts"] if c["name"].lower() in text.lower()]
        first_sentence = re.split(r"(?<=[.!?])\s+", answers[0].strip())[0]
        score = min(5, 2 + len(concepts))
        entries.append(
            {
                "question_index": index,
                "score": score,
                # Inside the score's band; a model may also leave it to the platform (null).
                "points": 20 * (score - 1) + 5 + len(concepts),
                "needs_review": False,
                "review_reasons": [],
                "matched_concepts": [*concepts, "a concept that is not in the rubric"],
                "evidence": [first_sentence, INVENTED_QUOTE],
                "rationale": f"Covered {len(concepts)} rubric concepts.",
            }
        )
    return {
        "questions": entries,
        "strengths": ["Explains trade-offs clearly"],
        "concerns": ["Little detail on monitoring"],
        "summary": "A solid interview with concrete examples.",
    }


_GENERATORS: dict[str, Callable[[dict], object]] = {
    "SkillReview": skill_review,
    "PlanDraft": plan_draft,
    "InterviewerDecision": interviewer_decision,
    "AssessmentDraft": assessment_draft,
}


def from_schema(schema: dict, root: dict | None = None) -> object:
    """A minimal value that satisfies a JSON schema (types, enums, required, min items)."""
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return from_schema(root.get("$defs", {}).get(name, {}), root)
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return from_schema(schema["anyOf"][0], root)
    kind = schema.get("type")
    if kind == "object":
        return {key: from_schema(sub, root) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [from_schema(schema.get("items", {}), root) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "text"
