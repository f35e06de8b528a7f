// The dashboard's entry: sign-in (a token from the login link's fragment or typed in), then
// the views, routed by the fragment (#/, #/workloads, #/pods, #/pod/NS/NAME, #/services,
// #/events, #/metrics, #/yaml?path=…, #/edit?path=…, #/workload/PLURAL/NS/NAME, #/node/NAME). Every view is fed by live lists (live.ts); a banner shows while any watch
// is disconnected and goes away when it has resumed.
import { render } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { Api, ApiError } from './api.js';
import { LiveContext, LiveLists, useLive } from './live-hooks.js';
import { signOut, storedToken, storeToken, takeTokenFromFragment } from './session.js';
import { ErrorLine } from './views/common.js';
import { Events } from './views/events.js';
import { Metrics } from './views/metrics.js';
import { Overview } from './views/overview.js';
import { PodPage } from './views/pod.js';
import { Pods } from './views/pods.js';
import { Services } from './views/services.js';
import { Workloads } from './views/workloads.js';
import { YamlView } from './views/yaml.js';
import { EditPage } from './views/edit.js';
import { NodePage } from './views/node.js';
import { WorkloadPage } from './views/workload.js';

function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function SignIn(props: { error?: string; onToken: (t: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main class="signin">
      <h1>Skiff</h1>
      <form onSubmit={(e) => { e.preventDefault(); if (token.trim()) props.onToken(token); }}>
        <label>Bearer token <input type="password" autoFocus autoComplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">Sign in</button>
      </form>
      {props.error && <p class="error" role="alert">{props.error}</p>}
      <p class="muted">Open the login link <code>skiff up</code> printed, or paste a token (<code>kubectl create token SERVICEACCOUNT -n NAMESPACE</code>).</p>
    </main>
  );
}

function App() {
  const [token, setToken] = useState(storedToken());
  const [user, setUser] = useState<string | undefined>(undefined);
  const [signInError, setSignInError] = useState<string | undefined>(undefined);
  const lists = useMemo(() => (token ? new LiveLists(new Api(token)) : undefined), [token]);
  useEffect(() => () => lists?.close(), [lists]);
  useEffect(() => {
    if (!lists) return;
    // Who the token is (kubectl auth whoami); a 401 sends the user back to sign in.
    lists.api.json('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, review: true })
      .then((r) => setUser(r.status?.userInfo?.username), (e: unknown) => {
        if (e instanceof ApiError && e.code === 401) {
          signOut();
          setSignInError(`The token was not accepted: ${e.message}`);
          setToken(undefined);
        }
      });
  }, [lists]);
  if (!lists) return <SignIn error={signInError} onToken={(t) => { storeToken(t); setSignInError(undefined); setToken(t.trim()); }} />;
  return (
    <LiveContext.Provider value={lists}>
      <Shell user={user} onSignOut={() => { signOut(); setUser(undefined); setToken(undefined); }} />
    </LiveContext.Provider>
  );
}

function Shell(props: { user?: string; onSignOut: () => void }) {
  const route = useRoute();
  const now = useNow();
  const [namespace, setNamespace] = useState('');
  const namespaces = useLive('/api/v1/namespaces');
  const down = useDisconnected();
  const [path, query] = route.split('?') as [string, string | undefined];
  const params = new URLSearchParams(query ?? '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let view;
  switch (parts[0] ?? '') {
    case '': view = <Overview now={now} />; break;
    case 'workloads': view = <Workloads namespace={namespace} now={now} />; break;
    case 'pods': view = <Pods namespace={namespace} now={now} />; break;
    case 'pod': view = <PodPage namespace={parts[1] ?? ''} name={parts[2] ?? ''} now={now} />; break;
    case 'services': view = <Services namespace={namespace} now={now} />; break;
    case 'events': view = <Events namespace={namespace} now={now} />; break;
    case 'metrics': view = <Metrics namespace={namespace} />; break;
    case 'yaml': view = <YamlView path={params.get('path') ?? ''} />; break;
    case 'edit': view = <EditPage path={params.get('path') ?? ''} />; break;
    case 'workload': view = <WorkloadPage plural={parts[1] ?? ''} namespace={parts[2] ?? ''} name={parts[3] ?? ''} now={now} />; break;
    case 'node': view = <NodePage name={parts[1] ?? ''} now={now} />; break;
    default: view = <p>No such page: {path}</p>;
  }
  const link = (href: string, label: string) => <a href={href} aria-current={`#${path}` === href || (href === '#/' && path === '/') ? 'page' : undefined}>{label}</a>;
  return (
    <div>
      <header>
        <strong>Skiff</strong>
        <nav aria-label="views">{link('#/', 'Overview')}{link('#/workloads', 'Workloads')}{link('#/pods', 'Pods')}{link('#/services', 'Services')}{link('#/events', 'Events')}{link('#/metrics', 'Metrics')}</nav>
        <label>Namespace <select value={namespace} onChange={(e) => setNamespace((e.target as HTMLSelectElement).value)}>
          <option value="">all namespaces</option>
          {namespaces.items.map((n) => <option key={n.metadata.name} value={n.metadata.name}>{n.metadata.name}</option>)}
        </select></label>
        <span class="user">{props.user ?? ''}</span>
        <button type="button" onClick={props.onSignOut}>Sign out</button>
      </header>
      {down > 0 && <div class="banner" role="status">Disconnected from the API server — reconnecting…</div>}
      <ErrorLine error={namespaces.error} />
      <main>{view}</main>
    </div>
  );
}

function useDisconnected(): number {
  const [down, setDown] = useState(0);
  const lists = useLiveLists();
  useEffect(() => lists.onConnection(setDown), [lists]);
  return down;
}

function useLiveLists(): LiveLists {
  return useContext(LiveContext)!;
}

takeTokenFromFragment();
render(<App />, document.getElementById('app')!);
