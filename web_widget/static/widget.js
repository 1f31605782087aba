/*
 * Breast calcifications information chat: the web widget.
 *
 * Embed with one tag (all assets come from the same folder as this file):
 *   <script src="https://bot.example.org/widget/widget.js" data-bot-url="https://bot.example.org"
 *           data-title="Questions about calcifications?" data-color="#005a7a" defer></script>
 * or set window.CalcificationsChatConfig = {botUrl, title, color, initialMessage} before it.
 *
 * Every text is put on the page as text (textContent / text nodes), never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var assetBase = script && script.src ? script.src.replace(/[^/]*$/, "") : "/widget/";
  var data = (script && script.dataset) || {};
  var given = window.CalcificationsChatConfig || {};
  var cfg = {
    botUrl: (given.botUrl || data.botUrl || location.origin).replace(/\/$/, ""),
    title: given.title || data.title || "Questions about breast calcifications",
    color: given.color || data.color || "#005a7a",
    initialMessage: given.initialMessage || data.initialMessage || "/greet",
  };
  var api = cfg.botUrl + "/webhooks/widget";
  var KEY = "calc-chat:" + cfg.botUrl;
  var RETRY_MS = [1000, 2000, 3000, 5000, 5000, 10000];

  var state = {
    session: null,
    helpline: null,
    outbox: [],
    online: true,
    flushing: false,
    retries: 0,
    retryTimer: null,
    started: false,
  };

  // --- storage: the session survives reloads and navigation within the site ---------------------
  function load(name, fallback) {
    try {
      var v = JSON.parse(localStorage.getItem(KEY + ":" + name));
      return v === null ? fallback : v;
    } catch (e) {
      return fallback;
    }
  }
  function save(name, value) {
    try {
      if (value === null) localStorage.removeItem(KEY + ":" + name);
      else localStorage.setItem(KEY + ":" + name, JSON.stringify(value));
    } catch (e) {
      /* private mode: the chat still works for this page */
    }
  }

  // --- DOM helpers ------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function telLink(h) {
    return el("a", { href: "tel:" + h.tel, className: "cc-tel" }, [h.number]);
  }

  // Text with *emphasis* and the helpline number as a tel: link, built from text nodes only.
  function richText(text, into) {
    var h = state.helpline;
    text.split(/\*([^*\n]+)\*/).forEach(function (part, i) {
      if (i % 2 === 1) {
        into.appendChild(el("em", { text: part }));
        return;
      }
      if (h && h.number && part.indexOf(h.number) >= 0) {
        part.split(h.number).forEach(function (piece, j) {
          if (j > 0) into.appendChild(telLink(h));
          into.appendChild(document.createTextNode(piece));
        });
      } else {
        into.appendChild(document.createTextNode(part));
      }
    });
  }

  function paragraphs(text, into) {
    text
      .split(/\n{2,}/)
      .filter(function (p) {
        return p.trim();
      })
      .forEach(function (p) {
        var para = el("p");
        richText(p, para);
        into.appendChild(para);
      });
  }

  // --- the widget -------------------------------------------------------------------------------
  var root, launcher, panel, log, form, input, sendButton, status, typing;

  function build() {
    var link = el("link", { rel: "stylesheet", href: assetBase + "widget.css" });
    document.head.appendChild(link);

    root = el("div", { className: "cc-root" });
    root.style.setProperty("--cc-color", cfg.color);

    launcher = el("button", {
      type: "button",
      className: "cc-launcher",
      "aria-expanded": "false",
      "aria-controls": "cc-panel",
      text: "Chat: " + cfg.title,
    });

    panel = el("section", { id: "cc-panel", className: "cc-panel", role: "dialog", "aria-labelledby": "cc-title" });
    panel.hidden = true;

    var restart = el("button", { type: "button", className: "cc-restart", text: "Start again" });
    var close = el("button", { type: "button", className: "cc-close", "aria-label": "Close chat", text: "\u00d7" });
    var header = el("header", { className: "cc-header" }, [
      el("h2", { id: "cc-title", text: cfg.title }),
      restart,
      close,
    ]);

    var note = el("p", { className: "cc-note" });
    status = el("div", { className: "cc-status", role: "status" });
    log = el("div", { className: "cc-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
    typing = el("div", { className: "cc-typing", "aria-hidden": "true" }, [
      el("span"),
      el("span"),
      el("span"),
      el("span", { className: "cc-sr", text: "The bot is typing" }),
    ]);
    typing.hidden = true;

    input = el("textarea", { id: "cc-input", rows: "2", maxlength: "2000", autocomplete: "off" });
    sendButton = el("button", { type: "submit", className: "cc-send", text: "Send" });
    form = el("form", { className: "cc-form" }, [
      el("label", { for: "cc-input", className: "cc-sr", text: "Type your question" }),
      input,
      sendButton,
    ]);

    panel.appendChild(header);
    panel.appendChild(note);
    panel.appendChild(status);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);
    root.appendChild(launcher);
    root.appendChild(panel);
    document.body.appendChild(root);
    renderNote();

    launcher.addEventListener("click", function () {
      setOpen(panel.hidden);
    });
    close.addEventListener("click", function () {
      setOpen(false);
    });
    restart.addEventListener("click", startAgain);
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") setOpen(false);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : submit();
      }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit();
    });
  }

  function renderNote() {
    var note = panel.querySelector(".cc-note");
    note.textContent = "";
    note.appendChild(document.createTextNode("General information, not medical advice. "));
    if (state.helpline) {
      note.appendChild(document.createTextNode("To talk to a person, call " + state.helpline.name + " on "));
      note.appendChild(telLink(state.helpline));
      note.appendChild(document.createTextNode("."));
    }
  }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    root.classList.toggle("cc-open", open);
    try {
      sessionStorage.setItem(KEY + ":open", open ? "1" : "");
    } catch (e) {
      /* ignore */
    }
    if (open) {
      input.focus();
      start();
    } else {
      launcher.focus();
    }
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function showUser(text, id, pending) {
    var bubble = el("div", { className: "cc-msg cc-user" }, [el("span", { className: "cc-sr", text: "You said: " })]);
    bubble.appendChild(el("p", { text: text }));
    if (id) bubble.setAttribute("data-id", id);
    if (pending) markPending(bubble, true);
    log.appendChild(bubble);
    scrollDown();
    return bubble;
  }

  function markPending(bubble, pending) {
    var label = bubble.querySelector(".cc-pending");
    if (pending && !label) bubble.appendChild(el("p", { className: "cc-pending", text: "Not sent yet: it will be sent when the chat is back." }));
    if (!pending && label) label.remove();
  }

  function showBot(message) {
    var meta = message.metadata || {};
    var sources = meta.sources || [];
    var bubble = el("div", { className: "cc-msg cc-bot" }, [el("span", { className: "cc-sr", text: "The bot said: " })]);
    if (meta.topic) bubble.setAttribute("data-topic", meta.topic);
    paragraphs(sources.length && meta.answer ? meta.answer : message.text || "", bubble);
    var citations = [];
    sources.forEach(function (s) {
      if (s.citation && citations.indexOf(s.citation) < 0) citations.push(s.citation);
    });
    if (citations.length) {
      var cite = el("p", { className: "cc-source" }, ["From: "]);
      citations.forEach(function (c, i) {
        if (i) cite.appendChild(document.createTextNode("; and "));
        richText(c, cite);
      });
      bubble.appendChild(cite);
    }
    var buttons = message.buttons || [];
    if (buttons.length) {
      var group = el("div", { className: "cc-buttons", role: "group", "aria-label": meta.feedback_request ? "Feedback" : "Suggested questions" });
      buttons.forEach(function (b) {
        var button = el("button", { type: "button", className: "cc-choice", text: b.title });
        button.addEventListener("click", function () {
          send(b.payload, b.title);
        });
        group.appendChild(button);
      });
      bubble.appendChild(group);
    }
    log.appendChild(bubble);
    scrollDown();
  }

  function setStatus(text, withHelpline) {
    status.textContent = "";
    status.classList.toggle("cc-offline", Boolean(text));
    if (!text) return;
    status.appendChild(document.createTextNode(text));
    if (withHelpline && state.helpline) {
      status.appendChild(document.createTextNode(" To talk to someone now, call " + state.helpline.name + " on "));
      status.appendChild(telLink(state.helpline));
      status.appendChild(document.createTextNode("."));
    }
  }

  // --- talking to the bot -----------------------------------------------------------------------
  function request(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.session) headers.Authorization = "Bearer " + state.session;
    return fetch(api + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined });
  }

  function uid() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function goOffline() {
    if (state.online) {
      state.online = false;
      setStatus("Sorry, the chat can't be reached at the moment. Anything you type is kept and will be sent when it's back.", true);
    }
    log.querySelectorAll(".cc-user[data-id]").forEach(function (b) {
      if (state.outbox.some(function (m) { return m.id === b.getAttribute("data-id"); })) markPending(b, true);
    });
    clearTimeout(state.retryTimer);
    var wait = RETRY_MS[Math.min(state.retries++, RETRY_MS.length - 1)];
    state.retryTimer = setTimeout(reconnect, wait);
  }

  function reconnect() {
    fetch(api + "/", { method: "GET" })
      .then(function (r) {
        if (!r.ok) throw new Error("not ready");
        state.online = true;
        state.retries = 0;
        setStatus("The chat is back.", false);
        setTimeout(function () {
          if (state.online && status.textContent === "The chat is back.") setStatus("");
        }, 4000);
        return state.session ? flush() : start(true);
      })
      .catch(goOffline);
  }

  function newSession(old) {
    return request("POST", "/session", { session: old || null }).then(function (r) {
      if (!r.ok) throw new Error("session refused: " + r.status);
      return r.json();
    }).then(function (body) {
      var fresh = body.session !== old;
      state.session = body.session;
      if (body.helpline) {
        state.helpline = body.helpline;
        save("helpline", body.helpline);
        renderNote();
      }
      save("session", body.session);
      return fresh;
    });
  }

  function start(force) {
    if (state.started && !force) return Promise.resolve();
    state.started = true;
    var old = load("session", null);
    return newSession(old)
      .then(function (fresh) {
        if (fresh) return [];
        return request("GET", "/history").then(function (r) {
          return r.ok ? r.json().then(function (b) { return b.messages || []; }) : [];
        });
      })
      .then(function (history) {
        log.textContent = "";
        history.forEach(function (m) {
          if (m.sender === "user") showUser(m.text);
          else showBot(m);
        });
        showOutbox(false);
        if (!history.length && !state.outbox.length && cfg.initialMessage) {
          state.outbox.push({ id: uid(), text: cfg.initialMessage, silent: true });
        }
        return flush();
      })
      .catch(function () {
        state.started = false;
        log.textContent = "";
        showOutbox(true);
        goOffline();
      });
  }

  // Messages typed but not yet answered (the widget's own opening message is not shown).
  function showOutbox(pending) {
    state.outbox.forEach(function (m) {
      if (!m.silent) showUser(m.title || m.text, m.id, pending);
    });
  }

  function submit() {
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    input.value = "";
    send(text, null);
    input.focus();
  }

  function send(text, title) {
    var item = { id: uid(), text: text, title: title || null };
    state.outbox.push(item);
    save("outbox", state.outbox);
    showUser(title || text, item.id, !state.online || !state.session);
    if (state.online && state.session) flush();
    else if (!state.started) start();
  }

  function flush() {
    if (state.flushing || !state.online) return Promise.resolve();
    state.flushing = true;
    function next() {
      if (!state.outbox.length) {
        typing.hidden = true;
        state.flushing = false;
        return Promise.resolve();
      }
      var item = state.outbox[0];
      typing.hidden = false;
      scrollDown();
      return request("POST", "/message", { message: item.text, id: item.id, title: item.title || undefined })
        .then(function (r) {
          if (r.status === 401) {
            // The session expired: a new conversation starts and the message goes there.
            return newSession(null).then(next);
          }
          if (r.status >= 500) throw new Error("server error " + r.status);
          if (r.status === 429) {
            // Too many messages: the reply says so; this one is sent again in a little while.
            return r.json().then(function (body) {
              (body.messages || []).forEach(showBot);
              typing.hidden = true;
              state.flushing = false;
              setTimeout(flush, 20000);
            });
          }
          return r.json().then(function (body) {
            state.outbox.shift();
            save("outbox", state.outbox);
            var bubble = log.querySelector('.cc-user[data-id="' + item.id + '"]');
            if (bubble) markPending(bubble, false);
            (body.messages || []).forEach(showBot);
            if (!body.messages && body.error) showBot({ text: body.error });
            return next();
          });
        });
    }
    return next().catch(function () {
      typing.hidden = true;
      state.flushing = false;
      goOffline();
    });
  }

  function startAgain() {
    state.outbox = [];
    save("outbox", []);
    save("session", null);
    state.session = null;
    state.started = false;
    log.textContent = "";
    start(true);
    input.focus();
  }

  function init() {
    build();
    state.helpline = load("helpline", null);
    state.outbox = load("outbox", []);
    renderNote();
    if (!state.helpline) {
      fetch(assetBase + "helpline.json")
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (h) {
          if (h && h.number && !state.helpline) {
            state.helpline = h;
            renderNote();
          }
        })
        .catch(function () {});
    }
    var wasOpen = false;
    try {
      wasOpen = sessionStorage.getItem(KEY + ":open") === "1";
    } catch (e) {
      /* ignore */
    }
    if (wasOpen || load("session", null)) start();
    if (wasOpen) {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      root.classList.add("cc-open");
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
