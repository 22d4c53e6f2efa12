/* /archive — archivists and admins: catalogs, retention, holds, disposal, fixity, audit, users, dead letters. */
"use strict";
const table = (head, rows) => rows.length
  ? `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("") + "</tbody></table>"
  : `<p class="muted">Không có mục nào.</p>`;
const EVENTS = {digitized: "ngày số hoá", dossier_resolved: "ngày giải quyết xong", document_issued: "ngày cấp",
  document_expired: "ngày hết hiệu lực", owner_death: "ngày công dân mất"};
const BATCH = {proposed: "chờ duyệt", approved: "đã duyệt", rejected: "bị từ chối", executing: "đang huỷ", completed: "đã huỷ xong"};
const SCOPES = {owner: "công dân", dossier: "hồ sơ", document: "tài liệu"};

/* ---- tabs: arrow keys move between them; the URL hash keeps the open one ---- */
const tabs = [...document.querySelectorAll('[role="tab"]')];
const loaders = {};
function openTab(tab, focus = false) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on)); t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
  const name = tab.id.slice(4);
  history.replaceState(null, "", "#" + name);
  if (loaders[name]) loaders[name]();
}
tabs.forEach((t, i) => {
  t.addEventListener("click", () => openTab(t));
  t.addEventListener("keydown", (e) => {
    const step = {ArrowRight: 1, ArrowLeft: -1}[e.key];
    if (step) { e.preventDefault(); openTab(tabs[(i + step + tabs.length) % tabs.length], true); }
  });
});
function on(id, event, handler) { $(id).addEventListener(event, handler); }
function submit(formId, buttonId, msgId, action) {
  on(formId, "submit", (e) => { e.preventDefault(); guarded(e.submitter || $(buttonId), msgId, () => action(e.submitter)); });
}

/* ---- catalog import with a dry run ---- */
function changesHtml(report) {
  const parts = [];
  for (const [t, c] of Object.entries(report.changes)) {
    const lines = [...c.added.map((k) => `+ ${k}`), ...c.removed.map((k) => `− ${k}`),
      ...c.changed.map((x) => `~ ${x.code}: ` + Object.entries(x.fields).map(([f, [a, b]]) => `${f}: ${a ?? "∅"} → ${b ?? "∅"}`).join("; "))];
    if (lines.length) parts.push(`${t}\n  ${lines.join("\n  ")}`);
  }
  return parts.length ? `<pre class="diff" id="catalog-diff">${esc(parts.join("\n"))}</pre>` : `<p class="muted">Không có thay đổi nào so với danh mục đang hiệu lực.</p>`;
}
function problemsHtml(problems) {
  return problems.length ? table(["Bảng", "Dòng", "Cột", "Lỗi"], problems.map((p) => [esc(p.table), p.row, esc(p.column || ""), esc(p.message)])) : "";
}
submit("catalog-form", "cat-dry", "catalog-msg", async (button) => {
  const file = $("cat-file").files[0];
  if (!file) throw new Error("Chọn tệp CSV.");
  const version = $("cat-version").value.trim();
  if (!version) throw new Error("Nhập nhãn phiên bản mới.");
  const dry = button.dataset.dry === "1";
  const form = new FormData();
  form.append("file", file); form.append("version", version); form.append("dry_run", String(dry));
  const effective = parseDate($("cat-effective").value, "Hiệu lực từ");
  if (effective) form.append("effective_from", effective);
  let report;
  try { report = await api(`/api/v1/admin/catalogs/${$("cat-table").value}.csv`, {method: "POST", form}); }
  catch (e) {
    if (e.body && e.body.report) $("catalog-report").innerHTML = problemsHtml(e.body.report.problems);
    throw e;
  }
  $("catalog-report").innerHTML = changesHtml(report) + problemsHtml(report.problems);
  const s = Object.entries(report.summary).filter(([, c]) => c.added + c.removed + c.changed)
    .map(([t, c]) => `${t}: +${c.added} −${c.removed} ~${c.changed}`).join("; ") || "không thay đổi";
  say("catalog-msg", (report.imported ? `Đã nhập phiên bản ${report.version}. ` : "Chạy thử — chưa ghi gì. ") + s);
  if (report.imported) loaders.catalog();
});
loaders.catalog = () => guarded(null, "catalog-msg", async () => {
  const versions = await api("/api/v1/admin/catalogs");
  $("catalog-versions").innerHTML = table(["Phiên bản", "Hiệu lực từ", "Đang dùng", "Nguồn", "Tạo lúc"],
    versions.map((v) => [esc(v.label), fmtDate(v.effective_from), v.in_force ? "✔" : "", esc(v.source), fmtDate(v.created_at, true)]));
});

/* ---- the holiday calendar that due dates count on: export, import with a dry run ---- */
const DAY_KINDS = {holiday: "Nghỉ lễ, Tết", compensatory: "Nghỉ bù", day_off: "Nghỉ hoán đổi", working_saturday: "Làm việc bù (thứ Bảy, Chủ nhật)"};
let calendarYears = [];
loaders.holidays = () => guarded(null, "calendar-msg", async () => {
  calendarYears = (await api("/api/v1/admin/calendar")).years;
  $("calendar-years").innerHTML = table(["Năm", "Số ngày", "Tạm tính", "Căn cứ", "Ghi chú"], calendarYears.map((y) =>
    [y.year, y.days.length, y.provisional ? "tạm tính" : "", esc(y.basis || ""), esc(y.note || "")]));
  const chosen = $("cal-year").value || String(new Date().getFullYear());
  $("cal-year").innerHTML = calendarYears.map((y) => `<option value="${y.year}">${y.year}</option>`).join("");
  if (calendarYears.some((y) => String(y.year) === chosen)) $("cal-year").value = chosen;
  showCalendarDays();
});
function showCalendarDays() {
  const year = calendarYears.find((y) => String(y.year) === $("cal-year").value);
  $("calendar-days").innerHTML = year ? table(["Ngày", "Loại", "Tên"], year.days.map((d) =>
    [fmtDate(d.date), esc(DAY_KINDS[d.kind] || d.kind), esc(d.name)])) : "";
}
on("cal-year", "change", showCalendarDays);
on("cal-export", "click", (e) => guarded(e.target, "calendar-msg", async () => {
  const year = $("cal-year").value;
  if (!year) throw new Error("Chọn năm.");
  await openFile(`/api/v1/admin/calendar?years=${encodeURIComponent(year)}`, `lich-nghi-${year}.json`);
}));
function calendarChangesHtml(report) {
  const lines = [];
  for (const [year, c] of Object.entries(report.changes)) {
    lines.push(`${year}`, ...c.added.map((d) => `  + ${fmtDate(d)}`), ...c.removed.map((d) => `  − ${fmtDate(d)}`),
      ...c.changed.map((d) => `  ~ ${fmtDate(d)}`));
    if (!c.added.length && !c.removed.length && !c.changed.length) lines.push("  (không thay đổi)");
  }
  const problems = report.problems.length ? table(["Năm", "Dòng", "Trường", "Lỗi"], report.problems.map((p) =>
    [esc(p.year ?? ""), p.row, esc(p.field || ""), esc(p.message)])) : "";
  return (lines.length ? `<pre class="diff" id="calendar-diff">${esc(lines.join("\n"))}</pre>` : "") + problems;
}
submit("calendar-form", "cal-dry", "calendar-msg", async (button) => {
  const file = $("cal-file").files[0];
  if (!file) throw new Error("Chọn tệp lịch (JSON).");
  let body;
  try { body = JSON.parse(await file.text()); } catch (err) { throw new Error("Tệp không phải JSON hợp lệ."); }
  const dry = button.dataset.dry === "1";
  let report;
  try { report = await api(`/api/v1/admin/calendar?dry_run=${dry}`, {method: "POST", json: body}); }
  catch (err) {
    if (err.body && err.body.report) $("calendar-report").innerHTML = calendarChangesHtml(err.body.report);
    throw err;
  }
  $("calendar-report").innerHTML = calendarChangesHtml(report);
  const years = report.years.join(", ");
  if (report.imported) { say("calendar-msg", `Đã nhập lịch năm ${years}.`); await loaders.holidays(); }
  else say("calendar-msg", `Chạy thử — chưa ghi gì. Năm ${years}: ` + (report.valid ? "hợp lệ." : `${report.problems.length} lỗi.`),
    report.valid ? "ok" : "err");
});

/* ---- retention rules ---- */
loaders.retention = () => guarded(null, "retention-msg", async () => {
  const rules = await api("/api/v1/admin/retention/rules");
  $("rules").innerHTML = table(["Loại giấy tờ", "Thời hạn", "Tính từ", "Căn cứ", "Phiên bản"], rules.map((r) => [
    `${esc(r.document_type_code)} — ${esc(r.document_type_name || "")}`, r.years == null ? "Vĩnh viễn" : `${r.years} năm`,
    esc(EVENTS[r.event] || r.event || ""), esc(r.basis || ""), `${r.version} (${esc(r.created_by || r.source)})`]));
  if (!$("type-codes").children.length) {
    const types = (await api("/api/v1/catalog/document-types")).document_types;
    $("type-codes").innerHTML = types.map((t) => `<option value="${esc(t.code)}">${esc(t.name)}</option>`).join("");
  }
});
submit("rule-form", "rule-save", "retention-msg", async () => {
  const code = $("rule-type").value.trim(), years = $("rule-years").value.trim();
  if (!code) throw new Error("Nhập mã loại giấy tờ.");
  if (years && !/^\d+$/.test(years)) throw new Error("Số năm phải là số nguyên, hoặc để trống nếu bảo quản vĩnh viễn.");
  const body = years ? {years: +years, event: $("rule-event").value} : {years: "permanent"};
  body.basis = $("rule-basis").value.trim() || null;
  await api(`/api/v1/admin/retention/rules/${encodeURIComponent(code)}`, {method: "PUT", json: body});
  await loaders.retention();
  say("retention-msg", `Đã lưu thời hạn bảo quản cho ${code}.`);
});
on("due-load", "click", (e) => guarded(e.target, "retention-msg", async () => {
  const page = await api("/api/v1/admin/retention/due?limit=100");
  $("due").innerHTML = table(["Tài liệu", "Loại", "Hết hạn", "Tạm giữ"], page.items.map((d) => [
    `<code>${esc(d.document_id)}</code>`, esc(d.document_type_code || ""), fmtDate(d.due_on), d.held_by.length ? `lệnh ${d.held_by.join(", ")}` : ""]));
}));

/* ---- legal holds ---- */
loaders.holds = () => guarded(null, "holds-msg", async () => {
  const holds = await api("/api/v1/admin/holds");
  $("holds").innerHTML = table(["Số", "Phạm vi", "Đối tượng", "Lý do", "Đặt bởi", "Trạng thái", ""], holds.map((h) => [
    h.id, esc(SCOPES[h.scope] || h.scope), `<code>${esc(h.target_ref)}</code>`, esc(h.reason), `${esc(h.placed_by)}, ${fmtDate(h.placed_at, true)}`,
    h.active ? "Đang giữ" : `Đã gỡ (${esc(h.release_reason || "")})`,
    h.active ? `<button type="button" class="small secondary release" data-id="${h.id}">Gỡ tạm giữ</button>` : ""]));
});
submit("hold-form", "hold-place", "holds-msg", async () => {
  const ref = $("hold-ref").value.trim(), reason = $("hold-reason").value.trim();
  if (!ref || !reason) throw new Error("Nhập đối tượng và lý do tạm giữ.");
  const h = await api("/api/v1/admin/holds", {method: "POST", json: {scope: $("hold-scope").value, ref, reason}});
  await loaders.holds();
  say("holds-msg", `Đã đặt lệnh tạm giữ số ${h.id}.`);
});
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.release");
  if (!b) return;
  const reason = prompt("Lý do gỡ tạm giữ:");
  if (!reason) return;
  guarded(b, "holds-msg", async () => {
    await api(`/api/v1/admin/holds/${b.dataset.id}/release`, {method: "POST", json: {reason}});
    await loaders.holds();
    say("holds-msg", `Đã gỡ lệnh tạm giữ số ${b.dataset.id}.`);
  });
});

/* ---- disposal batches: propose → review (approve/reject, by another person) → execute → certificate ---- */
loaders.disposal = () => guarded(null, "disposal-msg", async () => {
  const batches = await api("/api/v1/admin/disposal/batches");
  $("batches").innerHTML = table(["Đợt", "Trạng thái", "Đề xuất", "Quyết định", ""], batches.map((b) => {
    const act = (cls, label) => `<button type="button" class="small batch ${cls}" data-id="${b.id}" data-code="${esc(b.code)}" data-act="${cls}">${label}</button> `;
    const actions = b.state === "proposed" ? act("approve", "Duyệt") + act("reject", "Từ chối")
      : b.state === "approved" || b.state === "executing" ? act("execute", "Thực hiện huỷ")
      : b.state === "completed" ? act("certificate", "Biên bản huỷ (PDF)") : "";
    return [esc(b.code), esc(BATCH[b.state] || b.state), `${esc(b.proposed_by)}, ${fmtDate(b.proposed_at, true)}`,
      b.decided_by ? `${esc(b.decided_by)}: ${esc(b.decision_note || "")}` : "", act("items secondary", "Tài liệu") + actions];
  }));
});
const ITEM = {pending: "chờ huỷ", purged: "đang huỷ", destroyed: "đã huỷ", withheld: "giữ lại"};
submit("batch-form", "batch-propose", "disposal-msg", async () => {
  const ids = $("batch-docs").value.split(/[\s,;]+/).filter(Boolean);
  if (!ids.length) throw new Error("Nhập ít nhất một mã tài liệu.");
  const b = await api("/api/v1/admin/disposal/batches", {method: "POST", json: {document_ids: ids, note: $("batch-note").value.trim() || null}});
  await loaders.disposal();
  say("disposal-msg", `Đã đề xuất đợt huỷ ${b.code} (${b.items.length} tài liệu), chờ người khác duyệt.`);
});
on("batch-fill", "click", (e) => guarded(e.target, "disposal-msg", async () => {
  const due = (await api("/api/v1/admin/retention/due?limit=500")).items.filter((d) => !d.held_by.length);
  $("batch-docs").value = due.map((d) => d.document_id).join("\n");
  say("disposal-msg", `${due.length} tài liệu đã hết thời hạn bảo quản và không bị tạm giữ.`, due.length ? "ok" : "info");
}));
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.batch");
  if (!b) return;
  const id = b.dataset.id, act = b.dataset.act;
  guarded(b, "disposal-msg", async () => {
    if (act === "items secondary") {
      const batch = await api(`/api/v1/admin/disposal/batches/${id}`);
      $("batch-items").innerHTML = `<h3>Tài liệu của đợt ${esc(batch.code)}</h3>` + table(["Tài liệu", "Hết hạn", "Tình trạng", "Lý do"],
        batch.items.map((i) => [`<code>${esc(i.document_id)}</code>`, fmtDate(i.due_on), esc(ITEM[i.state] || i.state), esc(i.reason || "")]));
      return;
    }
    if (act === "certificate") { await openFile(`/api/v1/admin/disposal/batches/${id}/certificate`, `bien-ban-huy-${b.dataset.code}.pdf`); return; }
    if (act === "execute" && !confirm("Huỷ vĩnh viễn các tài liệu của đợt này?")) return;
    const json = act === "execute" ? undefined : {note: prompt(act === "approve" ? "Ý kiến phê duyệt:" : "Lý do từ chối:") || null};
    const out = await api(`/api/v1/admin/disposal/batches/${id}/${act}`, {method: "POST", json});
    await loaders.disposal();
    say("disposal-msg", `Đợt ${out.code}: ${BATCH[out.state] || out.state}.`);
  });
});

/* ---- fixity ---- */
const FIX = {running: "đang chạy", completed: "xong", failed: "lỗi", interrupted: "bị ngắt"};
let fixityPoll = null;
loaders.fixity = () => guarded(null, "fixity-msg", async () => {
  const runs = await api("/api/v1/admin/fixity/runs");
  clearTimeout(fixityPoll);  // a running check is followed until it ends, while its tab is open
  if (runs.some((r) => r.state === "running")) fixityPoll = setTimeout(() => { if (!$("panel-fixity").hidden) loaders.fixity(); }, 1000);
  $("fixity-runs").innerHTML = table(["Lần", "Bắt đầu", "Trạng thái", "Đã kiểm", "Thiếu", "Bị sửa", "Thừa", "Không đọc được", ""], runs.map((r) => [
    r.id, `${fmtDate(r.started_at, true)} (${esc(r.started_by || r.trigger)})`, esc(FIX[r.state] || r.state), r.objects_checked,
    r.missing, r.altered, r.orphans, r.unreadable, `<button type="button" class="small secondary run" data-id="${r.id}">Chi tiết</button>`]));
});
on("fixity-start", "click", (e) => guarded(e.target, "fixity-msg", async () => {
  const r = await api("/api/v1/admin/fixity/runs", {method: "POST"});
  await loaders.fixity();
  say("fixity-msg", `Đã bắt đầu lần kiểm tra ${r.id}.`);
}));
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.run");
  if (!b) return;
  guarded(b, "fixity-msg", async () => {
    const r = await api(`/api/v1/admin/fixity/runs/${b.dataset.id}`);
    $("fixity-issues").innerHTML = `<h3>Phát hiện của lần ${r.id}</h3>` + table(["Tệp", "Vấn đề", "Tài liệu", "Chi tiết"],
      r.issues.map((i) => [`<code>${esc(i.key)}</code>`, esc(i.problem), esc(i.document_id || ""), esc(i.detail || "")]));
  });
});

/* ---- audit ---- */
submit("audit-form", "audit-search", "audit-msg", async () => {
  const p = new URLSearchParams({limit: "100"});
  for (const [id, name] of [["au-owner", "owner"], ["au-user", "user"], ["au-action", "action"]]) if ($(id).value.trim()) p.set(name, $(id).value.trim());
  const from = parseDate($("au-from").value, "Từ ngày"), to = parseDate($("au-to").value, "Đến ngày");
  if (from) p.set("date_from", from);
  if (to) p.set("date_to", to);
  const page = await api("/api/v1/admin/audit?" + p);
  say("audit-msg", `${page.entries.length} mục${page.next_before ? " (còn nữa)" : ""}.`);
  $("audit").innerHTML = table(["Lúc", "Người", "Thao tác", "Đối tượng", "Công dân", "Từ"], page.entries.map((a) => [
    fmtDate(a.at, true), `${esc(a.actor)} (${esc(a.role)})`, esc(a.action), `${esc(a.object_type)} ${esc(a.object_id || "")}`, esc(a.owner_ref || ""), esc(a.remote_addr || "")]));
});
on("audit-verify", "click", (e) => guarded(e.target, "audit-msg", async () => {
  const c = await api("/api/v1/admin/audit/verify");
  if (c.ok) say("audit-msg", `Chuỗi nhật ký nguyên vẹn (${c.entries} mục).`);
  else say("audit-msg", `Chuỗi nhật ký bị phá vỡ tại mục ${c.broken_at}: ${c.reason}`, "err");
}));

/* ---- users, API keys, offices (admins) ---- */
const ROLE_LABEL = {counter: "Một cửa", handler: "Cán bộ xử lý", archivist: "Lưu trữ", admin: "Quản trị"};
loaders.users = () => guarded(null, "users-msg", async () => {
  if (ME.role !== "admin") { say("users-msg", "Chỉ quản trị viên quản lý người dùng.", "info"); return; }
  const users = await api("/api/v1/admin/users");
  $("users").innerHTML = table(["Tên đăng nhập", "Họ tên", "Vai trò", "Đơn vị", "Hoạt động", ""], users.map((u) => [
    esc(u.username), esc(u.full_name || ""), esc(ROLE_LABEL[u.role] || u.role), esc(u.office_code), u.active ? "Có" : "Đã khoá",
    `<button type="button" class="small secondary keys" data-user="${esc(u.username)}">Khoá API</button> ` +
    `<button type="button" class="small secondary toggle" data-user="${esc(u.username)}" data-active="${u.active}">${u.active ? "Khoá tài khoản" : "Mở khoá"}</button>`]));
  const offices = await api("/api/v1/admin/offices");
  $("offices").innerHTML = table(["Mã", "Tên"], offices.map((o) => [esc(o.code), esc(o.name)]));
});
submit("user-form", "user-create", "users-msg", async () => {
  const u = await api("/api/v1/admin/users", {method: "POST", json: {username: $("u-name").value.trim(), full_name: $("u-full").value.trim() || null,
    role: $("u-role").value, office_code: $("u-office").value.trim(), password: $("u-pass").value}});
  $("u-pass").value = "";
  await loaders.users();
  say("users-msg", `Đã tạo tài khoản ${u.username}.`);
});
submit("office-form", "office-save", "users-msg", async () => {
  const code = $("o-code").value.trim(), name = $("o-name").value.trim();
  if (!code || !name) throw new Error("Nhập mã và tên đơn vị.");
  await api(`/api/v1/admin/offices/${encodeURIComponent(code)}`, {method: "PUT", json: {name}});
  await loaders.users();
  say("users-msg", `Đã lưu đơn vị ${code}.`);
});
async function showKeys(username) {
  const keys = await api(`/api/v1/admin/users/${encodeURIComponent(username)}/api-keys`);
  $("keys").innerHTML = `<h3>Khoá API của ${esc(username)}</h3>` + table(["Tiền tố", "Tên", "Tạo lúc", "Thu hồi"], keys.map((k) => [
    `<code>${esc(k.prefix)}</code>`, esc(k.name), fmtDate(k.created_at, true),
    k.revoked_at ? fmtDate(k.revoked_at, true) : `<button type="button" class="small secondary revoke" data-prefix="${esc(k.prefix)}" data-user="${esc(username)}">Thu hồi</button>`])) +
    `<div class="row"><div><label for="key-name">Tên khoá mới</label><input id="key-name" maxlength="100"></div>` +
    `<button type="button" id="key-issue" data-user="${esc(username)}">Cấp khoá</button></div><div id="key-out" class="msg"></div>`;
}
document.addEventListener("click", (e) => {
  const t = e.target;
  if (t.matches("button.keys")) guarded(t, "users-msg", () => showKeys(t.dataset.user));
  if (t.matches("button.toggle")) guarded(t, "users-msg", async () => {
    await api(`/api/v1/admin/users/${encodeURIComponent(t.dataset.user)}`, {method: "PATCH", json: {active: t.dataset.active !== "true"}});
    loaders.users();
  });
  if (t.matches("button.revoke")) guarded(t, "users-msg", async () => {
    await api(`/api/v1/admin/api-keys/${encodeURIComponent(t.dataset.prefix)}`, {method: "DELETE"});
    await showKeys(t.dataset.user);
  });
  if (t.id === "key-issue") guarded(t, "users-msg", async () => {
    const name = $("key-name").value.trim();
    if (!name) throw new Error("Nhập tên khoá.");
    const k = await api(`/api/v1/admin/users/${encodeURIComponent(t.dataset.user)}/api-keys`, {method: "POST", json: {name}});
    await showKeys(t.dataset.user);
    say("key-out", `Khoá mới (chỉ hiện một lần, hãy lưu lại): ${k.key}`);
  });
});

/* ---- dead letters ---- */
loaders.dead = () => guarded(null, "dead-msg", async () => {
  const dead = await api("/api/v1/admin/dead-letters");
  $("dead").innerHTML = table(["Tệp", "Hồ sơ", "Lỗi", "Số lần thử", "Lúc", ""], dead.map((d) => [
    esc(d.filename), esc(d.dossier_codes.join(", ")), esc(d.error.message), d.attempts, fmtDate(d.failed_at, true),
    `<button type="button" class="small retry" data-id="${esc(d.id)}">Xử lý lại</button>`]));
});
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.retry");
  if (b) guarded(b, "dead-msg", async () => { await api(`/api/v1/admin/dead-letters/${b.dataset.id}/retry`, {method: "POST"}); await loaders.dead(); say("dead-msg", "Đã đưa lại vào hàng đợi."); });
});

signedIn().then(() => {
  const wanted = $("tab-" + location.hash.slice(1));
  openTab(wanted || tabs[0]);
}).catch((e) => say("catalog-msg", e.message, "err"));
