// Passkeys: a button with data-passkey="create" or "get" asks the server
// for WebAuthn options (data-options-url), calls the browser's
// navigator.credentials, puts the answer in the form's
// [data-passkey-response] field (and the ceremony's id in
// [data-passkey-challenge]) and submits the form. If the server asks
// for a second factor first (401), the form is submitted as it is, so
// the page asks for one and the action resumes after.
(function () {
  "use strict";

  function fromB64u(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeIDs(list) {
    (list || []).forEach(function (c) { c.id = fromB64u(c.id); });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.user.id = fromB64u(pk.user.id);
    decodeIDs(pk.excludeCredentials);
    return o;
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    decodeIDs(pk.allowCredentials);
    return o;
  }

  // credentialJSON is the WebAuthn JSON form the server parses.
  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: toB64u(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64u(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64u(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64u(r.authenticatorData);
      out.response.signature = toB64u(r.signature);
      if (r.userHandle) out.response.userHandle = toB64u(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function fail(form, msg) {
    var p = form.querySelector("[data-passkey-error]");
    if (p) { p.textContent = msg; p.hidden = false; }
  }

  async function run(button) {
    var form = button.closest("form");
    if (!window.PublicKeyCredential) { fail(form, "This browser does not support passkeys."); return; }
    var body = new URLSearchParams();
    var csrf = form.querySelector("input[name=csrf]") || document.querySelector("input[name=csrf]");
    if (csrf) body.set("csrf", csrf.value);
    var res = await fetch(button.dataset.optionsUrl, { method: "POST", body: body, credentials: "same-origin" });
    if (res.status === 401 && csrf) { form.submit(); return; }
    if (!res.ok) { fail(form, "Passkeys are not available right now."); return; }
    var data = await res.json();
    var cred = button.dataset.passkey === "create"
      ? await navigator.credentials.create(creationOptions(data.options))
      : await navigator.credentials.get(requestOptions(data.options));
    var ch = form.querySelector("[data-passkey-challenge]");
    if (ch) ch.value = data.challenge || "";
    form.querySelector("[data-passkey-response]").value = credentialJSON(cred);
    form.submit();
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-passkey]");
    if (!button) return;
    e.preventDefault();
    button.disabled = true;
    run(button).catch(function () {
      fail(button.closest("form"), "The passkey was not used. Try again.");
    }).finally(function () { button.disabled = false; });
  });
})();
