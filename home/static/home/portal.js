/* The customer portal's script: each screen calls the brand's JSON API (API.md) and renders the answer.
 *
 * The session: the refresh token is an HttpOnly cookie the API sets for this brand's auth path only (asked for
 * with the X-Aftersale-Session header), so no script, this one included, can read it; the access token lives in
 * this page's memory. Each page load (a new tab, a reload, a link from an email) trades the cookie for a fresh
 * access token before its screen starts. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("portal-config").textContent);
  const COOKIE_SESSION = { "X-Aftersale-Session": "cookie" };
  // What a registration hands to the sign-up form of this brand (never a token): name, email, phone, address.
  const HANDOVER_KEY = "aftersale.registration." + config.tenant;
  // Earlier versions kept the tokens here; a page of this version forgets them.
  sessionStorage.removeItem("aftersale.session." + config.tenant);

  // ------------------------------------------------------------------------------------------ session

  let memory = null; // { access, user }: in this page's memory only
  const session = {
    get() {
      return memory;
    },
    set(value) {
      memory = value;
    },
    clear() {
      memory = null;
    },
  };

  // ---------------------------------------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, error) {
      const body = error || {};
      super(body.message || "Something went wrong; please try again.");
      this.status = status;
      this.code = body.code || "network_error";
      this.fields = body.fields || {};
    }
  }

  function randomKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // A resubmission of the same body (a double click, a retry after a lost answer) reuses its
  // Idempotency-Key, so the API answers the first result again instead of creating a second object.
  const idempotency = {};
  function idempotencyKeyFor(path, body) {
    const last = idempotency[path];
    if (last && last.body === body) return last.key;
    idempotency[path] = { body, key: randomKey() };
    return idempotency[path].key;
  }

  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Trades the cookie for a new access token (the cookie is rotated). Two tabs loading at once race for the same
  // cookie: the loser's answer is 401, and by then the winner's new cookie is in the jar, so one retry wins.
  async function refreshSession() {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const response = await fetch(config.api_base + "/auth/refresh", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", ...COOKIE_SESSION },
          body: "{}",
        });
        if (response.ok) {
          const data = (await response.json()).data;
          session.set({ ...(memory || {}), access: data.access });
          return true;
        }
        if (response.status !== 401) return false;
      } catch (e) {
        return false;
      }
      await pause(400);
    }
    return false;
  }

  async function restoreSession() {
    if (!(await refreshSession())) {
      session.clear();
      return;
    }
    try {
      await loadMe();
    } catch (e) {
      session.clear();
    }
  }

  async function api(path, options = {}) {
    const { method = "GET", body, form, base = config.api_base, auth = true, idempotent = false } = options;
    const headers = { Accept: "application/json" };
    let payload;
    if (form) {
      payload = form;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
      if (idempotent) headers["Idempotency-Key"] = idempotencyKeyFor(base + path, payload);
    }
    if (options.cookieSession) Object.assign(headers, COOKIE_SESSION);
    const signedIn = auth ? session.get() : null;
    if (signedIn) headers.Authorization = "Bearer " + signedIn.access;
    let response;
    try {
      response = await fetch(base + path, { method, headers, body: payload, credentials: "same-origin" });
    } catch (e) {
      throw new ApiError(0, { code: "network_error", message: "We could not reach the server; check your connection and try again." });
    }
    if (response.status === 401 && signedIn && !options.retried) {
      if (await refreshSession()) return api(path, { ...options, retried: true });
      session.clear();
    }
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
    }
    if (!response.ok) throw new ApiError(response.status, data && data.error);
    return data;
  }

  // -------------------------------------------------------------------------------------------- forms

  function fieldBox(form, key) {
    // API field paths: "customer.email", "photos[2]", "customer.address"; the nearest labelled box wins.
    let name = key;
    while (name) {
      const box = form.querySelector('[data-field="' + CSS.escape(name) + '"]');
      if (box) return box;
      if (/\[\d+\]$/.test(name)) name = name.replace(/\[\d+\]$/, "");
      else if (name.includes(".")) name = name.slice(0, name.lastIndexOf("."));
      else return null;
    }
    return null;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach((p) => {
      p.textContent = "";
      p.hidden = true;
    });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const status = form.querySelector(".form-status");
    if (status) {
      status.hidden = true;
      status.textContent = "";
      status.classList.remove("ok");
    }
  }

  // Errors about one input that the API answers without `fields` (a 409 or 422 on the whole request):
  // shown next to that input when the form has it.
  const CODE_FIELDS = {
    serial_invalid_format: "serial_number",
    serial_unknown: "serial_number",
    serial_ambiguous: "serial_number",
    serial_already_registered: "serial_number",
    email_already_registered: "email",
    claim_already_open: "warranty_id",
    warranty_expired: "warranty_id",
    warranty_not_active: "warranty_id",
  };

  function showErrors(form, error) {
    clearErrors(form);
    const unplaced = [];
    let first = null;
    let fields = error.fields || {};
    const codeField = CODE_FIELDS[error.code];
    if (!Object.keys(fields).length && codeField && fieldBox(form, codeField)) {
      fields = { [codeField]: [{ code: error.code, message: error.message }] };
    }
    for (const [key, list] of Object.entries(fields)) {
      const text = list.map((item) => item.message).join(" ");
      const box = fieldBox(form, key);
      const message = box && box.querySelector(".field-error");
      if (!message) {
        unplaced.push(text);
        continue;
      }
      message.textContent = message.textContent ? message.textContent + " " + text : text;
      message.hidden = false;
      const input = box.matches("input, select, textarea") ? box : box.querySelector("input, select, textarea");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        if (!first) first = input;
      }
    }
    const status = form.querySelector(".form-status");
    if (status) {
      // Next to each field the API's own words; up here, which fields need a look (not the envelope's summary).
      const marked = Array.from(form.querySelectorAll("[aria-invalid=true]"), (input) => fieldName(form, input));
      const summary = marked.length
        ? (marked.length === 1 ? "Please check " + marked[0] + "." : "Please check these " + marked.length + " fields: " + marked.join(", ") + ".")
        : error.message;
      status.textContent = [summary, ...unplaced].join(" ");
      status.hidden = false;
    }
    if (first) first.focus();
    else if (status) {
      status.setAttribute("tabindex", "-1");
      status.focus();
    }
  }

  function fieldName(form, input) {
    const label = input.id && form.querySelector('label[for="' + CSS.escape(input.id) + '"]');
    const text = label ? label.firstChild.textContent : input.name;
    return text.replace(/\s*\(optional\)\s*$/, "").trim().toLowerCase();
  }

  // The browser's own checks, shown the same way as the API's, next to the field.
  function localErrors(form) {
    const fields = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.closest("[hidden]")) continue;
      if (el.validity.valueMissing) fields[el.name] = [{ code: "required", message: "This field is required." }];
      else if (el.validity.typeMismatch) fields[el.name] = [{ code: "invalid", message: "This does not look right; check it." }];
    }
    return Object.keys(fields).length ? { message: "Please check the fields marked below.", fields } : null;
  }

  function formJSON(form, { keepEmpty = false } = {}) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.type === "file" || el.disabled || el.closest("[hidden]")) continue;
      const value = el.type === "password" ? el.value : el.value.trim();
      if (value === "" && !keepEmpty) continue;
      const parts = el.name.split(".");
      let node = out;
      parts.slice(0, -1).forEach((part) => {
        node[part] = node[part] || {};
        node = node[part];
      });
      node[parts[parts.length - 1]] = value;
    }
    return out;
  }

  function fill(form, data, prefix = "") {
    for (const [key, value] of Object.entries(data || {})) {
      const name = prefix + key;
      if (value && typeof value === "object") fill(form, value, name + ".");
      else {
        const el = form.elements.namedItem(name);
        if (el && el.type !== "file" && value != null) el.value = value;
      }
    }
  }

  // Submits `form` through `handler`; a failure from the API lands next to its fields.
  function onSubmit(form, handler) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const local = localErrors(form);
      if (local) return showErrors(form, local);
      clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      form.setAttribute("aria-busy", "true");
      try {
        await handler();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showErrors(form, error);
      } finally {
        if (button) button.disabled = false;
        form.removeAttribute("aria-busy");
      }
    });
  }

  // Uploads each chosen file and answers the uploads (id, and for a public upload the upload_token that proves it is
  // ours when the registration attaches it); an upload refused (too large, wrong type) is reported on the file field.
  async function upload(input, { publicUpload = false } = {}) {
    const uploads = [];
    for (const file of input.files) {
      const data = new FormData();
      data.append("file", file);
      try {
        const answer = await api("/upload", {
          method: "POST",
          form: data,
          base: publicUpload ? config.public_api_base : config.api_base,
          auth: !publicUpload,
        });
        uploads.push(answer.data);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const fieldError = { code: error.code, message: file.name + ": " + error.message };
        error.fields = { [input.name]: [fieldError] };
        throw error;
      }
    }
    return uploads;
  }

  // ------------------------------------------------------------------------------------------ helpers

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null) continue;
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
    return node;
  }

  const humanize = (code) => (code || "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  const badge = (status) => el("span", { class: "badge " + status }, humanize(status));
  const issueLabel = (code) => (config.issue_types.find((t) => t.code === code) || {}).label || humanize(code);

  function formatDate(value) {
    if (!value) return "";
    const date = new Date(value.length === 10 ? value + "T00:00:00" : value);
    const options = value.length === 10 ? { dateStyle: "medium" } : { dateStyle: "medium", timeStyle: "short" };
    return isNaN(date) ? value : date.toLocaleString(undefined, options);
  }

  function facts(dl, rows) {
    dl.replaceChildren();
    for (const [label, value] of rows) {
      if (value == null || value === "") continue;
      dl.append(el("dt", {}, label), el("dd", {}, value));
    }
  }

  function say(container, text, kind) {
    container.replaceChildren(el("p", { class: kind ? "notice " + kind : null }, text));
  }

  function go(url) {
    window.location.assign(url);
  }

  function nextOr(fallback) {
    // Only a path inside this portal: never an open redirect to another site or another brand.
    const next = new URLSearchParams(window.location.search).get("next");
    return next && next.startsWith(config.urls.home) && !next.startsWith("//") ? next : fallback;
  }

  function requireSignIn() {
    if (session.get()) return true;
    session.clear();
    go(config.urls.sign_in + "?next=" + encodeURIComponent(window.location.pathname + window.location.search));
    return false;
  }

  function startSession(data) {
    session.set({ access: data.access, user: data.user });
  }

  function renderChrome() {
    const current = session.get();
    document.querySelectorAll("[data-when]").forEach((node) => {
      node.hidden = (node.dataset.when === "signed-in") !== Boolean(current);
    });
    document.querySelectorAll("[data-user]").forEach((node) => {
      node.textContent = current && current.user ? current.user[node.dataset.user] || "" : "";
    });
  }

  async function signOut() {
    if (session.get()) {
      try {
        // No token in the body: the API revokes the cookie's and clears the cookie.
        await api("/auth/logout", { method: "POST", body: {}, cookieSession: true });
      } catch (e) {
        // The page forgets the session whatever the server says; an expired token needs no revoking.
      }
    }
    session.clear();
    go(config.urls.home);
  }

  async function loadMe() {
    const me = (await api("/auth/me")).data;
    if (session.get()) session.set({ ...session.get(), user: me });
    return me;
  }

  // Lists are cursor-paginated (meta.next_cursor); "Show more" asks for the next page.
  async function pagedList({ path, list, status, more, render, empty }) {
    let cursor = null;
    async function page() {
      const query = cursor ? "?cursor=" + encodeURIComponent(cursor) : "";
      try {
        const answer = await api(path + query);
        answer.data.forEach((item) => list.append(render(item)));
        cursor = (answer.meta && answer.meta.next_cursor) || null;
        more.hidden = !cursor;
        if (!list.children.length) say(status, empty);
        else status.replaceChildren();
      } catch (error) {
        if (error.status === 401) return requireSignIn();
        say(status, error.message);
      }
    }
    more.addEventListener("click", page);
    await page();
  }

  // Claim photos are served to their owner only (bearer token), so an <img> gets them as a blob.
  async function authorizedBlobUrl(url) {
    const signedIn = session.get();
    try {
      const response = await fetch(url, { headers: signedIn ? { Authorization: "Bearer " + signedIn.access } : {} });
      if (response.ok) return URL.createObjectURL(await response.blob());
    } catch (e) {
      // A file that does not load leaves the element without it.
    }
    return null;
  }

  async function authorizedImage(url, alt) {
    const img = el("img", { alt });
    const src = await authorizedBlobUrl(url);
    if (src) img.src = src;
    return img;
  }

  // ------------------------------------------------------------------------------------------ screens

  const screens = {};

  screens.register = async function () {
    const form = document.getElementById("register");
    const done = document.getElementById("register-done");
    if (session.get()) {
      try {
        const me = await loadMe();
        fill(form, { customer: { name: me.name, email: me.email, phone: me.phone, address: me.address } });
      } catch (e) {
        // Registration needs no account: the form stays as it is.
      }
    }
    onSubmit(form, async () => {
      const body = formJSON(form);
      const proof = form.elements.namedItem("proof_of_purchase");
      if (proof && proof.files.length) {
        const receipt = (await upload(proof, { publicUpload: true }))[0];
        body.proof_of_purchase = receipt.id;
        body.proof_of_purchase_token = receipt.upload_token;
      }
      const warranty = (await api("/warranties", { method: "POST", body, base: config.public_api_base, idempotent: true })).data;
      form.hidden = true;
      const signedIn = Boolean(session.get());
      // The sign-up form of this brand offers what was just typed (this tab only, gone once used).
      if (!signedIn) sessionStorage.setItem(HANDOVER_KEY, JSON.stringify(body.customer || {}));
      done.replaceChildren(
        el("h2", {}, "Your " + warranty.product.name + " is registered"),
        el("p", {}, "Serial " + warranty.serial_number + ": warranty " + humanize(warranty.status).toLowerCase() +
          " until " + formatDate(warranty.warranty_end) + " (" + humanize(warranty.coverage).toLowerCase() + ")."),
        signedIn
          ? el("p", {}, el("a", { href: config.urls.products + warranty.id + "/" }, "See it in your products"))
          : el("p", {}, "We sent a confirmation to " + body.customer.email + ". ",
              el("a", { href: config.urls.sign_up }, "Create an account"), " or ",
              el("a", { href: config.urls.sign_in }, "sign in"),
              " with that email to see your products and file claims."),
        el("p", {}, el("a", { href: config.urls.home + "catalog/" + encodeURIComponent(warranty.product.sku) + "/", id: "register-product-page" },
          "About your " + warranty.product.name + ": warranty terms, manuals and answers")),
      );
      done.hidden = false;
      done.focus();
    });
  };

  screens.sign_up = function () {
    const form = document.getElementById("sign-up");
    try {
      fill(form, JSON.parse(sessionStorage.getItem(HANDOVER_KEY)) || {});
      const address = form.querySelector("details.optional-address");
      if (address && Array.from(address.querySelectorAll("input"), (i) => i.value).some(Boolean)) address.open = true;
    } catch (e) {
      // Nothing handed over: the form stays empty.
    }
    onSubmit(form, async () => {
      const answer = (await api("/auth/register", { method: "POST", body: formJSON(form), auth: false, cookieSession: true })).data;
      sessionStorage.removeItem(HANDOVER_KEY);
      startSession(answer);
      go(nextOr(config.urls.products + "?welcome=1"));
    });
  };

  screens.sign_in = function () {
    const form = document.getElementById("sign-in");
    onSubmit(form, async () => {
      const answer = (await api("/auth/login", { method: "POST", body: formJSON(form), auth: false, cookieSession: true })).data;
      startSession(answer);
      go(nextOr(config.urls.products));
    });
  };

  screens.forgot_password = function () {
    const form = document.getElementById("forgot-password");
    onSubmit(form, async () => {
      await api("/auth/forgot-password", { method: "POST", body: formJSON(form), auth: false });
      form.hidden = true;
      const done = document.getElementById("forgot-done");
      done.hidden = false;
      done.focus();
    });
  };

  screens.reset_password = function () {
    const form = document.getElementById("reset-password");
    const params = new URLSearchParams(window.location.search);
    const uid = params.get("uid");
    const token = params.get("token");
    if (!uid || !token) {
      form.hidden = true;
      document.getElementById("reset-missing").hidden = false;
      return;
    }
    onSubmit(form, async () => {
      const body = { uid, token, new_password: form.elements.namedItem("new_password").value };
      await api("/auth/reset-password", { method: "POST", body, auth: false });
      session.clear(); // every session of the account was signed out by the reset
      renderChrome();
      form.hidden = true;
      const done = document.getElementById("reset-done");
      done.hidden = false;
      done.focus();
    });
  };

  screens.verify_email = async function () {
    const result = document.getElementById("verify-result");
    const form = document.getElementById("verify-code");
    const token = new URLSearchParams(window.location.search).get("token");
    const verified = async (user) => {
      const current = session.get();
      if (current && current.user && current.user.id === user.id) session.set({ ...current, user });
      renderChrome();
      result.replaceChildren(
        el("p", { class: "notice ok" }, "Thank you: " + user.email + " is verified. Products you registered with it are now in your account."),
        el("p", {}, el("a", { href: current ? config.urls.products : config.urls.sign_in }, current ? "See your products" : "Sign in")),
      );
      form.hidden = true;
    };
    onSubmit(form, async () => {
      await verified((await api("/auth/verify-email", { method: "POST", body: formJSON(form) })).data);
    });
    if (!token) {
      say(result, "Open the link from the email we sent you, or type its code.");
      form.hidden = !session.get();
      return;
    }
    // The link proves the mailbox, not the account: it works only signed in to the account it is for.
    if (!requireSignIn()) return;
    try {
      await verified((await api("/auth/verify-email", { method: "POST", body: { token } })).data);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say(result, error.message + " You can ask for a new link from your account page.", "");
      form.hidden = !session.get();
    }
  };

  screens.accept_transfer = function () {
    const form = document.getElementById("accept-transfer");
    const result = document.getElementById("transfer-result");
    const token = new URLSearchParams(window.location.search).get("token");
    if (!token) {
      form.hidden = true;
      say(result, "This page needs the link from the transfer email.");
      return;
    }
    if (!session.get()) {
      form.hidden = true;
      result.replaceChildren(el("p", {}, el("a", { href: config.urls.sign_in + "?next=" +
        encodeURIComponent(window.location.pathname + window.location.search) }, "Sign in"), " or ",
        el("a", { href: config.urls.sign_up + "?next=" + encodeURIComponent(window.location.pathname +
          window.location.search) }, "create an account"), " first."));
      return;
    }
    onSubmit(form, async () => {
      const warranty = (await api("/warranties/transfers/accept", { method: "POST", body: { token } })).data;
      form.hidden = true;
      result.replaceChildren(el("p", { class: "notice ok" }, "The warranty of your " + warranty.product.name + " is yours now. ",
        el("a", { href: config.urls.products + warranty.id + "/" }, "See it")));
    });
  };

  screens.accept_invitation = function () {
    const form = document.getElementById("accept-invitation");
    const result = document.getElementById("invitation-result");
    const token = new URLSearchParams(window.location.search).get("token");
    if (!token) {
      form.hidden = true;
      say(result, "This page needs the link from the invitation email.");
      return;
    }
    // Accepting is a decision: it waits for the button (a mail scanner opening the link accepts nothing).
    onSubmit(form, async () => {
      const answer = (await api("/auth/accept-invitation", { method: "POST", body: { token }, auth: false })).data;
      form.hidden = true;
      result.replaceChildren(el("p", { class: "notice ok" }, answer.email + " is now on the " + config.brand_name +
        " team as " + answer.role + "."));
    });
  };

  function warrantyCard(warranty) {
    return el("li", { class: "card" },
      el("h2", {}, el("a", { href: config.urls.products + encodeURIComponent(warranty.id) + "/" }, warranty.product.name)),
      el("p", {}, badge(warranty.status)),
      el("p", {}, "Serial " + warranty.serial_number),
      el("p", {}, "Covered until " + formatDate(warranty.warranty_end)),
    );
  }

  screens.products = async function () {
    if (!requireSignIn()) return;
    const status = document.getElementById("products-status");
    const current = session.get();
    if (current.user && !current.user.email_verified) {
      status.before(el("p", { class: "notice" }, "Confirm your email with the link we sent to " + current.user.email +
        ": products registered with it before you had an account show up here once it is confirmed."));
    }
    await pagedList({
      path: "/warranties", list: document.getElementById("products-list"), status,
      more: document.getElementById("products-more"), render: warrantyCard,
      empty: "No products yet. Register one to start its warranty.",
    });
  };

  screens.product = async function () {
    if (!requireSignIn()) return;
    const section = document.getElementById("product-detail");
    const status = document.getElementById("product-status");
    try {
      const w = (await api("/warranties/" + encodeURIComponent(section.dataset.id))).data;
      document.getElementById("product-title").textContent = w.product.name;
      document.title = w.product.name + " · " + config.brand_name;
      facts(document.getElementById("product-facts"), [
        ["Status", badge(w.status)], ["Serial number", w.serial_number], ["Product", w.product.name + " (" + w.product.sku + ")"],
        ["Category", w.product.category], ["Coverage", humanize(w.coverage)], ["Purchased", formatDate(w.purchase_date)],
        ["Covered from", formatDate(w.warranty_start)], ["Covered until", formatDate(w.warranty_end)],
        ["Extended", w.extended ? "Yes" : "No"], ["Retailer", w.retailer], ["Order number", w.order_number],
      ]);
      const claim = document.getElementById("product-claim");
      claim.href = config.urls.claim_new + "?warranty=" + encodeURIComponent(w.id);
      claim.hidden = w.status !== "active";
      const docs = document.getElementById("product-docs");
      let shown = 0;
      docs.querySelectorAll("[data-skus]").forEach((item) => {
        const skus = item.dataset.skus.split(",").map((s) => s.trim()).filter(Boolean);
        item.hidden = skus.length > 0 && !skus.includes(w.product.sku);
        if (!item.hidden) shown += 1;
      });
      docs.hidden = shown === 0;
      const receipt = document.getElementById("product-receipt");
      if (w.proof_of_purchase) {
        const href = await authorizedBlobUrl(config.api_base + "/media/" + encodeURIComponent(w.proof_of_purchase));
        if (href) {
          receipt.href = href;
          receipt.hidden = false;
        }
      }
      const transfer = document.getElementById("product-transfer");
      transfer.hidden = w.status !== "active";
      if (!transfer.dataset.ready) {
        transfer.dataset.ready = "1";
        onSubmit(transfer, async () => {
          const body = formJSON(transfer);
          await api("/warranties/" + encodeURIComponent(w.id) + "/transfer", { method: "POST", body, idempotent: true });
          transfer.reset();
          const done = transfer.querySelector(".form-status");
          done.textContent = "We sent the offer to " + body.email + ". The warranty moves once they accept it.";
          done.classList.add("ok");
          done.hidden = false;
        });
      }
      status.replaceChildren();
      section.hidden = false;
    } catch (error) {
      if (error.status === 401) return requireSignIn();
      say(status, error.status === 404 ? "This product is not in your account." : error.message);
    }
  };

  function claimCard(claim) {
    return el("li", { class: "card" },
      el("h2", {}, el("a", { href: config.urls.claims + encodeURIComponent(claim.id) + "/" }, claim.product.name + ": " + issueLabel(claim.issue_type))),
      el("p", {}, badge(claim.status)),
      el("p", {}, "Claim " + (claim.reference || claim.id)),
      el("p", {}, "Filed " + formatDate(claim.created_at)),
    );
  }

  screens.claims = async function () {
    if (!requireSignIn()) return;
    await pagedList({
      path: "/claims", list: document.getElementById("claims-list"), status: document.getElementById("claims-status"),
      more: document.getElementById("claims-more"), render: claimCard, empty: "You have not filed a claim.",
    });
  };

  screens.claim_new = async function () {
    if (!requireSignIn()) return;
    const form = document.getElementById("claim-new");
    const select = form.elements.namedItem("warranty_id");
    try {
      // A customer has a handful of products; the first page (up to 100) is all of them in practice.
      const answer = await api("/warranties?limit=100");
      for (const w of answer.data) {
        const option = el("option", { value: w.id }, w.product.name + " · " + w.serial_number + (w.status === "active" ? "" : " (" + humanize(w.status).toLowerCase() + ")"));
        select.append(option);
      }
      if (form.dataset.prefillWarranty) select.value = form.dataset.prefillWarranty;
    } catch (error) {
      if (error.status === 401) return requireSignIn();
      showErrors(form, error);
    }
    onSubmit(form, async () => {
      const body = formJSON(form);
      body.photos = (await upload(form.elements.namedItem("photos"))).map((photo) => photo.id);
      const claim = (await api("/claims", { method: "POST", body, idempotent: true })).data;
      go(config.urls.claims + encodeURIComponent(claim.id) + "/?submitted=1");
    });
  };

  screens.claim = async function () {
    if (!requireSignIn()) return;
    const section = document.getElementById("claim-detail");
    const status = document.getElementById("claim-status");
    const id = section.dataset.id;
    async function load() {
      const c = (await api("/claims/" + encodeURIComponent(id))).data;
      document.getElementById("claim-title").textContent = "Claim " + (c.reference || c.id);
      document.title = "Claim " + (c.reference || c.id) + " · " + config.brand_name;
      facts(document.getElementById("claim-facts"), [
        ["Status", badge(c.status)], ["Product", c.product.name + " · " + c.serial_number], ["Issue", issueLabel(c.issue_type)],
        ["Description", c.description], ["Preferred outcome", humanize(c.preferred_resolution)],
        ["Resolution", humanize(c.resolution)], ["Reason", c.denial_reason], ["Filed", formatDate(c.created_at)],
        ["Last update", formatDate(c.updated_at)],
        ...c.fulfillments.map((f) => [humanize(f.kind), humanize(f.status) + (f.rma_number ? " · RMA " + f.rma_number : "")]),
      ]);
      const photos = document.getElementById("claim-photos");
      photos.replaceChildren(...(await Promise.all(c.photos.map((p, i) => authorizedImage(p.thumbnail_url, "Photo " + (i + 1) + " of the claim")))));
      if (!c.photos.length) photos.append(el("p", { class: "muted" }, "No photos."));
      // A conversation: messages as messages (with their photos), everything else as a short line between them.
      const timeline = document.getElementById("claim-timeline");
      timeline.replaceChildren(...(await Promise.all(c.timeline.map(async (item) => {
        const when = el("time", { datetime: item.at }, formatDate(item.at));
        if (item.type === "message") {
          const mine = item.by === "customer";
          const who = mine ? "You" : item.by === "staff" ? config.brand_name + " support" : config.brand_name;
          const photos = await Promise.all((item.photos || []).map((p, i) =>
            authorizedImage(p.thumbnail_url, "Photo " + (i + 1) + " sent by " + who.toLowerCase())));
          return el("li", { class: "message " + (mine ? "from-customer" : "from-brand") },
            el("p", { class: "who" }, who, " · ", when),
            item.body ? el("p", { class: "body" }, item.body) : "",
            photos.length ? el("div", { class: "photos" }, ...photos) : "");
        }
        let text;
        if (item.kind === "submitted") text = "Claim filed";
        else if (item.kind === "status_changed") text = "Status: " + humanize(item.to_status).toLowerCase() + (item.note ? ": " + item.note : "");
        else text = humanize(item.kind) + (item.note ? ": " + item.note : "");
        return el("li", { class: "event" }, el("span", {}, text), " · ", when);
      }))));
      document.getElementById("claim-message").hidden = c.status === "resolved";
      status.replaceChildren();
      if (new URLSearchParams(window.location.search).get("submitted")) say(status, "Your claim is submitted. We will email you when its status changes.", "ok");
      section.hidden = false;
    }
    try {
      await load();
    } catch (error) {
      if (error.status === 401) return requireSignIn();
      return say(status, error.status === 404 ? "This claim is not in your account." : error.message);
    }
    const form = document.getElementById("claim-message");
    onSubmit(form, async () => {
      const body = formJSON(form);
      body.photos = (await upload(form.elements.namedItem("photos"))).map((photo) => photo.id);
      await api("/claims/" + encodeURIComponent(id) + "/messages", { method: "POST", body, idempotent: true });
      form.reset();
      await load();
    });
  };

  screens.account = async function () {
    if (!requireSignIn()) return;
    const form = document.getElementById("account");
    const status = document.getElementById("account-status");
    const showPending = (me) => {
      status.replaceChildren();
      if (me.pending_email) say(status, "We sent a link to " + me.pending_email + "; your email changes once you open it.");
      else if (!me.email_verified) {
        const resend = el("button", { type: "button", class: "linklike" }, "Send the link again");
        resend.style.color = "inherit";
        resend.style.textDecoration = "underline";
        resend.addEventListener("click", async () => {
          try {
            await api("/auth/resend-verification", { method: "POST" });
            say(status, "A new link is on its way to " + me.email + ".", "ok");
          } catch (error) {
            say(status, error.message);
          }
        });
        status.replaceChildren(el("p", { class: "notice" }, "Your email " + me.email + " is not confirmed yet. ", resend));
      }
    };
    try {
      const me = await loadMe();
      fill(form, { name: me.name, email: me.email, phone: me.phone, address: me.address });
      showPending(me);
    } catch (error) {
      if (error.status === 401) return requireSignIn();
      return say(status, error.message);
    }
    const passwordForm = document.getElementById("change-password");
    onSubmit(passwordForm, async () => {
      const answer = (await api("/auth/change-password", { method: "POST", body: formJSON(passwordForm), cookieSession: true })).data;
      session.set({ ...session.get(), access: answer.access });
      passwordForm.reset();
      const done = passwordForm.querySelector(".form-status");
      done.textContent = "Your password is changed. Other devices signed in with the old one are signed out.";
      done.classList.add("ok");
      done.hidden = false;
    });
    onSubmit(form, async () => {
      const me = (await api("/auth/me", { method: "PATCH", body: formJSON(form, { keepEmpty: true }) })).data;
      const current = session.get();
      session.set({ ...current, user: me });
      renderChrome();
      fill(form, { email: me.email });
      showPending(me);
      const done = form.querySelector(".form-status");
      done.textContent = "Your details are saved.";
      done.classList.add("ok");
      done.hidden = false;
    });
  };

  // --------------------------------------------------------------------------------------------- start

  async function start() {
    // The page says it needs this script until the script runs (see portal_base.html); its forms wait for it too.
    const missing = document.getElementById("script-needed");
    if (missing) missing.remove();
    document.querySelectorAll("button[data-needs-script]").forEach((button) => {
      button.disabled = false;
    });
    await restoreSession();
    renderChrome();
    document.querySelectorAll("[data-action=sign-out]").forEach((button) => button.addEventListener("click", signOut));
    const screen = screens[document.body.dataset.screen];
    if (screen) screen();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
