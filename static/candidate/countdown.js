/* The per-question timer is a guide only: nothing is sent when it runs out. */
import { $, formatSeconds } from "./ui.js";

let interval = 0;

export function stopCountdown() {
  window.clearInterval(interval);
}

export function startCountdown(minutes) {
  stopCountdown();
  const timer = $("timer");
  if (!minutes) {
    timer.hidden = true;
    return;
  }
  const end = Date.now() + minutes * 60000;
  timer.hidden = false;
  function tick() {
    const left = (end - Date.now()) / 1000;
    const over = left < 0;
    timer.classList.toggle("is-over", over);
    $("timer-text").textContent = over ? "+" + formatSeconds(-left) + " over" : formatSeconds(left);
    $("timer-label").textContent = over
      ? "Suggested time for this question is over; take the time you need:"
      : "Suggested time left for this question:";
  }
  tick();
  interval = window.setInterval(tick, 1000);
}
