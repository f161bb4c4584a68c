/* A cue on tables wider than their box: a shadow on each side that has more to see, and a
 * "Scroll sideways for more" hint while there is any. Used by the dashboard and the operators'
 * admin (/ops/); tables added later (the queue refreshes itself) get it too. No inline script:
 * the pages' Content-Security-Policy allows scripts from this server only. */
(function () {
  "use strict";

  var BOXES = ".table-wrap, #changelist .results, .inline-group .tabular";

  function update(box) {
    var frame = box.parentElement;
    var more = box.scrollWidth - box.clientWidth > 1;
    frame.classList.toggle("can-scroll", more);
    frame.classList.toggle("more-left", more && box.scrollLeft > 1);
    frame.classList.toggle("more-right", more && box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
  }

  var resized = window.ResizeObserver
    ? new ResizeObserver(function (entries) {
        entries.forEach(function (entry) {
          update(entry.target);
        });
      })
    : null;

  function wrap(box) {
    if (box.parentElement && box.parentElement.classList.contains("scroll-cue")) {
      update(box);
      return;
    }
    var frame = document.createElement("div");
    frame.className = "scroll-cue";
    box.parentNode.insertBefore(frame, box);
    frame.appendChild(box);
    var hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.setAttribute("aria-hidden", "true"); // the table itself is what a screen reader reads
    hint.textContent = "Scroll sideways for more →";
    frame.appendChild(hint);
    box.addEventListener(
      "scroll",
      function () {
        update(box);
      },
      { passive: true }
    );
    if (resized) {
      resized.observe(box);
    }
    update(box);
  }

  function wrapAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll(BOXES), wrap);
  }

  function start() {
    wrapAll(document);
    // A closed <details> holds its table at zero width: measure again once it opens.
    document.addEventListener(
      "toggle",
      function (event) {
        wrapAll(event.target);
      },
      true
    );
    window.addEventListener("resize", function () {
      wrapAll(document);
    });
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        Array.prototype.forEach.call(change.addedNodes, function (node) {
          if (node.nodeType === 1) {
            wrapAll(node.parentNode || node);
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
