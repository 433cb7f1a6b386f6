// videoconsult/react in a real React 19 tree: props land as element properties (objects included, never
// stringified into attributes), and the SDK's events reach the `onVc…` props as the typed event objects.
import { expect } from '@open-wc/testing';
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { VcDeviceCheck, VcWaitingRoom } from '../../src/react/index.js';
import type { VcWaitingRoom as VcWaitingRoomElement } from '../../src/components/waiting-room/waiting-room.js';
import { VcDeviceCheckCompleteEvent, type VcJoinSubmitEvent } from '../../src/events/events.js';
import { FakeSession } from './helpers/fake-session.js';

// React's act() warns unless the environment says it is a test.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('videoconsult/react', () => {
  let host: HTMLElement;
  let root: Root;

  beforeEach(() => {
    host = document.createElement('div');
    document.body.append(host);
    root = createRoot(host);
  });

  afterEach(async () => {
    await act(async () => root.unmount());
    host.remove();
  });

  it('sets properties on the element, objects included', async () => {
    const session = new FakeSession();
    const labels = { 'wr.join': 'Enter the waiting room' };
    await act(async () => {
      root.render(createElement(VcWaitingRoom, { session, labels, mode: 'patient', quiet: true }));
    });
    const el = host.querySelector('vc-waiting-room') as VcWaitingRoomElement;
    expect(el).to.exist;
    expect(el.session).to.equal(session);
    expect(el.labels).to.equal(labels);
    expect(el.mode).to.equal('patient');
    expect(el.quiet).to.equal(true);
    expect(el.hasAttribute('labels')).to.equal(false);
    await el.updateComplete;
    const button = el.shadowRoot!.querySelector('[part="join-button"]')!;
    expect(button.textContent).to.equal('Enter the waiting room');

    // A re-render with new props updates the same element.
    await act(async () => {
      root.render(createElement(VcWaitingRoom, { session, labels: { 'wr.join': 'Join now' }, mode: 'patient' }));
    });
    expect(host.querySelector('vc-waiting-room')).to.equal(el);
    await el.updateComplete;
    expect(button.textContent).to.equal('Join now');
  });

  it('delivers events to onVc… props, and a handler can cancel a cancelable one', async () => {
    const session = new FakeSession();
    const received: VcJoinSubmitEvent[] = [];
    const onVcJoinSubmit = (event: VcJoinSubmitEvent) => {
      received.push(event);
      event.preventDefault();
    };
    await act(async () => {
      root.render(createElement(VcWaitingRoom, { session, mode: 'patient', onVcJoinSubmit }));
    });
    const el = host.querySelector('vc-waiting-room') as VcWaitingRoomElement;
    await el.updateComplete;
    (el.shadowRoot!.querySelector('#code') as HTMLInputElement).value = ' AB-12 ';
    (el.shadowRoot!.querySelector('#name') as HTMLInputElement).value = 'Ann';
    (el.shadowRoot!.querySelector('form') as HTMLFormElement).requestSubmit();
    expect(received).to.have.length(1);
    expect(received[0].type).to.equal('vc-join-submit');
    expect(received[0].detail).to.deep.equal({ code: 'AB-12', name: 'Ann' });
    // Cancelled by the host: the element does not go on to the device check.
    expect(session.called('beginDeviceCheck')).to.have.length(0);

    // Without the handler the flow goes on as usual.
    await act(async () => {
      root.render(createElement(VcWaitingRoom, { session, mode: 'patient' }));
    });
    (el.shadowRoot!.querySelector('form') as HTMLFormElement).requestSubmit();
    expect(received).to.have.length(1);
    expect(session.called('beginDeviceCheck')).to.have.length(1);
  });

  it('wraps the device check with its completion event', async () => {
    const seen: string[] = [];
    await act(async () => {
      root.render(createElement(VcDeviceCheck, { onVcDeviceCheckComplete: (event) => seen.push(event.detail.result.verdict) }));
    });
    const el = host.querySelector('vc-device-check')!;
    el.dispatchEvent(
      new VcDeviceCheckCompleteEvent({
        result: { verdict: 'warning', camera: 'ok', microphone: 'ok', network: 'unknown' },
        tracks: [],
      }),
    );
    expect(seen).to.deep.equal(['warning']);
  });
});
