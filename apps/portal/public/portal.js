// Progressive enhancement: every page works as plain forms; this adds waiting without reloading, the CAPTCHA's
// proof of work, security keys and the password strength meter.

const csrf = () => document.querySelector('input[name="_csrf"]')?.value ?? '';

// Push and calls: ask the portal every two seconds whether the person has answered.
const polled = document.querySelector('form[data-poll]');
if (polled) {
  const status = polled.querySelector('[data-poll-status]');
  const tick = async () => {
    try {
      const answer = await (
        await fetch(polled.dataset.poll, { headers: { accept: 'application/json' } })
      ).json();
      if (answer.redirect) return window.location.assign(answer.redirect);
      if (answer.state === 'error' && status) status.textContent = answer.message;
      // denied or expired: nothing more will come, the person chooses what to do
      if (answer.state === 'error' && answer.challenge) {
        for (const waiting of polled.querySelectorAll('[data-when-waiting]')) waiting.hidden = true;
        return;
      }
    } catch {
      // the form still works without this
    }
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}

// Security keys and passkeys: the browser's WebAuthn ceremony, its answer posted in the form.
const b64 = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const unb64 = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
for (const button of document.querySelectorAll('[data-webauthn]')) {
  button.addEventListener('click', async () => {
    const form = button.closest('form');
    const options = JSON.parse(document.getElementById('webauthn-options').textContent);
    if (button.dataset.webauthn === 'get') {
      const credential = await navigator.credentials.get({
        publicKey: {
          ...options,
          challenge: unb64(options.challenge),
          allowCredentials: (options.allowCredentials ?? []).map((c) => ({ ...c, id: unb64(c.id) })),
        },
      });
      form.querySelector('[name="assertion"]').value = JSON.stringify({
        id: credential.id,
        rawId: b64(credential.rawId),
        type: credential.type,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: b64(credential.response.clientDataJSON),
          authenticatorData: b64(credential.response.authenticatorData),
          signature: b64(credential.response.signature),
          ...(credential.response.userHandle ? { userHandle: b64(credential.response.userHandle) } : {}),
        },
      });
    } else {
      const credential = await navigator.credentials.create({
        publicKey: {
          ...options,
          challenge: unb64(options.challenge),
          user: { ...options.user, id: unb64(options.user.id) },
          excludeCredentials: (options.excludeCredentials ?? []).map((c) => ({ ...c, id: unb64(c.id) })),
        },
      });
      form.querySelector('[name="credential"]').value = JSON.stringify({
        id: credential.id,
        rawId: b64(credential.rawId),
        type: credential.type,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: b64(credential.response.clientDataJSON),
          attestationObject: b64(credential.response.attestationObject),
          transports: credential.response.getTransports?.() ?? [],
        },
      });
    }
    form.submit();
  });
}

// The CAPTCHA: find the number whose SHA-256 with the salt is the challenge (ALTCHA), then post it.
const captcha = document.querySelector('[data-captcha]');
if (captcha) {
  const start = captcha.querySelector('button');
  const status = captcha.querySelector('[data-captcha-status]');
  start.hidden = false;
  captcha.querySelector('[data-captcha-nojs]')?.remove();
  start.addEventListener('click', async () => {
    start.disabled = true;
    if (status) status.textContent = start.dataset.working ?? '';
    const challenge = JSON.parse(document.getElementById('captcha-challenge').textContent);
    const encoder = new TextEncoder();
    for (let n = 0; n <= (challenge.maxnumber ?? 1_000_000); n++) {
      const digest = await crypto.subtle.digest('SHA-256', encoder.encode(challenge.salt + n));
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      if (hex === challenge.challenge) {
        const solution = {
          algorithm: challenge.algorithm,
          challenge: challenge.challenge,
          number: n,
          salt: challenge.salt,
          signature: challenge.signature,
        };
        captcha.querySelector('[name="solution"]').value = btoa(JSON.stringify(solution));
        return captcha.submit();
      }
    }
  });
}

// The new password's strength, as the person types (the server decides; this only explains).
const password = document.querySelector('[data-strength]');
if (password) {
  const out = document.getElementById('strength');
  let timer;
  password.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!password.value) return (out.textContent = '');
      const answer = await (
        await fetch(password.dataset.strength, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
          body: JSON.stringify({ password: password.value }),
        })
      ).json();
      out.textContent = answer.message ?? '';
    }, 400);
  });
}

// WCAG 2.2.1: before the session ends for want of activity, say so and offer to stay signed in.
const idle = document.querySelector('[data-idle-expires]');
if (idle) {
  const warnAt = Date.parse(idle.dataset.idleExpires) - 2 * 60_000;
  setTimeout(
    () => {
      idle.hidden = false;
      idle.querySelector('button')?.focus();
    },
    Math.max(0, warnAt - Date.now()),
  );
}
