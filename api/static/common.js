/* Shared by every page: the API call with the bearer token, Vietnamese errors, dd/mm/yyyy dates. */
"use strict";
const TOKEN_KEY = "sohoa-token";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c]));
const TZ = "Asia/Ho_Chi_Minh";
const DATE_FMT = new Intl.DateTimeFormat("vi-VN", {timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric"});
const TIME_FMT = new Intl.DateTimeFormat("vi-VN", {timeZone: TZ, hour: "2-digit", minute: "2-digit", hour12: false});

/** "2026-12-01T03:00:00Z" → "01/12/2026 10:00"; a plain "2014-05-02" → "02/05/2014". */
function fmtDate(value, withTime = false) {
  if (!value) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) { const [y, m, d] = value.split("-"); return `${d}/${m}/${y}`; }
  const t = new Date(value);
  return withTime ? `${DATE_FMT.format(t)} ${TIME_FMT.format(t)}` : DATE_FMT.format(t);
}

/** "02/05/2014" → "2014-05-02" (what the API takes); "" → null; anything else throws in Vietnamese. */
function parseDate(text, label) {
  text = (text || "").trim();
  if (!text) return null;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (!m) throw new Error(`${label}: nhập ngày theo dạng dd/mm/yyyy.`);
  return `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

/* The session: a token lives `expires_in` seconds (idle expiry) and is renewed before then while someone
   works in the page (keys, clicks, typing, scrolling); a page left alone lets it expire and goes to sign-in,
   and no renewal goes past the sign-in's absolute end (session_expires_at). Times are this browser's. */
const SESSION_KEY = "sohoa-session";
const session = () => JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
/** Keep a token from sign-in or a renewal: {access_token, expires_in, session_expires_at}. A renewal near the
 *  absolute end is shorter: the full lifetime is the one given at sign-in. */
function keepToken(body, renewal = false) {
  const now = Date.now(), before = session();
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({issued: now, expires: now + body.expires_in * 1000,
    lifetime: renewal && before ? before.lifetime : body.expires_in * 1000, end: Date.parse(body.session_expires_at)}));
}
function forgetToken() { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(SESSION_KEY); }
let lastActivity = Date.now(), renewing = null;
for (const kind of ["keydown", "pointerdown", "input", "wheel", "scroll"]) {
  document.addEventListener(kind, () => { lastActivity = Date.now(); }, {capture: true, passive: true});
}
const IDLE_MESSAGE = "Phiên làm việc đã hết hạn vì lâu không thao tác; vui lòng đăng nhập lại để tiếp tục.";
const ENDED_MESSAGE = "Phiên làm việc đã hết thời hạn tối đa; vui lòng đăng nhập lại để tiếp tục.";
/** Renew in the last quarter of the token's life if someone worked since it was issued; sign-in once it is gone. */
function watchSession() {
  const s = session();
  if (!s || !token()) return;
  const now = Date.now();
  if (now >= s.expires - 1000) { toLogin(s.expires >= s.end - 1000 ? ENDED_MESSAGE : IDLE_MESSAGE); return; }
  if (renewing || s.expires >= s.end - 1000 || s.expires - now > s.lifetime / 4 || lastActivity <= s.issued) return;
  renewing = api("/api/v1/auth/refresh", {method: "POST"}).then((body) => keepToken(body, true)).catch(() => {}).finally(() => { renewing = null; });
}

/* What was typed but not sent when the session ran out is kept in this tab (sessionStorage, gone with the
   tab) for the same person signing in again on the same address: the page puts it back once it has drawn
   its forms (restoreDraft), then drops it. Passwords and chosen files are never kept. */
const DRAFT_KEY = "sohoa-draft";
const DRAFT_HOURS = 12;
const here = () => location.pathname + location.search + location.hash;
function changedFields() {
  const fields = {};
  for (const el of document.querySelectorAll("main input[id], main textarea[id], main select[id]")) {
    if (el.type === "password" || el.type === "file" || el.disabled) continue;
    if (el.type === "checkbox" || el.type === "radio") { if (el.checked !== el.defaultChecked) fields[el.id] = el.checked; }
    else if (el.tagName === "SELECT") { if ([...el.options].some((o) => o.selected !== o.defaultSelected)) fields[el.id] = el.value; }
    else if (el.value.trim() && el.value !== el.defaultValue) fields[el.id] = el.value;
  }
  return fields;
}
function keepDraft() {
  const fields = changedFields();
  if (!ME || !Object.keys(fields).length) return;
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify({user: ME.username, at: here(), saved: Date.now(), fields}));
}
/** Put back what the same user typed on this address before being sent to sign-in; true if anything was. */
function restoreDraft(msg) {
  const draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
  sessionStorage.removeItem(DRAFT_KEY);
  if (!draft || !ME || draft.user !== ME.username || draft.at !== here() || Date.now() - draft.saved > DRAFT_HOURS * 3600e3) return false;
  let restored = 0;
  for (const [id, value] of Object.entries(draft.fields)) {
    const el = $(id);
    if (!el || el.disabled) continue;
    if (typeof value === "boolean") el.checked = value;
    else if (el.tagName === "SELECT" && ![...el.options].some((o) => o.value === value)) continue;
    else el.value = value;
    el.dispatchEvent(new Event(el.tagName === "SELECT" || typeof value === "boolean" ? "change" : "input", {bubbles: true}));
    restored += 1;
  }
  if (restored && msg) say(msg, "Đã điền lại những gì bạn đã nhập trước khi phiên làm việc hết hạn; kiểm tra rồi gửi lại.", "info");
  return restored > 0;
}

function toLogin(message) {
  keepDraft();
  forgetToken();
  const next = encodeURIComponent(here());
  location.assign(`/login?next=${next}` + (message ? `&why=${encodeURIComponent(message)}` : ""));
}

/** Field names of validation errors, as the forms label them. */
const FIELD_NAMES = {username: "tên đăng nhập", password: "mật khẩu", office_code: "mã đơn vị", full_name: "họ và tên",
  reason: "lý do", ref: "đối tượng", note: "ghi chú", name: "tên", years: "số năm", event: "tính từ",
  document_ids: "mã tài liệu", code: "mã", version: "nhãn phiên bản", file: "tệp", files: "tệp",
  effective_from: "ngày hiệu lực", issue_date: "ngày ký", result_code: "mã kết quả", document_number: "số, ký hiệu",
  procedure_code: "mã thủ tục", personal_id: "số định danh", social_insurance_code: "mã số BHXH", q: "từ khoá",
  date_from: "từ ngày", date_to: "đến ngày", owner: "số định danh"};

/** The API's {code, message}: the message is already Vietnamese; validation errors name their fields. */
class ApiError extends Error {
  constructor(status, body) {
    let message = body.message || `Máy chủ trả lỗi ${status}.`;
    if (Array.isArray(body.details) && body.details.length && body.code === "invalid_request") {
      const names = body.details.map((d) => { const last = String(d.field || "").split(".").pop(); return FIELD_NAMES[last] || last || "?"; });
      message += " Kiểm tra: " + [...new Set(names)].join(", ") + ".";
    }
    super(message);
    this.status = status; this.code = body.code; this.body = body;
  }
}

/** fetch with the token; JSON in and out unless `raw` (then the Response). 401 goes back to sign-in. */
async function api(url, {method = "GET", json, form, raw = false, headers = {}} = {}) {
  const opts = {method, headers: Object.assign({}, headers)};
  if (token()) opts.headers.Authorization = "Bearer " + token();
  if (json !== undefined) { opts.headers["content-type"] = "application/json"; opts.body = JSON.stringify(json); }
  if (form !== undefined) opts.body = form;
  let r;
  try { r = await fetch(url, opts); } catch (e) { throw new Error("Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại."); }
  if (r.ok) return raw ? r : (r.status === 204 ? null : r.json());
  const body = await r.json().catch(() => ({}));
  if (r.status === 401 && url !== "/api/v1/auth/token") { toLogin(body.message); throw new ApiError(401, body); }
  throw new ApiError(r.status, body);
}

/** Show a message in a .msg element: error (red, announced) or success. */
function say(el, text, kind = "ok") {
  el = typeof el === "string" ? $(el) : el;
  el.className = "msg " + (kind === "err" ? "err" : kind === "ok" ? "ok" : "");
  el.setAttribute("role", kind === "err" ? "alert" : "status");
  el.textContent = text;
}

/** Run an async action behind a button: disabled while it runs, its error shown in `msg`. */
async function guarded(button, msg, action) {
  if (button) button.disabled = true;
  try { return await action(); } catch (e) { if (msg) say(msg, e.message, "err"); return undefined; }
  finally { if (button) button.disabled = false; }
}

/** Save a protected file (original, PDF, certificate, receipt) under `name`: the token cannot ride on a link. */
async function openFile(url, name) {
  const r = await api(url, {raw: true});
  const href = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = href; a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
}

/** A document's warnings as the server words them ({message, rescan}), the ones a rescan cures in bold. */
function noticeList(notices) {
  if (!notices || !notices.length) return "";
  return `<ul class="notices">${notices.map((n) => `<li class="${n.rescan ? "warn" : "note"}">${esc(n.message)}</li>`).join("")}</ul>`;
}

const ROLE_NAMES = {counter: "Một cửa", handler: "Cán bộ xử lý", archivist: "Lưu trữ", admin: "Quản trị"};
let ME = null;

/** Pages behind sign-in call this first: who is signed in, or off to /login. */
async function signedIn() {
  if (!token()) { toLogin(); return new Promise(() => {}); }
  ME = await api("/api/v1/auth/me");
  const s = session();
  if (s) setInterval(watchSession, Math.min(15000, s.lifetime / 12));
  const who = $("who");
  if (who) {
    who.innerHTML = `${esc(ME.username)} · ${esc(ROLE_NAMES[ME.role] || ME.role)} · ${esc(ME.office_code || "")}` +
      ` <button type="button" id="logout" class="small">Đăng xuất</button>`;
    $("logout").addEventListener("click", () => { forgetToken(); sessionStorage.removeItem(DRAFT_KEY); location.assign("/login"); });
  }
  return ME;
}

/** File pickers speak Vietnamese whatever the browser's language: the native button is hidden behind a
 *  second label of the same input, which keeps its keyboard focus and its own label. */
function localizeFilePickers() {
  for (const input of document.querySelectorAll('input[type="file"]:not(.visually-hidden)')) {
    const button = document.createElement("label"), chosen = document.createElement("span");
    button.className = "filebtn"; button.htmlFor = input.id; button.textContent = "Chọn tệp";
    chosen.className = "muted"; chosen.textContent = " Chưa chọn tệp";
    input.classList.add("visually-hidden");
    input.after(button, chosen);
    input.addEventListener("change", () => {
      chosen.textContent = " " + ([...input.files].map((f) => f.name).join(", ") || "Chưa chọn tệp");
    });
  }
}
localizeFilePickers();
