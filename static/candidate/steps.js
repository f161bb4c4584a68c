/* One step of the page is shown at a time; the stepper above says where the candidate is. */
import { $ } from "./ui.js";

const STEPS = ["welcome", "code", "device", "interview", "done", "problem"];
const STEPPER_ORDER = ["welcome", "code", "device", "interview"];
const leaving = {};
let current = null;

export function currentStep() {
  return current;
}

// Run ``callback`` whenever the page moves away from ``step``.
export function onLeave(step, callback) {
  (leaving[step] = leaving[step] || []).push(callback);
}

function updateStepper(name) {
  const position = STEPPER_ORDER.indexOf(name);
  const finished = name === "done";
  $("stepper")
    .querySelectorAll("li")
    .forEach((item) => {
      const index = STEPPER_ORDER.indexOf(item.dataset.step);
      item.classList.toggle("is-done", finished || (position >= 0 && index < position));
      if (index === position) {
        item.setAttribute("aria-current", "step");
      } else {
        item.removeAttribute("aria-current");
      }
    });
}

export function showStep(name) {
  if (current && current !== name) {
    (leaving[current] || []).forEach((callback) => callback());
  }
  STEPS.forEach((step) => {
    $("step-" + step).hidden = step !== name;
  });
  updateStepper(name);
  $("stepper").parentElement.hidden = name === "problem";
  $("connection").hidden = name !== "interview";
  current = name;
  window.scrollTo(0, 0);
  // Move focus to the new step's heading so keyboard and screen-reader users start there.
  const heading = $("step-" + name).querySelector("h1");
  if (heading) {
    heading.focus();
  }
}
