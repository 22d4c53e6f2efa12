/* /login: password → bearer token kept in this tab's sessionStorage (gone when the tab closes). */
"use strict";
const HOME = {counter: "/", handler: "/search", archivist: "/archive", admin: "/archive"};
const params = new URLSearchParams(location.search);
if (params.get("why")) say("login-msg", params.get("why"), "err");

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const username = $("username").value.trim(), password = $("password").value;
  if (!username || !password) { say("login-msg", "Nhập tên đăng nhập và mật khẩu.", "err"); return; }
  await guarded($("signin"), "login-msg", async () => {
    const body = await api("/api/v1/auth/token", {method: "POST", form: new URLSearchParams({username, password})});
    keepToken(body);
    const next = params.get("next");
    location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : (HOME[body.role] || "/"));
  });
});
