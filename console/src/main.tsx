// The console's shell: who is signed in, the navigation, and which screen a URL shows.
import { render } from 'preact';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from './api';
import { api, onSessionEnded, setSession } from './api';
import { Link, navigate, useLocation } from './router';
import { SignIn, SignedOut } from './pages/sign-in';
import { ClustersPage } from './pages/clusters';
import { ClusterPage } from './pages/cluster';
import { PoliciesPage, PolicyPage } from './pages/policies';
import { AuditPage } from './pages/audit';
import './styles.css';

function Shell({ session, onSignOut }: { session: SessionInfo; onSignOut: () => void }): JSX.Element {
  const loc = useLocation();
  const p = loc.path;
  const parts = p.split('/').filter(Boolean).map(decodeURIComponent);
  let page: JSX.Element;
  let section = 'clusters';
  if (parts[0] === 'clusters' && parts[1]) page = <ClusterPage name={parts[1]} rest={parts.slice(2)} query={loc.query} session={session} />;
  else if (parts[0] === 'access-policies') {
    section = 'policies';
    page = parts[1] ? <PolicyPage name={parts[1]} query={loc.query} /> : <PoliciesPage />;
  } else if (parts[0] === 'audit') {
    section = 'audit';
    page = <AuditPage query={loc.query} />;
  } else if (parts.length === 0 || parts[0] === 'clusters') page = <ClustersPage />;
  else
    page = (
      <main id="main" class="main">
        <h1>Page not found</h1>
        <p>
          There is no console page at <code>{p}</code>. <Link href="/">Go to clusters</Link>.
        </p>
      </main>
    );
  useEffect(() => {
    document.title = `${parts.length ? parts.slice(0, 3).join(' · ') : 'Clusters'} — Entryway console`;
  }, [p]);
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Entryway
        </Link>
        <span class="region" title="Region">
          {session.region}
        </span>
        <div class="whoami">
          <span class="muted">Signed in as</span> <span class="mono">{session.identity.arn}</span>
          <button type="button" class="btn btn-small" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div class="body">
        <nav class="sidenav" aria-label="Console">
          <ul>
            <li>
              <Link href="/" aria-current={section === 'clusters' ? 'page' : undefined}>
                Clusters
              </Link>
            </li>
            <li>
              <Link href="/access-policies" aria-current={section === 'policies' ? 'page' : undefined}>
                Access policies
              </Link>
            </li>
            <li>
              <Link href="/audit" aria-current={section === 'audit' ? 'page' : undefined}>
                Audit trail
              </Link>
            </li>
          </ul>
        </nav>
        {page}
      </div>
    </div>
  );
}

function App(): JSX.Element {
  const loc = useLocation();
  const [session, setS] = useState<SessionInfo | null | undefined>(undefined);
  const [ended, setEnded] = useState<string | undefined>(undefined);
  const use = (s: SessionInfo | null) => {
    setSession(s ?? undefined);
    setS(s);
  };
  useEffect(() => {
    onSessionEnded((message) => {
      setSession(undefined);
      setEnded(message);
      setS(null);
    });
    if (loc.path === '/sign-in') return;
    api<SessionInfo>('GET', '/console/api/session').then(use, () => use(null));
  }, []);
  if (loc.path === '/sign-in' && !session)
    return (
      <SignIn
        onSignedIn={(s) => {
          use(s);
          setEnded(undefined);
          navigate('/', { replace: true });
        }}
      />
    );
  if (session === undefined) return <p class="muted boot">Loading the console…</p>;
  if (session === null) return <SignedOut message={ended} />;
  const signOut = async () => {
    await api('DELETE', '/console/api/session').catch(() => undefined);
    use(null);
    setEnded('You signed out. The session has ended on the server.');
    navigate('/', { replace: true });
  };
  return <Shell session={session} onSignOut={() => void signOut()} />;
}

render(<App />, document.getElementById('app')!);
