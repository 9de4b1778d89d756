/* The portal's "claim" screen. */
import { config, api, formJSON, onSubmit, upload, el, humanize, badge, issueLabel, formatDate, facts, say, requireSignIn, authorizedImage } from "../core.js";

export default async function claim() {
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
}
