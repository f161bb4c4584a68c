/* The recruiter dashboard's small enhancements. Every page works without them. */
(function () {
  "use strict";

  // Copy a candidate link: <button data-copy="input-id">.
  function copyText(input, button) {
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.textContent = label; }, 1800);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { legacyCopy(input); done(); });
    } else {
      legacyCopy(input);
      done();
    }
  }

  function legacyCopy(input) {
    // Plain http (local installs) has no Clipboard API.
    input.focus();
    input.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selected for Ctrl-C */ }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (input) { copyText(input, button); }
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // Irreversible actions ask first: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // A select that reloads its (GET) form when changed: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
    }
  });

  // The approvals queue refreshes itself when items arrive or leave.
  var list = document.querySelector("[data-poll-url]");
  if (!list) { return; }
  var pollUrl = list.getAttribute("data-poll-url");
  var interval = parseInt(list.getAttribute("data-poll-seconds") || "15", 10) * 1000;
  var notice = document.getElementById("queue-notice");
  var busy = false;

  function updateNavCount(total) {
    var badge = document.getElementById("nav-queue-count");
    if (badge) {
      badge.textContent = String(total);
      badge.classList.toggle("zero", total === 0);
    }
  }

  function reloadList() {
    var url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    url.searchParams.delete("approved");
    return fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-poll-url]");
        if (fresh) {
          list.innerHTML = fresh.innerHTML;
          list.setAttribute("data-fingerprint", fresh.getAttribute("data-fingerprint"));
        }
      });
  }

  function poll() {
    // Nobody is looking at a hidden tab; it catches up when shown again.
    if (busy || document.hidden) { return; }
    busy = true;
    // The list's fingerprint is the poll's ETag: an unchanged queue is a bodiless 304.
    var headers = { Accept: "application/json", "If-None-Match": '"' + list.getAttribute("data-fingerprint") + '"' };
    fetch(pollUrl, { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (response) {
        if (response.redirected && response.url.indexOf("/accounts/login/") !== -1) {
          // Signed out meanwhile (session expired): show the sign-in page instead of a stale queue.
          window.location.reload();
          throw new Error("signed out");
        }
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return null; }
        updateNavCount(data.total);
        if (data.fingerprint === list.getAttribute("data-fingerprint")) { return null; }
        return reloadList().then(function () {
          if (notice) {
            notice.textContent = "The queue was updated: " + data.plans + " plan(s) and " +
              data.assessments + " assessment(s) are waiting.";
            notice.hidden = false;
          }
        });
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { busy = false; });
  }

  setInterval(poll, interval);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { poll(); }
  });
})();
