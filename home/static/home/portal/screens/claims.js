/* The portal's "claims" screen. */
import { config, el, badge, issueLabel, formatDate, requireSignIn, pagedList, gettext, format } from "../core.js";

function claimCard(claim) {
  return el("li", { class: "card" },
    el("h2", {}, el("a", { href: config.urls.claims + encodeURIComponent(claim.id) + "/" }, claim.product.name + ": " + issueLabel(claim.issue_type))),
    el("p", {}, badge(claim.status)),
    el("p", {}, format(gettext("Claim %(reference)s"), { reference: claim.reference || claim.id })),
    el("p", {}, format(gettext("Filed %(date)s"), { date: formatDate(claim.created_at) })),
  );
}

export default async function claims() {
  if (!requireSignIn()) return;
  await pagedList({
    path: "/claims", list: document.getElementById("claims-list"), status: document.getElementById("claims-status"),
    more: document.getElementById("claims-more"), render: claimCard, empty: gettext("You have not filed a claim."),
  });
}
