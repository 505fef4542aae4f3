/*!
 * Delivery assistant: the chat widget for a shop's website.
 *
 * One classic script, no framework, no build step. Embed it with
 *
 *   <script src="https://assistant.example/static/widget/widget.js"
 *           data-server="https://assistant.example" data-language="en" defer></script>
 *
 * or load it with `data-manual` and call `window.DeliveryAssistant.init({...})`
 * (see docs/widget.md for every option).
 *
 * It speaks Rasa's socket.io protocol to the gateway (session_request/session_confirm,
 * user_uttered/bot_uttered) plus the gateway's history_request/history, and renders inside a
 * shadow root so the shop's CSS and the widget's CSS never meet.
 */
(function () {
  "use strict";

  var VERSION = "1.0.0";
  var SESSION_KEY = "deliveryAssistant.session";
  var OPEN_KEY = "deliveryAssistant.open";
  // The gateway accepts 8-64 of these characters; anything else would get a fresh id anyway.
  var SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
  var RTL_LANGUAGES = ["ar", "fa", "he", "ur"];
  // How long to wait for the gateway's `history` before sending queued messages without it.
  var HISTORY_TIMEOUT_MS = 4000;
  // The typing indicator gives up after this long without an answer.
  var TYPING_TIMEOUT_MS = 60000;
  var SERVER_DISCONNECT_RETRY_MS = 3000;

  // The widget's own words. Everything the assistant says comes from the server.
  var STRINGS = {
    en: {
      title: "Delivery help",
      subtitle: "Usually answers in seconds",
      empty: "Ask about an order, a delivery, a return or a damaged item.",
      launcher: "Chat with us",
      launcherUnread: "Chat with us, new messages",
      close: "Close chat",
      conversation: "Conversation",
      input: "Your message",
      placeholder: "Ask about your order…",
      send: "Send",
      you: "You",
      assistant: "Assistant",
      agent: "{name} (support team)",
      typing: "The assistant is typing…",
      connecting: "Connecting…",
      reconnecting: "Connection lost. Reconnecting…",
      sending: "Sending…",
      agentJoined: "{name} from our team has joined the chat.",
      agentLeft: "{name} has left the chat. The assistant is back.",
      agentBadge: "Live: {name}",
      image: "Image",
      options: "Options",
      chosen: "chosen",
    },
    it: {
      title: "Assistenza consegne",
      subtitle: "Di solito risponde in pochi secondi",
      empty: "Chiedi di un ordine, una consegna, un reso o un articolo danneggiato.",
      launcher: "Chatta con noi",
      launcherUnread: "Chatta con noi, nuovi messaggi",
      close: "Chiudi la chat",
      conversation: "Conversazione",
      input: "Il tuo messaggio",
      placeholder: "Chiedi del tuo ordine…",
      send: "Invia",
      you: "Tu",
      assistant: "Assistente",
      agent: "{name} (assistenza clienti)",
      typing: "L'assistente sta scrivendo…",
      connecting: "Connessione in corso…",
      reconnecting: "Connessione persa. Riconnessione in corso…",
      sending: "Invio…",
      agentJoined: "{name} del nostro team si è unito alla chat.",
      agentLeft: "{name} ha lasciato la chat. Torna l'assistente.",
      agentBadge: "In linea: {name}",
      image: "Immagine",
      options: "Opzioni",
      chosen: "scelto",
    },
    pl: {
      title: "Pomoc w sprawie dostaw",
      subtitle: "Zwykle odpowiada w kilka sekund",
      empty: "Zapytaj o zamówienie, dostawę, zwrot lub uszkodzony produkt.",
      launcher: "Czat z nami",
      launcherUnread: "Czat z nami, nowe wiadomości",
      close: "Zamknij czat",
      conversation: "Rozmowa",
      input: "Twoja wiadomość",
      placeholder: "Zapytaj o swoje zamówienie…",
      send: "Wyślij",
      you: "Ty",
      assistant: "Asystent",
      agent: "{name} (obsługa klienta)",
      typing: "Asystent pisze…",
      connecting: "Łączenie…",
      reconnecting: "Utracono połączenie. Ponowne łączenie…",
      sending: "Wysyłanie…",
      agentJoined: "{name} z naszego zespołu dołącza do rozmowy.",
      agentLeft: "{name} opuszcza rozmowę. Dalej odpowiada asystent.",
      agentBadge: "Na czacie: {name}",
      image: "Obraz",
      options: "Opcje",
      chosen: "wybrano",
    },
    fi: {
      title: "Toimitusapu",
      subtitle: "Vastaa yleensä sekunneissa",
      empty: "Kysy tilauksesta, toimituksesta, palautuksesta tai vahingoittuneesta tuotteesta.",
      launcher: "Keskustele kanssamme",
      launcherUnread: "Keskustele kanssamme, uusia viestejä",
      close: "Sulje chat",
      conversation: "Keskustelu",
      input: "Viestisi",
      placeholder: "Kysy tilauksestasi…",
      send: "Lähetä",
      you: "Sinä",
      assistant: "Avustaja",
      agent: "{name} (asiakaspalvelu)",
      typing: "Avustaja kirjoittaa…",
      connecting: "Yhdistetään…",
      reconnecting: "Yhteys katkesi. Yhdistetään uudelleen…",
      sending: "Lähetetään…",
      agentJoined: "{name} tiimistämme liittyi keskusteluun.",
      agentLeft: "{name} poistui keskustelusta. Avustaja jatkaa.",
      agentBadge: "Paikalla: {name}",
      image: "Kuva",
      options: "Vaihtoehdot",
      chosen: "valittu",
    },
    ar: {
      title: "مساعد التوصيل",
      subtitle: "يرد عادةً خلال ثوانٍ",
      empty: "اسأل عن طلب أو توصيل أو إرجاع أو منتج تالف.",
      launcher: "تحدث معنا",
      launcherUnread: "تحدث معنا، رسائل جديدة",
      close: "أغلق المحادثة",
      conversation: "المحادثة",
      input: "رسالتك",
      placeholder: "اسأل عن طلبك…",
      send: "إرسال",
      you: "أنت",
      assistant: "المساعد",
      agent: "{name} (فريق الدعم)",
      typing: "المساعد يكتب…",
      connecting: "جارٍ الاتصال…",
      reconnecting: "انقطع الاتصال. جارٍ إعادة الاتصال…",
      sending: "جارٍ الإرسال…",
      agentJoined: "{name} من فريقنا معك الآن في المحادثة.",
      agentLeft: "انتهت مشاركة {name} في المحادثة. المساعد معك من جديد.",
      agentBadge: "متصل الآن: {name}",
      image: "صورة",
      options: "خيارات",
      chosen: "تم الاختيار",
    },
  };

  var ICONS = {
    chat: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>',
    close:
      '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6 6 18"/></svg>',
    send: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M3 20 21 12 3 4v6l12 2-12 2z"/></svg>',
  };

  // ---- small helpers -------------------------------------------------------------------------

  /** localStorage/sessionStorage that may be missing or refuse (private modes, blocked cookies). */
  function store(kind) {
    var memory = {};
    var backend = null;
    try {
      backend = window[kind];
      backend.setItem("deliveryAssistant.probe", "1");
      backend.removeItem("deliveryAssistant.probe");
    } catch {
      backend = null;
    }
    return {
      get: function (key) {
        return backend ? backend.getItem(key) : memory[key] || null;
      },
      set: function (key, value) {
        if (backend) backend.setItem(key, value);
        else memory[key] = value;
      },
      remove: function (key) {
        if (backend) backend.removeItem(key);
        else delete memory[key];
      },
    };
  }

  function el(tag, className, attrs) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        node.setAttribute(name, attrs[name]);
      });
    }
    return node;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return key in values ? String(values[key]) : "";
    });
  }

  /** Text with its http(s) links made clickable; only text nodes and <a>, never HTML. */
  function linkified(text) {
    var fragment = document.createDocumentFragment();
    var link = /https?:\/\/[^\s<>"]+/g;
    var last = 0;
    var match;
    while ((match = link.exec(text)) !== null) {
      var url = match[0].replace(/[.,;:!?)\]]+$/, "");
      fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
      var anchor = el("a", null, { href: url, target: "_blank", rel: "noopener noreferrer" });
      anchor.textContent = url;
      fragment.appendChild(anchor);
      last = match.index + url.length;
      link.lastIndex = last;
    }
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function safeImageUrl(src) {
    try {
      var url = new URL(String(src), document.baseURI);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  }

  /** The language the widget speaks: two letters, one it has words for, English otherwise. */
  function pickLanguage(requested) {
    var candidates = [requested, document.documentElement.lang, navigator.language];
    for (var i = 0; i < candidates.length; i++) {
      var code = String(candidates[i] || "")
        .toLowerCase()
        .split(/[-_]/)[0];
      if (STRINGS[code]) return code;
    }
    return "en";
  }

  /** Black or white text, whichever reads better on the shop's colour (WCAG luminance). */
  function textColourOn(colour) {
    var probe = el("span");
    probe.style.color = colour;
    document.body.appendChild(probe);
    var rgb = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g) || ["0", "0", "0"];
    probe.remove();
    var channels = rgb.slice(0, 3).map(function (value) {
      var c = Number(value) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
    // Contrast with white is 1.05 / (L + 0.05); keep white while it reaches 4.5:1.
    return 1.05 / (luminance + 0.05) >= 4.5 ? "#ffffff" : "#111111";
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = el("script", null, { src: src, async: "" });
      tag.onload = resolve;
      tag.onerror = function () {
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(tag);
    });
  }

  // ---- the widget ----------------------------------------------------------------------------

  function Widget(options) {
    this.server = String(options.server).replace(/\/+$/, "");
    this.language = pickLanguage(options.language);
    this.token = options.token || null;
    this.colour = options.color || options.colour || null;
    this.t = STRINGS[this.language];
    this.local = store("localStorage");
    this.tab = store("sessionStorage");

    var stored = this.local.get(SESSION_KEY);
    this.sessionId = stored && SESSION_ID.test(stored) ? stored : null;
    this.socket = null;
    this.ready = false; // session confirmed on the current connection
    this.connectedOnce = false;
    this.outbox = []; // messages typed while not connected: {message, item}
    this.activeButtons = null; // the last set of buttons the bot offered
    this.agent = null; // name of the live agent in the conversation, if any
    this.unread = 0;
    this.historyTimer = null;
    this.early = null; // bot messages that arrived before the history
    this.typingTimer = null;
  }

  Widget.prototype.mount = function () {
    var t = this.t;
    var host = el("div", null, { id: "delivery-assistant" });
    var shadow = host.attachShadow({ mode: "open" });

    var stylesheet = el("link", null, {
      rel: "stylesheet",
      href: this.server + "/static/widget/widget.css",
    });
    shadow.appendChild(stylesheet);

    var rtl = RTL_LANGUAGES.indexOf(this.language) >= 0;
    var root = el("div", "da", { dir: rtl ? "rtl" : "ltr", lang: this.language });
    // Invisible until the stylesheet is in, so the page never flashes an unstyled widget.
    root.style.visibility = "hidden";
    stylesheet.onload = stylesheet.onerror = function () {
      root.style.visibility = "";
    };
    if (this.colour && window.CSS && CSS.supports("color", this.colour)) {
      root.style.setProperty("--da-accent", this.colour);
      root.style.setProperty("--da-on-accent", textColourOn(this.colour));
    }

    var launcher = el("button", "da-launcher", {
      type: "button",
      "aria-expanded": "false",
      "aria-controls": "da-panel",
      "aria-label": t.launcher,
    });
    launcher.innerHTML = ICONS.chat + ICONS.close;
    var badge = el("span", "da-unread", { "aria-hidden": "true" });
    badge.hidden = true;
    launcher.appendChild(badge);

    var panel = el("section", "da-panel", {
      id: "da-panel",
      role: "dialog",
      "aria-labelledby": "da-title",
      dir: rtl ? "rtl" : "ltr",
      lang: this.language,
    });
    panel.hidden = true;

    var header = el("header", "da-header");
    var heading = el("div", "da-heading");
    var title = el("h2", "da-title", { id: "da-title" });
    title.textContent = t.title;
    var subtitle = el("p", "da-subtitle");
    subtitle.textContent = t.subtitle;
    var agentBadge = el("p", "da-agent");
    agentBadge.hidden = true;
    heading.append(title, subtitle, agentBadge);
    var closeButton = el("button", "da-close", { type: "button", "aria-label": t.close });
    closeButton.innerHTML = ICONS.close;
    header.append(heading, closeButton);

    var status = el("p", "da-status", { role: "status" });
    status.hidden = true;

    // The transcript: a list to read and navigate; new messages are announced separately
    // (below), so re-rendering the history never makes a screen reader read it all again.
    var scroller = el("div", "da-scroller", {
      tabindex: "0", // so the keyboard can scroll it
      role: "region",
      "aria-label": t.conversation,
    });
    var log = el("ol", "da-log");
    var typing = el("div", "da-typing");
    typing.hidden = true;
    var typingText = el("span", "da-sr-only");
    typingText.textContent = t.typing;
    var dots = el("span", "da-dots", { "aria-hidden": "true" });
    dots.innerHTML = "<span></span><span></span><span></span>";
    typing.append(typingText, dots);
    var empty = el("p", "da-empty");
    empty.textContent = t.empty;
    scroller.append(empty, log, typing);

    var form = el("form", "da-form");
    var label = el("label", "da-sr-only", { for: "da-input" });
    label.textContent = t.input;
    var input = el("textarea", "da-input", {
      id: "da-input",
      rows: "1",
      placeholder: t.placeholder,
      autocomplete: "off",
      enterkeyhint: "send",
    });
    var sendButton = el("button", "da-send", { type: "submit", "aria-label": t.send });
    sendButton.innerHTML = ICONS.send;
    form.append(label, input, sendButton);

    var announcer = el("div", "da-sr-only", { "aria-live": "polite", "aria-atomic": "false" });

    panel.append(header, status, scroller, form, announcer);
    root.append(panel, launcher);
    shadow.appendChild(root);
    document.body.appendChild(host);

    this.dom = {
      host: host,
      root: root,
      launcher: launcher,
      badge: badge,
      panel: panel,
      agentBadge: agentBadge,
      closeButton: closeButton,
      status: status,
      scroller: scroller,
      log: log,
      empty: empty,
      typing: typing,
      form: form,
      input: input,
      announcer: announcer,
    };
    this.bindEvents();

    // A returning visitor's conversation reconnects at once (its history, and anything the
    // assistant says first, such as a delay notice); a new visitor connects on first open.
    if (this.tab.get(OPEN_KEY) === "1") this.open(false);
    else if (this.sessionId) this.connect();
  };

  Widget.prototype.bindEvents = function () {
    var self = this;
    var dom = this.dom;
    dom.launcher.addEventListener("click", function () {
      if (dom.panel.hidden) self.open(true);
      else self.close();
    });
    dom.closeButton.addEventListener("click", function () {
      self.close();
    });
    dom.root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !dom.panel.hidden) {
        event.preventDefault();
        self.close();
      }
    });
    dom.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submitTyped();
    });
    dom.input.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter is a new line; never while an IME is composing a character.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submitTyped();
      }
    });
    dom.input.addEventListener("input", function () {
      // Typed text takes its own direction; the empty field (its placeholder) the panel's.
      if (dom.input.value.trim()) dom.input.setAttribute("dir", "auto");
      else dom.input.removeAttribute("dir");
      self.fitInput();
    });
  };

  // ---- open and close ------------------------------------------------------------------------

  Widget.prototype.open = function (focus) {
    var dom = this.dom;
    dom.panel.hidden = false;
    dom.root.classList.add("da-is-open");
    // On a phone the panel covers the page, so it is modal there; beside the page it is not.
    var fullScreen = window.matchMedia && window.matchMedia("(max-width: 480px)").matches;
    dom.panel.setAttribute("aria-modal", fullScreen ? "true" : "false");
    dom.launcher.setAttribute("aria-expanded", "true");
    this.tab.set(OPEN_KEY, "1");
    this.setUnread(0);
    this.connect();
    this.scrollToEnd();
    if (focus) dom.input.focus();
  };

  Widget.prototype.close = function () {
    var dom = this.dom;
    var hadFocus = dom.root.contains(dom.host.shadowRoot.activeElement);
    dom.panel.hidden = true;
    dom.root.classList.remove("da-is-open");
    dom.launcher.setAttribute("aria-expanded", "false");
    this.tab.remove(OPEN_KEY);
    // Focus goes back where it came from, not to the top of the page.
    if (hadFocus) dom.launcher.focus();
  };

  Widget.prototype.setUnread = function (count) {
    this.unread = count;
    this.dom.badge.hidden = count === 0;
    this.dom.badge.textContent = count > 9 ? "9+" : String(count);
    // The launcher's name stays the same (aria-expanded says open or closed), plus the news.
    this.dom.launcher.setAttribute("aria-label", count ? this.t.launcherUnread : this.t.launcher);
  };

  // ---- connection ----------------------------------------------------------------------------

  Widget.prototype.connect = function () {
    if (this.socket) return;
    var self = this;
    this.socket = "loading"; // one connection, however often open() is called meanwhile
    this.showStatus(this.t.connecting);
    var ready = window.io
      ? Promise.resolve()
      : loadScript(this.server + "/static/vendor/socket.io.min.js");
    ready.then(
      function () {
        self.openSocket();
      },
      function () {
        self.socket = null;
        self.showStatus(self.t.reconnecting);
      },
    );
  };

  Widget.prototype.openSocket = function () {
    var self = this;
    // socket.io reconnects by itself with exponential backoff (1 s doubling to 10 s, jittered).
    var socket = window.io(this.server, {
      path: "/socket.io/",
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
      randomizationFactor: 0.5,
    });
    this.socket = socket;

    socket.on("connect", function () {
      self.ready = false;
      socket.emit("session_request", { session_id: self.sessionId });
    });
    socket.on("session_confirm", function (data) {
      // Rasa's channel sends the id as a bare string; accept {session_id} as well.
      var id = typeof data === "string" ? data : data && data.session_id;
      if (!id) return;
      self.sessionId = String(id);
      self.local.set(SESSION_KEY, self.sessionId);
      self.ready = true;
      self.requestHistory();
    });
    socket.on("history", function (data) {
      if (!self.historyTimer) return; // late answer; the conversation went on without it
      self.afterHistory(data && Array.isArray(data.messages) ? data.messages : null);
    });
    socket.on("bot_uttered", function (data) {
      // Until the history is in, hold what arrives, or rendering the history would wipe it.
      if (self.early) self.early.push(data || {});
      else self.receive(data || {});
    });
    socket.on("disconnect", function (reason) {
      self.ready = false;
      self.hideTyping();
      if (reason === "io client disconnect") return;
      self.showStatus(self.t.reconnecting);
      // socket.io retries by itself after a lost connection, but not after the server closed
      // it on purpose (e.g. a restart that said goodbye): try again after a pause.
      if (reason === "io server disconnect") {
        setTimeout(function () {
          socket.connect();
        }, SERVER_DISCONNECT_RETRY_MS);
      }
    });
    socket.on("connect_error", function () {
      self.showStatus(self.connectedOnce ? self.t.reconnecting : self.t.connecting);
    });
  };

  Widget.prototype.requestHistory = function () {
    var self = this;
    clearTimeout(this.historyTimer);
    this.early = this.early || [];
    // A gateway that does not answer history_request still gets the queued messages.
    this.historyTimer = setTimeout(function () {
      self.afterHistory(null);
    }, HISTORY_TIMEOUT_MS);
    this.socket.emit("history_request", { session_id: this.sessionId });
  };

  /** The transcript from the server replaces what is shown; then queued messages go out. */
  Widget.prototype.afterHistory = function (messages) {
    var self = this;
    clearTimeout(this.historyTimer);
    this.historyTimer = null;
    if (messages && (messages.length || !this.connectedOnce)) this.renderHistory(messages);
    // Messages that arrived while the history was on its way, unless the history has them.
    var tail = (messages || []).slice(-10);
    var early = this.early || [];
    this.early = null;
    early.forEach(function (data) {
      if (!inHistory(data, tail)) self.receive(data);
    });
    this.connectedOnce = true;
    this.hideStatus();
    this.flush();
  };

  /** Whether a live message is one of the history's last entries (which are then used up). */
  function inHistory(data, tail) {
    var custom = data.custom && typeof data.custom === "object" ? data.custom : data;
    for (var i = 0; i < tail.length; i++) {
      var entry = tail[i];
      var entryCustom = (entry.custom && (entry.custom.custom || entry.custom)) || {};
      var same = custom.handoff
        ? entryCustom.handoff === custom.handoff
        : typeof data.text === "string" &&
          data.text !== "" &&
          typeof entry.text === "string" &&
          entry.text.indexOf(data.text) >= 0; // the gateway splits paragraphs when live
      if (same) {
        tail.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  Widget.prototype.showStatus = function (text) {
    this.dom.status.textContent = text;
    this.dom.status.hidden = false;
  };

  Widget.prototype.hideStatus = function () {
    this.dom.status.hidden = true;
    this.dom.status.textContent = "";
  };

  // ---- sending -------------------------------------------------------------------------------

  Widget.prototype.submitTyped = function () {
    var text = this.dom.input.value.trim();
    if (!text) return;
    this.dom.input.value = "";
    this.dom.input.removeAttribute("dir");
    this.fitInput();
    this.send(text, text);
  };

  /** `message` goes to the server; `shown` is what the customer sees (a button's title). */
  Widget.prototype.send = function (message, shown) {
    var item = this.addMessage("customer", { text: shown }, new Date());
    this.outbox.push({ message: message, shown: shown, item: item });
    this.flush();
  };

  Widget.prototype.customData = function () {
    // The only claim of identity the gateway may trust is the shop's signed token.
    var data = { language: this.language };
    if (this.token) data.token = this.token;
    return data;
  };

  Widget.prototype.flush = function () {
    if (!this.ready || this.historyTimer) {
      this.outbox.forEach(function (queued) {
        queued.item.classList.add("da-pending");
      });
      if (this.outbox.length) this.connect();
      return;
    }
    while (this.outbox.length) {
      var queued = this.outbox.shift();
      queued.item.classList.remove("da-pending");
      this.socket.emit("user_uttered", {
        message: queued.message,
        session_id: this.sessionId,
        customData: this.customData(),
      });
      this.showTyping();
    }
  };

  // ---- receiving -----------------------------------------------------------------------------

  Widget.prototype.receive = function (data) {
    var custom = data.custom && typeof data.custom === "object" ? data.custom : data;
    if (custom.handoff === "agent_joined" || custom.handoff === "agent_left") {
      this.handoff(custom.handoff, custom.agent);
      return;
    }
    // A live agent's message says so in `metadata` (where rasa-webchat, which renders only
    // messages of known shapes, ignores it).
    var meta = data.metadata && typeof data.metadata === "object" ? data.metadata : {};
    var message = {
      text: typeof data.text === "string" ? data.text : null,
      agent: typeof meta.agent === "string" ? meta.agent : null,
      buttons: data.quick_replies || data.buttons || [],
      image:
        data.attachment && data.attachment.type === "image" && data.attachment.payload
          ? data.attachment.payload.src
          : null,
    };
    if (!message.text && !message.image && !message.buttons.length) return; // nothing to show
    this.hideTyping();
    var sender = meta.sender === "agent" || this.agent ? "agent" : "bot";
    this.addMessage(sender, message, new Date());
    this.announce(message.text || this.t.image, sender);
    if (this.dom.panel.hidden) this.setUnread(this.unread + 1);
  };

  /** A live agent joined or left: a line in the log, and the header shows who is there. */
  Widget.prototype.handoff = function (event, name, quiet) {
    var agentName = String(name || "").trim() || this.t.assistant;
    var joined = event === "agent_joined";
    this.agent = joined ? agentName : null;
    this.dom.agentBadge.hidden = !joined;
    this.dom.agentBadge.textContent = joined ? format(this.t.agentBadge, { name: agentName }) : "";
    this.dom.root.classList.toggle("da-has-agent", joined);
    var line = format(joined ? this.t.agentJoined : this.t.agentLeft, { name: agentName });
    this.addSystemLine(line);
    if (quiet) return;
    this.hideTyping();
    this.announce(line, null);
  };

  // ---- rendering -----------------------------------------------------------------------------

  Widget.prototype.renderHistory = function (messages) {
    var self = this;
    var titles = {}; // payload -> title of every button in the history
    this.dom.log.textContent = "";
    this.activeButtons = null;
    messages.forEach(function (entry) {
      var at = entry.at ? new Date(entry.at) : null;
      var custom = entry.custom && typeof entry.custom === "object" ? entry.custom : {};
      if (custom.custom && typeof custom.custom === "object") custom = custom.custom;
      if (custom.handoff === "agent_joined" || custom.handoff === "agent_left") {
        self.handoff(custom.handoff, custom.agent, true);
        return;
      }
      if (!entry.text && !entry.image && !(entry.buttons && entry.buttons.length)) return;
      if (entry.sender === "customer") {
        // A pressed button comes back as its payload; show its title, as when it was pressed.
        var pressed = self.activeButtons && self.activeButtons.byPayload[entry.text];
        if (pressed) self.choose(pressed);
        self.addMessage("customer", { text: titles[entry.text] || entry.text }, at);
        return;
      }
      (entry.buttons || []).forEach(function (button) {
        if (button && button.payload) titles[button.payload] = button.title;
      });
      self.addMessage(entry.sender === "agent" ? "agent" : "bot", entry, at);
    });
    // Messages typed while offline stay below the history, still waiting to go out.
    this.outbox.forEach(function (queued) {
      self.dom.log.appendChild(queued.item);
    });
    this.dom.empty.hidden = this.dom.log.childElementCount > 0;
    this.scrollToEnd();
  };

  /** One message in the log; `message` has text, buttons and image, each optional. */
  Widget.prototype.addMessage = function (sender, message, at) {
    var t = this.t;
    var item = el("li", "da-msg da-msg--" + sender);
    var who = el("span", sender === "agent" ? "da-who" : "da-who da-sr-only");
    who.textContent =
      sender === "customer"
        ? t.you
        : sender === "agent"
          ? format(t.agent, { name: this.agent || message.agent || "" })
          : t.assistant;
    item.appendChild(who);

    if (message.text) {
      // Each message takes its direction from its own text: an English answer in an Arabic
      // chat keeps its punctuation where it belongs.
      var bubble = el("p", "da-bubble", { dir: "auto" });
      bubble.appendChild(linkified(String(message.text)));
      item.appendChild(bubble);
    }
    var src = message.image ? safeImageUrl(message.image) : null;
    if (src) {
      var image = el("img", "da-image", { src: src, alt: t.image, loading: "lazy" });
      image.addEventListener("load", this.scrollToEnd.bind(this));
      item.appendChild(image);
    }
    if (message.buttons && message.buttons.length) this.addButtons(item, message.buttons);

    var stamp = at && !isNaN(at.getTime()) ? at : new Date();
    var time = el("time", "da-time", { datetime: stamp.toISOString() });
    time.textContent = this.formatTime(stamp);
    item.appendChild(time);

    // A run of messages from one sender in one minute shows its time once, on the last.
    var previous = this.dom.log.lastElementChild;
    item.dataset.run = sender + " " + time.textContent;
    if (previous && previous.dataset.run === item.dataset.run) {
      previous.classList.add("da-run");
    }
    this.dom.log.appendChild(item);
    this.dom.empty.hidden = true;
    this.scrollToEnd();
    return item;
  };

  Widget.prototype.addButtons = function (item, buttons) {
    var self = this;
    var group = el("div", "da-buttons", { role: "group", "aria-label": this.t.options });
    var set = { group: group, buttons: [], byPayload: {} };
    buttons.forEach(function (button) {
      if (!button || typeof button.payload !== "string" || !button.title) return;
      var node = el("button", "da-choice", { type: "button" });
      node.textContent = button.title;
      var choice = { title: String(button.title), payload: button.payload, node: node, set: set };
      node.addEventListener("click", function () {
        if (set !== self.activeButtons) return;
        self.choose(choice);
        self.send(choice.payload, choice.title);
        self.dom.input.focus();
      });
      set.buttons.push(choice);
      set.byPayload[choice.payload] = choice;
      group.appendChild(node);
    });
    if (!set.buttons.length) return;
    // Only the newest buttons can be pressed: the gateway accepts only those.
    if (this.activeButtons) this.disableButtons(this.activeButtons);
    this.activeButtons = set;
    item.appendChild(group);
  };

  Widget.prototype.choose = function (choice) {
    choice.node.classList.add("da-chosen");
    var mark = el("span", "da-sr-only");
    mark.textContent = " (" + this.t.chosen + ")";
    choice.node.appendChild(mark);
    this.disableButtons(choice.set);
  };

  Widget.prototype.disableButtons = function (set) {
    set.buttons.forEach(function (choice) {
      choice.node.disabled = true;
    });
    if (this.activeButtons === set) this.activeButtons = null;
  };

  Widget.prototype.addSystemLine = function (text) {
    var item = el("li", "da-system");
    item.textContent = text;
    this.dom.log.appendChild(item);
    this.dom.empty.hidden = true;
    this.scrollToEnd();
  };

  Widget.prototype.announce = function (text, sender) {
    var line = el("p");
    var who = sender === "agent" ? this.agent || "" : sender ? this.t.assistant : "";
    line.textContent = who ? who + ": " + text : text;
    var announcer = this.dom.announcer;
    announcer.appendChild(line);
    while (announcer.childNodes.length > 5) announcer.removeChild(announcer.firstChild);
  };

  Widget.prototype.showTyping = function () {
    var self = this;
    this.dom.typing.hidden = false;
    this.scrollToEnd();
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () {
      self.hideTyping();
    }, TYPING_TIMEOUT_MS);
  };

  Widget.prototype.hideTyping = function () {
    clearTimeout(this.typingTimer);
    this.dom.typing.hidden = true;
  };

  Widget.prototype.formatTime = function (date) {
    var sameDay = date.toDateString() === new Date().toDateString();
    var options = sameDay
      ? { hour: "numeric", minute: "2-digit" }
      : { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" };
    // The browser's own variant of the widget's language (en-GB: 14:05, en-US: 2:05 PM).
    var browser = String(navigator.language || "");
    var locale = browser.split("-")[0].toLowerCase() === this.language ? browser : this.language;
    return new Intl.DateTimeFormat(locale, options).format(date);
  };

  Widget.prototype.scrollToEnd = function () {
    var scroller = this.dom.scroller;
    scroller.scrollTop = scroller.scrollHeight;
  };

  Widget.prototype.fitInput = function () {
    var input = this.dom.input;
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  };

  // ---- public API ----------------------------------------------------------------------------

  var current = null;
  var script = document.currentScript;

  function optionsFromScript(tag) {
    if (!tag) return {};
    var data = tag.dataset;
    return {
      server: data.server || new URL(tag.src, document.baseURI).origin,
      language: data.language,
      token: data.token,
      color: data.color,
    };
  }

  function start(options) {
    current = new Widget(options);
    if (document.body) current.mount();
    else document.addEventListener("DOMContentLoaded", current.mount.bind(current));
    return current;
  }

  window.DeliveryAssistant = {
    version: VERSION,
    /**
     * Start the widget: {server, language, token, color}; options missing here come from the
     * script tag. Called again after the start, it only updates the token (a customer who
     * logged in after the page loaded).
     */
    init: function (options) {
      options = options || {};
      if (current) {
        if ("token" in options) current.token = options.token || null;
        return;
      }
      var defaults = optionsFromScript(script);
      var merged = {};
      ["server", "language", "token", "color"].forEach(function (key) {
        merged[key] = options[key] !== undefined ? options[key] : defaults[key];
      });
      if (!merged.server) throw new Error("DeliveryAssistant.init: no server given");
      start(merged);
    },
    /** The shop's signed token of the customer who just logged in (null when they log out). */
    setToken: function (token) {
      if (current) current.token = token || null;
    },
    open: function () {
      if (current && current.dom) current.open(true);
    },
    close: function () {
      if (current && current.dom) current.close();
    },
  };

  if (script && !("manual" in script.dataset)) window.DeliveryAssistant.init({});
})();
