() => {
  // factbot web UI: plain-text copies of answers and readable names for chat messages.
  // Gradio copies a message's source (our HTML) and names each message by it; both are replaced
  // here from what the page shows, so nothing depends on attributes its sanitizer drops.
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();

  // An answer as plain text: its words with their [n] markers, then the numbered sources.
  function answerText(root) {
    const answer = root.querySelector(".fb-answer, .fb-verdicts");
    if (!answer) return clean(root.innerText);
    const parts = [];
    const notice = answer.querySelector(".fb-notice");
    const body = answer.querySelector(".fb-text");
    if (notice) parts.push(clean(notice.innerText.replace(/^\?\s*/, "")));
    if (body) parts.push(clean(body.innerText));
    answer.querySelectorAll(".fb-verdict").forEach((v) => parts.push(clean(v.querySelector(".fb-verdict-head")?.innerText) +
      "\n" + clean(v.querySelector(".fb-explanation")?.innerText)));
    answer.querySelectorAll(".fb-side > .fb-sources-head").forEach((h, i) => {
      if (i === 0) parts.push("The sources disagree:");
      parts.push("- " + clean(h.innerText));
    });
    const cards = [...answer.querySelectorAll("li.fb-card")];
    if (cards.length) {
      parts.push(notice ? "Closest passages (not cited):" : "Sources:");
      const seen = new Set();
      cards.forEach((c) => {
        const n = clean(c.querySelector(".fb-num")?.innerText);
        if (seen.has(n)) return;
        seen.add(n);
        const who = clean(c.querySelector(".fb-byline")?.innerText);
        const file = clean(c.querySelector(".fb-file")?.innerText);
        const quote = clean((c.querySelector("mark") || c.querySelector(".fb-passage"))?.innerText);
        const url = c.querySelector("a.fb-outlet")?.href;
        parts.push(`[${n}] ${clean(c.querySelector(".fb-title")?.innerText)}${who ? " — " + who : ""} (${file})` +
          (url ? `\n    ${url}` : "") + `\n    “${quote}”`);
      });
    }
    return parts.filter(Boolean).join("\n\n");
  }

  function messageText(msg) {
    const role = msg.getAttribute("data-testid") === "user" ? "Question" : "factbot";
    return `${role}: ${msg.querySelector(".fb-answer, .fb-verdicts") ? answerText(msg) : clean(msg.innerText)}`;
  }

  // Copy buttons: this message (or the whole conversation) as plain text, never as HTML.
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest("#fb-chat button");
    if (!button) return;
    const label = button.getAttribute("aria-label") || "";
    let text = null;
    if (label === "Copy message") {
      // Gradio puts a message's buttons after it, beside the other messages: the message is the
      // last one before the button in document order
      const items = [...document.querySelectorAll("#fb-chat [data-testid=user], #fb-chat [data-testid=bot], #fb-chat button")];
      const msg = items.slice(0, items.indexOf(button)).reverse().find((el) => el.hasAttribute("data-testid"));
      if (msg) text = messageText(msg).replace(/^(Question|factbot): /, "");
    } else if (label === "Copy conversation") {
      text = [...document.querySelectorAll("#fb-chat [data-testid=user], #fb-chat [data-testid=bot]")]
        .map(messageText).join("\n\n");
    }
    if (text === null) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    navigator.clipboard.writeText(text);
    window.fbLastCopy = text;  // what the last copy put on the clipboard (read by the browser test)
  }, true);

  // A message's accessible name: its plain text, not its markup.
  const name = () => document.querySelectorAll("#fb-chat [data-testid=bot], #fb-chat [data-testid=user]").forEach((m) => {
    const text = messageText(m).slice(0, 300);
    if (m.getAttribute("aria-label") !== text) m.setAttribute("aria-label", text);
  });
  new MutationObserver(name).observe(document.body, { subtree: true, childList: true, characterData: true });
}
