/* The portal's "products" screen. */
import { config, session, el, badge, formatDate, requireSignIn, pagedList, start } from "../core.js";

function warrantyCard(warranty) {
  return el("li", { class: "card" },
    el("h2", {}, el("a", { href: config.urls.products + encodeURIComponent(warranty.id) + "/" }, warranty.product.name)),
    el("p", {}, badge(warranty.status)),
    el("p", {}, "Serial " + warranty.serial_number),
    el("p", {}, "Covered until " + formatDate(warranty.warranty_end)),
  );
}

export default async function products() {
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
}
