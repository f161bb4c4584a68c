/* The conversation around the current question: the interviewer's introduction with the agenda,
 * and the thread of earlier questions and answers (rebuilt from the server's history frame). */
import { $, showWithCode } from "./ui.js";

const KIND_LABELS = { followup: "Follow-up", closing: "Your questions" };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function plural(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}

export function showIntro(frame) {
  $("intro-name").textContent = frame.interviewer || "";
  $("intro-avatar").textContent = (frame.interviewer || "?").slice(0, 1).toUpperCase();
  $("intro-org").textContent = frame.organization ? "Interviewer at " + frame.organization : "Interviewer";
  $("question-who").textContent = (frame.interviewer || "The interviewer") + " asks";
  $("intro-text").textContent = frame.text || "";
  const agenda = frame.agenda || {};
  const list = $("agenda");
  list.textContent = "";
  const items = [];
  if (agenda.questions) {
    items.push(plural(agenda.questions, "question"));
  }
  if (agenda.minutes) {
    items.push("about " + agenda.minutes + " minutes");
  }
  items.push(agenda.voice ? "speak or type each answer" : "typed answers only");
  items.push("ask to repeat or reword any question");
  items.forEach((text) => list.appendChild(element("li", "", text)));
  $("intro").hidden = false;
}

function threadItem(item, number) {
  const li = element("li", "thread-item thread-" + (item.kind || "main"));
  li.dataset.questionId = item.questionId;
  const head = element("p", "thread-q");
  const label = KIND_LABELS[item.kind];
  head.appendChild(element("span", "thread-num", label ? label : "Q" + number));
  head.appendChild(document.createTextNode(" "));
  const text = element("span", "thread-text");
  showWithCode(text, item.text);
  head.appendChild(text);
  li.appendChild(head);
  const answer = element("p", "thread-a" + (item.answer ? "" : " is-empty"), item.answer || "No questions");
  li.appendChild(answer);
  return li;
}

function renumber() {
  let number = 0;
  $("thread")
    .querySelectorAll(".thread-item")
    .forEach((li) => {
      if (li.classList.contains("thread-main")) {
        number += 1;
        li.querySelector(".thread-num").textContent = "Q" + number;
      }
    });
}

// The whole thread, as the server knows it (on every connect).
export function showHistory(items) {
  const list = $("thread");
  list.textContent = "";
  (items || []).forEach((item) => list.appendChild(threadItem(item, 0)));
  renumber();
  $("thread-wrap").hidden = !list.children.length;
  if (list.children.length) {
    $("intro").open = false; // back in an interview under way: the introduction folds away (one click opens it)
  }
}

// One more answered question, as soon as the server confirmed it.
export function addToThread(item) {
  const list = $("thread");
  if (list.querySelector('[data-question-id="' + CSS.escape(item.questionId) + '"]')) {
    return;
  }
  list.appendChild(threadItem(item, 0));
  renumber();
  $("thread-wrap").hidden = false;
  $("intro").open = false; // the conversation has begun: the question matters more now
  list.scrollTop = list.scrollHeight;
}
