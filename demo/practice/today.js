// The practice software's page code shared by its Today (doctor) and Reception pages: the day's appointment list
// with "send code by e-mail", and the call to its own back end (/practice/api).
export const time = (iso) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

export async function post(url) {
  const res = await fetch(url, { method: 'POST' }).catch(() => undefined);
  const body = await res?.json().catch(() => ({}));
  if (!res?.ok) throw new Error(body?.error?.message ?? 'no connection to the server');
  return body;
}

export function showDate(element) {
  element.textContent = new Date().toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long' });
}

/**
 * Fills `tbody` with today's appointments, each with "Send code by e-mail" (then `onSent()`); `start(appointment,
 * showState)`, when given, adds the doctor's "Start" button.
 */
export async function showAppointments(tbody, { onSent, start } = {}) {
  const { appointments } = await (await fetch('/practice/api/appointments')).json();
  tbody.replaceChildren(
    ...appointments.map((a) => {
      const row = document.createElement('tr');
      row.innerHTML = `<td class="time"></td><td class="patient"></td><td class="hide-narrow born"></td><td class="hide-narrow reason"></td>
        <td><button type="button" class="send">Send code by e-mail</button>${start ? ' <button type="button" class="start">Start</button>' : ''}
        <span class="state" role="status"></span></td>`;
      row.querySelector('.time').textContent = time(a.at);
      row.querySelector('.patient').textContent = a.patient;
      row.querySelector('.born').textContent = a.born;
      row.querySelector('.reason').textContent = a.reason;
      const state = row.querySelector('.state');
      const showState = (text, kind) => {
        state.textContent = text;
        state.className = `state ${kind}`;
      };
      if (a.codeSent) showState('code sent', 'sent');
      row.querySelector('.send').addEventListener('click', async () => {
        try {
          await post(`/practice/api/appointments/${a.id}/send-code`);
          showState('code sent', 'sent');
          onSent?.();
        } catch (err) {
          showState(`not sent: ${err.message}`, 'error');
        }
      });
      row.querySelector('.start')?.addEventListener('click', () => start(a, showState));
      return row;
    }),
  );
}

/** A fresh practitioner `<vc-consultation>` in the place of `old` (which, once over, keeps showing its end screen). */
export function replaceConsultation(old, onEnded) {
  const next = document.createElement('vc-consultation');
  next.id = old.id;
  next.setAttribute('role', 'practitioner');
  next.addEventListener('vc-ended', onEnded);
  old.replaceWith(next);
  return next;
}
