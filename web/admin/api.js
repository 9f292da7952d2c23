/**
 * The admin API over fetch. The session is the HttpOnly `simpool_admin` cookie (never visible to
 * this script); the CSRF token from login/session is kept in memory only and sent on every
 * request that changes something.
 */
const BASE = '/api/v1/admin';
let csrfToken = null;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Called when the server says the session is gone (401), so the app can show the login. */
let onSessionLost = () => {};
export function whenSessionLost(handler) {
  onSessionLost = handler;
}

export function setCsrfToken(token) {
  csrfToken = token;
}

export async function request(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The appliance did not answer. Is simpool running?');
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data ?? {};
  const code = data?.error ?? `http_${response.status}`;
  if (response.status === 401 && path !== '/login') onSessionLost();
  throw new ApiError(response.status, code, data?.message ?? response.statusText, data?.details);
}

export const get = (path) => request('GET', path);
export const post = (path, body = {}) => request('POST', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

/** `?a=1&b=x` from the non-empty entries. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A path segment (modem ids are slot addresses like `/dev/ttyUSB2`). */
export const segment = (value) => encodeURIComponent(String(value));

export async function login(credential) {
  const result = await request('POST', '/login', { credential });
  setCsrfToken(result.csrf_token);
  return result;
}

/** Resumes a session from the cookie; false when there is none. */
export async function resumeSession() {
  try {
    const result = await request('GET', '/session');
    setCsrfToken(result.csrf_token);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

export async function logout() {
  try {
    await request('POST', '/logout');
  } finally {
    setCsrfToken(null);
  }
}
