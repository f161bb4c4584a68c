/* "Read aloud": the browser's speech synthesis reads each question; the choice is remembered. */
import { $ } from "./ui.js";

const STORAGE_KEY = "interview-read-aloud";
let enabled = false;

export function readAloudOn() {
  return enabled;
}

export function speak(text) {
  if (!("speechSynthesis" in window)) {
    return;
  }
  window.speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = document.documentElement.lang || "en";
  utterance.rate = 0.95;
  window.speechSynthesis.speak(utterance);
}

export function stopSpeaking() {
  if (window.speechSynthesis) {
    window.speechSynthesis.cancel();
  }
}

// ``currentText`` gives what to read when the candidate switches reading on mid-question.
export function setupReadAloud(currentText) {
  const button = $("read-aloud");
  if ("speechSynthesis" in window && "SpeechSynthesisUtterance" in window) {
    button.hidden = false;
    try {
      enabled = window.localStorage.getItem(STORAGE_KEY) === "on";
    } catch (e) {
      enabled = false;
    }
    button.setAttribute("aria-pressed", enabled ? "true" : "false");
  }
  button.addEventListener("click", () => {
    enabled = !enabled;
    button.setAttribute("aria-pressed", enabled ? "true" : "false");
    try {
      window.localStorage.setItem(STORAGE_KEY, enabled ? "on" : "off");
    } catch (e) {
      /* the choice then lasts for this page only */
    }
    if (enabled && currentText()) {
      speak(currentText());
    } else if (!enabled) {
      window.speechSynthesis.cancel();
    }
  });
}
