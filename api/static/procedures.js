/* /procedures — filter the public list in place (code prefix or name words, diacritics optional). */
"use strict";
const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
$("proc-filter").addEventListener("input", () => {
  const q = $("proc-filter").value.trim(), words = fold(q).split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const s of document.querySelectorAll("section.procedure")) {
    const name = fold(s.dataset.name).split(/[^0-9a-z]+/);
    const hit = !q || s.dataset.code.startsWith(q) || words.every((w) => name.some((n) => n.startsWith(w)));
    s.hidden = !hit; shown += hit;
  }
  $("proc-count").textContent = `${shown} thủ tục.`;
});
