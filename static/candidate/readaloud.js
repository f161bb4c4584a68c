/* "Read aloud": the browser's speech synthesis reads the interviewer's words; the same button mutes it.
 *
 * Candidates who speak their answers hear the interviewer by default; candidates who type switch it on.
 * The choice is remembered per way of answering.
 */
import { $ } from "./ui.js";

let enabled = false;

export function readAloudOn() {
  return enabled;
}

export function speak(text) {
  if (!enabled || !("speechSynthesis" in window) || !text) {
    return;
  }
  window.speechSynthesis.cancel();
  // `code` in a question is shown as code; read aloud, the backticks would be spoken as symbols.
  const utterance = new SpeechSynthesisUtterance(String(text).replace(/`/g, ""));
  utterance.lang = document.documentElement.lang || "en";
  utterance.rate = 0.95;
  window.speechSynthesis.speak(utterance);
}

export function stopSpeaking() {
  if (window.speechSynthesis) {
    window.speechSynthesis.cancel();
  }
}

function remembered(key, fallback) {
  try {
    const value = window.localStorage.getItem(key);
    return value === null ? fallback : value === "on";
  } catch (e) {
    return fallback;
  }
}

// ``currentText`` gives what to read when the candidate switches reading on mid-question.
export function setupReadAloud(currentText, voiceMode) {
  const button = $("read-aloud");
  const key = voiceMode ? "interview-read-aloud-voice" : "interview-read-aloud";
  const supported = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
  if (supported) {
    button.hidden = false;
    enabled = remembered(key, !!voiceMode);
  }
  const show = () => {
    button.setAttribute("aria-pressed", enabled ? "true" : "false");
    button.classList.toggle("is-muted", !enabled);
  };
  show();
  button.addEventListener("click", () => {
    enabled = !enabled;
    show();
    try {
      window.localStorage.setItem(key, enabled ? "on" : "off");
    } catch (e) {
      /* the choice then lasts for this page only */
    }
    if (enabled) {
      speak(currentText());
    } else {
      stopSpeaking();
    }
  });
}
