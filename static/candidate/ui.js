/* Small helpers every step of the join page shares. */

// Codes with which the link itself is refused (by the endpoints or the socket): retrying cannot help.
export const LINK_PROBLEMS = ["unknown", "expired", "cancelled", "used", "unavailable", "not_found"];

export function $(id) {
  return document.getElementById(id);
}

export function announce(message) {
  // Clearing first makes screen readers repeat a message that happens to be the same as the last.
  const region = $("status");
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 60);
}

export function showMessage(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

export function formatSeconds(total) {
  const sign = total < 0 ? "-" : "";
  total = Math.abs(Math.round(total));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n) => (n < 10 ? "0" : "") + n;
  return sign + (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(seconds);
}

export function formatNumber(n) {
  try {
    return n.toLocaleString("en-US");
  } catch (e) {
    return String(n);
  }
}

export function setBusy(button, busy, busyText) {
  if (busy) {
    button.dataset.label = button.textContent;
    button.textContent = busyText;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  } else {
    if (button.dataset.label) {
      button.textContent = button.dataset.label;
    }
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// Show ``text`` in ``element`` with its `backticked` parts as code. Built from text nodes and <code>
// elements, never from HTML: nothing in a question can become markup.
export function showWithCode(element, text) {
  element.textContent = "";
  String(text || "")
    .split(/`([^`\n]+)`/)
    .forEach((part, index) => {
      if (index % 2 === 1) {
        const code = document.createElement("code");
        code.textContent = part;
        element.appendChild(code);
      } else if (part) {
        element.appendChild(document.createTextNode(part));
      }
    });
}
