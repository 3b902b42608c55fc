/* NICU milk: a little progressive JavaScript. Every page works without it; this only keeps the
   scan box ready, tells a hand-typed code from a scanner, sounds the verdict, takes focus to a
   form's mistakes, opens the phone menu, and signs out an idle screen. All of it lives here:
   the pages carry no inline script. */
(function () {
  "use strict";

  // Marked at once, before the body is drawn: the stylesheet collapses the phone menu only when
  // this script is here to open it again.
  document.documentElement.classList.add("js");

  // A keyboard-wedge scanner types a whole code in a few milliseconds per character; a person
  // takes well over 50 ms between keys. A code typed by hand needs a witness (two-person check).
  var TYPED_GAP_MS = 50;
  var MIN_KEYS = 4;

  function median(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  function watchScanBox(input) {
    var form = input.form;
    var entry = form.querySelector("[data-entry-method]");
    var times = [];
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "Tab") { return; }
      if (input.value === "") { times = []; }
      times.push(event.timeStamp || Date.now());
    });
    form.addEventListener("submit", function () {
      var gaps = [];
      for (var i = 1; i < times.length; i += 1) { gaps.push(times[i] - times[i - 1]); }
      if (entry) {
        entry.value = gaps.length >= MIN_KEYS - 1 && median(gaps) > TYPED_GAP_MS ? "typed" : "";
      }
      times = [];
    });
    // The scanner types into whatever has focus: bring focus back to the scan box whenever it
    // drifts to nothing in particular (a tap on the page's background).
    document.addEventListener("click", function () {
      window.setTimeout(function () {
        var active = document.activeElement;
        if (!active || active === document.body || active.id === "main") { input.focus(); }
      }, 0);
    });
    if (input.hasAttribute("autofocus") && document.activeElement !== input) { input.focus(); }
  }

  // Sign-in: a badge scan ends with Enter; go on to the password instead of submitting.
  function watchLogin(form) {
    var username = form.querySelector("input[name=username]");
    var password = form.querySelector("input[name=password]");
    if (!username || !password) { return; }
    username.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && password.value === "") {
        event.preventDefault();
        password.focus();
      }
    });
  }

  // A pick list beside a scan field fills the field in.
  function watchPickLists() {
    document.querySelectorAll("select[data-fills]").forEach(function (select) {
      select.addEventListener("change", function () {
        var target = document.getElementById(select.getAttribute("data-fills"));
        if (target && select.value) { target.value = select.value; }
      });
    });
  }

  // One tap records one feed: a second tap while the page loads does nothing.
  function guardDoubleSubmit() {
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sending") === "yes") { event.preventDefault(); return; }
        var question = form.getAttribute("data-confirm");
        if (question && !window.confirm(question)) { event.preventDefault(); return; }
        form.setAttribute("data-sending", "yes");
        window.setTimeout(function () { form.removeAttribute("data-sending"); }, 8000);
      });
    });
  }

  // A screen left alone shows patients' names: after the idle limit, go to sign-in (the server
  // has signed the session out by then too).
  function watchIdle() {
    var seconds = parseInt(document.body.getAttribute("data-idle-seconds") || "0", 10);
    var loginUrl = document.body.getAttribute("data-login-url");
    if (!seconds || !loginUrl) { return; }
    var timer = null;
    function restart() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () {
        var here = window.location.pathname + window.location.search;
        window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
      }, (seconds + 5) * 1000);
    }
    ["keydown", "pointerdown", "touchstart", "scroll"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }

  // The phone menu: a disclosure button that opens the menu and the sign-out. Escape closes it
  // and gives focus back to the button.
  function wireMenu() {
    var button = document.querySelector("[data-menu-toggle]");
    var header = document.querySelector("[data-top]");
    if (!button || !header) { return; }
    function show(open) {
      header.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  }

  // A second signal beside colour and words: one tone for stop, another for go. Made with
  // WebAudio (no sound files). On by default; each device keeps its own choice.
  var SOUND_KEY = "nicu-milk.verdict-sound";
  var TONES = {
    // Go: two short rising notes.
    go: [{ hz: 660, type: "sine", at: 0, length: 0.12, volume: 0.3 },
         { hz: 990, type: "sine", at: 0.15, length: 0.2, volume: 0.3 }],
    // Stop: three low, harsh pulses, unlike anything else on the unit's carts.
    stop: [{ hz: 196, type: "square", at: 0, length: 0.22, volume: 0.22 },
           { hz: 196, type: "square", at: 0.3, length: 0.22, volume: 0.22 },
           { hz: 147, type: "square", at: 0.6, length: 0.45, volume: 0.22 }]
  };
  var audio = null;

  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) !== "off"; } catch (e) { return true; }
  }

  // What was sounded, for the person testing the page (headless browsers have no speakers).
  function note(kind, outcome) {
    window.nicuMilkTones = window.nicuMilkTones || [];
    window.nicuMilkTones.push({ kind: kind, outcome: outcome,
      notes: TONES[kind].map(function (tone) { return tone.hz; }) });
    document.documentElement.setAttribute("data-tone-" + outcome, kind);
  }

  function playTone(kind) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context || !TONES[kind]) { note(kind, "unavailable"); return; }
    try { audio = audio || new Context(); } catch (e) { note(kind, "unavailable"); return; }
    function sound() {
      var start = audio.currentTime + 0.02;
      TONES[kind].forEach(function (tone) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        var from = start + tone.at;
        var to = from + tone.length;
        oscillator.type = tone.type;
        oscillator.frequency.value = tone.hz;
        // Short ramps: a tone that starts or stops at full volume clicks.
        gain.gain.setValueAtTime(0.0001, from);
        gain.gain.exponentialRampToValueAtTime(tone.volume, from + 0.015);
        gain.gain.setValueAtTime(tone.volume, to - 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, to);
        oscillator.connect(gain);
        gain.connect(audio.destination);
        oscillator.start(from);
        oscillator.stop(to + 0.02);
      });
      note(kind, "played");
    }
    if (audio.state === "running") { sound(); return; }
    // The browser lets a page sound after a key or a tap. A tone that comes later than the
    // verdict would be taken for the next scan's, so a blocked tone is dropped, not queued.
    var late = window.setTimeout(function () { note(kind, "blocked"); }, 400);
    audio.resume().then(function () {
      window.clearTimeout(late);
      if (audio.state === "running") { sound(); }
    }, function () { window.clearTimeout(late); note(kind, "blocked"); });
  }
  window.nicuMilkPlayTone = playTone;

  function wireSound() {
    var toggle = document.querySelector("[data-sound-toggle]");
    var verdict = document.querySelector("[data-tone]");
    if (toggle) {
      var words = toggle.querySelector("[data-sound-words]");
      var show = function () {
        var on = soundOn();
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
        words.textContent = "Sound for stop and go: " + (on ? "on" : "off");
      };
      toggle.hidden = false;
      show();
      toggle.addEventListener("click", function () {
        var on = !soundOn();
        try { window.localStorage.setItem(SOUND_KEY, on ? "on" : "off"); } catch (e) { /* kept off */ }
        show();
        if (on) { playTone("go"); }  // a sample, so the nurse hears what "go" sounds like
        var scanBox = document.querySelector("[data-scan-input]");
        if (scanBox) { scanBox.focus(); }  // the scanner types into the scan box, not the switch
      });
    }
    if (verdict && soundOn()) { playTone(verdict.getAttribute("data-tone")); }
  }

  // A failed form: focus its error summary, so a phone shows it wherever the mistake is, and
  // make each line take focus to its field (opening a folded section first).
  function wireErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    for (var open = summary.parentElement; open; open = open.parentElement) {
      if (open.tagName === "DETAILS") { open.open = true; }
    }
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
    summary.querySelectorAll("[data-error-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) { return; }
        event.preventDefault();
        for (var inside = target.parentElement; inside; inside = inside.parentElement) {
          if (inside.tagName === "DETAILS") { inside.open = true; }
        }
        var field = target.closest(".field") || target;
        field.scrollIntoView({ block: "start" });
        target.focus({ preventScroll: true });
      });
    });
  }

  // A time typed on the 24-hour clock as 1830 or 6.30 is shown back as 18:30 or 06:30.
  function wireClocks() {
    document.querySelectorAll("[data-clock]").forEach(function (input) {
      input.addEventListener("blur", function () {
        var found = /^\s*(\d{1,2})\s*[:.hH]?\s*(\d{2})\s*$/.exec(input.value);
        if (found && Number(found[1]) < 24 && Number(found[2]) < 60) {
          input.value = (found[1].length === 1 ? "0" : "") + found[1] + ":" + found[2];
        }
      });
    });
  }

  function wireBackButtons() {
    document.querySelectorAll("[data-action=back]").forEach(function (button) {
      button.addEventListener("click", function () { window.history.back(); });
    });
    document.querySelectorAll("[data-action=print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var scan = document.querySelector("[data-scan-input]");
    if (scan) { watchScanBox(scan); }
    var login = document.querySelector("[data-login-form]");
    if (login) { watchLogin(login); }
    watchPickLists();
    guardDoubleSubmit();
    watchIdle();
    wireBackButtons();
    wireMenu();
    wireClocks();
    wireErrorSummary();
    wireSound();
  });
}());
