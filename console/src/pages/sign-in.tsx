import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from '../api';
import { api } from '../api';
import { ErrorBox } from '../components';

/** Trades the link's one-time code (in the URL fragment, never sent to a server) for a session. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: SessionInfo) => void }): JSX.Element {
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const code = new URLSearchParams(window.location.hash.slice(1)).get('code') ?? '';
    // The code leaves the address bar and history at once, used or not.
    history.replaceState(null, '', '/console/sign-in');
    if (!code) {
      setError(new Error('This sign-in link has no code. Run `npx entryway console` for a new link.'));
      return;
    }
    api<SessionInfo>('POST', '/console/api/session', { code }).then(onSignedIn, setError);
  }, []);
  return (
    <main id="main" class="signin">
      <div class="signin-box">
        <h1>Entryway console</h1>
        {error ? (
          <>
            <ErrorBox error={error} />
            <p>
              Run <code>npx entryway console</code> with your AWS credentials for a new single-use link.
            </p>
          </>
        ) : (
          <p aria-live="polite">Signing in…</p>
        )}
      </div>
    </main>
  );
}

export function SignedOut({ message }: { message?: string | undefined }): JSX.Element {
  return (
    <main id="main" class="signin">
      <div class="signin-box">
        <h1>Entryway console</h1>
        {message ? <p class="alert alert-info">{message}</p> : <p>You are not signed in.</p>}
        <p>
          To sign in, run <code>npx entryway console</code> with your AWS credentials (the same ones the AWS CLI uses). It prints a single-use link that signs this browser
          in as that IAM identity; what you may see and change is what its IAM policies allow.
        </p>
      </div>
    </main>
  );
}
