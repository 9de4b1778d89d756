/* The portal's "claim" screen. */
import { config, api, formJSON, onSubmit, upload, el, humanize, badge, issueLabel, formatDate, facts, say, requireSignIn, authorizedImage, gettext, format } from "../core.js";

export default async function claim() {
  if (!requireSignIn()) return;
  const section = document.getElementById("claim-detail");
  const status = document.getElementById("claim-status");
  const id = section.dataset.id;
  async function load() {
    const c = (await api("/claims/" + encodeURIComponent(id))).data;
    const title = format(gettext("Claim %(reference)s"), { reference: c.reference || c.id });
    document.getElementById("claim-title").textContent = title;
    document.title = title + " · " + config.brand_name;
    facts(document.getElementById("claim-facts"), [
      [gettext("Status"), badge(c.status)], [gettext("Product"), c.product.name + " · " + c.serial_number],
      [gettext("Issue"), issueLabel(c.issue_type)], [gettext("Description"), c.description],
      [gettext("Preferred outcome"), humanize(c.preferred_resolution)], [gettext("Resolution"), humanize(c.resolution)],
      [gettext("Reason"), c.denial_reason], [gettext("Filed"), formatDate(c.created_at)],
      [gettext("Last update"), formatDate(c.updated_at)],
      ...c.fulfillments.map((f) => [humanize(f.kind), humanize(f.status) + (f.rma_number ? " · " + format(gettext("RMA %(number)s"), { number: f.rma_number }) : "")]),
    ]);
    const photos = document.getElementById("claim-photos");
    photos.replaceChildren(...(await Promise.all(c.photos.map((p, i) => authorizedImage(p.thumbnail_url, format(gettext("Photo %(number)s of the claim"), { number: i + 1 }))))));
    if (!c.photos.length) photos.append(el("p", { class: "muted" }, gettext("No photos.")));
    // A conversation: messages as messages (with their photos), everything else as a short line between them.
    const timeline = document.getElementById("claim-timeline");
    timeline.replaceChildren(...(await Promise.all(c.timeline.map(async (item) => {
      const when = el("time", { datetime: item.at }, formatDate(item.at));
      if (item.type === "message") {
        const mine = item.by === "customer";
        const who = mine ? gettext("You") : item.by === "staff" ? format(gettext("%(brand)s support"), { brand: config.brand_name }) : config.brand_name;
        const photos = await Promise.all((item.photos || []).map((p, i) =>
          authorizedImage(p.thumbnail_url, format(gettext("Photo %(number)s sent by %(who)s"), { number: i + 1, who }))));
        return el("li", { class: "message " + (mine ? "from-customer" : "from-brand") },
          el("p", { class: "who" }, who, " · ", when),
          item.body ? el("p", { class: "body" }, item.body) : "",
          photos.length ? el("div", { class: "photos" }, ...photos) : "");
      }
      let text;
      if (item.kind === "submitted") text = gettext("Claim filed");
      else if (item.kind === "status_changed") text = format(gettext("Status: %(status)s"), { status: humanize(item.to_status) }) + (item.note ? ": " + item.note : "");
      else text = humanize(item.kind) + (item.note ? ": " + item.note : "");
      return el("li", { class: "event" }, el("span", {}, text), " · ", when);
    }))));
    document.getElementById("claim-message").hidden = c.status === "resolved";
    status.replaceChildren();
    if (new URLSearchParams(window.location.search).get("submitted")) say(status, gettext("Your claim is submitted. We will email you when its status changes."), "ok");
    section.hidden = false;
  }
  try {
    await load();
  } catch (error) {
    if (error.status === 401) return requireSignIn();
    return say(status, error.status === 404 ? gettext("This claim is not in your account.") : error.message);
  }
  const form = document.getElementById("claim-message");
  onSubmit(form, async () => {
    const body = formJSON(form);
    body.photos = (await upload(form.elements.namedItem("photos"))).map((photo) => photo.id);
    await api("/claims/" + encodeURIComponent(id) + "/messages", { method: "POST", body, idempotent: true });
    form.reset();
    await load();
  });
}
