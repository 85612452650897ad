// Console sessions: sign in with a user token, who is signed in, sign out.
import { call } from './http.js';

export const signIn = (token) => call('POST', '/session', { token });
// {user, csrf_token, expires_at, idle_timeout_seconds}
export const current = () => call('GET', '/session');
export const signOut = () => call('DELETE', '/session');
