// The one place that says which Chromium the tests drive and how: Debian's, headless, fake camera and
// microphone, no background traffic (this machine's network is closed), WebRTC allowed on loopback.
export const chromiumPath = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];
