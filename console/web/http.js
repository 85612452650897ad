// The one place that talks to triggerd. The console calls the same JSON API as triggerctl,
// under /console/api/..., authenticated by the session cookie the browser sends by itself;
// every change also carries the session's CSRF token. No token is kept anywhere but memory.

let csrfToken = '';
let onSessionEnded = () => {};

export function setCsrfToken(token) { csrfToken = token || ''; }
export function whenSessionEnds(callback) { onSessionEnded = callback; }

// An answer other than 2xx: `message` is triggerd's plain-words reason, `field` the input it
// concerns ("service_address", "rules[0].match", ...) or "".
export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || '';
  }
}

export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch('/console/api' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'triggerd cannot be reached right now; check the connection and try again.', '');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!response.ok) {
    const error = new ApiError(response.status,
      (data && data.error) || `triggerd answered ${response.status}.`, data && data.field);
    if (response.status === 401 && error.field === 'Cookie') onSessionEnded(error);
    throw error;
  }
  return data;
}

// "/v1/users/alice" + rest, with the user id encoded.
export function userPath(user, rest) {
  return `/v1/users/${encodeURIComponent(user)}${rest}`;
}
