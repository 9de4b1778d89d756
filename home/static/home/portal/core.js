/* The customer portal's shared frame: the session, the API client, forms and small DOM helpers (a native ES module).
 *
 * The session: the refresh token is an HttpOnly cookie the API sets for this brand's auth path only (asked for
 * with the X-Aftersale-Session header), so no script, this one included, can read it; the access token lives in
 * this page's memory. Each page load (a new tab, a reload, a link from an email) trades the cookie for a fresh
 * access token before its screen starts. Each screen is a module of its own under screens/, loaded by main.js. */

export const config = JSON.parse(document.getElementById("portal-config").textContent);
// The page's language (<html lang>, set by the server) and its words: Django's JavaScript catalog for that language
// (jsi18n/<lang>/portal.js, loaded before this module) defines gettext; English is the fallback.
export const LANG = document.documentElement.lang || "en";
export const gettext = window.gettext || ((text) => text);
// "%(name)s" placeholders of a translated text filled in: strings give a string, DOM nodes give a list for el().
export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}
export function compose(text, values) {
  return text.split(/(%\(\w+\)s)/).filter(Boolean).map((part) => {
    const match = /^%\((\w+)\)s$/.exec(part);
    return match ? values[match[1]] ?? "" : part;
  });
}
const COOKIE_SESSION = { "X-Aftersale-Session": "cookie" };
// What a registration hands to the sign-up form of this brand (never a token): name, email, phone, address.
export const HANDOVER_KEY = "aftersale.registration." + config.tenant;
// Earlier versions kept the tokens here; a page of this version forgets them.
sessionStorage.removeItem("aftersale.session." + config.tenant);

// ------------------------------------------------------------------------------------------ session

let memory = null; // { access, user }: in this page's memory only
export const session = {
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

export class ApiError extends Error {
  constructor(status, error) {
    const body = error || {};
    super(body.message || gettext("Something went wrong; please try again."));
    this.status = status;
    this.code = body.code || "network_error";
    this.fields = body.fields || {};
  }
}

export function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A resubmission of the same body (a double click, a retry after a lost answer) reuses its
// Idempotency-Key, so the API answers the first result again instead of creating a second object.
const idempotency = {};
export function idempotencyKeyFor(path, body) {
  const last = idempotency[path];
  if (last && last.body === body) return last.key;
  idempotency[path] = { body, key: randomKey() };
  return idempotency[path].key;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Trades the cookie for a new access token (the cookie is rotated). Two tabs loading at once race for the same
// cookie: the loser's answer is 401, and by then the winner's new cookie is in the jar, so one retry wins.
export async function refreshSession() {
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

export async function restoreSession() {
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

export async function api(path, options = {}) {
  const { method = "GET", body, form, base = config.api_base, auth = true, idempotent = false } = options;
  const headers = { Accept: "application/json", "Accept-Language": LANG };
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
    throw new ApiError(0, { code: "network_error", message: gettext("We could not reach the server; check your connection and try again.") });
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

export function fieldBox(form, key) {
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

export function clearErrors(form) {
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
export const CODE_FIELDS = {
  serial_invalid_format: "serial_number",
  serial_unknown: "serial_number",
  serial_ambiguous: "serial_number",
  serial_already_registered: "serial_number",
  email_already_registered: "email",
  claim_already_open: "warranty_id",
  warranty_expired: "warranty_id",
  warranty_not_active: "warranty_id",
};

export function showErrors(form, error) {
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
      ? (marked.length === 1
        ? format(gettext("Please check %(field)s."), { field: marked[0] })
        : format(gettext("Please check these %(count)s fields: %(fields)s."), { count: marked.length, fields: marked.join(", ") }))
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

export function fieldName(form, input) {
  const label = input.id && form.querySelector('label[for="' + CSS.escape(input.id) + '"]');
  const text = label ? label.firstChild.textContent : input.name;
  return text.replace(/\s*\(optional\)\s*$/, "").trim().toLowerCase();
}

// The browser's own checks, shown the same way as the API's, next to the field.
export function localErrors(form) {
  const fields = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.closest("[hidden]")) continue;
    if (el.validity.valueMissing) fields[el.name] = [{ code: "required", message: gettext("This field is required.") }];
    else if (el.validity.typeMismatch) fields[el.name] = [{ code: "invalid", message: gettext("This does not look right; check it.") }];
  }
  return Object.keys(fields).length ? { message: gettext("Please check the fields marked below."), fields } : null;
}

export function formJSON(form, { keepEmpty = false } = {}) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.type === "file" || el.disabled || el.closest("[hidden]")) continue;
    // An unticked box is no answer, except on a form that sends every field (the account's: a withdrawal).
    if (el.type === "checkbox" && !el.checked && !keepEmpty) continue;
    const value = el.type === "checkbox" ? el.checked : el.type === "password" ? el.value : el.value.trim();
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

export function fill(form, data, prefix = "") {
  for (const [key, value] of Object.entries(data || {})) {
    const name = prefix + key;
    if (value && typeof value === "object") fill(form, value, name + ".");
    else {
      const el = form.elements.namedItem(name);
      if (el && el.type === "checkbox") el.checked = Boolean(value);
      else if (el && el.type !== "file" && value != null) el.value = value;
    }
  }
}

// Submits `form` through `handler`; a failure from the API lands next to its fields.
export function onSubmit(form, handler) {
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
export async function upload(input, { publicUpload = false } = {}) {
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

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

// The words for the API's codes (statuses, coverage, outcomes, timeline events); an unknown code reads as itself.
const LABELS = {
  active: gettext("Active"), pending_verification: gettext("Pending verification"), void: gettext("Void"),
  transferred: gettext("Transferred"), submitted: gettext("Submitted"), under_review: gettext("Under review"),
  info_requested: gettext("More information requested"), approved: gettext("Approved"), denied: gettext("Denied"),
  resolved: gettext("Resolved"), full_replacement: gettext("Full replacement"), repair: gettext("Repair"),
  limited: gettext("Limited"), replacement: gettext("Replacement"), refund: gettext("Refund"),
  return_authorization: gettext("Return authorization"), requested: gettext("Requested"), shipped: gettext("Shipped"),
  received: gettext("Received"), repaired: gettext("Repaired"), refunded: gettext("Refunded"),
  completed: gettext("Completed"), cancelled: gettext("Cancelled"), fulfillment_updated: gettext("Fulfillment updated"),
  assigned: gettext("Assigned"), reminder_sent: gettext("Reminder sent"),
};
export const humanize = (code) => LABELS[code] || (code || "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
// The product's image on a warranty's screens (the API sizes it to at most 720 by 480): its box is held at
// 3:2 before it loads, so nothing below it moves, and it loads only when scrolled near.
export function productImage(product, className) {
  if (!product.image_url) return null;
  return el("img", {
    class: className, src: product.image_url, width: "360", height: "240", loading: "lazy", decoding: "async",
    alt: format(gettext("Photo of %(product)s"), { product: product.name }),
  });
}
export const badge = (status) => el("span", { class: "badge " + status }, humanize(status));
export const issueLabel = (code) => (config.issue_types.find((t) => t.code === code) || {}).label || humanize(code);

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value.length === 10 ? value + "T00:00:00" : value);
  const options = value.length === 10 ? { dateStyle: "medium" } : { dateStyle: "medium", timeStyle: "short" };
  return isNaN(date) ? value : date.toLocaleString(LANG, options);
}

export function facts(dl, rows) {
  dl.replaceChildren();
  for (const [label, value] of rows) {
    if (value == null || value === "") continue;
    dl.append(el("dt", {}, label), el("dd", {}, value));
  }
}

export function say(container, text, kind) {
  container.replaceChildren(el("p", { class: kind ? "notice " + kind : null }, text));
}

export function go(url) {
  window.location.assign(url);
}

export function nextOr(fallback) {
  // Only a path inside this portal: never an open redirect to another site or another brand.
  const next = new URLSearchParams(window.location.search).get("next");
  return next && next.startsWith(config.urls.home) && !next.startsWith("//") ? next : fallback;
}

export function requireSignIn() {
  if (session.get()) return true;
  session.clear();
  go(config.urls.sign_in + "?next=" + encodeURIComponent(window.location.pathname + window.location.search));
  return false;
}

export function startSession(data) {
  session.set({ access: data.access, user: data.user });
}

export function renderChrome() {
  const current = session.get();
  document.querySelectorAll("[data-when]").forEach((node) => {
    node.hidden = (node.dataset.when === "signed-in") !== Boolean(current);
  });
  document.querySelectorAll("[data-user]").forEach((node) => {
    node.textContent = current && current.user ? current.user[node.dataset.user] || "" : "";
  });
}

export async function signOut() {
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

export async function loadMe() {
  const me = (await api("/auth/me")).data;
  if (session.get()) session.set({ ...session.get(), user: me });
  return me;
}

// Lists are cursor-paginated (meta.next_cursor); "Show more" asks for the next page.
export async function pagedList({ path, list, status, more, render, empty }) {
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
export async function authorizedBlobUrl(url) {
  const signedIn = session.get();
  try {
    const response = await fetch(url, { headers: signedIn ? { Authorization: "Bearer " + signedIn.access } : {} });
    if (response.ok) return URL.createObjectURL(await response.blob());
  } catch (e) {
    // A file that does not load leaves the element without it.
  }
  return null;
}

// A file of the API for the signed-in caller (a warranty's certificate): a plain link cannot carry the bearer token,
// so the file is fetched like any API call (a stale token refreshed once) and handed to the browser as a download,
// under the name the API gives it.
export async function downloadFile(path, fallbackName, { retried = false } = {}) {
  const signedIn = session.get();
  const headers = { Accept: "application/pdf, application/json", "Accept-Language": LANG };
  if (signedIn) headers.Authorization = "Bearer " + signedIn.access;
  let response;
  try {
    response = await fetch(config.api_base + path, { headers, credentials: "same-origin" });
  } catch (e) {
    throw new ApiError(0, { code: "network_error", message: gettext("We could not reach the server; check your connection and try again.") });
  }
  if (response.status === 401 && signedIn && !retried) {
    if (await refreshSession()) return downloadFile(path, fallbackName, { retried: true });
    session.clear();
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    throw new ApiError(response.status, data && data.error);
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const href = URL.createObjectURL(await response.blob());
  const link = el("a", { href, download: named ? named[1] : fallbackName, hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started the download; the object URL is freed once it surely has the bytes.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export async function authorizedImage(url, alt) {
  const img = el("img", { alt });
  const src = await authorizedBlobUrl(url);
  if (src) img.src = src;
  return img;
}

// The account remembers the language: a choice made with the switcher (?lang=) is saved to it, and a page in
// another language than the account's (a new device, a browser in another language) reloads in the account's.
async function followAccountLanguage() {
  const current = session.get();
  if (!current || !current.user) return false;
  const url = new URL(window.location.href);
  const chosen = url.searchParams.get("lang");
  // An account without a language takes the one it was signed up or first used in.
  if (chosen === LANG || !current.user.language) {
    if (current.user.language !== LANG) {
      try {
        await api("/auth/me", { method: "PATCH", body: { language: LANG } });
        session.set({ ...current, user: { ...current.user, language: LANG } });
      } catch (e) {
        // The page stays in the language chosen; the account learns it next time.
      }
    }
    if (chosen) {
      url.searchParams.delete("lang");
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
    return false;
  }
  const remembered = current.user.language;
  if (remembered && remembered !== LANG && (config.languages || []).includes(remembered)) {
    url.searchParams.set("lang", remembered);
    window.location.replace(url.toString());
    return true;
  }
  return false;
}

// ----------------------------------------------------------------------------------------------- start

export async function start(loadScreen) {
  // The page says it needs this script until the script runs (see portal_base.html); its forms wait for it too.
  const missing = document.getElementById("script-needed");
  if (missing) missing.remove();
  await restoreSession();
  if (await followAccountLanguage()) return;
  renderChrome();
  document.querySelectorAll("[data-action=sign-out]").forEach((button) => button.addEventListener("click", signOut));
  const screen = await loadScreen(document.body.dataset.screen);
  // A screen attaches its form handlers as it starts; only then may a button submit.
  const running = screen ? screen() : null;
  document.querySelectorAll("button[data-needs-script]").forEach((button) => {
    button.disabled = false;
  });
  await running;
}
