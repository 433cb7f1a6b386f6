// A React host page: the patient side of a practice's booking app, written as a React app would be, with
// videoconsult/react's typed components and onVc… event props. The access code comes from the join link's
// fragment (never sent to a server); the token server's URL from the demo server's /config.js.
import { StrictMode, useCallback, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { VcConsultation } from '../../src/react/index.js';
import type { SessionState } from '../../src/session/types.js';

interface Props {
  serverUrl: string;
  accessCode: string;
  lang: string;
}

function App({ serverUrl, accessCode, lang }: Props) {
  const [log, setLog] = useState<string[]>([]);
  const [state, setState] = useState<SessionState>('idle');
  const note = useCallback((line: string) => setLog((lines) => [...lines, line]), []);
  return (
    <div className="page">
      <header className="brand">
        <strong>Kiezpraxis</strong>
        <span>Your video appointment</span>
      </header>
      <div className="layout">
        <main>
          <VcConsultation
            role="patient"
            serverUrl={serverUrl}
            accessCode={accessCode}
            lang={lang}
            onVcStateChange={(event) => setState(event.detail.state)}
            onVcWaiting={(event) => note(`Waiting${event.detail.position ? ` (position ${event.detail.position})` : ''}`)}
            onVcAdmitted={() => note('Admitted')}
            onVcJoined={() => note('In the call')}
            onVcEnded={(event) => note(`Ended (${event.detail.reason})`)}
            onVcError={(event) => note(`Error: ${event.detail.code}`)}
          />
        </main>
        <aside className="log" aria-live="polite">
          <h2>Appointment status</h2>
          <p data-testid="state">{state}</p>
          <ol data-testid="events">
            {log.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ol>
        </aside>
      </div>
    </div>
  );
}

const { tokenServerUrl } = (await import(`${location.origin}/config.js`)) as { tokenServerUrl: string };
const params = new URLSearchParams(location.search);
const accessCode = new URLSearchParams(location.hash.slice(1)).get('code') ?? '';
// The code is read once and the fragment dropped, so a reload or a shared screenshot does not carry it.
if (accessCode) history.replaceState(null, '', location.pathname + location.search);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App serverUrl={tokenServerUrl} accessCode={accessCode} lang={params.get('lang') ?? 'en'} />
  </StrictMode>,
);
