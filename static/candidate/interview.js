/* Step 4: the live interview: the interviewer's introduction, the thread so far, the question (repeat,
 * rephrase), the answer (spoken and transcribed, or typed), the connection line, and the end. */
import { $, LINK_PROBLEMS, announce, formatNumber, showMessage, showWithCode } from "./ui.js";
import { currentStep, showStep } from "./steps.js";
import { InterviewSocket } from "./socket.js";
import { forgetDraft, loadDraft, storeDraft } from "./drafts.js";
import { startCountdown, stopCountdown } from "./countdown.js";
import { readAloudOn, setupReadAloud, speak, stopSpeaking } from "./readaloud.js";
import { addToThread, showHistory, showIntro } from "./thread.js";
import { setupVoice } from "./voice.js";

const CONNECTION_LABELS = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  closed: "Not connected",
};

export function setupInterview(config, flow) {
  const live = {
    questionId: null,
    questionText: "",
    kind: "main",
    waiting: false,
    sentText: null,
    lastError: "",
    introSpoken: false,
  };
  const answer = $("answer");
  const voice = setupVoice(config, {
    stopSpeaking,
    useTranscript(text) {
      const typed = answer.value.trim();
      answer.value = typed && typed !== text ? typed + "\n\n" + text : text;
      updateCounter();
      saveDraft();
      $("answer-label").textContent = "Your answer (the text of your recording: correct it if needed)";
      answer.focus();
    },
    focusAnswer() {
      answer.focus();
    },
  });
  const socket = new InterviewSocket(socketUrl, {
    onFrame: handleFrame,
    onStatus: setConnection,
    onLost: () => {
      if (live.waiting && live.sentText !== null) {
        $("thinking").hidden = false; // the answer may or may not have been stored; the server tells us
      }
    },
    onRefused: () =>
      halt(
        (live.lastError || "The interview cannot continue right now.") +
          " Reload the page to try again, or contact the recruiter if this keeps happening.",
        false
      ),
  });

  if (/Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)) {
    $("send-key").textContent = "⌘";
  }

  function socketUrl() {
    if (config.websocketSameOrigin === false) {
      return config.websocketUrl; // sockets served on their own origin (SOCKET_BASE_URL)
    }
    // The session cookie that authorizes the socket belongs to the host this page was opened on,
    // so connect there, on the path the server gave (which carries the link's token).
    const path = new URL(config.websocketUrl, window.location.href).pathname;
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path;
  }

  function setConnection(state, again) {
    const element = $("connection");
    if (element.dataset.state === state) {
      return;
    }
    element.dataset.state = state;
    $("connection-text").textContent = CONNECTION_LABELS[state];
    if (state === "reconnecting" || state === "offline") {
      announce(
        state === "offline"
          ? "You are offline. Your answer is kept; we reconnect when you are back."
          : "Connection lost. Reconnecting…"
      );
    } else if (state === "connected" && again) {
      announce("Connected again.");
    }
  }

  let readAloudReady = false;

  function enter() {
    voice.activate();
    if (!readAloudReady) {
      setupReadAloud(() => live.questionText, config.answerMode === "voice");
      readAloudReady = true;
    }
    showStep("interview");
    socket.start(false);
  }

  function stop() {
    socket.stop();
    stopCountdown();
  }

  // Stop for good on this page, and say why in the notice above the question.
  function halt(message, canContinue) {
    stop();
    setConnection("closed");
    setWaiting(true);
    $("thinking").hidden = true;
    showNotice(message, canContinue);
  }

  function saveDraft() {
    if (live.questionId && !live.waiting) {
      storeDraft(live.questionId, answer.value);
    }
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "intro":
        showIntro(frame);
        if (!live.introSpoken && readAloudOn() && !live.questionId) {
          speak(frame.text); // once per page: a reconnect does not introduce the interviewer again
        }
        live.introSpoken = true;
        break;
      case "history":
        showHistory(frame.items);
        break;
      case "question":
        showQuestion(frame);
        break;
      case "transcript":
        if (frame.questionId === live.questionId) {
          voice.transcribed(frame);
        }
        break;
      case "ack":
        if (frame.questionId === live.questionId) {
          forgetDraft(frame.questionId);
          addToThread({ questionId: frame.questionId, kind: live.kind, text: live.questionText, answer: live.sentText });
          live.sentText = null;
          announce("Answer saved.");
        }
        break;
      case "completed":
        finish(frame.message);
        break;
      case "error":
        handleError(frame);
        break;
      default:
        break; // pong, or something newer than this page
    }
  }

  // The same question again, as asked for: word for word, or in other words.
  function askedAgain(frame) {
    live.questionText = frame.text;
    showWithCode($("question-text"), frame.text);
    $("repeat").disabled = false;
    $("rephrase").disabled = false;
    if (readAloudOn()) {
      speak(frame.text);
    }
    announce((frame.rephrased ? "In other words: " : "Again: ") + frame.text);
  }

  function showKind(kind) {
    const closing = kind === "closing";
    $("followup-badge").hidden = kind !== "followup";
    $("closing-badge").hidden = !closing;
    $("no-questions").hidden = !closing;
    $("rephrase").hidden = closing;
    $("answer-label").textContent = closing ? "Your questions for us (optional)" : "Your answer";
  }

  function showQuestion(frame) {
    hideNotice();
    if (frame.questionId === live.questionId && (frame.repeat || frame.rephrased)) {
      askedAgain(frame);
      return;
    }
    if (frame.questionId === live.questionId) {
      // The same question after a reconnect: whatever was sent before the drop was not stored.
      if (live.waiting) {
        setWaiting(false);
        if (live.sentText !== null) {
          answerError("The connection dropped before your answer was saved. Please send it again.");
        }
      }
      live.sentText = null;
      return;
    }
    live.questionId = frame.questionId;
    live.questionText = frame.text;
    live.kind = frame.kind;
    live.sentText = null;
    voice.setQuestion(frame.questionId);
    const question = $("question");
    question.dataset.questionId = frame.questionId;
    question.dataset.kind = frame.kind;
    showWithCode($("question-text"), frame.text);
    $("progress-text").textContent =
      frame.kind === "closing" ? "Last part: your questions" : "Question " + frame.index + " of " + frame.total;
    showKind(frame.kind);
    if (window.matchMedia("(max-width: 40rem)").matches) {
      // On a phone the question comes first; the introduction folds to one line ("Show" opens it).
      $("intro").open = false;
    }
    const done = (frame.kind === "closing" ? frame.total : Math.max(0, frame.index - 1)) / Math.max(1, frame.total);
    $("progress-fill").style.transform = "scaleX(" + done.toFixed(3) + ")";
    answer.value = loadDraft(frame.questionId);
    updateCounter();
    answerError("");
    setWaiting(false);
    startCountdown(frame.minutes);
    if (voice.on) {
      $("record").focus();
    } else {
      answer.focus();
    }
    if (readAloudOn()) {
      speak(frame.text);
    }
  }

  function setWaiting(waiting) {
    live.waiting = waiting;
    answer.disabled = waiting;
    $("send").disabled = waiting;
    $("no-questions").disabled = waiting;
    $("repeat").disabled = waiting;
    $("rephrase").disabled = waiting;
    voice.setBusy(waiting);
    $("thinking").hidden = !waiting;
    $("answer-form").setAttribute("aria-busy", waiting ? "true" : "false");
    if (!waiting && currentStep() === "interview" && !voice.on) {
      answer.focus();
    }
  }

  function answerError(message) {
    showMessage($("answer-error"), message);
    if (message) {
      answer.setAttribute("aria-invalid", "true");
    } else {
      answer.removeAttribute("aria-invalid");
    }
  }

  function showNotice(message, canContinue) {
    $("interview-notice-text").textContent = message;
    $("continue-here").hidden = !canContinue;
    $("interview-notice").hidden = false;
  }

  function hideNotice() {
    $("interview-notice").hidden = true;
  }

  function handleError(frame) {
    const code = frame.code;
    if (LINK_PROBLEMS.indexOf(code) >= 0) {
      flow.linkProblem(frame);
      return;
    }
    switch (code) {
      case "taken_over":
        halt(
          "This interview was opened in another window, so this one has stopped. Continue in the other window, " +
            "or continue here instead.",
          true
        );
        $("continue-here").focus();
        return;
      case "not_verified":
        stop();
        flow.backToWelcome("Your session has ended. Send yourself a new code to continue.");
        return;
      case "no_consent":
        stop();
        flow.backToWelcome("Please accept the terms and confirm your email to continue.");
        return;
      case "device_check_required":
        stop();
        config.deviceOk = false;
        flow.enterDevice();
        showMessage($("device-help"), frame.message);
        return;
      case "transcription_failed":
        if (frame.fields && frame.fields.questionId === live.questionId) {
          voice.failed(frame);
        }
        return;
      case "answer_too_long":
      case "empty_answer":
      case "bad_recording":
        setWaiting(false);
        live.sentText = null;
        answerError(frame.message);
        return;
      case "out_of_turn":
        // This page and the server disagree about the current question: reconnecting resynchronises
        // (the server sends the question that is waiting), and the draft stays in the textarea.
        setWaiting(false);
        live.sentText = null;
        answerError(frame.message + " The current question is shown again.");
        live.questionId = null;
        socket.drop();
        return;
      case "not_in_progress":
        stop();
        setWaiting(true);
        $("thinking").hidden = true;
        showNotice("This interview is no longer in progress. Contact the recruiter if you think this is a mistake.", false);
        return;
      default:
        live.lastError = frame.message;
        if (live.waiting) {
          setWaiting(false);
          live.sentText = null;
        }
        answerError(frame.message || "Something went wrong. Please try again.");
    }
  }

  function updateCounter() {
    const length = answer.value.length;
    const counter = $("answer-count");
    counter.textContent = formatNumber(length) + " / " + formatNumber(config.maxAnswerChars) + " characters";
    counter.classList.toggle("is-over", length > config.maxAnswerChars);
  }

  function submitAnswer(closingText) {
    if (live.waiting || !live.questionId) {
      return;
    }
    const closing = live.kind === "closing";
    const text = closing && typeof closingText === "string" ? closingText : answer.value.trim();
    if (voice.recording()) {
      answerError("Finish your recording first (or re-record), then send your answer.");
      return;
    }
    if (!text && !closing) {
      answerError("Write your answer before sending it.");
      answer.focus();
      return;
    }
    if (text.length > config.maxAnswerChars) {
      answerError(
        "Your answer is " + formatNumber(text.length - config.maxAnswerChars) +
          " characters over the limit of " + formatNumber(config.maxAnswerChars) + ". Please shorten it."
      );
      answer.focus();
      return;
    }
    saveDraft();
    if (!socket.sendAnswer(live.questionId, text, voice.recordingId())) {
      answerError("You are not connected right now. Your answer is kept here; send it again once the connection is back.");
      return;
    }
    answerError("");
    live.sentText = text;
    setWaiting(true);
    stopSpeaking();
  }

  function finish(message) {
    stop();
    if (live.questionId) {
      forgetDraft(live.questionId);
    }
    // The message is the interviewer's closing words, then the next steps, which the page lists itself.
    const text = message || "";
    const lead = config.nextStepsLead ? text.indexOf(config.nextStepsLead) : -1;
    $("done-message").textContent = (lead > 0 ? text.slice(0, lead).trim() : text) || "Thank you for your time.";
    $("questions-passed-on").hidden = !$("thread").querySelector(".thread-closing .thread-a:not(.is-empty)");
    showStep("done");
    if (readAloudOn() && message) {
      speak(message);
    }
  }

  // Integrity signals are facts for the reviewer, never verdicts.
  document.addEventListener("visibilitychange", () => {
    socket.sendIntegrity(document.hidden ? "tab_hidden" : "tab_visible");
  });
  window.addEventListener("blur", () => socket.sendIntegrity("focus_lost"));
  window.addEventListener("focus", () => socket.sendIntegrity("focus_gained"));
  answer.addEventListener("paste", (event) => {
    const pasted = event.clipboardData ? event.clipboardData.getData("text") : "";
    socket.sendIntegrity("paste", { chars: pasted.length });
  });
  $("question").addEventListener("copy", () => socket.sendIntegrity("copy"));

  $("continue-here").addEventListener("click", () => {
    hideNotice();
    live.questionId = null; // the server sends the waiting question again; the draft is kept by question
    const id = $("question").dataset.questionId;
    if (id && answer.value) {
      storeDraft(id, answer.value);
    }
    setWaiting(true);
    socket.start(true);
  });

  answer.addEventListener("input", () => {
    updateCounter();
    saveDraft();
    if (!$("answer-error").hidden && answer.value.length <= config.maxAnswerChars) {
      answerError("");
    }
  });

  answer.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submitAnswer();
    }
  });

  $("answer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitAnswer();
  });

  $("no-questions").addEventListener("click", () => submitAnswer(""));

  ["repeat", "rephrase"].forEach((kind) =>
    $(kind).addEventListener("click", () => {
      if (!live.questionId || live.waiting) {
        return;
      }
      if (socket.send({ type: kind, questionId: live.questionId })) {
        $(kind).disabled = true; // until the question comes back
        announce(kind === "repeat" ? "Asking for the question again…" : "Asking for the question in other words…");
      } else if (kind === "repeat" && readAloudOn()) {
        speak(live.questionText); // offline: at least read it again
      }
    })
  );

  updateCounter();

  return { enter, stop };
}
