// The signed-in user's bearer token: taken from the login link's fragment (`#token=…`, which
// never reaches a server or its logs) into sessionStorage, and the fragment cleared so the
// token is not left in the address bar or history; or typed into the sign-in form.
const KEY = 'skiff.dashboard.token';

export function takeTokenFromFragment(): void {
  const m = /(?:^#|[#&])token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]!));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
