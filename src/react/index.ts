/**
 * `videoconsult/react`: React components for the first-load elements, made with `@lit/react`. Properties are
 * typed from the element classes (objects and functions such as `getGrant` or `labels` are set as properties,
 * not attributes) and the SDK's events are `onVc…` props receiving the typed event:
 *
 *     <VcConsultation serverUrl={url} accessCode={code} onVcAdmitted={() => …} onVcEnded={(e) => e.detail.reason} />
 *
 * `<vc-call>`, `<vc-chat>` and `<vc-whiteboard>` load on demand inside `<VcConsultation>`; a host that composes
 * them itself uses the tags directly. React is a peer dependency; this module never bundles it.
 */
import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
import { VcConsultation as VcConsultationElement } from '../components/consultation/consultation.js';
import { VcDeviceCheck as VcDeviceCheckElement } from '../components/device-check/device-check.js';
import { VcWaitingRoom as VcWaitingRoomElement } from '../components/waiting-room/waiting-room.js';
import type {
  VcAdmittedEvent,
  VcDeclinedEvent,
  VcDeviceCheckCompleteEvent,
  VcEndRequestEvent,
  VcEndedEvent,
  VcErrorEvent,
  VcJoinSubmitEvent,
  VcJoinedEvent,
  VcLeaveRequestEvent,
  VcLeftEvent,
  VcStateChangeEvent,
  VcWaitingEvent,
} from '../events/events.js';

/** The session's events, fired by (or bubbling through) `<vc-consultation>` and `<vc-waiting-room>`. */
const sessionEvents = {
  onVcError: 'vc-error' as EventName<VcErrorEvent>,
  onVcWaiting: 'vc-waiting' as EventName<VcWaitingEvent>,
  onVcAdmitted: 'vc-admitted' as EventName<VcAdmittedEvent>,
  onVcDeclined: 'vc-declined' as EventName<VcDeclinedEvent>,
  onVcJoined: 'vc-joined' as EventName<VcJoinedEvent>,
  onVcLeft: 'vc-left' as EventName<VcLeftEvent>,
  onVcEnded: 'vc-ended' as EventName<VcEndedEvent>,
  onVcStateChange: 'vc-state-change' as EventName<VcStateChangeEvent>,
  onVcLeaveRequest: 'vc-leave-request' as EventName<VcLeaveRequestEvent>,
  onVcEndRequest: 'vc-end-request' as EventName<VcEndRequestEvent>,
  onVcJoinSubmit: 'vc-join-submit' as EventName<VcJoinSubmitEvent>,
  onVcDeviceCheckComplete: 'vc-device-check-complete' as EventName<VcDeviceCheckCompleteEvent>,
};

export const VcConsultation = createComponent({
  react: React,
  tagName: 'vc-consultation',
  elementClass: VcConsultationElement,
  events: sessionEvents,
  displayName: 'VcConsultation',
});

export const VcWaitingRoom = createComponent({
  react: React,
  tagName: 'vc-waiting-room',
  elementClass: VcWaitingRoomElement,
  events: sessionEvents,
  displayName: 'VcWaitingRoom',
});

export const VcDeviceCheck = createComponent({
  react: React,
  tagName: 'vc-device-check',
  elementClass: VcDeviceCheckElement,
  events: {
    onVcError: 'vc-error' as EventName<VcErrorEvent>,
    onVcDeviceCheckComplete: 'vc-device-check-complete' as EventName<VcDeviceCheckCompleteEvent>,
  },
  displayName: 'VcDeviceCheck',
});
